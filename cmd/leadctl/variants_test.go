package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
)

// TestVariantsStatsAndPromote prints a running A/B test per arm with its
// significance line, then promotes the variant and prints the test's history.
func TestVariantsStatsAndPromote(t *testing.T) {
	srv, ts, _ := devServer(t)
	ctx := context.Background()
	p, err := srv.Store.Page(ctx, localdev.SampleSlug)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	p.Variants = []leadgate.Variant{{ID: "b", Title: "The free playbook"}}
	p.VariantsSince = now
	if err := srv.Store.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	n := 0
	count := func(arm string, views, leads int) {
		for range views {
			if err := srv.Store.CountArmView(ctx, p.Slug, leadgate.Day(now), leadgate.Source{}, arm); err != nil {
				t.Fatal(err)
			}
		}
		for range leads {
			n++
			if err := srv.Store.CountLead(ctx, leadgate.Submission{ID: "sub-" + strconv.Itoa(n), Page: p.Slug, At: now, Variant: arm}); err != nil {
				t.Fatal(err)
			}
		}
	}
	count("control", 100, 9)
	out, err := leadctl(t, "stats", "--page", p.Slug, "-api", ts.URL, "-token", testToken)
	if err != nil || !regexp.MustCompile(`(?m)^control\s+100\s+100\s+9\s+9\.0%\s+0\s+0\s+\(control\)$`).MatchString(out) ||
		!strings.Contains(out, "significance: not enough data yet: every arm needs at least 100 views and 10 leads (two-proportion z-test, two-sided)") {
		t.Fatalf("stats: %v\n%s", err, out)
	}
	count("control", 900, 91)
	count("b", 1000, 150)
	out, err = leadctl(t, "stats", "--page", p.Slug, "-api", ts.URL, "-token", testToken)
	if err != nil || !regexp.MustCompile(`(?m)^b\s+100\s+1000\s+150\s+15\.0%\s+0\s+0\s+\+50\.0% vs control, p = 0\.0007, significant$`).MatchString(out) ||
		!strings.Contains(out, "significance: b: +50.0% vs control, p = 0.0007, significant (two-proportion z-test, two-sided, at p < 0.05)") {
		t.Fatalf("stats: %v\n%s", err, out)
	}

	out, err = leadctl(t, "pages", "promote", p.Slug, "b", "-api", ts.URL, "-token", testToken)
	if err != nil || !strings.Contains(out, "promoted variant b of page "+p.Slug) {
		t.Fatalf("promote: %v\n%s", err, out)
	}
	won, err := srv.Store.Page(ctx, p.Slug)
	if err != nil || won.Title != "The free playbook" || won.HasVariants() {
		t.Fatalf("promoted page %+v, %v", won, err)
	}
	out, err = leadctl(t, "stats", "--page", p.Slug, "-api", ts.URL, "-token", testToken)
	if err != nil || !strings.Contains(out, "winner b") || !regexp.MustCompile(`(?m)^b\s+1000\s+150\s+15\.0%\s+0$`).MatchString(out) || strings.Contains(out, "significance:") {
		t.Fatalf("stats after promotion: %v\n%s", err, out)
	}
	if _, err := leadctl(t, "pages", "promote", p.Slug, "b", "-api", ts.URL, "-token", testToken); err == nil {
		t.Error("promoting without a test did not fail")
	}
}
