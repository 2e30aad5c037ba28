// Command leadctl is the marketer's and operator's command line. Every command
// works through the admin API (the local run's, with its token, or a deployed
// stack's, with SigV4): it applies page files, lists pages, prints a page's embed
// snippet, uploads a lead magnet's file and registers the magnet, revokes download
// links, exports a page's leads, erases a lead, prints a page's funnel stats and
// manages webhook endpoints. It never opens a store itself, so it runs alongside
// make dev. One operator command, replay, talks to a deployed stack's queues and
// functions instead: it re-drives what failed through the functions, never writing
// the table itself.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"leadgate/shared/admin"
	"leadgate/shared/leadgate"
)

const usage = `leadctl manages Leadgate through its admin API.

Commands:
  pages apply    check a page file (YAML), upload its magnet's file, save both
  pages list     list the pages: slug, title, opt-in, magnet
  pages embed    print a page's embed snippet for your own site
  pages delete   delete a page (its leads and counts stay)
  pages promote  make a variant of a page's A/B test the page (the test ends, kept in its history)
  magnets put    upload a lead magnet's file and register the magnet
  magnets coupons  add a CSV of codes to a coupon magnet's pool
  links revoke   stop a forwarded or leaked download link for good
  leads export   write a page's leads as CSV (formula-safe)
  lead erase     erase everything stored of one address (GDPR)
  stats          print a page's funnel: totals and one row per source
  replay         re-drive a failure queue of a deployed stack (AWS credentials)
  webhooks add        add a webhook (or Slack) endpoint; prints its secret once
  webhooks list       list the endpoints
  webhooks show       print an endpoint and its recent deliveries
  webhooks update     change an endpoint's events, pages or state; rotate its secret
  webhooks delete     delete an endpoint
  webhooks test       send a test event now
  webhooks redeliver  send one delivery again now

Every command talks to the local run (make dev; -api, -token) or, with -sigv4, to a
deployed stack. Run "leadctl <command> -h" for a command's flags.
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "leadctl:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	commands := map[string]func(context.Context, []string, io.Writer) error{
		"pages apply":     pagesApply,
		"pages list":      pagesList,
		"pages embed":     pagesEmbed,
		"pages delete":    pagesDelete,
		"pages promote":   pagesPromote,
		"magnets put":     magnetsPut,
		"magnets coupons": magnetsCoupons,
		"links revoke":    linksRevoke,
		"leads export":    leadsExport,
		"lead erase":      leadErase,

		"webhooks add":       webhooksAdd,
		"webhooks list":      webhooksList,
		"webhooks show":      webhooksShow,
		"webhooks update":    webhooksUpdate,
		"webhooks delete":    webhooksDelete,
		"webhooks test":      webhooksTest,
		"webhooks redeliver": webhooksRedeliver,
	}
	if len(args) >= 2 {
		if cmd, ok := commands[args[0]+" "+args[1]]; ok {
			return cmd(ctx, args[2:], out)
		}
	}
	if len(args) >= 1 && args[0] == "stats" {
		return statsCmd(ctx, args[1:], out)
	}
	if len(args) >= 1 && args[0] == "replay" {
		return replayCmd(ctx, args[1:], out)
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(out, usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return errors.New("unknown command")
}

// parseArgs parses flags wherever they stand among the arguments (leadctl links
// revoke URL -api X), so that a flag after an argument is read as a flag, and an
// unknown one is refused, never taken for an argument. "--" ends the flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		left := fs.Args()
		if len(left) == 0 {
			return rest, nil
		}
		if consumed := len(args) - len(left); consumed > 0 && args[consumed-1] == "--" {
			return append(rest, left...), nil
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}

// parse parses a command's flags and arguments. -h prints the usage and ends the
// command without an error (done true); a bad flag is an error, after the usage.
func parse(fs *flag.FlagSet, args []string) (rest []string, done bool, err error) {
	rest, err = parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil, true, nil
	}
	return rest, false, err
}

func magnetsPut(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("magnets put", flag.ContinueOnError)
	fs.SetOutput(out)
	id := fs.String("id", "", "the magnet's id: lower-case letters, digits and hyphens (required)")
	title := fs.String("title", "", "the magnet's title (required)")
	kind := fs.String("kind", "ebook", "ebook, whitepaper, checklist, template, ...")
	file := fs.String("file", "", "the file to upload (required)")
	fileName := fs.String("file-name", "", "the name the visitor's download gets (default: the file's own name)")
	contentType := fs.String("content-type", "", "the file's type (default: from its extension)")
	af := adminFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: leadctl magnets put -id ID -title TITLE -file PATH [flags]")
		fmt.Fprintln(out, "Uploads the file through an upload link of the admin API, then saves the magnet;")
		fmt.Fprintln(out, "an existing magnet keeps its creation time.")
		fs.PrintDefaults()
	}
	rest, done, err := parse(fs, args)
	if done || err != nil {
		return err
	}
	if *id == "" || *title == "" || *file == "" || len(rest) > 0 {
		fs.Usage()
		return errors.New("-id, -title and -file are required, and nothing else")
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	m := leadgate.Magnet{ID: *id, Title: *title, Kind: *kind, FileName: *fileName, ContentType: *contentType}
	if m.FileName == "" {
		m.FileName = filepath.Base(*file)
	}
	if m.ContentType == "" {
		m.ContentType = contentTypeOf(*file)
	}
	// Checked here before the upload; the upload link then names the key the API
	// chose, the same one.
	m.ObjectKey = leadgate.MagnetObjectKey(m.ID, m.FileName)
	if err := m.Validate(); err != nil {
		return describe(err)
	}
	c, err := af.client(ctx)
	if err != nil {
		return err
	}
	if err := upload(ctx, c, &m, f, info.Size()); err != nil {
		return err
	}
	status, err := c.do(ctx, http.MethodPut, leadgate.AdminPath("magnets", m.ID), m, &m)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "uploaded %s (%d bytes) as magnet %q (%s) to %s\n", *file, info.Size(), m.ID, savedWord(status), c.base)
	return nil
}

// describe turns a domain error into a message that lists what to fix.
func describe(err error) error {
	de := leadgate.AsError(err)
	if de.Code == leadgate.EINTERNAL || de.Code == leadgate.EUNAVAILABLE {
		return err // the operator needs the cause
	}
	if len(de.Fields) == 0 {
		return errors.New(de.Message)
	}
	var b strings.Builder
	b.WriteString(de.Message)
	for _, fe := range de.Fields {
		fmt.Fprintf(&b, "\n  %s: %s", fe.Field, fe.Message)
	}
	return errors.New(b.String())
}

func linksRevoke(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("links revoke", flag.ContinueOnError)
	fs.SetOutput(out)
	af := adminFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: leadctl links revoke [flags] DOWNLOAD-LINK...")
		fmt.Fprintln(out, "Each link is a download URL (…/v1/downloads/TOKEN) or its token; it answers 410 from then on.")
		fs.PrintDefaults()
	}
	links, done, err := parse(fs, args)
	if done || err != nil {
		return err
	}
	if len(links) == 0 {
		fs.Usage()
		return errors.New("name at least one download link")
	}
	c, err := af.client(ctx)
	if err != nil {
		return err
	}
	for _, link := range links {
		var g admin.GrantStatus
		if _, err := c.do(ctx, http.MethodPost, leadgate.AdminPath("links", "revoke"), admin.RevokeRequest{Link: link}, &g); err != nil {
			return fmt.Errorf("%s: %w", redactLink(link), err)
		}
		fmt.Fprintf(out, "revoked %s: page %s, magnet %s, %d download(s)\n", redactLink(link), g.Page, g.MagnetID, g.Downloads)
	}
	return nil
}

// redactLink shows enough of a link's token to recognise it, not enough to use it.
func redactLink(link string) string {
	i := strings.LastIndexByte(link, '/') + 1
	token := link[i:]
	if len(token) <= 6 {
		return link[:i] + "…"
	}
	return link[:i] + token[:6] + "…"
}
