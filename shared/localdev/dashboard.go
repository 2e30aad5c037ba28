package localdev

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"leadgate/shared/admin"
	"leadgate/shared/funnel"
	"leadgate/shared/leadgate"
)

// DashboardDays is how many days the dashboard shows, ending today (UTC).
const DashboardDays = 30

// Geometry of the dashboard's charts, in SVG user units.
const (
	funnelWidth    = 640
	funnelLabelW   = 150
	funnelBarH     = 34
	funnelGap      = 12
	chartWidth     = 640
	chartHeight    = 200
	chartTop       = 20
	chartBottom    = 30
	chartLeft      = 36
	chartBarGapPct = 0.25
)

type funnelStep struct {
	Label, Count, Rate string
	Y, BarWidth, TextY int
}

type dayBar struct {
	Day, Title                  string
	X, Y, Width, Height, LabelY int
	Leads                       int
}

type sourceRow struct {
	funnel.SourceCounts
	Rate, Spend, CostPerLead string
}

type dashboardView struct {
	Page                 leadgate.Page
	Report               funnel.Report
	Steps                []funnelStep
	FunnelHeight         int
	FunnelDesc           string
	Bars                 []dayBar
	ChartWidth           int
	ChartHeight          int
	ChartBase            int
	ChartLeft            int
	MaxLeads             int
	ChartDesc            string
	FirstDay, LastDay    string
	Sources              []sourceRow
	TotalRate            string
	Pages                []leadgate.Page
	FunnelWidth, LabelsW int
}

// percent formats part of whole as a percentage with one decimal, or "—" when
// whole is zero.
func percent(part, whole int) string {
	if whole == 0 {
		return "—"
	}
	return strconv.FormatFloat(100*float64(part)/float64(whole), 'f', 1, 64) + "%"
}

func rateText(r *float64) string {
	if r == nil {
		return "—"
	}
	return strconv.FormatFloat(100**r, 'f', 1, 64) + "%"
}

// handleDashboard renders a page's funnel of the last DashboardDays days: an SVG
// funnel, an SVG chart of leads per day and a table per source. It is the owner's
// machine: like /dev/leads, it needs no token. Without ?page it lists the pages.
func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	var v dashboardView
	slug := r.URL.Query().Get("page")
	if slug == "" {
		pages, err := s.Store.Pages(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Pages = pages
		s.renderDashboard(w, r, v)
		return
	}
	page, err := s.Store.Page(r.Context(), slug)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	today := s.now().UTC()
	from, to := leadgate.Day(today.AddDate(0, 0, -(DashboardDays-1))), leadgate.Day(today)
	rep, err := s.report(r.Context(), slug, from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v = dashboardView{Page: page, Report: rep, FirstDay: from, LastDay: to, FunnelWidth: funnelWidth, LabelsW: funnelLabelW,
		ChartWidth: chartWidth, ChartHeight: chartHeight, ChartLeft: chartLeft, ChartBase: chartHeight - chartBottom}
	v.TotalRate = rateText(rep.Totals.ConversionRate)
	t := rep.Totals
	steps := []struct {
		label string
		n     int
		rate  string
	}{
		{"Views", t.Views, ""},
		{"Leads", t.Leads, percent(t.Leads, t.Views) + " of views"},
		{"Confirmations", t.Confirmations, percent(t.Confirmations, t.Leads) + " of leads"},
		{"Downloads", t.Downloads, percent(t.Downloads, t.Leads) + " of leads"},
	}
	most := max(1, t.Views, t.Leads, t.Confirmations, t.Downloads)
	barSpace := funnelWidth - funnelLabelW - 170
	for i, st := range steps {
		y := i * (funnelBarH + funnelGap)
		width := st.n * barSpace / most
		if st.n > 0 {
			width = max(width, 2)
		}
		v.Steps = append(v.Steps, funnelStep{Label: st.label, Count: strconv.Itoa(st.n), Rate: st.rate, Y: y, BarWidth: width, TextY: y + funnelBarH/2 + 5})
	}
	v.FunnelHeight = len(steps)*(funnelBarH+funnelGap) - funnelGap
	v.FunnelDesc = fmt.Sprintf("From %s to %s: %d views, %d leads (%s of views), %d confirmations, %d downloads.",
		from, to, t.Views, t.Leads, percent(t.Leads, t.Views), t.Confirmations, t.Downloads)

	maxLeads := 0
	for _, d := range rep.Days {
		maxLeads = max(maxLeads, d.Leads)
	}
	v.MaxLeads = maxLeads
	plotW := chartWidth - chartLeft - 4
	plotH := chartHeight - chartTop - chartBottom
	slot := float64(plotW) / float64(max(1, len(rep.Days)))
	for i, d := range rep.Days {
		h := 0
		if maxLeads > 0 {
			h = d.Leads * plotH / maxLeads
		}
		if d.Leads > 0 {
			h = max(h, 2)
		}
		x := chartLeft + int(float64(i)*slot+slot*chartBarGapPct/2)
		bar := dayBar{Day: d.Day, Leads: d.Leads, X: x, Width: max(1, int(slot*(1-chartBarGapPct))),
			Height: h, Y: v.ChartBase - h, LabelY: v.ChartBase - h - 4}
		bar.Title = fmt.Sprintf("%s: %d lead", d.Day, d.Leads)
		if d.Leads != 1 {
			bar.Title += "s"
		}
		v.Bars = append(v.Bars, bar)
	}
	v.ChartDesc = fmt.Sprintf("Leads per day from %s to %s: %d in all, at most %d on one day.", from, to, t.Leads, maxLeads)
	for _, src := range rep.Sources {
		row := sourceRow{SourceCounts: src, Rate: rateText(src.ConversionRate), Spend: "—", CostPerLead: "—"}
		if c, ok := rep.Campaign(src.Campaign); ok && c.Spend != nil {
			row.Spend = money(c.Spend.Amount, c.Spend.Currency)
			if c.CostPerLead != nil {
				row.CostPerLead = money(*c.CostPerLead, c.Spend.Currency)
			}
		}
		v.Sources = append(v.Sources, row)
	}
	s.renderDashboard(w, r, v)
}

// report is funnel.Build's report of the page, which exists, with its leads counted
// by stage from the stage index when the store offers one.
func (s *Server) report(ctx context.Context, slug, from, to string) (funnel.Report, error) {
	if s.stages == nil {
		return funnel.Build(ctx, s.Store, slug, from, to)
	}
	rows, err := s.Store.PageStats(ctx, slug, from, to)
	if err != nil {
		return funnel.Report{}, err
	}
	spends, err := s.Store.Spends(ctx, slug)
	if err != nil {
		return funnel.Report{}, err
	}
	stages, err := s.stages.count(ctx, slug)
	if err != nil {
		return funnel.Report{}, err
	}
	rep := funnel.Compute(slug, from, to, rows, spends)
	rep.Stages = stages
	return rep, nil
}

// stageIndex counts a page's leads by stage for the dashboard without reading every
// lead of the page per request, as funnel.CountStages does through the page's lead
// index (on the embedded store a scan of every submission per page of the index:
// seconds at ten thousand leads). It keeps each lead's stage and the pages it
// submitted on, read from the store on first use, and brings them up to date from
// the change feed before each count: every write of a lead or a submission adds a
// change carrying its new image, so the counts are those of the store as the count
// starts. An erasure deletes the lead's changes instead: the admin service's erase
// hook tells the index (forgetting), and a gap where the index stopped reading the
// feed (pruned, or erased) makes it read the store again.
type stageIndex struct {
	store stageStore
	mu    sync.Mutex
	built bool
	pos   uint64                // the last change applied
	leads map[string]*leadStage // by address
}

type leadStage struct {
	stage leadgate.Stage
	pages []string // of its submissions, once each
}

// stageStore is what the index reads: the embedded store offers it.
type stageStore interface {
	Changes(after uint64, limit int) ([]leadgate.Change, error)
	RecentChanges(limit int) ([]leadgate.Change, error)
	leadgate.LeadLister
	Submissions(ctx context.Context, email string) ([]leadgate.Submission, error)
}

// newStageIndex returns the index of the store's stages, nil if it has no feed to
// keep one with (DynamoDB: the dashboard counts with funnel.CountStages).
func newStageIndex(store leadgate.Store) *stageIndex {
	ss, ok := store.(stageStore)
	if !ok {
		return nil
	}
	return &stageIndex{store: ss}
}

// count counts the page's leads by stage now.
func (ix *stageIndex) count(ctx context.Context, page string) (funnel.StageCounts, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var sc funnel.StageCounts
	if !ix.built {
		if err := ix.read(ctx); err != nil {
			return sc, err
		}
	}
	if err := ix.catchUp(ctx); err != nil {
		return sc, err
	}
	for _, l := range ix.leads {
		if !slices.Contains(l.pages, page) {
			continue
		}
		switch l.stage {
		case leadgate.StageSQL:
			sc.SQL++
		case leadgate.StageMQL:
			sc.MQL++
		default:
			sc.Cold++
		}
	}
	return sc, nil
}

// read reads every lead and its submissions' pages from the store, and the feed's
// position just before.
func (ix *stageIndex) read(ctx context.Context) error {
	ix.built, ix.pos, ix.leads = false, 0, map[string]*leadStage{}
	last, err := ix.store.RecentChanges(1)
	if err != nil {
		return err
	}
	if len(last) > 0 {
		ix.pos = last[0].Seq
	}
	leads, err := allLeads(ctx, ix.store)
	if err != nil {
		return err
	}
	for _, l := range leads {
		subs, err := ix.store.Submissions(ctx, l.Email)
		if err != nil {
			return err
		}
		ls := ix.lead(l.Email)
		ls.stage = l.CurrentStage()
		for _, sub := range subs {
			ls.addPage(sub.Page)
		}
	}
	ix.built = true
	return nil
}

// catchUp applies the changes after the index's position: those written since the
// read replace what it read, lead by lead.
func (ix *stageIndex) catchUp(ctx context.Context) error {
	for {
		changes, err := ix.store.Changes(ix.pos, 1000)
		if err != nil || len(changes) == 0 {
			return err
		}
		if changes[0].Seq != ix.pos+1 {
			// Changes were pruned or erased where the index stopped: what they
			// said is in the store.
			if err := ix.read(ctx); err != nil {
				return err
			}
			continue
		}
		for _, ch := range changes {
			switch {
			case (ch.Kind == leadgate.LeadCreated || ch.Kind == leadgate.LeadUpdated) && ch.Lead != nil:
				ix.lead(ch.Lead.Email).stage = ch.Lead.CurrentStage()
			case ch.Kind == leadgate.SubmissionCreated && ch.Submission != nil:
				ix.lead(ch.Submission.Email).addPage(ch.Submission.Page)
			}
		}
		ix.pos = changes[len(changes)-1].Seq
	}
}

func (ix *stageIndex) lead(email string) *leadStage {
	l := ix.leads[email]
	if l == nil {
		l = &leadStage{stage: leadgate.StageCold}
		ix.leads[email] = l
	}
	return l
}

func (l *leadStage) addPage(page string) {
	if !slices.Contains(l.pages, page) {
		l.pages = append(l.pages, page)
	}
}

// forgetting returns an erase hook that drops the address from the index, then
// calls then, if any.
func (ix *stageIndex) forgetting(then admin.EraseHook) admin.EraseHook {
	if ix == nil {
		return then
	}
	return func(ctx context.Context, email string) (int, error) {
		ix.mu.Lock()
		delete(ix.leads, email)
		ix.mu.Unlock()
		if then == nil {
			return 0, nil
		}
		return then(ctx, email)
	}
}

func money(amount float64, currency string) string {
	return strconv.FormatFloat(amount, 'f', 2, 64) + " " + currency
}

func (s *Server) renderDashboard(w http.ResponseWriter, r *http.Request, v dashboardView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'")
	if err := templates.ExecuteTemplate(w, "dashboard.html", v); err != nil {
		s.log.ErrorContext(r.Context(), "render dashboard", "error", err)
	}
}
