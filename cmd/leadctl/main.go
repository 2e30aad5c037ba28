// Command leadctl is the marketer's and operator's command line. Today it uploads a
// lead magnet's file and registers the magnet, on the local run or on a deployed
// stack.
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
  magnets put   upload a lead magnet's file and register the magnet

Run "leadctl <command> -h" for a command's flags.
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "leadctl:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) >= 2 && args[0] == "magnets" && args[1] == "put" {
		return magnetsPut(ctx, args[2:], out)
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
	dataDir := fs.String("local", ".local", "the local run's data folder (stop make dev first: its store is locked while it runs)")
	table := fs.String("table", "", "a deployed stack's DynamoDB table (with -bucket: upload to AWS instead of the local run)")
	bucket := fs.String("bucket", "", "a deployed stack's magnets bucket (the stack's MagnetsBucketName output)")
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

	var (
		store   leadgate.Store
		objects leadgate.ObjectStore
		where   string
	)
	switch {
	case *table != "" && *bucket != "":
		awsCfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return fmt.Errorf("load AWS configuration: %w", err)
		}
		store = dynamodb.New(awsddb.NewFromConfig(awsCfg), *table)
		client := awss3.NewFromConfig(awsCfg)
		objects = s3.New(client, awss3.NewPresignClient(client), *bucket)
		where = fmt.Sprintf("s3://%s and table %s", *bucket, *table)
	case *table != "" || *bucket != "":
		return errors.New("give both -table and -bucket to upload to AWS, or neither for the local run")
	default:
		backend, err := localdev.Embedded(*dataDir)
		if err != nil {
			return fmt.Errorf("%w (is make dev running? stop it first)", err)
		}
		defer backend.Close()
		b, err := localdev.Bucket(*dataDir)
		if err != nil {
			return err
		}
		store, objects, where = backend.Store, b, "the local run in "+*dataDir
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
