package scoring_test

import (
	"context"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/scoring"
)

// fakeStore is a hand-written fake: one lead, no pages (the defaults apply).
type fakeStore struct {
	lead      leadgate.Lead
	conflicts int // SetScore answers ECONFLICT this many times first
	sets      int
}

func (f *fakeStore) Page(context.Context, string) (leadgate.Page, error) {
	return leadgate.Page{}, leadgate.Errorf(leadgate.ENOTFOUND, "no page")
}
func (f *fakeStore) LeadByEmail(_ context.Context, email string) (leadgate.Lead, error) {
	if email != f.lead.Email {
		return leadgate.Lead{}, leadgate.Errorf(leadgate.ENOTFOUND, "no lead")
	}
	return f.lead, nil
}
func (f *fakeStore) Submissions(context.Context, string) ([]leadgate.Submission, error) {
	return []leadgate.Submission{{Page: "a"}}, nil
}
func (f *fakeStore) SetScore(_ context.Context, _ string, score int, stage leadgate.Stage, at time.Time, version int64) error {
	f.sets++
	if f.conflicts > 0 {
		f.conflicts--
		return leadgate.Errorf(leadgate.ECONFLICT, "changed")
	}
	if version != f.lead.Version {
		return leadgate.Errorf(leadgate.ECONFLICT, "changed")
	}
	l, ok := f.lead.WithScore(score, stage, at)
	if ok {
		l.Version++
		f.lead = l
	}
	return nil
}

func TestHandleChangeScoresOnceAndSettles(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	store := &fakeStore{lead: leadgate.Lead{Email: "ada@example.com", Name: "Ada", ConfirmedAt: t0, FirstDownloadAt: t0, Version: 3}, conflicts: 1}
	svc := scoring.New(store, func() time.Time { return t0 })
	ch := leadgate.Change{Kind: leadgate.LeadConfirmed, Confirmation: &leadgate.Confirmation{Email: "ada@example.com"}}
	if err := svc.HandleChange(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	if store.lead.Score != 25 || store.lead.Stage != leadgate.StageMQL || store.sets != 2 || len(store.lead.StageHistory) != 1 {
		t.Fatalf("after scoring: %+v, %d SetScore calls", store.lead, store.sets)
	}
	// The score's own lead update comes back: nothing more is written.
	lead := store.lead
	if err := svc.HandleChange(context.Background(), leadgate.Change{Kind: leadgate.LeadUpdated, Lead: &lead}); err != nil {
		t.Fatal(err)
	}
	if store.sets != 2 {
		t.Fatalf("a settled lead was written again: %d SetScore calls", store.sets)
	}
	// A change about a lead that is gone is no error; other kinds are ignored.
	gone := leadgate.Change{Kind: leadgate.SubmissionCreated, Submission: &leadgate.Submission{Email: "gone@example.com"}}
	if err := svc.HandleChange(context.Background(), gone); err != nil {
		t.Fatal(err)
	}
	if err := svc.HandleChange(context.Background(), leadgate.Change{Kind: "other"}); err != nil {
		t.Fatal(err)
	}
}
