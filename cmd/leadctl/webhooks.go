package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"

	"leadgate/shared/admin"
	"leadgate/shared/leadgate"
)

// The webhooks commands, one admin API route each.

// webhookCommand parses a webhooks command: its own flags (extra), the API's, and
// nargs arguments; done is true after -h.
func webhookCommand(ctx context.Context, name, usageLine, about string, args []string, out io.Writer, nargs int, extra func(*flag.FlagSet)) (*adminClient, []string, bool, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	if extra != nil {
		extra(fs)
	}
	af := adminFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: leadctl "+usageLine)
		fmt.Fprintln(out, about)
		fs.PrintDefaults()
	}
	rest, done, err := parse(fs, args)
	if done || err != nil {
		return nil, nil, true, err
	}
	if len(rest) != nargs {
		fs.Usage()
		return nil, nil, true, fmt.Errorf("give %d argument(s)", nargs)
	}
	c, err := af.client(ctx)
	return c, rest, false, err
}

// list splits a comma-separated flag value; "" is none.
func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

const eventsHelp = "events, comma-separated: lead.created, lead.updated, lead.confirmed, lead.unsubscribed, lead.suppressed, lead.stage_changed, magnet.downloaded, lead.erased"

func webhooksAdd(ctx context.Context, args []string, out io.Writer) error {
	var url, events, pages, kind, description *string
	c, _, done, err := webhookCommand(ctx, "webhooks add", "webhooks add -url URL -events LIST [flags]",
		"Adds a webhook endpoint and prints its signing secret, which is shown this once.", args, out, 0,
		func(fs *flag.FlagSet) {
			url = fs.String("url", "", "where to post (https; http and localhost only on the local run) (required)")
			events = fs.String("events", "", eventsHelp+" (required)")
			pages = fs.String("pages", "", "only events of these pages, comma-separated (default: every page)")
			kind = fs.String("kind", "webhook", "webhook (signed JSON) or slack (a Slack incoming-webhook URL)")
			description = fs.String("description", "", "what the endpoint is for")
		})
	if done || err != nil {
		return err
	}
	in := admin.WebhookInput{URL: *url, Kind: leadgate.EndpointKind(*kind), Events: list(*events), Pages: list(*pages), Description: *description}
	var wh admin.Webhook
	if _, err := c.do(ctx, http.MethodPost, leadgate.AdminPath("webhooks"), in, &wh); err != nil {
		return err
	}
	fmt.Fprintf(out, "added webhook %s → %s\nsecret: %s\n(keep it: it is not shown again)\n", wh.ID, wh.URL, wh.Secret)
	return nil
}

func webhooksList(ctx context.Context, args []string, out io.Writer) error {
	c, _, done, err := webhookCommand(ctx, "webhooks list", "webhooks list [flags]", "Lists the webhook endpoints.", args, out, 0, nil)
	if done || err != nil {
		return err
	}
	var answer struct {
		Webhooks []admin.Webhook `json:"webhooks"`
	}
	if _, err := c.do(ctx, http.MethodGet, leadgate.AdminPath("webhooks"), nil, &answer); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSTATE\tURL\tEVENTS")
	for _, w := range answer.Webhooks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", w.ID, w.Kind, state(w), w.URL, strings.Join(w.Events, ","))
	}
	return tw.Flush()
}

func state(w admin.Webhook) string {
	switch {
	case !w.Enabled:
		return "off"
	case !w.FailingSince.IsZero():
		return "failing"
	}
	return "on"
}

func webhooksShow(ctx context.Context, args []string, out io.Writer) error {
	c, rest, done, err := webhookCommand(ctx, "webhooks show", "webhooks show ID [flags]", "Prints an endpoint and its recent deliveries.", args, out, 1, nil)
	if done || err != nil {
		return err
	}
	var w admin.Webhook
	if _, err := c.do(ctx, http.MethodGet, leadgate.AdminPath("webhooks", rest[0]), nil, &w); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s (%s, %s) → %s\nevents: %s\n", w.ID, w.Kind, state(w), w.URL, strings.Join(w.Events, ", "))
	if len(w.Pages) > 0 {
		fmt.Fprintf(out, "pages: %s\n", strings.Join(w.Pages, ", "))
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DELIVERY\tEVENT\tSTATUS\tATTEMPTS\tLAST")
	for _, d := range w.Deliveries {
		last := ""
		if n := len(d.Attempts); n > 0 {
			a := d.Attempts[n-1]
			last = a.Error
			if last == "" {
				last = fmt.Sprintf("answered %d", a.StatusCode)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", d.ID, d.EventType, d.Status, len(d.Attempts), last)
	}
	return tw.Flush()
}

func webhooksUpdate(ctx context.Context, args []string, out io.Writer) error {
	var events, pages, url, description *string
	var enable, disable, rotate *bool
	c, rest, done, err := webhookCommand(ctx, "webhooks update", "webhooks update ID [flags]",
		"Changes an endpoint; flags not given stay as they are.", args, out, 1,
		func(fs *flag.FlagSet) {
			events = fs.String("events", "", eventsHelp)
			pages = fs.String("pages", "", "only events of these pages, comma-separated; \"-\" for every page")
			url = fs.String("url", "", "a new address")
			description = fs.String("description", "", "a new description")
			enable = fs.Bool("enable", false, "turn the endpoint on (its failures are forgotten)")
			disable = fs.Bool("disable", false, "turn the endpoint off")
			rotate = fs.Bool("rotate-secret", false, "make a new signing secret; the old one signs too for a day")
		})
	if done || err != nil {
		return err
	}
	if *enable && *disable {
		return errors.New("give -enable or -disable, not both")
	}
	var p admin.WebhookPatch
	if *events != "" {
		ev := list(*events)
		p.Events = &ev
	}
	if *pages != "" {
		pg := list(*pages)
		if *pages == "-" {
			pg = []string{}
		}
		p.Pages = &pg
	}
	if *url != "" {
		p.URL = url
	}
	if *description != "" {
		p.Description = description
	}
	if *enable || *disable {
		on := *enable
		p.Enabled = &on
	}
	p.RotateSecret = *rotate
	var w admin.Webhook
	if _, err := c.do(ctx, http.MethodPatch, leadgate.AdminPath("webhooks", rest[0]), p, &w); err != nil {
		return err
	}
	fmt.Fprintf(out, "updated webhook %s (%s)\n", w.ID, state(w))
	if w.Secret != "" {
		fmt.Fprintf(out, "new secret: %s\n(keep it: it is not shown again; the old one signs too for a day)\n", w.Secret)
	}
	return nil
}

func webhooksDelete(ctx context.Context, args []string, out io.Writer) error {
	c, rest, done, err := webhookCommand(ctx, "webhooks delete", "webhooks delete ID [flags]", "Deletes an endpoint, without asking; its pending deliveries are cancelled.", args, out, 1, nil)
	if done || err != nil {
		return err
	}
	if _, err := c.do(ctx, http.MethodDelete, leadgate.AdminPath("webhooks", rest[0]), nil, nil); err != nil {
		return err
	}
	fmt.Fprintf(out, "deleted webhook %s\n", rest[0])
	return nil
}

func webhooksTest(ctx context.Context, args []string, out io.Writer) error {
	c, rest, done, err := webhookCommand(ctx, "webhooks test", "webhooks test ID [flags]", "Sends a test event to the endpoint now.", args, out, 1, nil)
	if done || err != nil {
		return err
	}
	return postDelivery(ctx, c, out, leadgate.AdminPath("webhooks", rest[0], "test"))
}

func webhooksRedeliver(ctx context.Context, args []string, out io.Writer) error {
	c, rest, done, err := webhookCommand(ctx, "webhooks redeliver", "webhooks redeliver ID DELIVERY [flags]", "Sends one delivery again now, with the same webhook-id.", args, out, 2, nil)
	if done || err != nil {
		return err
	}
	return postDelivery(ctx, c, out, leadgate.AdminPath("webhooks", rest[0], "deliveries", rest[1], "redeliver"))
}

func postDelivery(ctx context.Context, c *adminClient, out io.Writer, path string) error {
	var d leadgate.WebhookDelivery
	if _, err := c.do(ctx, http.MethodPost, path, nil, &d); err != nil {
		return err
	}
	last := ""
	if n := len(d.Attempts); n > 0 {
		if last = d.Attempts[n-1].Error; last == "" {
			last = fmt.Sprintf("answered %d", d.Attempts[n-1].StatusCode)
		}
	}
	fmt.Fprintf(out, "delivery %s: %s (%s)\n", d.ID, d.Status, last)
	if d.Status != leadgate.DeliveryDelivered {
		return errors.New("not delivered")
	}
	return nil
}
