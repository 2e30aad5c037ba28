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

// testScoreDownload: ScoreDownload sets the first download time where the lead
// has none or a later one, with the score in the same write, and moves the stage
// counters as SetScore does; a download that changes nothing writes nothing; it
// is conditional on the version as SetScore is.
func testScoreDownload(t *testing.T, s leadgate.Store) {
	p := Page("score-download")
	mustPutPage(t, s, p)
	email := "downloaded@example.com"
	countedCapture(t, s, Capture(p, email, T0, "x"))
	l := mustLead(t, s, email)
	first := T0.Add(2 * time.Hour)

	wantCode(t, "ScoreDownload of an old version", s.ScoreDownload(ctx(t), email, first, 30, leadgate.StageMQL, first, l.Version-1), leadgate.ECONFLICT)
	wantCode(t, "ScoreDownload of no lead", s.ScoreDownload(ctx(t), "nobody@example.com", first, 30, leadgate.StageMQL, first, 1), leadgate.ENOTFOUND)
	if got := mustLead(t, s, email); got.Version != l.Version || !got.FirstDownloadAt.IsZero() {
		t.Fatalf("a refused ScoreDownload wrote: %+v", got)
	}

	// The score stays: the first download is written alone.
	if err := s.ScoreDownload(ctx(t), email, first, l.Score, l.CurrentStage(), first, l.Version); err != nil {
		t.Fatal(err)
	}
	l1 := mustLead(t, s, email)
	if !l1.FirstDownloadAt.Equal(first) || l1.Version != l.Version+1 || l1.Score != l.Score || len(l1.StageHistory) != len(l.StageHistory) {
		t.Fatalf("after a first download: %+v; want it at %v, version %d, the score as it was", l1, first, l.Version+1)
	}
	// A later download with the same score changes nothing.
	if err := s.ScoreDownload(ctx(t), email, first.Add(time.Hour), l1.Score, l1.CurrentStage(), first.Add(time.Hour), l1.Version); err != nil {
		t.Fatal(err)
	}
	if got := mustLead(t, s, email); got.Version != l1.Version || !got.FirstDownloadAt.Equal(first) {
		t.Fatalf("a later download with the same score wrote: %+v", got)
	}
	// An earlier download, delivered late, moves it, with a new score and stage.
	earlier := T0.Add(time.Hour)
	if err := s.ScoreDownload(ctx(t), email, earlier, 30, leadgate.StageMQL, first.Add(time.Hour), l1.Version); err != nil {
		t.Fatal(err)
	}
	l2 := mustLead(t, s, email)
	if !l2.FirstDownloadAt.Equal(earlier) || l2.Version != l1.Version+1 || l2.Score != 30 || l2.CurrentStage() != leadgate.StageMQL || len(l2.StageHistory) != len(l1.StageHistory)+1 {
		t.Fatalf("after an earlier download and a new score: %+v", l2)
	}
	wantStages(t, s, "the download's stage move", map[string][3]int{p.Slug: {0, 1, 0}})
	// A score without a download leaves the first download as it is.
	if err := s.SetScore(ctx(t), email, 31, leadgate.StageMQL, first.Add(2*time.Hour), l2.Version); err != nil {
		t.Fatal(err)
	}
	if got := mustLead(t, s, email); !got.FirstDownloadAt.Equal(earlier) || got.Score != 31 {
		t.Fatalf("after a score alone: %+v", got)
	}
}
