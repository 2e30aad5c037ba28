package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"text/tabwriter"

	"leadgate/shared/admin"
	"leadgate/shared/leadgate"
)

// printVariants prints the page's running A/B test, one row per arm with the
// significance line, and the tests that ended.
func printVariants(out io.Writer, rep admin.PageStats) error {
	if v := rep.Variants; v != nil {
		fmt.Fprintf(out, "\nA/B test since %s (all days of the test)\n", v.Since.Format("2006-01-02 15:04 UTC"))
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ARM\tWEIGHT\tVIEWS\tLEADS\tCONV. RATE\tCONFIRMATIONS\tDOWNLOADS\tVS CONTROL")
		for _, a := range v.Arms {
			verdict := a.Verdict
			if a.Control {
				verdict = "(control)"
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%d\t%d\t%s\n", a.Arm, a.Weight, a.Views, a.Leads, rate(a.ConversionRate),
				a.Confirmations, a.Downloads, verdict)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(out, "significance: %s\n", v.Summary)
	}
	for _, h := range rep.VariantHistory {
		winner := h.Winner
		if winner == "" {
			winner = "none"
		}
		fmt.Fprintf(out, "\nA/B test %s to %s, winner %s\n", h.Started.Format("2006-01-02"), h.Ended.Format("2006-01-02"), winner)
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ARM\tVIEWS\tLEADS\tCONV. RATE\tDOWNLOADS")
		for _, a := range h.Arms {
			r := "-"
			if a.Views > 0 {
				c := a.Conversion()
				r = rate(&c)
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\n", a.Arm, a.Views, a.Leads, r, a.Downloads)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// pagesPromote makes a variant of a page's A/B test the page.
func pagesPromote(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("pages promote", flag.ContinueOnError)
	fs.SetOutput(out)
	af := adminFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: leadctl pages promote SLUG VARIANT [flags]")
		fmt.Fprintln(out, "Makes the variant the page, without asking: its title, description, cover, button, layout and")
		fmt.Fprintln(out, "fields become the page's, the A/B test ends and is kept in the page's history with each arm's")
		fmt.Fprintln(out, "counts. VARIANT control ends the test keeping the page as it is.")
		fs.PrintDefaults()
	}
	rest, done, err := parse(fs, args)
	if done || err != nil {
		return err
	}
	if len(rest) != 2 {
		fs.Usage()
		return errors.New("give the page's slug and the variant's id")
	}
	c, err := af.client(ctx)
	if err != nil {
		return err
	}
	var p leadgate.Page
	if _, err := c.do(ctx, http.MethodPost, leadgate.AdminPath("pages", rest[0], "variants", rest[1], "promote"), nil, &p); err != nil {
		return err
	}
	fmt.Fprintf(out, "promoted variant %s of page %s: the test ended and is kept in the page's history\n", rest[1], p.Slug)
	return nil
}
