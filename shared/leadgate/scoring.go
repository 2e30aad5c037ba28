package leadgate

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Stage is how far a lead is qualified: a cold lead has shown little interest or
// fit yet, a marketing-qualified lead (MQL) enough to nurture, a sales-qualified
// lead (SQL) enough to hand to sales.
type Stage string

const (
	StageCold Stage = "cold"
	StageMQL  Stage = "mql"
	StageSQL  Stage = "sql"
)

// Stages lists the stages in order, coldest first.
var Stages = []Stage{StageCold, StageMQL, StageSQL}

// StageChange is one move of a lead between stages, with the score that made it.
type StageChange struct {
	From  Stage     `json:"from"`
	To    Stage     `json:"to"`
	At    time.Time `json:"at"`
	Score int       `json:"score"`
}

// MaxStageHistory is how many stage changes a lead keeps: the latest ones.
const MaxStageHistory = 20

// CurrentStage returns the lead's stage; a lead never scored is cold.
func (l Lead) CurrentStage() Stage {
	if l.Stage == "" {
		return StageCold
	}
	return l.Stage
}

// Downloaded returns the lead with its first download time set to at where it
// has none or a later one; it reports false, changing nothing, otherwise.
func (l Lead) Downloaded(at time.Time) (Lead, bool) {
	if at.IsZero() || !l.FirstDownloadAt.IsZero() && !at.Before(l.FirstDownloadAt) {
		return l, false
	}
	l.FirstDownloadAt = at
	return l, true
}

// WithScore returns the lead with the score and stage set at at, and a StageChange
// appended (the last MaxStageHistory kept) when the stage moves. It reports false,
// changing nothing, when score and stage are those the lead has.
func (l Lead) WithScore(score int, stage Stage, at time.Time) (Lead, bool) {
	from := l.CurrentStage()
	if score == l.Score && stage == from {
		return l, false
	}
	l.StageHistory = slices.Clone(l.StageHistory)
	if stage != from {
		l.StageHistory = append(l.StageHistory, StageChange{From: from, To: stage, At: at, Score: score})
		if n := len(l.StageHistory); n > MaxStageHistory {
			l.StageHistory = slices.Clone(l.StageHistory[n-MaxStageHistory:])
		}
	}
	l.Score, l.Stage = score, stage
	return l, true
}

// FitRule gives Points (negative ones too) to a lead whose Field (job_title,
// company, or a custom field's name) contains any of the Keywords, ignoring case.
type FitRule struct {
	Field    string   `json:"field"`
	Keywords []string `json:"keywords"`
	Points   int      `json:"points"`
}

// ScoringRules say how a page scores its leads. Points come from the data the
// lead gave (completeness), what they did (engagement) and who they are (fit);
// the thresholds turn the score into a stage. A page without rules uses
// DefaultScoringRules.
type ScoringRules struct {
	// Basic: email and name both given.
	Basic int `json:"basic,omitempty"`
	// Company, JobTitle, Phone: each given.
	Company  int `json:"company,omitempty"`
	JobTitle int `json:"job_title,omitempty"`
	Phone    int `json:"phone,omitempty"`
	// Confirmed: the address confirmed; Downloaded: a magnet downloaded;
	// Returned: submissions on two or more pages, or for two or more magnets.
	Confirmed  int       `json:"confirmed,omitempty"`
	Downloaded int       `json:"downloaded,omitempty"`
	Returned   int       `json:"returned,omitempty"`
	Fit        []FitRule `json:"fit,omitempty"`
	// MQLAt and SQLAt: a score at or above them makes the lead an MQL, an SQL.
	MQLAt int `json:"mql_at,omitempty"`
	SQLAt int `json:"sql_at,omitempty"`
}

// DefaultScoringRules score a page that sets no rules of its own.
var DefaultScoringRules = ScoringRules{
	Basic: 5, Company: 5, JobTitle: 5, Phone: 5,
	Confirmed: 10, Downloaded: 10, Returned: 15,
	MQLAt: 20, SQLAt: 40,
}

// Bounds of a page's fit rules.
const (
	MaxFitRules      = 20
	MaxFitKeywords   = 50
	MaxKeywordLength = 100
	maxRulePoints    = 1000
)

// IsZero reports whether no rule is set: the page uses the defaults.
func (r ScoringRules) IsZero() bool {
	return r.Basic == 0 && r.Company == 0 && r.JobTitle == 0 && r.Phone == 0 && r.Confirmed == 0 &&
		r.Downloaded == 0 && r.Returned == 0 && len(r.Fit) == 0 && r.MQLAt == 0 && r.SQLAt == 0
}

// ScoringRules returns the page's rules, or the defaults when it sets none.
func (p Page) ScoringRules() ScoringRules {
	if p.Scoring.IsZero() {
		return DefaultScoringRules
	}
	return p.Scoring
}

func (r ScoringRules) validate() []FieldError {
	if r.IsZero() {
		return nil
	}
	var errs []FieldError
	add := func(field, code, msg string) {
		errs = append(errs, FieldError{Field: "scoring." + field, Code: code, Message: msg})
	}
	if r.MQLAt <= 0 {
		add("mql_at", "invalid", "a positive score")
	}
	if r.SQLAt <= r.MQLAt {
		add("sql_at", "invalid", "a score above mql_at")
	}
	for name, v := range map[string]int{"basic": r.Basic, "company": r.Company, "job_title": r.JobTitle, "phone": r.Phone,
		"confirmed": r.Confirmed, "downloaded": r.Downloaded, "returned": r.Returned} {
		if v < -maxRulePoints || v > maxRulePoints {
			add(name, "invalid", fmt.Sprintf("between %d and %d points", -maxRulePoints, maxRulePoints))
		}
	}
	if len(r.Fit) > MaxFitRules {
		add("fit", "invalid", fmt.Sprintf("at most %d fit rules", MaxFitRules))
	}
	for i, f := range r.Fit {
		at := fmt.Sprintf("fit[%d]", i)
		if !validFieldName(f.Field) || f.Field == FieldNameEmail {
			add(at+".field", "invalid", "job_title, company, or a custom field's name")
		}
		if len(f.Keywords) == 0 || len(f.Keywords) > MaxFitKeywords {
			add(at+".keywords", "invalid", fmt.Sprintf("1 to %d keywords", MaxFitKeywords))
		}
		for _, k := range f.Keywords {
			if strings.TrimSpace(k) == "" || len(k) > MaxKeywordLength {
				add(at+".keywords", "invalid", fmt.Sprintf("keywords are 1 to %d characters", MaxKeywordLength))
				break
			}
			if fe := checkPageText("scoring."+at+".keywords", k, 0, false); fe != nil {
				errs = append(errs, *fe)
				break
			}
		}
		if f.Points == 0 || f.Points < -maxRulePoints || f.Points > maxRulePoints {
			add(at+".points", "invalid", fmt.Sprintf("non-zero, between %d and %d", -maxRulePoints, maxRulePoints))
		}
	}
	return errs
}

// StageOf returns the stage a score reaches under the rules.
func (r ScoringRules) StageOf(score int) Stage {
	switch {
	case score >= r.SQLAt:
		return StageSQL
	case score >= r.MQLAt:
		return StageMQL
	}
	return StageCold
}

// Score computes a lead's score and stage from the lead, its submissions and the
// rules. It is pure: the same inputs always give the same answer.
func Score(lead Lead, subs []Submission, rules ScoringRules) (int, Stage) {
	score := 0
	if lead.Email != "" && strings.TrimSpace(lead.Name) != "" {
		score += rules.Basic
	}
	if strings.TrimSpace(lead.Company) != "" {
		score += rules.Company
	}
	if strings.TrimSpace(lead.JobTitle) != "" {
		score += rules.JobTitle
	}
	if strings.TrimSpace(lead.Phone) != "" {
		score += rules.Phone
	}
	if !lead.ConfirmedAt.IsZero() {
		score += rules.Confirmed
	}
	if !lead.FirstDownloadAt.IsZero() {
		score += rules.Downloaded
	}
	pages, magnets := map[string]bool{}, map[string]bool{}
	for _, s := range subs {
		pages[s.Page] = true
		if s.MagnetID != "" {
			magnets[s.MagnetID] = true
		}
	}
	if len(pages) >= 2 || len(magnets) >= 2 {
		score += rules.Returned
	}
	for _, f := range rules.Fit {
		if fits(lead.fieldValue(f.Field), f.Keywords) {
			score += f.Points
		}
	}
	return score, rules.StageOf(score)
}

func (l Lead) fieldValue(name string) string {
	switch name {
	case FieldNameName:
		return l.Name
	case FieldNameCompany:
		return l.Company
	case FieldNameJobTitle:
		return l.JobTitle
	case FieldNamePhone:
		return l.Phone
	}
	return l.Custom[name]
}

func fits(value string, keywords []string) bool {
	value = strings.ToLower(value)
	if value == "" {
		return false
	}
	for _, k := range keywords {
		if k = strings.ToLower(strings.TrimSpace(k)); k != "" && strings.Contains(value, k) {
			return true
		}
	}
	return false
}
