package storetest

import (
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// testSetScore: SetScore is conditional on the lead's version, records stage
// changes with their times, and writes nothing when score and stage are unchanged.
func testSetScore(t *testing.T, s leadgate.Store) {
	p := Page("scored")
	mustPutPage(t, s, p)
	email := "score@example.com"
	mustCapture(t, s, Capture(p, email, T0, "news"))
	l := mustLead(t, s, email)
	if l.CurrentStage() != leadgate.StageCold || l.Score != 0 || len(l.StageHistory) != 0 {
		t.Fatalf("new lead scored %d %q %+v, want cold at 0", l.Score, l.Stage, l.StageHistory)
	}

	wantCode(t, "SetScore of an old version", s.SetScore(ctx(t), email, 30, leadgate.StageMQL, T0, l.Version-1), leadgate.ECONFLICT)
	wantCode(t, "SetScore of no lead", s.SetScore(ctx(t), "nobody@example.com", 30, leadgate.StageMQL, T0, 1), leadgate.ENOTFOUND)
	if got := mustLead(t, s, email); got.Version != l.Version || got.Score != 0 {
		t.Fatalf("a refused SetScore wrote: %+v", got)
	}

	// A score that keeps the stage: no history.
	t1 := T0.Add(time.Minute)
	if err := s.SetScore(ctx(t), email, 10, leadgate.StageCold, t1, l.Version); err != nil {
		t.Fatal(err)
	}
	l1 := mustLead(t, s, email)
	if l1.Score != 10 || l1.CurrentStage() != leadgate.StageCold || len(l1.StageHistory) != 0 || l1.Version != l.Version+1 {
		t.Fatalf("after 10 cold: %d %q %+v v%d", l1.Score, l1.Stage, l1.StageHistory, l1.Version)
	}

	// The same score and stage again: nothing is written, the version stays.
	if err := s.SetScore(ctx(t), email, 10, leadgate.StageCold, t1.Add(time.Minute), l1.Version); err != nil {
		t.Fatal(err)
	}
	if got := mustLead(t, s, email); got.Version != l1.Version {
		t.Fatalf("an unchanged score bumped the version to %d", got.Version)
	}

	// Stage moves are recorded with their times and scores.
	t2, t3 := T0.Add(2*time.Minute), T0.Add(3*time.Minute)
	if err := s.SetScore(ctx(t), email, 25, leadgate.StageMQL, t2, l1.Version); err != nil {
		t.Fatal(err)
	}
	l2 := mustLead(t, s, email)
	if err := s.SetScore(ctx(t), email, 45, leadgate.StageSQL, t3, l2.Version); err != nil {
		t.Fatal(err)
	}
	l3 := mustLead(t, s, email)
	want := []leadgate.StageChange{
		{From: leadgate.StageCold, To: leadgate.StageMQL, At: t2, Score: 25},
		{From: leadgate.StageMQL, To: leadgate.StageSQL, At: t3, Score: 45},
	}
	if l3.Score != 45 || l3.Stage != leadgate.StageSQL || len(l3.StageHistory) != len(want) {
		t.Fatalf("after sql: %d %q %+v", l3.Score, l3.Stage, l3.StageHistory)
	}
	for i, ch := range l3.StageHistory {
		if ch.From != want[i].From || ch.To != want[i].To || !ch.At.Equal(want[i].At) || ch.Score != want[i].Score {
			t.Fatalf("stage history[%d] %+v, want %+v", i, ch, want[i])
		}
	}
	// The rest of the lead is untouched.
	if l3.Name != l.Name || l3.Company != l.Company || l3.Submissions != l.Submissions || !l3.CreatedAt.Equal(l.CreatedAt) {
		t.Fatalf("SetScore changed other fields: %+v", l3)
	}
	// A capture after a score write still works (it sees the new version).
	mustCapture(t, s, Capture(Page("other"), email, T0.Add(2*time.Hour), "news"))
	if got := mustLead(t, s, email); got.Submissions != 2 || got.Score != 45 || len(got.StageHistory) != 2 {
		t.Fatalf("after another capture: %+v", got)
	}
}
