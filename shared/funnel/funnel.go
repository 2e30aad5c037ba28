// Package funnel measures how a page converts: it counts the funnel's steps
// (views, leads, confirmations, downloads) per page, UTC day and source from the
// change feed, and reports them with conversion rates and, from what was spent on
// each campaign, the cost per lead.
package funnel

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"leadgate/shared/leadgate"
)

// CountStore is what the counter needs of a store.
type CountStore interface {
	CountLead(ctx context.Context, sub leadgate.Submission) error
	CountConfirmation(ctx context.Context, c leadgate.Confirmation) error
	CountDownload(ctx context.Context, d leadgate.Download) error
}

// Counter counts new submissions, first confirmations and downloads from the change
// feed. Each is counted once however often its change is delivered: the store keeps
// a mark per submission, confirmation and (grant, n). Views are counted by the page
// route itself.
type Counter struct{ store CountStore }

// NewCounter returns a counter on the store.
func NewCounter(store CountStore) *Counter { return &Counter{store: store} }

// HandleChange counts one change; other kinds are no count.
func (c *Counter) HandleChange(ctx context.Context, ch leadgate.Change) error {
	switch {
	case ch.Kind == leadgate.SubmissionCreated && ch.Submission != nil:
		return c.store.CountLead(ctx, *ch.Submission)
	case ch.Kind == leadgate.LeadConfirmed && ch.Confirmation != nil:
		conf := *ch.Confirmation
		if conf.ConfirmedAt.IsZero() {
			conf.ConfirmedAt = ch.At
		}
		return c.store.CountConfirmation(ctx, conf)
	case ch.Kind == leadgate.DownloadMade && ch.Download != nil:
		return c.store.CountDownload(ctx, *ch.Download)
	}
	return nil
}

// StatsStore is what a report needs of a store.
type StatsStore interface {
	Page(ctx context.Context, slug string) (leadgate.Page, error)
	PageStats(ctx context.Context, page, from, to string) ([]leadgate.SourceDayCounts, error)
	Overview(ctx context.Context) (leadgate.Overview, error)
}

// Counts are the funnel's steps over some span, with the conversion rate: leads
// per view, null when there were no views.
type Counts struct {
	Views          int      `json:"views"`
	Leads          int      `json:"leads"`
	ConversionRate *float64 `json:"conversion_rate"`
	Confirmations  int      `json:"confirmations"`
	Downloads      int      `json:"downloads"`
}

func (c *Counts) add(r leadgate.SourceDayCounts) {
	c.Views += r.Views
	c.Leads += r.Leads
	c.Confirmations += r.Confirmations
	c.Downloads += r.Downloads
}

func (c *Counts) rate() {
	c.ConversionRate = nil
	if c.Views > 0 {
		r := round(float64(c.Leads)/float64(c.Views), 4)
		c.ConversionRate = &r
	}
}

// DayCounts are the counts of one UTC day.
type DayCounts struct {
	Day string `json:"day"`
	Counts
}

// SourceCounts are the counts of one source over the range.
type SourceCounts struct {
	leadgate.Source
	Counts
}

// CampaignCounts are the counts of one utm_campaign over the range (every source
// and medium), with what was spent on it and the cost per lead: spend / leads,
// null without a spend or without leads.
type CampaignCounts struct {
	Campaign string `json:"campaign"`
	Counts
	Spend       *Money   `json:"spend"`
	CostPerLead *float64 `json:"cost_per_lead"`
}

// Money is an amount in one currency.
type Money struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
}

// Report is a page's funnel over a range of UTC days.
type Report struct {
	Page      string           `json:"page"`
	From      string           `json:"from"`
	To        string           `json:"to"`
	Totals    Counts           `json:"totals"`
	Days      []DayCounts      `json:"days"`      // every day of the range, oldest first
	Sources   []SourceCounts   `json:"sources"`   // most leads first
	Campaigns []CampaignCounts `json:"campaigns"` // by campaign; those with a spend and no counts too
	// Stages counts the page's leads (every lead with a submission on the page, of
	// any day) by their stage now; not limited to the range.
	Stages StageCounts `json:"stages"`
}

// StageCounts are how many of a page's leads stand at each stage now, as the
// store's stage counters keep them (leadgate.StageCounts).
type StageCounts struct {
	Cold int `json:"cold"`
	MQL  int `json:"mql"`
	SQL  int `json:"sql"`
}

// StagesOf returns the counts of the store's counters.
func StagesOf(c leadgate.StageCounts) StageCounts {
	return StageCounts{Cold: c.Cold, MQL: c.MQL, SQL: c.SQL}
}

// Build reads the page's counters of the days from from to to (UTC days, both
// included, as leadgate.ParseDayRange checks them), and every page's spends and
// stage counters (the store's Overview), from which it takes the page's:
// ENOTFOUND for an unknown page. A campaign's spend is its total; its cost per
// lead divides it by the campaign's leads of the range.
func Build(ctx context.Context, store StatsStore, page, from, to string) (Report, error) {
	if _, err := store.Page(ctx, page); err != nil {
		return Report{}, err
	}
	rows, err := store.PageStats(ctx, page, from, to)
	if err != nil {
		return Report{}, err
	}
	o, err := store.Overview(ctx)
	if err != nil {
		return Report{}, err
	}
	rep := Compute(page, from, to, rows, o.PageSpends(page))
	rep.Stages = StagesOf(o.PageStages(page))
	return rep, nil
}

// Compute builds the report of the rows and spends.
func Compute(page, from, to string, rows []leadgate.SourceDayCounts, spends []leadgate.Spend) Report {
	rep := Report{Page: page, From: from, To: to, Days: []DayCounts{}, Sources: []SourceCounts{}, Campaigns: []CampaignCounts{}}
	byDay := map[string]*DayCounts{}
	start, _ := time.Parse(time.DateOnly, from)
	end, _ := time.Parse(time.DateOnly, to)
	for d := start; !d.After(end) && len(rep.Days) <= leadgate.MaxStatsDays; d = d.AddDate(0, 0, 1) {
		rep.Days = append(rep.Days, DayCounts{Day: leadgate.Day(d)})
	}
	for i := range rep.Days {
		byDay[rep.Days[i].Day] = &rep.Days[i]
	}
	bySource := map[leadgate.Source]*SourceCounts{}
	byCampaign := map[string]*CampaignCounts{}
	for _, r := range rows {
		rep.Totals.add(r)
		if d := byDay[r.Day]; d != nil {
			d.add(r)
		}
		src := r.Source.Normal()
		s := bySource[src]
		if s == nil {
			s = &SourceCounts{Source: src}
			bySource[src] = s
		}
		s.add(r)
		c := byCampaign[src.Campaign]
		if c == nil {
			c = &CampaignCounts{Campaign: src.Campaign}
			byCampaign[src.Campaign] = c
		}
		c.add(r)
	}
	for _, sp := range spends {
		c := byCampaign[sp.Campaign]
		if c == nil {
			c = &CampaignCounts{Campaign: sp.Campaign}
			byCampaign[sp.Campaign] = c
		}
		c.Spend = &Money{Amount: sp.Amount, Currency: sp.Currency}
	}
	rep.Totals.rate()
	for i := range rep.Days {
		rep.Days[i].rate()
	}
	for _, s := range bySource {
		s.rate()
		rep.Sources = append(rep.Sources, *s)
	}
	slices.SortFunc(rep.Sources, func(a, b SourceCounts) int {
		return cmp.Or(cmp.Compare(b.Leads, a.Leads), cmp.Compare(b.Views, a.Views),
			cmp.Compare(a.Source.Source, b.Source.Source), cmp.Compare(a.Medium, b.Medium), cmp.Compare(a.Campaign, b.Campaign))
	})
	for _, c := range byCampaign {
		c.rate()
		if c.Spend != nil && c.Leads > 0 {
			cpl := round(c.Spend.Amount/float64(c.Leads), 2)
			c.CostPerLead = &cpl
		}
		rep.Campaigns = append(rep.Campaigns, *c)
	}
	slices.SortFunc(rep.Campaigns, func(a, b CampaignCounts) int { return cmp.Compare(a.Campaign, b.Campaign) })
	return rep
}

// Campaign returns the report's row of a campaign, if it has one.
func (r Report) Campaign(name string) (CampaignCounts, bool) {
	i := slices.IndexFunc(r.Campaigns, func(c CampaignCounts) bool { return c.Campaign == name })
	if i < 0 {
		return CampaignCounts{}, false
	}
	return r.Campaigns[i], true
}

func round(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}
