package main

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
)

// TestStatsAgainstTheDevServer counts two views through the hosted page and a lead
// through the store, sets the campaign's spend, and prints the stats.
func TestStatsAgainstTheDevServer(t *testing.T) {
	srv, ts, _ := devServer(t)
	ctx := context.Background()
	for range 2 {
		res, err := http.Get(ts.URL + "/p/" + localdev.SampleSlug + "?utm_source=ads&utm_medium=cpc&utm_campaign=launch")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	now := time.Now().UTC()
	sub := leadgate.Submission{ID: "sub-stats-1", Email: "ada@example.com", Page: localdev.SampleSlug, At: now,
		Attribution: leadgate.Attribution{UTMSource: "ads", UTMMedium: "cpc", UTMCampaign: "launch"}}
	if err := srv.Store.CountLead(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if err := srv.Store.PutSpend(ctx, leadgate.Spend{Page: localdev.SampleSlug, Campaign: "launch", Amount: 30, Currency: "EUR", UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}

	out, err := leadctl(t, "stats", "--page", localdev.SampleSlug, "-api", ts.URL, "-token", testToken)
	if err != nil {
		t.Fatalf("stats: %v\n%s", err, out)
	}
	if !strings.Contains(out, "views 2  leads 1  conversion rate 50.0%  confirmations 0  downloads 0") ||
		!regexp.MustCompile(`(?m)^ads\s+cpc\s+launch\s+2\s+1\s+50\.0%\s+0\s+0$`).MatchString(out) ||
		// The spend reads once, on its campaign's row.
		!regexp.MustCompile(`(?m)^launch\s+1\s+30\.00 EUR\s+30\.00 EUR$`).MatchString(out) || strings.Count(out, "30.00 EUR") != 2 {
		t.Fatalf("stats printed:\n%s", out)
	}
	day := leadgate.Day(now)
	out, err = leadctl(t, "stats", "--page", localdev.SampleSlug, "--from", "2020-01-01", "--to", "2020-01-02", "-api", ts.URL, "-token", testToken)
	if err != nil || !strings.Contains(out, "2020-01-01 to 2020-01-02") || !strings.Contains(out, "conversion rate -") || regexp.MustCompile(`(?m)^ads\s`).MatchString(out) {
		t.Fatalf("stats of an empty range: %v\n%s", err, out)
	}
	if out, err := leadctl(t, "stats", "--page", localdev.SampleSlug, "--from", day, "--to", "yesterday", "-api", ts.URL, "-token", testToken); err == nil || !strings.Contains(err.Error(), "to") {
		t.Errorf("a bad day: %v\n%s", err, out)
	}
	if _, err := leadctl(t, "stats", "-api", ts.URL, "-token", testToken); err == nil {
		t.Error("stats without --page did not fail")
	}
	if out, err := leadctl(t, "stats", "-h"); err != nil || !strings.Contains(out, "-page") || !strings.Contains(out, "-sigv4") {
		t.Errorf("stats -h: %v\n%s", err, out)
	}
}
