package storetest

import (
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// testScoreNew: a capture that asks for it (ScoreNew) scores a new lead at once,
// by its page's rules, and its submission's count counts it in the stage it
// reaches; a known lead's capture leaves its score to its rescoring.
func testScoreNew(t *testing.T, s leadgate.Store) {
	p, other := Page("score-new"), Page("score-new-other")
	p.Scoring = leadgate.ScoringRules{Basic: 15, Company: 10, MQLAt: 20, SQLAt: 40}
	mustPutPage(t, s, p)
	mustPutPage(t, s, other)
	email := "scored@example.com"
	c := Capture(p, email, T0, "x")
	c.ScoreNew = true
	res := mustCapture(t, s, c)
	l := mustLead(t, s, email)
	for _, got := range []leadgate.Lead{res.Lead, l} {
		if got.Score != 25 || got.CurrentStage() != leadgate.StageMQL || len(got.StageHistory) != 1 {
			t.Fatalf("new lead scored %d %q %+v; want 25, mql, one stage change", got.Score, got.Stage, got.StageHistory)
		}
		h := got.StageHistory[0]
		if h.From != leadgate.StageCold || h.To != leadgate.StageMQL || !h.At.Equal(T0) || h.Score != 25 {
			t.Fatalf("stage change %+v; want cold to mql at the capture, at 25", h)
		}
	}
	if res.Submission.NewLeadStage != leadgate.StageMQL {
		t.Fatalf("the new lead's submission says stage %q, want mql", res.Submission.NewLeadStage)
	}
	if err := s.CountLead(ctx(t), res.Submission); err != nil {
		t.Fatal(err)
	}
	wantStages(t, s, "a new lead scored mql", map[string][3]int{p.Slug: {0, 1, 0}})

	if err := s.SetScore(ctx(t), email, 3, leadgate.StageCold, T0.Add(time.Minute), l.Version); err != nil {
		t.Fatal(err)
	}
	known := Capture(other, email, T0.Add(time.Hour), "x")
	known.ScoreNew = true
	if r := mustCapture(t, s, known); r.LeadCreated {
		t.Fatal("the known address made a new lead")
	}
	if l := mustLead(t, s, email); l.Score != 3 || l.CurrentStage() != leadgate.StageCold {
		t.Fatalf("a known lead's capture scored it %d %q; want its score, 3 cold, until its rescoring", l.Score, l.Stage)
	}
	wantStages(t, s, "the known lead on another page", map[string][3]int{p.Slug: {1, 0, 0}, other.Slug: {1, 0, 0}})
}
