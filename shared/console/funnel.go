package console

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"leadgate/shared/admin"
	"leadgate/shared/funnel"
	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// funnelView is the funnel page: the range form, and, unless the range was
// refused, one page's funnel or every page's together.
type funnelView struct {
	Range rangeView
	// Title names what is shown: a page's title, or "All pages".
	Title string
	// Shown is false when the range was refused: the form only.
	Shown     bool
	Report    funnel.Report
	MaxLeads  int // of one day
	AllPages  bool
	Campaigns []campaignRow
	// Stages are the leads by stage now: of the page, or every lead once.
	Stages funnel.StageCounts
	// Spend is the spend form of the page shown; nil on all pages.
	Spend *spendForm
	// Saved is the campaign whose spend was just saved.
	Saved string
}

// campaignRow is one campaign of a page with its leads of the range and what was
// spent on it in all: one row per (page, campaign), so a spend reads once.
type campaignRow struct {
	Page        string // on all pages
	Campaign    string
	Leads       int
	Spend       *funnel.Money
	CostPerLead *float64
}

// spendForm is the form that sets what was spent on one campaign of a page.
type spendForm struct {
	Page, From, To             string
	Campaign, Amount, Currency string
	Errors                     map[string]string
	CSRF                       string
}

// defaultCurrency is the spend form's currency before any spend names one.
const defaultCurrency = "EUR"

// funnelPage shows the funnel of one page (?page=slug) or of every page over a
// range of UTC days.
func (c *Console) funnelPage(w http.ResponseWriter, r *http.Request, s signedIn) {
	c.showFunnel(w, r, s, nil, http.StatusOK)
}

// showFunnel renders the funnel of the request's query, with spend, if not nil,
// as the spend form (one that was refused, with its messages).
func (c *Console) showFunnel(w http.ResponseWriter, r *http.Request, s signedIn, spend *spendForm, status int) {
	ctx := r.Context()
	pages, err := c.cfg.Store.Pages(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	slug := q.Get("page")
	if spend != nil {
		slug = spend.Page
		q.Set("from", spend.From)
		q.Set("to", spend.To)
		r.URL.RawQuery = q.Encode()
	}
	v := funnelView{Range: rangeView{Action: FunnelPath, Pages: pages, Page: slug}, Title: "All pages", AllPages: slug == ""}
	var page leadgate.Page
	if slug != "" {
		i := slices.IndexFunc(pages, func(p leadgate.Page) bool { return p.Slug == slug })
		if i < 0 {
			c.render(w, http.StatusNotFound, s.layout(FunnelPath), noticePageNotFound)
			return
		}
		page = pages[i]
		v.Title = page.Title
	}
	readRange(r, c.cfg.Now(), &v.Range)
	if v.Range.Errors != nil {
		c.sendFunnel(w, s, v, http.StatusUnprocessableEntity)
		return
	}
	from, to := v.Range.From, v.Range.To
	o, err := c.cfg.Store.Overview(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v.Stages = funnel.StagesOf(o.PageStages(slug))
	if v.AllPages {
		err = c.allPagesFunnel(ctx, pages, o, from, to, &v)
	} else {
		err = c.pageFunnel(ctx, page, o, from, to, &v)
		v.Spend = spend
		if v.Spend == nil {
			v.Spend = &spendForm{Currency: defaultCurrency}
			for _, row := range v.Campaigns {
				if row.Spend != nil {
					v.Spend.Currency = row.Spend.Currency
				}
			}
		}
		v.Spend.Page, v.Spend.From, v.Spend.To, v.Spend.CSRF = slug, from, to, s.CSRF
		if saved := q.Get("saved"); spend == nil && saved != "" && slices.ContainsFunc(v.Campaigns, func(c campaignRow) bool { return c.Campaign == saved && c.Spend != nil }) {
			v.Saved = saved
		}
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v.Shown = true
	for _, d := range v.Report.Days {
		v.MaxLeads = max(v.MaxLeads, d.Leads)
	}
	c.sendFunnel(w, s, v, status)
}

func (c *Console) sendFunnel(w http.ResponseWriter, s signedIn, v funnelView, status int) {
	l := s.layout(FunnelPath)
	l.Tools = c.cfg.Tools
	var m markup.Writer
	writeFunnel(&m, l, v)
	send(w, status, m.String())
}

// pageFunnel reads one page's counters; its spends are the overview's.
func (c *Console) pageFunnel(ctx context.Context, page leadgate.Page, o leadgate.Overview, from, to string, v *funnelView) error {
	rows, err := c.cfg.Store.PageStats(ctx, page.Slug, from, to)
	if err != nil {
		return err
	}
	v.Report = funnel.Compute(page.Slug, from, to, rows, o.PageSpends(page.Slug))
	v.Campaigns = campaignRows("", v.Report)
	return nil
}

// allPagesFunnel sums every page's counters per day and per source, read at once
// (AllPageStats); campaigns stay per (page, campaign), each with its page's spend
// from the overview.
func (c *Console) allPagesFunnel(ctx context.Context, pages []leadgate.Page, o leadgate.Overview, from, to string, v *funnelView) error {
	all, err := c.cfg.Store.AllPageStats(ctx, from, to)
	if err != nil {
		return err
	}
	byPage := map[string][]leadgate.SourceDayCounts{}
	for _, row := range all {
		byPage[row.Page] = append(byPage[row.Page], row)
	}
	for _, p := range pages {
		v.Campaigns = append(v.Campaigns, campaignRows(p.Slug, funnel.Compute(p.Slug, from, to, byPage[p.Slug], o.PageSpends(p.Slug)))...)
	}
	v.Report = funnel.Compute("", from, to, all, nil)
	slices.SortStableFunc(v.Campaigns, func(a, b campaignRow) int {
		return cmp.Or(cmp.Compare(a.Campaign, b.Campaign), cmp.Compare(a.Page, b.Page))
	})
	return nil
}

// campaignRows are the report's campaigns, those of no lead and no spend left out.
func campaignRows(page string, rep funnel.Report) []campaignRow {
	var rows []campaignRow
	for _, cc := range rep.Campaigns {
		if cc.Leads == 0 && cc.Spend == nil {
			continue
		}
		rows = append(rows, campaignRow{Page: page, Campaign: cc.Campaign, Leads: cc.Leads, Spend: cc.Spend, CostPerLead: cc.CostPerLead})
	}
	return rows
}

// saveSpend sets what was spent on a campaign of a page through the admin
// service, then shows the funnel with it; a refused form comes back with its
// messages, 422.
func (c *Console) saveSpend(w http.ResponseWriter, r *http.Request, s signedIn) {
	f := spendForm{
		Page: r.PostForm.Get("page"), From: r.PostForm.Get("from"), To: r.PostForm.Get("to"),
		Campaign: strings.TrimSpace(r.PostForm.Get("campaign")), Amount: strings.TrimSpace(r.PostForm.Get("amount")),
		Currency: strings.ToUpper(strings.TrimSpace(r.PostForm.Get("currency"))),
	}
	req := admin.SpendRequest{Currency: f.Currency}
	var bad []leadgate.FieldError
	if f.Amount != "" {
		a, err := strconv.ParseFloat(strings.ReplaceAll(f.Amount, ",", "."), 64)
		if err != nil {
			bad = append(bad, leadgate.FieldError{Field: "amount", Code: "invalid", Message: "a number such as 120.50"})
		} else {
			req.Amount = &a
		}
	}
	var err error
	if len(bad) > 0 {
		err = leadgate.Invalid(bad...)
	} else {
		_, err = c.cfg.Admin.SaveSpend(r.Context(), f.Page, f.Campaign, req)
	}
	switch leadgate.ErrorCode(err) {
	case "":
		q := url.Values{"page": {f.Page}, "saved": {f.Campaign}}
		if _, _, rerr := leadgate.ParseDayRange(f.From, f.To, c.cfg.Now()); rerr == nil {
			q.Set("from", f.From)
			q.Set("to", f.To)
		}
		http.Redirect(w, r, FunnelPath+"?"+q.Encode(), http.StatusSeeOther)
	case leadgate.ENOTFOUND:
		c.render(w, http.StatusNotFound, s.layout(FunnelPath), noticePageNotFound)
	case leadgate.EINVALID:
		f.Errors = fieldMessages(err)
		if _, _, rerr := leadgate.ParseDayRange(f.From, f.To, c.cfg.Now()); rerr != nil {
			f.From, f.To = "", ""
		}
		c.showFunnel(w, r, s, &f, http.StatusUnprocessableEntity)
	default:
		c.fail(w, r, err)
	}
}
