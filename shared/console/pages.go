package console

import (
	"net/http"
	"time"

	"leadgate/shared/funnel"
	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// pages lists every page with its views, leads and conversion of the last 7 and 30
// UTC days, today included: one read of the page list, and one of every page's
// counters of the 30 days together (AllPageStats), from which both spans are
// summed.
func (c *Console) pages(w http.ResponseWriter, r *http.Request, s signedIn) {
	ctx := r.Context()
	pages, err := c.cfg.Store.Pages(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	from30, to, err := leadgate.ParseDayRange("", "", c.cfg.Now())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	all, err := c.cfg.Store.AllPageStats(ctx, from30, to)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	byPage := map[string][]leadgate.SourceDayCounts{}
	for _, row := range all {
		byPage[row.Page] = append(byPage[row.Page], row)
	}
	end, _ := time.Parse(time.DateOnly, to)
	v := pagesView{From7: leadgate.Day(end.AddDate(0, 0, -6)), From30: from30, To: to, Pages: make([]pageRow, 0, len(pages))}
	for _, p := range pages {
		rows := byPage[p.Slug]
		var recent []leadgate.SourceDayCounts
		for _, row := range rows {
			if row.Day >= v.From7 { // days as 2006-01-02 sort as they come
				recent = append(recent, row)
			}
		}
		v.Pages = append(v.Pages, pageRow{
			Page:           p,
			Last7:          countsOf(funnel.Compute(p.Slug, v.From7, to, recent, nil).Totals),
			Last30:         countsOf(funnel.Compute(p.Slug, from30, to, rows, nil).Totals),
			HostedPagePath: leadgate.PagePath(p.Slug),
		})
	}
	l := s.layout(PagesPath)
	l.Tools = c.cfg.Tools
	var m markup.Writer
	writePagesList(&m, l, v)
	send(w, http.StatusOK, m.String())
}

// countsOf takes the steps the list shows of a funnel's counts, whose conversion
// rate is the one the stats report gives.
func countsOf(t funnel.Counts) counts {
	return counts{Views: t.Views, Leads: t.Leads, Conversion: t.ConversionRate}
}
