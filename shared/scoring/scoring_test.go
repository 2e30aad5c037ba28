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
	sets      int // calls of SetScore and ScoreDownload
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
func (f *fakeStore) SetScore(ctx context.Context, email string, score int, stage leadgate.Stage, at time.Time, version int64) error {
	return f.ScoreDownload(ctx, email, time.Time{}, score, stage, at, version)
}

func (f *fakeStore) ScoreDownload(_ context.Context, _ string, downloadedAt time.Time, score int, stage leadgate.Stage, at time.Time, version int64) error {
	f.sets++
	if f.conflicts > 0 {
		f.conflicts--
		return leadgate.Errorf(leadgate.ECONFLICT, "changed")
	}
	if version != f.lead.Version {
		return leadgate.Errorf(leadgate.ECONFLICT, "changed")
	}
	l, first := f.lead.Downloaded(downloadedAt)
	l, scored := l.WithScore(score, stage, at)
	if first || scored {
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

// A download's rescoring records the lead's first download in the write of its
// score, even when the score stays, and only an earlier download moves it; a
// redelivered download writes nothing.
func TestDownloadRecordsTheFirstDownloadWithTheScore(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	store := &fakeStore{lead: leadgate.Lead{Email: "ada@example.com", Version: 1}}
	svc := scoring.New(store, func() time.Time { return t0 })
	downloaded := func(at time.Time) leadgate.Change {
		return leadgate.Change{Kind: leadgate.DownloadMade, Download: &leadgate.Download{Email: "ada@example.com", At: at}}
	}
	for _, step := range []struct {
		name      string
		at        time.Time
		wantFirst time.Time
		wantScore int
		wantSets  int
	}{
		{"first download", t0.Add(time.Hour), t0.Add(time.Hour), 10, 1},
		{"redelivered", t0.Add(time.Hour), t0.Add(time.Hour), 10, 1},
		{"a later one", t0.Add(2 * time.Hour), t0.Add(time.Hour), 10, 1},
		{"an earlier one, delivered late: the score stays", t0, t0, 10, 2},
	} {
		if err := svc.HandleChange(context.Background(), downloaded(step.at)); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if l := store.lead; !l.FirstDownloadAt.Equal(step.wantFirst) || l.Score != step.wantScore || store.sets != step.wantSets {
			t.Fatalf("%s: first download %v, score %d, %d writes; want %v, %d, %d", step.name, l.FirstDownloadAt, l.Score, store.sets, step.wantFirst, step.wantScore, step.wantSets)
		}
	}
}
