package leadgate

import "slices"

// Stage counters: a store keeps, per page, how many of the page's leads (those with
// a submission on it) stand at each stage now, and how many of the leads whose
// first page it is (Lead.Pages[0]) do: summed over every page, the latter count
// each lead once. The counters move in the same write as the lead whose stage or
// pages change (a capture of a known lead, a new score, an erasure), except a new
// lead's: it is counted with its submission's count (CountLead, from the change
// feed), once, at the stage its capture gave it (Submission.NewLeadStage). Moves
// are sums, so the order of a new lead's count and its later moves matters not.

// StageCounts are how many leads stand at each stage now: those with a submission
// on Page or, Page "", every lead with a submission on any page, once.
type StageCounts struct {
	Page string `json:"page,omitempty"`
	Cold int    `json:"cold"`
	MQL  int    `json:"mql"`
	SQL  int    `json:"sql"`
}

// Total is the number of leads counted.
func (c StageCounts) Total() int { return c.Cold + c.MQL + c.SQL }

func (c *StageCounts) add(st Stage, n int) {
	switch st {
	case StageSQL:
		c.SQL += n
	case StageMQL:
		c.MQL += n
	default:
		c.Cold += n
	}
}

// PageStages is a page's stage counters as a store keeps them: its leads by stage,
// and First, the leads whose first page it is by stage.
type PageStages struct {
	StageCounts
	First StageCounts `json:"first"`
}

// Add adds d to the counters.
func (p *PageStages) Add(d PageStages) {
	p.Cold, p.MQL, p.SQL = p.Cold+d.Cold, p.MQL+d.MQL, p.SQL+d.SQL
	p.First.Cold, p.First.MQL, p.First.SQL = p.First.Cold+d.First.Cold, p.First.MQL+d.First.MQL, p.First.SQL+d.First.SQL
}

// IsZero reports whether the counters are all zero.
func (p PageStages) IsZero() bool {
	return p.StageCounts == StageCounts{Page: p.Page} && p.First == StageCounts{}
}

// StageMoves returns what writing a lead as after, where it was before, adds to
// each page's stage counters: before nil for a new lead, after nil for an erased
// one. Pages whose counters do not move are left out; the others come in the
// order of the lead's pages.
func StageMoves(before, after *Lead) []PageStages {
	var moves []PageStages
	at := func(page string) *PageStages {
		for i := range moves {
			if moves[i].Page == page {
				return &moves[i]
			}
		}
		moves = append(moves, PageStages{StageCounts: StageCounts{Page: page}})
		return &moves[len(moves)-1]
	}
	for _, side := range []struct {
		l *Lead
		n int
	}{{before, -1}, {after, 1}} {
		if side.l == nil {
			continue
		}
		st := side.l.CurrentStage()
		for i, p := range side.l.Pages {
			m := at(p)
			m.add(st, side.n)
			if i == 0 {
				m.First.add(st, side.n)
			}
		}
	}
	return slices.DeleteFunc(moves, PageStages.IsZero)
}

// NewLeadMoves returns what the lead that sub created adds to the stage counters:
// one lead at sub.NewLeadStage on sub.Page, its first page; nothing for a
// submission of a lead that existed.
func NewLeadMoves(sub Submission) []PageStages {
	if sub.NewLeadStage == "" {
		return nil
	}
	return StageMoves(nil, &Lead{Pages: []string{sub.Page}, Stage: sub.NewLeadStage})
}

// Overview is what stands now for every page, whatever the day: its campaigns'
// spends and its leads by stage. A store reads it at once.
type Overview struct {
	Spends []Spend      `json:"spends"` // by page, then campaign
	Stages []PageStages `json:"stages"` // by page; pages whose leads were never counted are left out
	All    StageCounts  `json:"all"`    // every lead with a submission, once
}

// NewOverview makes the overview of the spends and the pages' stage counters.
func NewOverview(spends []Spend, stages []PageStages) Overview {
	o := Overview{Spends: spends, Stages: stages}
	if o.Spends == nil {
		o.Spends = []Spend{}
	}
	if o.Stages == nil {
		o.Stages = []PageStages{}
	}
	for _, p := range stages {
		o.All.Cold += p.First.Cold
		o.All.MQL += p.First.MQL
		o.All.SQL += p.First.SQL
	}
	return o
}

// PageStages returns the page's leads by stage ("": every lead, once).
func (o Overview) PageStages(page string) StageCounts {
	if page == "" {
		return o.All
	}
	for _, p := range o.Stages {
		if p.Page == page {
			return p.StageCounts
		}
	}
	return StageCounts{Page: page}
}

// PageSpends returns the page's spends, by campaign.
func (o Overview) PageSpends(page string) []Spend {
	out := []Spend{}
	for _, s := range o.Spends {
		if s.Page == page {
			out = append(out, s)
		}
	}
	return out
}
