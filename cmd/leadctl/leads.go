package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"leadgate/shared/admin"
	"leadgate/shared/leadgate"
)

// leadsExport streams a page's leads as CSV from the admin API to stdout or a file.
func leadsExport(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("leads export", flag.ContinueOnError)
	fs.SetOutput(out)
	page := fs.String("page", "", "the page's slug (required)")
	since := fs.String("since", "", "only submissions from this UTC day on, e.g. 2026-01-02 (or an RFC 3339 time)")
	file := fs.String("o", "", "write the CSV to this file (default: standard output)")
	af := adminFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: leadctl leads export -page SLUG [-since 2026-01-02] [-o leads.csv] [flags]")
		fmt.Fprintln(out, "Writes the page's leads as CSV, one row per submission, newest first; cells that a")
		fmt.Fprintln(out, "spreadsheet would take for a formula start with '.")
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
	q := url.Values{}
	if *since != "" {
		q.Set("since", *since)
	}
	dst := out
	var f *os.File
	if *file != "" {
		// Written to a temporary file first: a failed export leaves no half file.
		if f, err = os.CreateTemp(dirOf(*file), ".leads-*.csv"); err != nil {
			return err
		}
		defer os.Remove(f.Name())
		defer f.Close()
		dst = f
	}
	if err := c.stream(ctx, leadgate.AdminPath("pages", *page, "leads.csv"), q, dst); err != nil {
		return err
	}
	if f == nil {
		return nil
	}
	if err := f.Chmod(0o600); err != nil { // leads are personal data
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), *file)
}

func dirOf(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[:i+1]
	}
	return "."
}

// leadErase erases one lead through the admin API and says what went.
func leadErase(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("lead erase", flag.ContinueOnError)
	fs.SetOutput(out)
	af := adminFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: leadctl lead erase EMAIL [flags]")
		fmt.Fprintln(out, "Erases everything stored of the address (GDPR article 17), without asking: the lead,")
		fmt.Fprintln(out, "its submissions and emails' records, its confirmation and unsubscribe links; its download")
		fmt.Fprintln(out, "links stop working. Page counters stay.")
		fs.PrintDefaults()
	}
	// The address may come before the flags, among them or after them.
	rest, done, err := parse(fs, args)
	if done || err != nil {
		return err
	}
	if len(rest) != 1 {
		fs.Usage()
		return errors.New("give one email address")
	}
	email := rest[0]
	c, err := af.client(ctx)
	if err != nil {
		return err
	}
	path := leadgate.AdminPath("leads", email)
	var export admin.LeadExport
	if _, err := c.do(ctx, http.MethodGet, path, nil, &export); err != nil {
		return err
	}
	if _, err := c.do(ctx, http.MethodDelete, path, nil, nil); err != nil {
		return err
	}
	fmt.Fprintf(out, "erased %s: the lead %s, %d submission(s), %d download link(s) (now answering 410), its emails' records, confirmation and unsubscribe links\n",
		export.Lead.Email, export.Lead.ID, len(export.Submissions), len(export.Grants))
	return nil
}
