package funnel_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/funnel"
	"leadgate/shared/leadgate"
)

// countStore is a funnel.CountStore of func fields; a nil field fails the test
// when called.
type countStore struct {
	t                 *testing.T
	countLead         func(leadgate.Submission) error
	countConfirmation func(leadgate.Confirmation) error
	countDownload     func(leadgate.Download) error
}

func (s *countStore) CountLead(_ context.Context, sub leadgate.Submission) error {
	if s.countLead == nil {
		s.t.Errorf("CountLead(%+v) called", sub)
		return nil
	}
	return s.countLead(sub)
}

func (s *countStore) CountConfirmation(_ context.Context, c leadgate.Confirmation) error {
	if s.countConfirmation == nil {
		s.t.Errorf("CountConfirmation(%+v) called", c)
		return nil
	}
	return s.countConfirmation(c)
}

func (s *countStore) CountDownload(_ context.Context, d leadgate.Download) error {
	if s.countDownload == nil {
		s.t.Errorf("CountDownload(%+v) called", d)
		return nil
	}
	return s.countDownload(d)
}

var (
	t0  = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	sub = leadgate.Submission{ID: "sub-1", Email: "ada@example.com", Page: "playbook", At: t0,
		Attribution: leadgate.Attribution{Page: "playbook", At: t0, UTMSource: "newsletter", UTMMedium: "email", UTMCampaign: "spring"}}
	confirmation = leadgate.Confirmation{ID: "conf-1", Email: "ada@example.com", Page: "playbook", SubmissionID: "sub-1",
		CreatedAt: t0, ExpiresAt: t0.Add(leadgate.ConfirmationTTL), ConfirmedAt: t0.Add(time.Hour)}
	download = leadgate.Download{GrantID: "grant-1", N: 1, Page: "playbook", Email: "ada@example.com", At: t0.Add(2 * time.Hour)}
)

// calls records what a Counter handed the store.
type calls struct {
	leads         []leadgate.Submission
	confirmations []leadgate.Confirmation
	downloads     []leadgate.Download
}

func recordingStore(t *testing.T, c *calls) *countStore {
	return &countStore{t: t,
		countLead:         func(s leadgate.Submission) error { c.leads = append(c.leads, s); return nil },
		countConfirmation: func(cf leadgate.Confirmation) error { c.confirmations = append(c.confirmations, cf); return nil },
		countDownload:     func(d leadgate.Download) error { c.downloads = append(c.downloads, d); return nil },
	}
}

func TestCounterCountsEachKind(t *testing.T) {
	unconfirmedAt := confirmation
	unconfirmedAt.ConfirmedAt = time.Time{}
	stamped := confirmation
	stamped.ConfirmedAt = t0.Add(3 * time.Hour)
	lead := &leadgate.Lead{ID: "lead-1", Email: "ada@example.com"}
	cases := []struct {
		name   string
		change leadgate.Change
		want   calls
	}{
		{"submission created", leadgate.Change{Kind: leadgate.SubmissionCreated, At: t0, Submission: &sub},
			calls{leads: []leadgate.Submission{sub}}},
		{"lead confirmed", leadgate.Change{Kind: leadgate.LeadConfirmed, At: t0.Add(time.Hour), Confirmation: &confirmation},
			calls{confirmations: []leadgate.Confirmation{confirmation}}},
		// A confirmation without its time is counted on the change's.
		{"lead confirmed, no confirmation time", leadgate.Change{Kind: leadgate.LeadConfirmed, At: t0.Add(3 * time.Hour), Confirmation: &unconfirmedAt},
			calls{confirmations: []leadgate.Confirmation{stamped}}},
		{"download made", leadgate.Change{Kind: leadgate.DownloadMade, At: download.At, Download: &download},
			calls{downloads: []leadgate.Download{download}}},
		{"lead created", leadgate.Change{Kind: leadgate.LeadCreated, At: t0, Lead: lead}, calls{}},
		{"lead updated", leadgate.Change{Kind: leadgate.LeadUpdated, At: t0, Lead: lead, OldLead: lead}, calls{}},
		{"submission created without its submission", leadgate.Change{Kind: leadgate.SubmissionCreated, At: t0}, calls{}},
		{"lead confirmed without its confirmation", leadgate.Change{Kind: leadgate.LeadConfirmed, At: t0}, calls{}},
		{"download made without its download", leadgate.Change{Kind: leadgate.DownloadMade, At: t0}, calls{}},
		// A submission on a change of another kind is not a new lead.
		{"lead updated with a submission", leadgate.Change{Kind: leadgate.LeadUpdated, At: t0, Lead: lead, Submission: &sub}, calls{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got calls
			if err := funnel.NewCounter(recordingStore(t, &got)).HandleChange(context.Background(), tc.change); err != nil {
				t.Fatalf("HandleChange: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("store got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// A change handed again hands the store the same values: the store's mark per
// submission, confirmation and (grant, n) then counts it once.
func TestCounterHandsTheSameValuesForARedeliveredChange(t *testing.T) {
	noTime := confirmation
	noTime.ConfirmedAt = time.Time{}
	changes := []leadgate.Change{
		{Kind: leadgate.SubmissionCreated, At: t0, Submission: &sub},
		{Kind: leadgate.LeadConfirmed, At: t0.Add(time.Hour), Confirmation: &noTime},
		{Kind: leadgate.DownloadMade, At: download.At, Download: &download},
	}
	var first, again calls
	for _, c := range []*calls{&first, &again} {
		counter := funnel.NewCounter(recordingStore(t, c))
		for _, ch := range changes {
			if err := counter.HandleChange(context.Background(), ch); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !reflect.DeepEqual(first, again) {
		t.Errorf("first delivery %+v, redelivery %+v", first, again)
	}
	if noTime.ConfirmedAt != (time.Time{}) {
		t.Error("HandleChange changed the change's confirmation")
	}
}

func TestCounterPassesStoreErrorsOn(t *testing.T) {
	fail := errors.New("table throttled")
	store := &countStore{t: t,
		countLead:         func(leadgate.Submission) error { return fail },
		countConfirmation: func(leadgate.Confirmation) error { return fail },
		countDownload:     func(leadgate.Download) error { return fail },
	}
	for _, ch := range []leadgate.Change{
		{Kind: leadgate.SubmissionCreated, Submission: &sub},
		{Kind: leadgate.LeadConfirmed, Confirmation: &confirmation},
		{Kind: leadgate.DownloadMade, Download: &download},
	} {
		t.Run(string(ch.Kind), func(t *testing.T) {
			// The feed retries a change whose handling failed: the error must reach it.
			if err := funnel.NewCounter(store).HandleChange(context.Background(), ch); !errors.Is(err, fail) {
				t.Errorf("HandleChange: %v, want %v", err, fail)
			}
		})
	}
}

// On the embedded store, every change delivered three times, as an at-least-once
// feed may, is counted once.
func TestCounterCountsEachChangeOnceOnTheEmbeddedStore(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	second := sub
	second.ID, second.Email = "sub-2", "bob@example.com"
	noTime := confirmation
	noTime.ConfirmedAt = time.Time{}
	download2 := download
	download2.N = 2
	changes := []leadgate.Change{
		{Kind: leadgate.SubmissionCreated, At: t0, Submission: &sub},
		{Kind: leadgate.SubmissionCreated, At: t0, Submission: &second},
		{Kind: leadgate.LeadConfirmed, At: t0.Add(time.Hour), Confirmation: &noTime},
		{Kind: leadgate.DownloadMade, At: download.At, Download: &download},
		{Kind: leadgate.DownloadMade, At: download2.At, Download: &download2},
		{Kind: leadgate.LeadUpdated, At: t0, Lead: &leadgate.Lead{ID: "lead-1", Email: "ada@example.com"}},
	}
	counter := funnel.NewCounter(store)
	for range 3 {
		for _, ch := range changes {
			if err := counter.HandleChange(context.Background(), ch); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := store.DailyCounts(context.Background(), "playbook", leadgate.Day(t0))
	if err != nil {
		t.Fatal(err)
	}
	want := leadgate.DailyCounts{Page: "playbook", Day: leadgate.Day(t0), Leads: 2, Confirmations: 1, Downloads: 2}
	if got != want {
		t.Errorf("DailyCounts = %+v, want %+v", got, want)
	}
}

func TestCompute(t *testing.T) {
	spring := leadgate.NewSource("newsletter", "email", "spring")
	direct := leadgate.NewSource("", "", "")
	rows := []leadgate.SourceDayCounts{
		{Page: "playbook", Day: "2026-03-01", Source: spring, Views: 40, Leads: 4, Confirmations: 3, Downloads: 3},
		{Page: "playbook", Day: "2026-03-02", Source: spring, Views: 60, Leads: 6, Confirmations: 5, Downloads: 7},
		{Page: "playbook", Day: "2026-03-02", Source: direct, Views: 20, Leads: 1},
	}
	spends := []leadgate.Spend{
		{Page: "playbook", Campaign: "spring", Amount: 100, Currency: "EUR"},
		{Page: "playbook", Campaign: "autumn", Amount: 30, Currency: "EUR"}, // no counts in the range
	}
	rep := funnel.Compute("playbook", "2026-03-01", "2026-03-03", rows, spends)

	t.Run("totals", func(t *testing.T) {
		rate := 11.0 / 120
		want := funnel.Counts{Views: 120, Leads: 11, Confirmations: 8, Downloads: 10, ConversionRate: &rate}
		checkCounts(t, rep.Totals, want)
	})
	t.Run("days", func(t *testing.T) {
		var got []string
		for _, d := range rep.Days {
			got = append(got, d.Day)
		}
		if want := []string{"2026-03-01", "2026-03-02", "2026-03-03"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("days %v, want %v", got, want)
		}
		if rep.Days[1].Leads != 7 || rep.Days[1].Views != 80 {
			t.Errorf("2026-03-02: %+v, want 80 views and 7 leads", rep.Days[1].Counts)
		}
		// A day without views has no rate, rather than a division by zero.
		if rep.Days[2].ConversionRate != nil {
			t.Errorf("2026-03-03 rate %v, want none", *rep.Days[2].ConversionRate)
		}
	})
	t.Run("sources, most leads first", func(t *testing.T) {
		if len(rep.Sources) != 2 || rep.Sources[0].Source != spring || rep.Sources[1].Source != direct {
			t.Fatalf("sources %+v, want spring then direct", rep.Sources)
		}
	})
	t.Run("campaigns", func(t *testing.T) {
		c, ok := rep.Campaign("spring")
		if !ok || c.Spend == nil || *c.Spend != (funnel.Money{Amount: 100, Currency: "EUR"}) {
			t.Fatalf("spring %+v (%v), want a spend of 100 EUR", c, ok)
		}
		if c.CostPerLead == nil || *c.CostPerLead != 10 {
			t.Errorf("spring cost per lead %v, want 10 (100 EUR over 10 leads)", c.CostPerLead)
		}
		autumn, ok := rep.Campaign("autumn")
		if !ok || autumn.Spend == nil || autumn.CostPerLead != nil || autumn.Leads != 0 {
			t.Errorf("autumn %+v (%v), want its spend and no cost per lead", autumn, ok)
		}
		if _, ok := rep.Campaign("winter"); ok {
			t.Error("a campaign with neither counts nor a spend has a row")
		}
	})
}

func checkCounts(t *testing.T, got, want funnel.Counts) {
	t.Helper()
	gotRate, wantRate := got.ConversionRate, want.ConversionRate
	got.ConversionRate, want.ConversionRate = nil, nil
	if got != want {
		t.Errorf("counts %+v, want %+v", got, want)
	}
	switch {
	case (gotRate == nil) != (wantRate == nil):
		t.Errorf("conversion rate %v, want %v", gotRate, wantRate)
	case gotRate != nil && (*gotRate-*wantRate > 0.0001 || *wantRate-*gotRate > 0.0001):
		t.Errorf("conversion rate %v, want %v", *gotRate, *wantRate)
	}
}
