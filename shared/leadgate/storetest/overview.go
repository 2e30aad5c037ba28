package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// wantStages checks the overview's stage counts of each page named, and of every
// page ("").
func wantStages(t *testing.T, s leadgate.Store, when string, want map[string][3]int) {
	t.Helper()
	o, err := s.Overview(ctx(t))
	if err != nil {
		t.Fatalf("%s: Overview: %v", when, err)
	}
	for page, w := range want {
		got := o.PageStages(page)
		if [3]int{got.Cold, got.MQL, got.SQL} != w {
			t.Errorf("%s: page %q counts cold, mql, sql %d, %d, %d; want %v", when, page, got.Cold, got.MQL, got.SQL, w)
		}
	}
}

// countedCapture captures c, then counts its submission as the change feed does,
// twice as a redelivery would; it returns the capture's result.
func countedCapture(t *testing.T, s leadgate.Store, c leadgate.Capture) leadgate.CaptureResult {
	t.Helper()
	r := mustCapture(t, s, c)
	for range 2 {
		if err := s.CountLead(ctx(t), r.Submission); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// testStageCounters follows two leads' stage counters through a capture, a
// repeat, a second page, stage changes both ways and an erasure. A new lead is
// counted once its submission is (CountLead), at the stage its capture gave it,
// once however often the submission is counted; a known lead's new page is
// counted by its capture.
func testStageCounters(t *testing.T, s leadgate.Store) {
	a, b := Page("stages-a"), Page("stages-b")
	mustPutPage(t, s, a)
	mustPutPage(t, s, b)
	wantStages(t, s, "empty store", map[string][3]int{"": {}, a.Slug: {}})

	one := "one@example.com"
	r := mustCapture(t, s, Capture(a, one, T0, "x"))
	if r.Submission.NewLeadStage != leadgate.StageCold {
		t.Errorf("a new lead's submission says stage %q, want %q", r.Submission.NewLeadStage, leadgate.StageCold)
	}
	wantStages(t, s, "new lead, its submission not counted yet", map[string][3]int{"": {}, a.Slug: {}})
	for range 2 {
		if err := s.CountLead(ctx(t), r.Submission); err != nil {
			t.Fatal(err)
		}
	}
	wantStages(t, s, "new lead", map[string][3]int{"": {1, 0, 0}, a.Slug: {1, 0, 0}, b.Slug: {}})
	if r := mustCapture(t, s, Capture(a, one, T0.Add(time.Minute), "x")); !r.Repeat {
		t.Fatal("the second capture within the window is not a repeat")
	}
	// The same page again.
	if r := countedCapture(t, s, Capture(a, one, T0.Add(2*time.Hour), "x")); r.Submission.NewLeadStage != "" {
		t.Errorf("a known lead's submission says stage %q, want none", r.Submission.NewLeadStage)
	}
	wantStages(t, s, "repeat and return", map[string][3]int{"": {1, 0, 0}, a.Slug: {1, 0, 0}, b.Slug: {}})
	mustCapture(t, s, Capture(b, one, T0.Add(3*time.Hour), "x"))
	wantStages(t, s, "known lead on a second page", map[string][3]int{"": {1, 0, 0}, a.Slug: {1, 0, 0}, b.Slug: {1, 0, 0}})
	countedCapture(t, s, Capture(b, "two@example.com", T0.Add(3*time.Hour), "x"))
	wantStages(t, s, "second page", map[string][3]int{"": {2, 0, 0}, a.Slug: {1, 0, 0}, b.Slug: {2, 0, 0}})

	l := mustLead(t, s, one)
	if err := s.SetScore(ctx(t), one, 40, leadgate.StageMQL, T0.Add(4*time.Hour), l.Version); err != nil {
		t.Fatal(err)
	}
	wantStages(t, s, "to MQL", map[string][3]int{"": {1, 1, 0}, a.Slug: {0, 1, 0}, b.Slug: {1, 1, 0}})
	l = mustLead(t, s, one)
	if err := s.SetScore(ctx(t), one, 41, leadgate.StageMQL, T0.Add(5*time.Hour), l.Version); err != nil {
		t.Fatal(err)
	}
	wantStages(t, s, "score within the stage", map[string][3]int{"": {1, 1, 0}, a.Slug: {0, 1, 0}, b.Slug: {1, 1, 0}})
	l = mustLead(t, s, one)
	if err := s.SetScore(ctx(t), one, 5, leadgate.StageCold, T0.Add(6*time.Hour), l.Version); err != nil {
		t.Fatal(err)
	}
	wantStages(t, s, "back to cold", map[string][3]int{"": {2, 0, 0}, a.Slug: {1, 0, 0}, b.Slug: {2, 0, 0}})
	two := mustLead(t, s, "two@example.com")
	if err := s.SetScore(ctx(t), two.Email, 90, leadgate.StageSQL, T0.Add(6*time.Hour), two.Version); err != nil {
		t.Fatal(err)
	}
	wantStages(t, s, "second lead to SQL", map[string][3]int{"": {1, 0, 1}, a.Slug: {1, 0, 0}, b.Slug: {1, 0, 1}})

	if _, err := s.EraseLead(ctx(t), leadgate.Erasure{Email: one}); err != nil {
		t.Fatal(err)
	}
	wantStages(t, s, "erased", map[string][3]int{"": {0, 0, 1}, a.Slug: {}, b.Slug: {0, 0, 1}})
	// A new lead under the erased address counts as new.
	countedCapture(t, s, Capture(a, one, T0.Add(7*time.Hour), "x"))
	wantStages(t, s, "captured again", map[string][3]int{"": {1, 0, 1}, a.Slug: {1, 0, 0}, b.Slug: {0, 0, 1}})

	// A lead whose submission is counted after its stage moved, or after its
	// erasure, ends counted as if it had been counted first: moves are sums.
	three := "three@example.com"
	r = mustCapture(t, s, Capture(b, three, T0.Add(8*time.Hour), "x"))
	if err := s.SetScore(ctx(t), three, 90, leadgate.StageSQL, T0.Add(8*time.Hour), r.Lead.Version); err != nil {
		t.Fatal(err)
	}
	if err := s.CountLead(ctx(t), r.Submission); err != nil {
		t.Fatal(err)
	}
	wantStages(t, s, "counted after a move", map[string][3]int{"": {1, 0, 2}, a.Slug: {1, 0, 0}, b.Slug: {0, 0, 2}})
	four := "four@example.com"
	r = mustCapture(t, s, Capture(b, four, T0.Add(9*time.Hour), "x"))
	if _, err := s.EraseLead(ctx(t), leadgate.Erasure{Email: four}); err != nil {
		t.Fatal(err)
	}
	if err := s.CountLead(ctx(t), r.Submission); err != nil {
		t.Fatal(err)
	}
	wantStages(t, s, "counted after an erasure", map[string][3]int{"": {1, 0, 2}, a.Slug: {1, 0, 0}, b.Slug: {0, 0, 2}})
}

// testAllPageStats reads every page's counters of a range at once, as each
// page's PageStats gives them, and every page's spends in the overview.
func testAllPageStats(t *testing.T, s leadgate.Store) {
	day := func(n int) string { return leadgate.Day(T0.AddDate(0, 0, n)) }
	google := leadgate.NewSource("google", "cpc", "spring")
	for _, slug := range []string{"all-a", "all-b", "all-c"} {
		mustPutPage(t, s, Page(slug))
		for n := range 4 {
			for range n + 1 {
				if err := s.CountView(ctx(t), slug, day(n), google); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.CountView(ctx(t), slug, day(n), leadgate.Source{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := s.AllPageStats(ctx(t), day(1), day(2))
	if err != nil {
		t.Fatal(err)
	}
	var want []leadgate.SourceDayCounts
	for _, slug := range []string{"all-a", "all-b", "all-c"} {
		rows, err := s.PageStats(ctx(t), slug, day(1), day(2))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, rows...)
	}
	order := func(a, b leadgate.SourceDayCounts) int {
		return strings.Compare(a.Page+a.Day+a.Source.Key(), b.Page+b.Day+b.Source.Key())
	}
	slices.SortFunc(got, order)
	slices.SortFunc(want, order)
	if len(want) != 12 || !slices.Equal(got, want) {
		t.Errorf("AllPageStats\n%+v\nwant (each page's PageStats, 12 rows)\n%+v", got, want)
	}
	if none, err := s.AllPageStats(ctx(t), day(10), day(12)); err != nil || none == nil || len(none) != 0 {
		t.Errorf("AllPageStats of days without counts: %v, %v; want an empty list", none, err)
	}

	spends := []leadgate.Spend{
		{Page: "all-b", Campaign: "spring", Amount: 20, Currency: "EUR", UpdatedAt: T0},
		{Page: "all-a", Campaign: "summer", Amount: 5.5, Currency: "USD", UpdatedAt: T0},
		{Page: "all-a", Campaign: "spring", Amount: 10, Currency: "EUR", UpdatedAt: T0},
	}
	for _, sp := range spends {
		if err := s.PutSpend(ctx(t), sp); err != nil {
			t.Fatal(err)
		}
	}
	o, err := s.Overview(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := equalJSON(o.Spends, []leadgate.Spend{spends[2], spends[1], spends[0]}); err != nil {
		t.Errorf("overview spends: %v", err)
	}
	if err := equalJSON(o.PageSpends("all-a"), []leadgate.Spend{spends[2], spends[1]}); err != nil {
		t.Errorf("page spends: %v", err)
	}
}

// testSuppressedAt follows a lead's suppression time through an unsubscribe, a
// later write, a new opt-in, a bounce and a complaint.
func testSuppressedAt(t *testing.T, s leadgate.Store) {
	p := Page("suppressed")
	mustPutPage(t, s, p)
	email := "gone@example.com"
	mustCapture(t, s, Capture(p, email, T0, "x"))
	if l := mustLead(t, s, email); !l.SuppressedAt.IsZero() {
		t.Fatalf("a new lead is suppressed at %v", l.SuppressedAt)
	}
	u := leadgate.Unsubscribe{ID: leadgate.GrantID("suppressed-token"), Email: email}
	if err := s.PutUnsubscribe(ctx(t), u); err != nil {
		t.Fatal(err)
	}
	left := T0.Add(time.Hour)
	for i := range 2 { // a second click keeps the first time
		if err := s.Unsubscribe(ctx(t), u.ID, left.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	want := func(when string, status leadgate.Status, at time.Time) leadgate.Lead {
		t.Helper()
		l := mustLead(t, s, email)
		if l.Status != status || !l.SuppressedAt.Equal(at) {
			t.Fatalf("%s: status %s suppressed at %v, want %s at %v", when, l.Status, l.SuppressedAt, status, at)
		}
		return l
	}
	l := want("unsubscribed", leadgate.StatusUnsubscribed, left)
	silent := Capture(p, email, T0.Add(48*time.Hour), "y")
	silent.Submission.Consent.Given = false
	mustCapture(t, s, silent)
	if err := s.SetScore(ctx(t), email, 12, leadgate.StageCold, T0.Add(49*time.Hour), l.Version+1); err != nil {
		t.Fatal(err)
	}
	want("after a submission without consent and a score", leadgate.StatusUnsubscribed, left)
	mustCapture(t, s, Capture(p, email, T0.Add(96*time.Hour), "z"))
	want("opted in again", leadgate.StatusActive, time.Time{})

	bounced := T0.Add(100 * time.Hour)
	for i := range 2 {
		if err := s.RecordMailEvent(ctx(t), leadgate.MailEvent{Kind: "bounce", Email: email, MessageID: "sb1", At: bounced.Add(time.Duration(i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	want("bounced", leadgate.StatusBounced, bounced)
	complained := T0.Add(120 * time.Hour)
	for i := range 2 {
		if err := s.RecordMailEvent(ctx(t), leadgate.MailEvent{Kind: "complaint", Email: email, MessageID: "sc1", At: complained.Add(time.Duration(i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	l = want("complained after the bounce", leadgate.StatusComplained, complained)
	if l.Consent.Given {
		t.Error("a complaint left the consent")
	}
}
