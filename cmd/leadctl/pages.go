package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"leadgate/shared/admin"
	"leadgate/shared/emails"
	"leadgate/shared/leadgate"
	"leadgate/shared/pagefile/reader"
)

// progressOut receives the upload's progress line.
var progressOut io.Writer = os.Stderr

func pagesApply(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("pages apply", flag.ContinueOnError)
	fs.SetOutput(out)
	file := fs.String("f", "", "the page file (YAML; see infra/examples/page.yaml) (required)")
	magnetFile := fs.String("magnet-file", "", "upload this file as the magnet's (the page file's magnet: section describes it)")
	af := adminFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: leadctl pages apply -f page.yaml [-magnet-file ebook.pdf] [flags]")
		fmt.Fprintln(out, "Checks the page file, uploads the magnet's file if given, then saves the magnet and the page.")
		fs.PrintDefaults()
	}
	rest, done, err := parse(fs, args)
	if done || err != nil {
		return err
	}
	if *file == "" || len(rest) > 0 {
		fs.Usage()
		return errors.New("-f is required, and nothing else")
	}
	data, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	page, magnet, err := reader.Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %w", *file, describe(err))
	}
	if *magnetFile != "" && magnet == nil {
		return fmt.Errorf("%s: -magnet-file needs a magnet: section that describes the magnet (id, title, kind)", *file)
	}

	// Check everything that can be checked here before anything is sent.
	var f *os.File
	var size int64
	if magnet != nil && *magnetFile != "" {
		if f, err = os.Open(*magnetFile); err != nil {
			return err
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil {
			return err
		}
		size = info.Size()
		if magnet.FileName == "" {
			magnet.FileName = filepath.Base(*magnetFile)
		}
		if magnet.ContentType == "" {
			magnet.ContentType = contentTypeOf(*magnetFile)
		}
		magnet.ObjectKey = leadgate.MagnetObjectKey(magnet.ID, magnet.FileName)
	}
	if err := checkLocally(page, magnet); err != nil {
		return fmt.Errorf("%s: %w", *file, describe(err))
	}

	c, err := af.client(ctx)
	if err != nil {
		return err
	}
	if magnet != nil {
		if f != nil {
			if err := upload(ctx, c, magnet, f, size); err != nil {
				return err
			}
		} else if err := keepMagnetFile(ctx, c, magnet); err != nil {
			return err
		}
		status, err := c.do(ctx, http.MethodPut, leadgate.AdminPath("magnets", magnet.ID), magnet, magnet)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s magnet %s (%s)\n", savedWord(status), magnet.ID, magnet.FileName)
	}
	status, err := c.do(ctx, http.MethodPut, leadgate.AdminPath("pages", page.Slug), page, &page)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s page %s: %s%s\n", savedWord(status), page.Slug, strings.TrimRight(*af.api, "/"), leadgate.PagePath(page.Slug))
	return nil
}

// checkLocally runs the API's own checks of the page and its magnet (all but the
// magnet's existence), so that a mistake is shown before anything is uploaded.
func checkLocally(page leadgate.Page, magnet *leadgate.Magnet) error {
	var fields []leadgate.FieldError
	if err := page.Validate(); err != nil {
		fields = append(fields, leadgate.AsError(err).Fields...)
	}
	if err := emails.CheckTemplates(page); err != nil {
		fields = append(fields, leadgate.AsError(err).Fields...)
	}
	if magnet != nil && magnet.ObjectKey != "" {
		if err := magnet.Validate(); err != nil {
			for _, fe := range leadgate.AsError(err).Fields {
				fe.Field = "magnet." + fe.Field
				fields = append(fields, fe)
			}
		}
	}
	if len(fields) > 0 {
		return &leadgate.Error{Code: leadgate.EINVALID, Message: "the page file is not valid", Fields: fields}
	}
	return nil
}

func contentTypeOf(name string) string {
	if ct := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); ct != "" {
		return ct
	}
	return "application/octet-stream"
}

func savedWord(status int) string {
	if status == http.StatusCreated {
		return "created"
	}
	return "updated"
}

// upload asks the API for an upload link and PUTs the file to it, with a progress
// line on stderr; the magnet's object key becomes the link's.
func upload(ctx context.Context, c *adminClient, m *leadgate.Magnet, f *os.File, size int64) error {
	var link admin.UploadLink
	if _, err := c.do(ctx, http.MethodPost, leadgate.AdminPath("magnets", m.ID, "upload-url"),
		admin.UploadRequest{ContentType: m.ContentType, FileName: m.FileName, Size: size}, &link); err != nil {
		return err
	}
	target, err := c.base.Parse(link.URL) // a relative link is the API's own
	if err != nil {
		return fmt.Errorf("the upload link %q does not parse: %w", link.URL, err)
	}
	p := &progress{r: f, total: size, name: filepath.Base(f.Name()), w: progressOut, shown: -1}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, target.String(), p)
	if err != nil {
		return err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", link.ContentType)
	res, err := (&http.Client{}).Do(req)
	p.done()
	if err != nil {
		return fmt.Errorf("upload %s: %w", f.Name(), err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 500))
		return fmt.Errorf("upload %s: %d %s: %s", f.Name(), res.StatusCode, http.StatusText(res.StatusCode), strings.TrimSpace(string(body)))
	}
	m.ObjectKey = link.ObjectKey
	return nil
}

// keepMagnetFile fills in the file of a magnet saved without -magnet-file from the
// magnet as stored: a page file can be applied again without its upload.
func keepMagnetFile(ctx context.Context, c *adminClient, m *leadgate.Magnet) error {
	if m.ObjectKey != "" {
		return nil
	}
	var old leadgate.Magnet
	status, err := c.do(ctx, http.MethodGet, leadgate.AdminPath("magnets", m.ID), nil, &old)
	if status == http.StatusNotFound {
		return fmt.Errorf("magnet %s has no file yet: pass -magnet-file", m.ID)
	}
	if err != nil {
		return err
	}
	m.ObjectKey = old.ObjectKey
	if m.FileName == "" {
		m.FileName = old.FileName
	}
	if m.ContentType == "" {
		m.ContentType = old.ContentType
	}
	return nil
}

// progress reports how much of an upload has been read, on one line.
type progress struct {
	r           io.Reader
	w           io.Writer
	name        string
	total, sent int64
	shown       int64 // the percentage last shown; -1 before the first
}

func (p *progress) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.sent += int64(n)
	pct := int64(100)
	if p.total > 0 {
		pct = p.sent * 100 / p.total
	}
	if pct != p.shown || p.sent == 0 {
		p.shown = pct
		fmt.Fprintf(p.w, "\rupload %s: %3d%% (%s of %s)", p.name, pct, mib(p.sent), mib(p.total))
	}
	return n, err
}

func (p *progress) done() { fmt.Fprintln(p.w) }

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func pagesList(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("pages list", flag.ContinueOnError)
	fs.SetOutput(out)
	af := adminFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: leadctl pages list [flags]")
		fmt.Fprintln(out, "Lists every page: slug, title, opt-in and magnet.")
		fs.PrintDefaults()
	}
	rest, done, err := parse(fs, args)
	if done || err != nil {
		return err
	}
	if len(rest) > 0 {
		fs.Usage()
		return errors.New("pages list takes no arguments")
	}
	c, err := af.client(ctx)
	if err != nil {
		return err
	}
	var list struct {
		Pages []leadgate.Page `json:"pages"`
	}
	if _, err := c.do(ctx, http.MethodGet, leadgate.AdminPath("pages"), nil, &list); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tTITLE\tOPT-IN\tMAGNET")
	for _, p := range list.Pages {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Slug, p.Title, p.OptIn, p.MagnetID)
	}
	return tw.Flush()
}

func pagesEmbed(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("pages embed", flag.ContinueOnError)
	fs.SetOutput(out)
	af := adminFlags(fs)
	page := fs.String("page", "", "the page's slug (required)")
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: leadctl pages embed -page SLUG [flags]")
		fmt.Fprintln(out, "Prints the page's embed snippet: a plain HTML form for your own site, posting to the capture route.")
		fs.PrintDefaults()
	}
	rest, done, err := parse(fs, args)
	if done || err != nil {
		return err
	}
	if *page == "" || len(rest) > 0 {
		fs.Usage()
		return errors.New("-page is required, and nothing else")
	}
	c, err := af.client(ctx)
	if err != nil {
		return err
	}
	var snippet struct {
		HTML string `json:"html"`
	}
	if _, err := c.do(ctx, http.MethodGet, leadgate.AdminPath("pages", *page, "embed"), nil, &snippet); err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, snippet.HTML)
	return err
}

func pagesDelete(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("pages delete", flag.ContinueOnError)
	fs.SetOutput(out)
	af := adminFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: leadctl pages delete SLUG [flags]")
		fmt.Fprintln(out, "Deletes the page, without asking: its hosted page and capture route answer 404 from then on.")
		fmt.Fprintln(out, "Its leads, submissions, download links and counts stay; a page applied later with the same")
		fmt.Fprintln(out, "slug takes them up.")
		fs.PrintDefaults()
	}
	rest, done, err := parse(fs, args)
	if done || err != nil {
		return err
	}
	if len(rest) != 1 {
		fs.Usage()
		return errors.New("give one page's slug")
	}
	c, err := af.client(ctx)
	if err != nil {
		return err
	}
	if _, err := c.do(ctx, http.MethodDelete, leadgate.AdminPath("pages", rest[0]), nil, nil); err != nil {
		return err
	}
	fmt.Fprintf(out, "deleted page %s: its leads and counts are kept\n", rest[0])
	return nil
}
