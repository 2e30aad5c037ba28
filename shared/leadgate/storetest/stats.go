package storetest

import (
	"slices"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// testFunnelCounts counts views, leads, a confirmation and downloads, each change
// delivered twice, and reads them back per source and in the day's totals.
func testFunnelCounts(t *testing.T, s leadgate.Store) {
	p := Page("funnel")
	mustPutPage(t, s, p)
	day := leadgate.Day(T0)
	google := leadgate.NewSource("google", "cpc", "spring")
	for _, src := range []leadgate.Source{google, google, {}} {
		if err := s.CountView(ctx(t), p.Slug, day, src); err != nil {
			t.Fatal(err)
		}
	}
	first := mustCapture(t, s, Capture(p, "one@example.com", T0, "google"))
	second := mustCapture(t, s, Capture(p, "two@example.com", T0.Add(time.Minute), "google"))
	for _, sub := range []leadgate.Submission{first.Submission, second.Submission, first.Submission, second.Submission} {
		if err := s.CountLead(ctx(t), sub); err != nil {
			t.Fatalf("count lead: %v", err)
		}
	}
	conf := leadgate.Confirmation{ID: nextID("conf"), Email: "one@example.com", LeadID: first.Lead.ID, Page: p.Slug,
		SubmissionID: first.Submission.ID, CreatedAt: T0, ExpiresAt: T0.Add(leadgate.ConfirmationTTL)}
	if err := s.PutConfirmation(ctx(t), conf); err != nil {
		t.Fatal(err)
	}
	confirmed, err := s.Confirm(ctx(t), conf.ID, T0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.CountConfirmation(ctx(t), confirmed); err != nil {
			t.Fatalf("count confirmation: %v", err)
		}
	}
	downloads := []leadgate.Download{
		{GrantID: "fg1", N: 1, Page: p.Slug, Email: "one@example.com", At: T0.Add(2 * time.Hour), Source: google},
		{GrantID: "fg1", N: 1, Page: p.Slug, Email: "one@example.com", At: T0.Add(2 * time.Hour), Source: google},
		{GrantID: "fg2", N: 1, Page: p.Slug, At: T0.Add(3 * time.Hour)},
	}
	for _, d := range downloads {
		if err := s.CountDownload(ctx(t), d); err != nil {
			t.Fatal(err)
		}
	}

	rows, err := s.PageStats(ctx(t), p.Slug, day, day)
	if err != nil {
		t.Fatal(err)
	}
	direct := leadgate.NewSource("", "", "")
	want := map[leadgate.Source]leadgate.SourceDayCounts{
		google: {Page: p.Slug, Day: day, Source: google, Views: 2, Leads: 2, Confirmations: 1, Downloads: 1},
		direct: {Page: p.Slug, Day: day, Source: direct, Views: 1, Downloads: 1},
	}
	if len(rows) != len(want) {
		t.Fatalf("PageStats rows %+v, want %d", rows, len(want))
	}
	for _, r := range rows {
		if w, ok := want[r.Source]; !ok || r != w {
			t.Errorf("row %+v, want %+v", r, w)
		}
	}
	c, err := s.DailyCounts(ctx(t), p.Slug, day)
	if err != nil {
		t.Fatal(err)
	}
	if w := (leadgate.DailyCounts{Page: p.Slug, Day: day, Views: 3, Leads: 2, Confirmations: 1, Downloads: 2}); c != w {
		t.Errorf("DailyCounts %+v, want %+v", c, w)
	}
}

// testPageStatsRange checks that PageStats returns the rows of the days in range
// only (both ends included), by day, and of the page asked for only.
func testPageStatsRange(t *testing.T, s leadgate.Store) {
	p, other := Page("ranged"), Page("ranged-other")
	src := leadgate.NewSource("news", "email", "may")
	days := []string{"2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-10"}
	for i, d := range days {
		for range i + 1 {
			if err := s.CountView(ctx(t), p.Slug, d, src); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CountView(ctx(t), other.Slug, d, src); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := s.PageStats(ctx(t), p.Slug, "2026-03-02", "2026-03-04")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		if r.Page != p.Slug || r.Source != src {
			t.Errorf("row %+v: another page or source", r)
		}
		got = append(got, r.Day)
		if want := slices.Index(days, r.Day) + 1; r.Views != want {
			t.Errorf("%s: %d views, want %d", r.Day, r.Views, want)
		}
	}
	if want := []string{"2026-03-02", "2026-03-03", "2026-03-04"}; !slices.Equal(got, want) {
		t.Errorf("days %v, want %v", got, want)
	}
	if rows, err := s.PageStats(ctx(t), p.Slug, "2026-02-01", "2026-02-28"); err != nil || len(rows) != 0 || rows == nil {
		t.Errorf("empty range: %#v %v, want an empty list", rows, err)
	}
	if rows, err := s.PageStats(ctx(t), "no-such-page", "2026-03-01", "2026-03-31"); err != nil || len(rows) != 0 {
		t.Errorf("unknown page: %+v %v, want none", rows, err)
	}
}

func testSpends(t *testing.T, s leadgate.Store) {
	p := Page("spent")
	if got, err := s.Spends(ctx(t), p.Slug); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("no spends: %#v %v, want an empty list", got, err)
	}
	for _, sp := range []leadgate.Spend{
		{Page: p.Slug, Campaign: "spring", Amount: 100, Currency: "EUR", UpdatedAt: T0},
		{Page: p.Slug, Campaign: "autumn", Amount: 20.5, Currency: "USD", UpdatedAt: T0},
		{Page: p.Slug, Campaign: "spring", Amount: 123.45, Currency: "EUR", UpdatedAt: T0.Add(time.Hour)},
		{Page: "spent-other", Campaign: "spring", Amount: 1, Currency: "EUR", UpdatedAt: T0},
	} {
		if err := s.PutSpend(ctx(t), sp); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Spends(ctx(t), p.Slug)
	if err != nil {
		t.Fatal(err)
	}
	want := []leadgate.Spend{
		{Page: p.Slug, Campaign: "autumn", Amount: 20.5, Currency: "USD", UpdatedAt: T0},
		{Page: p.Slug, Campaign: "spring", Amount: 123.45, Currency: "EUR", UpdatedAt: T0.Add(time.Hour)},
	}
	if err := equalJSON(got, want); err != nil {
		t.Error(err)
	}
}
