// Command leadctl is the marketer's and operator's command line: it applies page
// files, lists pages, exports a page's leads, prints a page's funnel stats and erases
// a lead through the admin API
// (the local run's, with its token, or a deployed stack's, with SigV4), uploads a
// lead magnet's file and registers the magnet, and revokes download links.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"leadgate/shared/dynamodb"
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
	"leadgate/shared/s3"
)

const usage = `leadctl manages Leadgate.

Commands:
  pages apply    check a page file (YAML), upload its magnet's file, save both
  pages list     list the pages: slug, title, opt-in, magnet
  pages embed    print a page's embed snippet for your own site
  magnets put    upload a lead magnet's file and register the magnet
  links revoke   stop a forwarded or leaked download link for good
  leads export   write a page's leads as CSV (formula-safe)
  lead erase     erase everything stored of one address (GDPR)
  stats          print a page's funnel: totals and one row per source

Run "leadctl <command> -h" for a command's flags.
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "leadctl:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) >= 2 && args[0] == "pages" && args[1] == "apply" {
		return pagesApply(ctx, args[2:], out)
	}
	if len(args) >= 2 && args[0] == "pages" && args[1] == "embed" {
		return pagesEmbed(ctx, args[2:], out)
	}
	if len(args) >= 2 && args[0] == "pages" && args[1] == "list" {
		return pagesList(ctx, args[2:], out)
	}
	if len(args) >= 2 && args[0] == "magnets" && args[1] == "put" {
		return magnetsPut(ctx, args[2:], out)
	}
	if len(args) >= 2 && args[0] == "links" && args[1] == "revoke" {
		return linksRevoke(ctx, args[2:], out)
	}
	if len(args) >= 2 && args[0] == "leads" && args[1] == "export" {
		return leadsExport(ctx, args[2:], out)
	}
	if len(args) >= 2 && args[0] == "lead" && args[1] == "erase" {
		return leadErase(ctx, args[2:], out)
	}
	if len(args) >= 1 && args[0] == "stats" {
		return statsCmd(ctx, args[1:], out)
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(out, usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return errors.New("unknown command")
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
	t := targetFlags(fs, true)
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: leadctl magnets put -id ID -title TITLE -file PATH [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *id == "" || *title == "" || *file == "" {
		fs.Usage()
		return errors.New("-id, -title and -file are required")
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
	if *fileName == "" {
		*fileName = filepath.Base(*file)
	}
	if *contentType == "" {
		*contentType = mime.TypeByExtension(strings.ToLower(filepath.Ext(*file)))
		if *contentType == "" {
			*contentType = "application/octet-stream"
		}
	}
	m := leadgate.Magnet{ID: *id, Title: *title, Kind: *kind, ObjectKey: "magnets/" + *id + strings.ToLower(filepath.Ext(*fileName)),
		FileName: *fileName, ContentType: *contentType, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if err := m.Validate(); err != nil {
		return describe(err)
	}

	if (*t.table == "") != (*t.bucket == "") {
		return errors.New("give both -table and -bucket to upload to AWS, or neither for the local run")
	}
	store, where, closeStore, err := t.store(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	var objects leadgate.ObjectStore
	if *t.bucket != "" {
		awsCfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return fmt.Errorf("load AWS configuration: %w", err)
		}
		client := awss3.NewFromConfig(awsCfg)
		objects = s3.New(client, awss3.NewPresignClient(client), *t.bucket)
		where = "s3://" + *t.bucket + " and " + where
	} else if objects, err = localdev.Bucket(*t.dataDir); err != nil {
		return err
	}
	if err := objects.Put(ctx, m.ObjectKey, f, info.Size(), m.ContentType); err != nil {
		return describe(err)
	}
	if err := store.PutMagnet(ctx, m); err != nil {
		return describe(err)
	}
	fmt.Fprintf(out, "uploaded %s (%d bytes) as magnet %q to %s\n", *file, info.Size(), m.ID, where)
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

// target is where a command acts: the local run's data folder, or a deployed stack.
type target struct {
	dataDir, table, bucket *string
}

func targetFlags(fs *flag.FlagSet, withBucket bool) target {
	t := target{
		dataDir: fs.String("local", ".local", "the local run's data folder (stop make dev first: its store is locked while it runs)"),
		table:   fs.String("table", "", "a deployed stack's DynamoDB table (act on AWS instead of the local run)"),
	}
	if withBucket {
		t.bucket = fs.String("bucket", "", "a deployed stack's magnets bucket (the stack's MagnetsBucketName output)")
	}
	return t
}

// store opens the target's store; close releases it.
func (t target) store(ctx context.Context) (store leadgate.Store, where string, close func() error, err error) {
	if *t.table != "" {
		awsCfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, "", nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		return dynamodb.New(awsddb.NewFromConfig(awsCfg), *t.table), "table " + *t.table, func() error { return nil }, nil
	}
	backend, err := localdev.Embedded(*t.dataDir)
	if err != nil {
		return nil, "", nil, fmt.Errorf("%w (is make dev running? stop it first)", err)
	}
	return backend.Store, "the local run in " + *t.dataDir, backend.Close, nil
}

func linksRevoke(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("links revoke", flag.ContinueOnError)
	fs.SetOutput(out)
	t := targetFlags(fs, false)
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: leadctl links revoke [flags] DOWNLOAD-LINK...")
		fmt.Fprintln(out, "Each link is a download URL (…/v1/downloads/TOKEN) or its token.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("name at least one download link")
	}
	store, where, closeStore, err := t.store(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	for _, link := range fs.Args() {
		token := link[strings.LastIndexByte(link, '/')+1:]
		if i := strings.IndexAny(token, "?#"); i >= 0 {
			token = token[:i]
		}
		if err := store.RevokeGrant(ctx, leadgate.GrantID(token)); err != nil {
			return fmt.Errorf("%s: %w", link, describe(err))
		}
		fmt.Fprintf(out, "revoked %s in %s\n", redactToken(token), where)
	}
	return nil
}

// redactToken shows enough of a token to recognise it, not enough to use it.
func redactToken(token string) string {
	if len(token) <= 6 {
		return "…"
	}
	return token[:6] + "…"
}
