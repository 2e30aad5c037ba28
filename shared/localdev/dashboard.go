package localdev

import (
	"fmt"
	"net/http"
	"strconv"

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
	rep, err := funnel.Build(r.Context(), s.Store, slug, from, to)
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
