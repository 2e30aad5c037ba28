package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"leadgate/shared/admin"
	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// The leads area: the table of every lead with its filters, a lead's detail, the
// CSV export of a filtered set, and one lead's GDPR export and erasure. A lead is
// named in URLs by leadgate.LeadRef, never by its address: URLs land in logs and
// browser histories.

// leadFilters are the table's filters as the form sent them, kept to fill the
// form again and to build the paging links.
type leadFilters struct {
	Search, Page, Stage, Source, Consent, From, To string
}

// filterParams are the query parameters of the filters, in form order.
var filterParams = []string{"search", "page", "stage", "source", "consent", "from", "to"}

func (f leadFilters) values() []string {
	return []string{f.Search, f.Page, f.Stage, f.Source, f.Consent, f.From, f.To}
}

// query returns the URL query of the filters, with cursor if set: only the
// parameters that have a value.
func (f leadFilters) query(cursor string) string {
	v := url.Values{}
	for i, val := range f.values() {
		if val != "" {
			v.Set(filterParams[i], val)
		}
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func (f leadFilters) any() bool { return f != leadFilters{} }

// maxDate bounds a date field before it is parsed.
const maxDate = 10

// parseLeadQuery reads the table's query parameters: the filters, from and to as
// UTC days (to included), and the cursor. A bad one gets its message by field.
func parseLeadQuery(v url.Values) (leadFilters, leadgate.LeadQuery, map[string]string) {
	get := func(name string) string { return strings.TrimSpace(v.Get(name)) }
	f := leadFilters{Search: get("search"), Page: get("page"), Stage: get("stage"), Source: get("source"),
		Consent: get("consent"), From: get("from"), To: get("to")}
	q := leadgate.LeadQuery{Search: f.Search, Page: f.Page, Stage: leadgate.Stage(f.Stage), Source: f.Source,
		Consent: leadgate.ConsentFilter(f.Consent), Cursor: v.Get("cursor")}
	errs := map[string]string{}
	day := func(field, s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.DateOnly, s)
		if len(s) > maxDate || err != nil {
			errs[field] = msgBadDate
			return time.Time{}
		}
		return t
	}
	q.From = day("from", f.From)
	if to := day("to", f.To); !to.IsZero() {
		q.To = to.AddDate(0, 0, 1) // the form's last day is included
	}
	if err := q.Validate(); err != nil {
		for _, fe := range leadgate.AsError(err).Fields {
			if _, ok := errs[fe.Field]; !ok {
				errs[fe.Field] = fieldMessage(fe)
			}
		}
	}
	return f, q, errs
}

// fieldMessage is the console's wording of a bad field of the lead query.
func fieldMessage(fe leadgate.FieldError) string {
	switch fe.Field {
	case "to":
		return msgDateOrder
	case "cursor":
		return msgBadCursor
	case "stage", "consent", "page":
		return msgPickOne
	}
	return fe.Message
}

// leads shows the lead table: one page of the filtered leads, newest first.
func (c *Console) leads(w http.ResponseWriter, r *http.Request, s signedIn) {
	ctx := r.Context()
	pages, err := c.cfg.Store.Pages(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	f, q, errs := parseLeadQuery(r.URL.Query())
	v := leadsView{Filters: f, Errors: errs, Pages: pages, Cursor: q.Cursor != ""}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	} else {
		list, err := c.cfg.Admin.Leads(ctx, q)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		v.Examined, v.Rows = list.Examined, make([]leadRow, 0, len(list.Leads))
		for _, l := range list.Leads {
			v.Rows = append(v.Rows, leadRow{Lead: l, Path: LeadPath(leadgate.LeadRef(l))})
		}
		if list.Next != "" {
			v.NextPath = LeadsPath + f.query(list.Next)
			v.Short = len(list.Leads) < leadgate.LeadListLimit(q.Limit)
		}
		v.CSVPath = LeadsCSVPath + f.query("")
	}
	v.NewestPath = LeadsPath + f.query("")
	c.page(w, status, s.layout(LeadsPath), func(m *markup.Writer, l layout) { writeLeadsTable(m, l, v) })
}

// page renders a signed-in page with status: write gets the frame with the tools.
func (c *Console) page(w http.ResponseWriter, status int, l layout, write func(*markup.Writer, layout)) {
	l.Tools = c.cfg.Tools
	var m markup.Writer
	write(&m, l)
	send(w, status, m.String())
}

// leadsCSV streams every lead the filters select as CSV; bad filters get the table's
// form with their messages.
func (c *Console) leadsCSV(w http.ResponseWriter, r *http.Request, s signedIn) {
	_, q, errs := parseLeadQuery(r.URL.Query())
	if len(errs) > 0 {
		c.leads(w, r, s)
		return
	}
	export, err := c.cfg.Admin.ExportLeadTable(r.Context(), q)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+export.FileName+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if err := export.Write(r.Context(), w); err != nil && !errors.Is(err, admin.ErrExportWrite) {
		// The answer has begun: the error can only be logged, and the file ends short.
		c.cfg.Log.ErrorContext(r.Context(), "console: lead export failed", "path", logPath(r), "error", err)
	}
}

// leadOf reads the lead the path's ref names; false, with the not-found page or a
// failure answered, when there is none.
func (c *Console) leadOf(w http.ResponseWriter, r *http.Request, s signedIn) (admin.LeadExport, bool) {
	l, err := c.cfg.Store.LeadByRef(r.Context(), r.PathValue("ref"))
	if err == nil {
		var e admin.LeadExport
		if e, err = c.cfg.Admin.Lead(r.Context(), l.Email); err == nil {
			return e, true
		}
	}
	if leadgate.ErrorCode(err) == leadgate.ENOTFOUND {
		c.render(w, http.StatusNotFound, s.layout(LeadsPath), noticeLeadNotFound)
	} else {
		c.fail(w, r, err)
	}
	return admin.LeadExport{}, false
}

// lead shows one lead: touches, consent, submissions, downloads, emails, stages.
func (c *Console) lead(w http.ResponseWriter, r *http.Request, s signedIn) {
	e, ok := c.leadOf(w, r, s)
	if !ok {
		return
	}
	sends, err := c.cfg.Store.Sends(r.Context(), e.Lead.Email)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	ref := leadgate.LeadRef(e.Lead)
	v := leadView{LeadExport: e, Sends: sends, ExportPath: LeadExportPath(ref), ErasePath: LeadErasePath(ref)}
	c.page(w, http.StatusOK, s.layout(LeadsPath), func(m *markup.Writer, l layout) { writeLeadDetail(m, l, v) })
}

// leadExport sends everything stored of the lead as a JSON file (GDPR article 15).
func (c *Console) leadExport(w http.ResponseWriter, r *http.Request, s signedIn) {
	e, ok := c.leadOf(w, r, s)
	if !ok {
		return
	}
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		c.fail(w, r, leadgate.Internal("lead export", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="lead-`+e.Lead.ID+`.json"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(append(data, '\n'))
}

// eraseForm asks to confirm a lead's erasure.
func (c *Console) eraseForm(w http.ResponseWriter, r *http.Request, s signedIn) {
	e, ok := c.leadOf(w, r, s)
	if !ok {
		return
	}
	ref := leadgate.LeadRef(e.Lead)
	v := eraseView{Lead: e.Lead, Submissions: len(e.Submissions), Action: LeadErasePath(ref), BackPath: LeadPath(ref)}
	c.page(w, http.StatusOK, s.layout(LeadsPath), func(m *markup.Writer, l layout) { writeEraseConfirm(m, l, v) })
}

// erase erases the lead (GDPR article 17) through the admin service: the lead and
// what is keyed by it go; the pages' counters stay.
func (c *Console) erase(w http.ResponseWriter, r *http.Request, s signedIn) {
	e, ok := c.leadOf(w, r, s)
	if !ok {
		return
	}
	if _, err := c.cfg.Admin.EraseLead(r.Context(), e.Lead.Email); err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, http.StatusOK, s.layout(LeadsPath), noticeLeadErased)
}
