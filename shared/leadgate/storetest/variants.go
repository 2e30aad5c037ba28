package storetest

import (
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// testVariants checks an A/B test as a store keeps it: the page's variants and
// history round-trip; views of an arm, and the leads, confirmations and downloads
// of a submission made on an arm, count in that arm's rows (and in the day's
// totals), visits outside the test in the source's own; the submission, its grant
// and the download keep their arm.
func testVariants(t *testing.T, s leadgate.Store) {
	p := Page("tested")
	p.ButtonText = "Send it"
	p.ControlWeight = 60
	p.Variants = []leadgate.Variant{{ID: "b", Weight: 40, Title: "Free playbook", DescriptionHTML: "<p>Now</p>", Fields: []string{"email", "name"}}}
	p.VariantsSince = T0
	p.VariantHistory = []leadgate.VariantTest{{Started: T0.Add(-48 * time.Hour), Ended: T0, Winner: "c",
		Arms: []leadgate.ArmCounts{{Arm: "control", Views: 100, Leads: 10}, {Arm: "c", Views: 120, Leads: 20, Downloads: 3}}}}
	mustPutPage(t, s, p)
	got, err := s.Page(ctx(t), p.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if !pagesEqual(got, p) {
		t.Errorf("page round trip:\n got %+v\nwant %+v", got, p)
	}

	day := leadgate.Day(T0)
	google := leadgate.NewSource("google", "cpc", "spring")
	for _, arm := range []string{"b", "b", "control", ""} {
		var err error
		if arm == "" {
			err = s.CountView(ctx(t), p.Slug, day, google)
		} else {
			err = s.CountArmView(ctx(t), p.Slug, day, google, arm)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	c := Capture(p, "arm@example.com", T0, "google")
	c.Submission.Variant = "b"
	g := leadgate.NewGrant("arm-token", c.Submission, p, Magnet())
	c.Grant = &g
	res := mustCapture(t, s, c)
	subs, err := s.Submissions(ctx(t), "arm@example.com")
	if err != nil || len(subs) != 1 || subs[0].Variant != "b" {
		t.Fatalf("submissions %+v, %v: want one on arm b", subs, err)
	}
	if pl, err := s.PageLeads(ctx(t), p.Slug, time.Time{}, "", 0); err != nil || len(pl.Leads) != 1 || pl.Leads[0].Submission.Variant != "b" {
		t.Errorf("PageLeads %+v, %v: want the submission on arm b", pl, err)
	}
	if g, err := s.Grant(ctx(t), g.ID); err != nil || g.Variant != "b" {
		t.Errorf("grant %+v, %v: want arm b", g, err)
	}
	for range 2 {
		if err := s.CountLead(ctx(t), res.Submission); err != nil {
			t.Fatal(err)
		}
	}
	conf := leadgate.Confirmation{ID: nextID("conf"), Email: "arm@example.com", LeadID: res.Lead.ID, Page: p.Slug,
		SubmissionID: res.Submission.ID, CreatedAt: T0, ExpiresAt: T0.Add(leadgate.ConfirmationTTL)}
	if err := s.PutConfirmation(ctx(t), conf); err != nil {
		t.Fatal(err)
	}
	confirmed, err := s.Confirm(ctx(t), conf.ID, T0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CountConfirmation(ctx(t), confirmed); err != nil {
		t.Fatal(err)
	}
	used, err := s.UseGrant(ctx(t), g.ID, T0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	d := leadgate.Download{GrantID: used.ID, N: used.Downloads, Page: p.Slug, Email: used.Email, At: T0.Add(2 * time.Hour), Source: used.Source, Variant: used.Variant}
	for range 2 {
		if err := s.CountDownload(ctx(t), d); err != nil {
			t.Fatal(err)
		}
	}
	plain := Capture(p, "plain@example.com", T0, "google") // outside the test: no arm
	if err := s.CountLead(ctx(t), mustCapture(t, s, plain).Submission); err != nil {
		t.Fatal(err)
	}

	rows, err := s.PageStats(ctx(t), p.Slug, day, day)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]leadgate.SourceDayCounts{
		"":        {Page: p.Slug, Day: day, Source: google, Views: 1, Leads: 1},
		"control": {Page: p.Slug, Day: day, Source: google, Variant: "control", Views: 1},
		"b":       {Page: p.Slug, Day: day, Source: google, Variant: "b", Views: 2, Leads: 1, Confirmations: 1, Downloads: 1},
	}
	if len(rows) != len(want) {
		t.Fatalf("PageStats rows %+v, want %d", rows, len(want))
	}
	for _, r := range rows {
		if w, ok := want[r.Variant]; !ok || r != w {
			t.Errorf("row %+v, want %+v", r, w)
		}
	}
	all, err := s.AllPageStats(ctx(t), day, day)
	if err != nil {
		t.Fatal(err)
	}
	arms := map[string]int{}
	for _, r := range all {
		if r.Page == p.Slug {
			arms[r.Variant] += r.Views
		}
	}
	if arms[""] != 1 || arms["control"] != 1 || arms["b"] != 2 {
		t.Errorf("AllPageStats views by arm %v", arms)
	}
	totals, err := s.DailyCounts(ctx(t), p.Slug, day)
	if err != nil {
		t.Fatal(err)
	}
	if w := (leadgate.DailyCounts{Page: p.Slug, Day: day, Views: 4, Leads: 2, Confirmations: 1, Downloads: 1}); totals != w {
		t.Errorf("DailyCounts %+v, want %+v", totals, w)
	}
}

// pagesEqual compares the parts of a page a test keeps.
func pagesEqual(a, b leadgate.Page) bool {
	if a.ButtonText != b.ButtonText || a.ControlWeight != b.ControlWeight || !a.VariantsSince.Equal(b.VariantsSince) ||
		len(a.Variants) != len(b.Variants) || len(a.VariantHistory) != len(b.VariantHistory) {
		return false
	}
	for i := range a.Variants {
		x, y := a.Variants[i], b.Variants[i]
		if x.ID != y.ID || x.Weight != y.Weight || x.Title != y.Title || x.DescriptionHTML != y.DescriptionHTML || len(x.Fields) != len(y.Fields) {
			return false
		}
	}
	for i := range a.VariantHistory {
		x, y := a.VariantHistory[i], b.VariantHistory[i]
		if !x.Started.Equal(y.Started) || !x.Ended.Equal(y.Ended) || x.Winner != y.Winner || len(x.Arms) != len(y.Arms) || x.Arms[1] != y.Arms[1] {
			return false
		}
	}
	return true
}
