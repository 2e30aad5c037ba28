package leadgate_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

func TestScore(t *testing.T) {
	t0 := storetest.T0
	rules := leadgate.ScoringRules{
		Basic: 5, Company: 3, JobTitle: 4, Phone: 2,
		Confirmed: 10, Downloaded: 20, Returned: 7,
		Fit: []leadgate.FitRule{
			{Field: "job_title", Keywords: []string{"Head of", "VP"}, Points: 15},
			{Field: "company", Keywords: []string{"student"}, Points: -30},
			{Field: "team_size", Keywords: []string{"50+"}, Points: 6},
		},
		MQLAt: 20, SQLAt: 40,
	}
	base := leadgate.Lead{Email: "ada@example.com"}
	sub := func(page, magnet string) leadgate.Submission {
		return leadgate.Submission{Page: page, MagnetID: magnet, At: t0}
	}
	one := []leadgate.Submission{sub("a", "m1")}
	with := func(edit func(*leadgate.Lead)) leadgate.Lead { l := base; edit(&l); return l }
	cases := []struct {
		name  string
		lead  leadgate.Lead
		subs  []leadgate.Submission
		rules leadgate.ScoringRules
		score int
		stage leadgate.Stage
	}{
		{"EmailOnly", base, one, rules, 0, leadgate.StageCold},
		{"Basic", with(func(l *leadgate.Lead) { l.Name = "Ada" }), one, rules, 5, leadgate.StageCold},
		{"BlankNameIsNoBasic", with(func(l *leadgate.Lead) { l.Name = "  " }), one, rules, 0, leadgate.StageCold},
		{"Company", with(func(l *leadgate.Lead) { l.Company = "Acme" }), one, rules, 3, leadgate.StageCold},
		{"JobTitle", with(func(l *leadgate.Lead) { l.JobTitle = "Engineer" }), one, rules, 4, leadgate.StageCold},
		{"Phone", with(func(l *leadgate.Lead) { l.Phone = "+44 20" }), one, rules, 2, leadgate.StageCold},
		{"Confirmed", with(func(l *leadgate.Lead) { l.ConfirmedAt = t0 }), one, rules, 10, leadgate.StageCold},
		{"Downloaded", with(func(l *leadgate.Lead) { l.FirstDownloadAt = t0 }), one, rules, 20, leadgate.StageMQL},
		{"ReturnedOnTwoPages", base, []leadgate.Submission{sub("a", "m1"), sub("b", "m1")}, rules, 7, leadgate.StageCold},
		{"ReturnedForTwoMagnets", base, []leadgate.Submission{sub("a", "m1"), sub("a", "m2")}, rules, 7, leadgate.StageCold},
		{"SamePageTwiceIsNoReturn", base, []leadgate.Submission{sub("a", "m1"), sub("a", "m1")}, rules, 0, leadgate.StageCold},
		{"FitKeywordAnyCase", with(func(l *leadgate.Lead) { l.JobTitle = "head OF Growth" }), one, rules, 19, leadgate.StageCold},
		{"FitSecondKeyword", with(func(l *leadgate.Lead) { l.JobTitle = "VP Sales" }), one, rules, 19, leadgate.StageCold},
		{"FitNegative", with(func(l *leadgate.Lead) { l.Company = "Student Union" }), one, rules, -27, leadgate.StageCold},
		{"FitCustomField", with(func(l *leadgate.Lead) { l.Custom = map[string]string{"team_size": "50+"} }), one, rules, 6, leadgate.StageCold},
		{"NoFitWithoutValue", base, one, rules, 0, leadgate.StageCold},
		{"JustBelowMQL", with(func(l *leadgate.Lead) { l.JobTitle = "VP"; l.Name = "x" }), one, leadgate.ScoringRules{Basic: 5, JobTitle: 4, Fit: rules.Fit, MQLAt: 25, SQLAt: 40}, 24, leadgate.StageCold},
		{"AtMQL", with(func(l *leadgate.Lead) { l.JobTitle = "VP"; l.Name = "x" }), one, leadgate.ScoringRules{Basic: 5, JobTitle: 4, Fit: rules.Fit, MQLAt: 24, SQLAt: 40}, 24, leadgate.StageMQL},
		{"JustBelowSQL", with(func(l *leadgate.Lead) { l.ConfirmedAt = t0; l.FirstDownloadAt = t0; l.Name = "x"; l.Company = "a" }), one, rules, 38, leadgate.StageMQL},
		{"AtSQL", with(func(l *leadgate.Lead) {
			l.ConfirmedAt = t0
			l.FirstDownloadAt = t0
			l.Name = "x"
			l.Company = "a"
			l.Phone = "1"
		}), one, rules, 40, leadgate.StageSQL},
		{"Defaults", with(func(l *leadgate.Lead) { l.Name = "x"; l.ConfirmedAt = t0; l.FirstDownloadAt = t0 }), one, leadgate.Page{}.ScoringRules(), 25, leadgate.StageMQL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			score, stage := leadgate.Score(tc.lead, tc.subs, tc.rules)
			if score != tc.score || stage != tc.stage {
				t.Fatalf("got %d %s, want %d %s", score, stage, tc.score, tc.stage)
			}
		})
	}
}

func TestWithScoreKeepsStageHistory(t *testing.T) {
	l := leadgate.Lead{Email: "ada@example.com"}
	if _, changed := l.WithScore(0, leadgate.StageCold, storetest.T0); changed {
		t.Fatal("an unscored cold lead at 0 changed")
	}
	l, changed := l.WithScore(5, leadgate.StageCold, storetest.T0)
	if !changed || l.Stage != leadgate.StageCold || len(l.StageHistory) != 0 {
		t.Fatalf("score only: %+v", l)
	}
	stages := []leadgate.Stage{leadgate.StageMQL, leadgate.StageSQL}
	for i := range leadgate.MaxStageHistory + 5 {
		l, _ = l.WithScore(10+i, stages[i%2], storetest.T0.Add(time.Duration(i)*time.Minute))
	}
	if len(l.StageHistory) != leadgate.MaxStageHistory {
		t.Fatalf("history of %d, want %d", len(l.StageHistory), leadgate.MaxStageHistory)
	}
	last := l.StageHistory[len(l.StageHistory)-1]
	if last.To != l.Stage || last.Score != l.Score {
		t.Fatalf("last change %+v, lead at %d %s", last, l.Score, l.Stage)
	}
	if first := l.StageHistory[0]; first.From != leadgate.StageMQL || first.To != leadgate.StageSQL || first.Score != 15 {
		t.Fatalf("oldest kept %+v", first)
	}
}

func TestScoringRulesValidate(t *testing.T) {
	ok := leadgate.ScoringRules{MQLAt: 20, SQLAt: 40, Fit: []leadgate.FitRule{{Field: "job_title", Keywords: []string{"VP"}, Points: -5}}}
	many := make([]string, leadgate.MaxFitKeywords+1)
	for i := range many {
		many[i] = fmt.Sprint("k", i)
	}
	cases := []struct {
		name  string
		edit  func(*leadgate.ScoringRules)
		field string
	}{
		{"Valid", func(*leadgate.ScoringRules) {}, ""},
		{"NoThresholds", func(r *leadgate.ScoringRules) { r.MQLAt, r.SQLAt = 0, 0 }, "scoring.mql_at"},
		{"NegativeMQL", func(r *leadgate.ScoringRules) { r.MQLAt = -1 }, "scoring.mql_at"},
		{"SQLNotAboveMQL", func(r *leadgate.ScoringRules) { r.SQLAt = 20 }, "scoring.sql_at"},
		{"EmailField", func(r *leadgate.ScoringRules) { r.Fit[0].Field = "email" }, "scoring.fit[0].field"},
		{"NoKeywords", func(r *leadgate.ScoringRules) { r.Fit[0].Keywords = nil }, "scoring.fit[0].keywords"},
		{"TooManyKeywords", func(r *leadgate.ScoringRules) { r.Fit[0].Keywords = many }, "scoring.fit[0].keywords"},
		{"LongKeyword", func(r *leadgate.ScoringRules) { r.Fit[0].Keywords = []string{strings.Repeat("k", 101)} }, "scoring.fit[0].keywords"},
		{"ZeroPoints", func(r *leadgate.ScoringRules) { r.Fit[0].Points = 0 }, "scoring.fit[0].points"},
		{"TooManyRules", func(r *leadgate.ScoringRules) {
			r.Fit = make([]leadgate.FitRule, leadgate.MaxFitRules+1)
			for i := range r.Fit {
				r.Fit[i] = leadgate.FitRule{Field: "company", Keywords: []string{"a"}, Points: 1}
			}
		}, "scoring.fit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := storetest.Page("scored")
			p.Scoring = ok
			p.Scoring.Fit = append([]leadgate.FitRule(nil), ok.Fit...)
			tc.edit(&p.Scoring)
			err := p.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			le, _ := err.(*leadgate.Error)
			if le == nil {
				t.Fatalf("no error, want one on %s", tc.field)
			}
			for _, f := range le.Fields {
				if f.Field == tc.field {
					return
				}
			}
			t.Fatalf("errors %+v, want one on %s", le.Fields, tc.field)
		})
	}
}
