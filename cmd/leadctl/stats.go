package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"text/tabwriter"

	"leadgate/shared/admin"
	"leadgate/shared/leadgate"
)

// statsCmd prints a page's funnel (the admin API's stats): the totals, then one
// row per source with its campaign's spend and cost per lead.
func statsCmd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	fs.SetOutput(out)
	af := adminFlags(fs)
	page := fs.String("page", "", "the page's slug (required)")
	from := fs.String("from", "", "the first UTC day, e.g. 2026-01-02 (default: 29 days before -to)")
	to := fs.String("to", "", "the last UTC day (default: today)")
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: leadctl stats --page SLUG [--from DAY --to DAY] [flags]")
		fmt.Fprintln(out, "Prints a page's funnel: views, leads, conversion rate, confirmations and downloads in all")
		fmt.Fprintln(out, "and per source (utm_source, utm_medium, utm_campaign), with each campaign's spend and cost per lead.")
		fs.PrintDefaults()
	}
	rest, done, err := parse(fs, args)
	if done || err != nil {
		return err
	}
	if *page == "" || len(rest) > 0 {
		fs.Usage()
		return errors.New("give the page with --page")
	}
	c, err := af.client(ctx)
	if err != nil {
		return err
	}
	q := url.Values{}
	if *from != "" {
		q.Set("from", *from)
	}
	if *to != "" {
		q.Set("to", *to)
	}
	path := leadgate.AdminPath("pages", *page, "stats")
	var body bytes.Buffer
	if err := c.stream(ctx, path, q, &body); err != nil {
		return err
	}
	var rep admin.PageStats
	if err := json.Unmarshal(body.Bytes(), &rep); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	t := rep.Totals
	fmt.Fprintf(out, "%s, %s to %s (UTC)\n", rep.Page, rep.From, rep.To)
	fmt.Fprintf(out, "views %d  leads %d  conversion rate %s  confirmations %d  downloads %d\n\n",
		t.Views, t.Leads, rate(t.ConversionRate), t.Confirmations, t.Downloads)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tMEDIUM\tCAMPAIGN\tVIEWS\tLEADS\tCONV. RATE\tCONFIRMATIONS\tDOWNLOADS")
	for _, s := range rep.Sources {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%d\t%d\n", s.Source.Source, s.Medium, s.Campaign,
			s.Views, s.Leads, rate(s.ConversionRate), s.Confirmations, s.Downloads)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// A spend is the campaign's, whatever its sources: one row per campaign, so
	// that it does not read once per source.
	fmt.Fprintln(out)
	tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CAMPAIGN\tLEADS\tSPEND\tCOST PER LEAD")
	for _, c := range rep.Campaigns {
		spend, cpl := "-", "-"
		if c.Spend != nil {
			spend = amount(c.Spend.Amount, c.Spend.Currency)
			if c.CostPerLead != nil {
				cpl = amount(*c.CostPerLead, c.Spend.Currency)
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", c.Campaign, c.Leads, spend, cpl)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return printVariants(out, rep)
}

func rate(r *float64) string {
	if r == nil {
		return "-"
	}
	return strconv.FormatFloat(100**r, 'f', 1, 64) + "%"
}

func amount(v float64, currency string) string {
	return strconv.FormatFloat(v, 'f', 2, 64) + " " + currency
}
