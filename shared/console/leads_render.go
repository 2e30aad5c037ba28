package console

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"leadgate/shared/admin"
	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// leadsStyle is the leads area's part of the stylesheet.
const leadsStyle = `
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end;margin:0 0 1rem}
.filters label{margin:0 0 .25rem;font-size:.9rem}
.filters input,.filters select{font:inherit;padding:.4rem .5rem;border:1px solid #8a95a3;border-radius:8px;background:#fff;color:var(--ink)}
.filters .primary{margin-top:0}
.paging{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;margin:1rem 0}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0 0 1rem}
.facts dt{font-weight:600}
.facts dd{margin:0}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
.danger{background:var(--bad)}
`

// leadsView is the lead table: the filters as sent with their errors, the pages to
// filter by, and one page of rows.
type leadsView struct {
	Filters leadFilters
	Errors  map[string]string
	Pages   []leadgate.Page
	Rows    []leadRow
	// Cursor: this is a further page, not the newest.
	Cursor   bool
	Examined int
	// NextPath continues the table; "" at its end. Short: fewer rows than a page
	// holds came back although the table goes on (a filter that matched little).
	NextPath   string
	Short      bool
	NewestPath string
	CSVPath    string
}

type leadRow struct {
	Lead leadgate.Lead
	Path string
}

var (
	stageChoices   = [][2]string{{"", "Any stage"}, {"cold", "Cold"}, {"mql", "MQL"}, {"sql", "SQL"}}
	consentChoices = [][2]string{{"", "Either"}, {"given", "Given"}, {"not_given", "Not given"}}
)

// writeLeadsTable writes the filter form and one page of the lead table.
func writeLeadsTable(m *markup.Writer, l layout, v leadsView) {
	l.Title = "Leads"
	writeHead(m, l)
	m.Raw("<h1>Leads</h1>\n<form class=\"filters\" method=\"get\" action=\"" + LeadsPath + "\" role=\"search\">\n")
	writeFilterInput(m, v, "search", "Search", "search", v.Filters.Search, "Email, name or company")
	pages := [][2]string{{"", "Any page"}}
	for _, p := range v.Pages {
		pages = append(pages, [2]string{p.Slug, p.Title})
	}
	writeFilterSelect(m, v, "page", "Page", v.Filters.Page, pages)
	writeFilterSelect(m, v, "stage", "Stage", v.Filters.Stage, stageChoices)
	writeFilterInput(m, v, "source", "First source", "text", v.Filters.Source, "utm_source")
	writeFilterSelect(m, v, "consent", "Consent", v.Filters.Consent, consentChoices)
	writeFilterInput(m, v, "from", "Created from", "date", v.Filters.From, "")
	writeFilterInput(m, v, "to", "Created to", "date", v.Filters.To, "")
	m.Raw("<div><button type=\"submit\" class=\"primary\">Filter</button></div>\n")
	if v.Filters.any() {
		m.Raw("<div><a href=\"" + LeadsPath + "\">Clear the filters</a></div>\n")
	}
	m.Raw("</form>\n")
	if msg, ok := v.Errors["cursor"]; ok {
		m.Raw(`<p class="error" role="alert">`)
		m.Text(msg)
		m.Raw(` <a href="`)
		m.URL(v.NewestPath)
		m.Raw("\">Newest leads</a></p>\n")
	}
	if len(v.Errors) > 0 {
		writeFoot(m)
		return
	}
	switch {
	case len(v.Rows) == 0 && !v.Filters.any() && !v.Cursor && v.NextPath == "":
		m.Raw("<div class=\"card\">\n<p>No leads yet. They appear here as soon as someone submits a page's form.</p>\n</div>\n")
	case len(v.Rows) == 0 && v.NextPath == "":
		m.Raw("<div class=\"card\">\n<p>No lead matches these filters.</p>\n</div>\n")
	default:
		if len(v.Rows) > 0 {
			writeLeadRows(m, v.Rows)
		}
	}
	m.Raw("<div class=\"paging\">\n")
	if v.Short {
		m.Raw("<p class=\"muted\">Looked at ")
		m.Int(v.Examined)
		m.Raw(" leads and found ")
		m.Int(len(v.Rows))
		m.Raw(" that match; older leads are not searched yet.</p>\n")
	}
	if v.NextPath != "" {
		m.Raw(`<a class="primary" href="`)
		m.URL(v.NextPath)
		if v.Short {
			m.Raw("\">Search further</a>\n")
		} else {
			m.Raw("\">Next</a>\n")
		}
	}
	if v.Cursor {
		m.Raw(`<a href="`)
		m.URL(v.NewestPath)
		m.Raw("\">Newest</a>\n")
	}
	if len(v.Rows) > 0 || v.NextPath != "" {
		m.Raw(`<a href="`)
		m.URL(v.CSVPath)
		m.Raw("\">Download every matching lead (CSV)</a>\n")
	}
	m.Raw("</div>\n")
	writeFoot(m)
}

// writeFilterInput writes one input of the filter form, with its error.
func writeFilterInput(m *markup.Writer, v leadsView, name, label, typ, value, placeholder string) {
	m.Raw("<div><label for=\"f-" + name + "\">" + label + "</label>\n<input id=\"f-" + name + "\" name=\"" + name + "\" type=\"" + typ + "\"")
	if typ != "date" {
		m.Raw(` maxlength="` + strconv.Itoa(leadgate.MaxSearchLength) + `"`)
	}
	if placeholder != "" {
		m.Raw(` placeholder="` + placeholder + `"`)
	}
	m.Raw(` value="`)
	m.Attr(value)
	m.Raw(`"`)
	writeFieldError(m, v, name)
	m.Raw("</div>\n")
}

// writeFilterSelect writes one choice of the filter form, with its error.
func writeFilterSelect(m *markup.Writer, v leadsView, name, label, value string, choices [][2]string) {
	m.Raw("<div><label for=\"f-" + name + "\">" + label + "</label>\n<select id=\"f-" + name + "\" name=\"" + name + "\"")
	writeFieldError(m, v, name)
	for _, c := range choices {
		m.Raw(`<option value="`)
		m.Attr(c[0])
		m.Raw(`"`)
		if c[0] == value {
			m.Raw(" selected")
		}
		m.Raw(">")
		m.Text(c[1])
		m.Raw("</option>")
	}
	m.Raw("</select>\n</div>\n")
}

// writeFieldError ends a field's start tag, marked invalid with its message after
// it when it has one.
func writeFieldError(m *markup.Writer, v leadsView, name string) {
	msg, bad := v.Errors[name]
	if !bad {
		m.Raw(">\n")
		return
	}
	m.Raw(` aria-invalid="true" aria-describedby="f-` + name + "-error\">\n<p class=\"error\" id=\"f-" + name + `-error">`)
	m.Text(msg)
	m.Raw("</p>\n")
}

// writeLeadRows writes the table of leads.
func writeLeadRows(m *markup.Writer, rows []leadRow) {
	m.Raw("<div class=\"table\">\n<table>\n<caption>Newest first; times in UTC.</caption>\n<thead>\n<tr>" +
		"<th scope=\"col\">Email</th><th scope=\"col\">Name</th><th scope=\"col\">Company</th><th scope=\"col\">Pages</th>" +
		"<th scope=\"col\">Stage</th><th scope=\"col\" class=\"n\">Score</th><th scope=\"col\">Consent</th><th scope=\"col\">Status</th>" +
		"<th scope=\"col\">First source</th><th scope=\"col\">Created</th></tr>\n</thead>\n<tbody>\n")
	for _, r := range rows {
		l := r.Lead
		m.Raw(`<tr><th scope="row"><a href="`)
		m.URL(r.Path)
		m.Raw(`">`)
		m.Text(l.Email)
		m.Raw("</a></th><td>")
		m.Text(l.Name)
		m.Raw("</td><td>")
		m.Text(l.Company)
		m.Raw("</td><td>")
		m.Text(strings.Join(l.Pages, ", "))
		m.Raw("</td><td>")
		m.Text(stageName(l.CurrentStage()))
		m.Raw(`</td><td class="n">`)
		m.Int(l.Score)
		m.Raw("</td><td>")
		m.Text(yesNo(l.Consent.Given))
		m.Raw("</td><td>")
		m.Text(string(l.Status))
		m.Raw("</td><td>")
		m.Text(orNone(l.FirstTouch.UTMSource, "direct"))
		m.Raw("</td><td>")
		m.Text(when(l.CreatedAt))
		m.Raw("</td></tr>\n")
	}
	m.Raw("</tbody>\n</table>\n</div>\n")
}

func stageName(s leadgate.Stage) string {
	if s == leadgate.StageCold {
		return "Cold"
	}
	return strings.ToUpper(string(s))
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// when writes a time as the console shows it: UTC, to the minute; "" for none.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// leadView is one lead's detail.
type leadView struct {
	admin.LeadExport
	Sends                 []leadgate.Send
	ExportPath, ErasePath string
}

// writeLeadDetail writes everything the console shows of one lead.
func writeLeadDetail(m *markup.Writer, l layout, v leadView) {
	ld := v.Lead
	l.Title = "Lead " + ld.Email
	writeHead(m, l)
	m.Raw("<p><a href=\"" + LeadsPath + "\">All leads</a></p>\n<h1>")
	m.Text(ld.Email)
	m.Raw("</h1>\n<dl class=\"facts\">\n")
	fact := func(name, value string) {
		m.Raw("<dt>" + name + "</dt><dd>")
		m.Text(value)
		m.Raw("</dd>\n")
	}
	fact("Name", ld.Name)
	fact("Company", ld.Company)
	fact("Job title", ld.JobTitle)
	fact("Phone", ld.Phone)
	// The pages' own fields, by name: a marketer named them, so they are escaped.
	for _, name := range slices.Sorted(maps.Keys(ld.Custom)) {
		m.Raw("<dt>")
		m.Text(name)
		m.Raw("</dt><dd>")
		m.Text(ld.Custom[name])
		m.Raw("</dd>\n")
	}
	fact("Status", string(ld.Status))
	fact("Stage", stageName(ld.CurrentStage()))
	fact("Score", strconv.Itoa(ld.Score))
	fact("Pages", strings.Join(ld.Pages, ", "))
	fact("Created", when(ld.CreatedAt)+" UTC")
	fact("Address confirmed", orNone(when(ld.ConfirmedAt), "no"))
	fact("First download", orNone(when(ld.FirstDownloadAt), "none"))
	m.Raw("</dl>\n<p><a href=\"")
	m.URL(v.ExportPath)
	m.Raw("\">Download all data of this lead (JSON)</a> · <a href=\"")
	m.URL(v.ErasePath)
	m.Raw("\">Erase this lead…</a></p>\n")

	m.Raw("<h2>Touches</h2>\n<div class=\"table\">\n<table>\n<thead>\n<tr><th scope=\"col\">Touch</th><th scope=\"col\">Page</th><th scope=\"col\">Time (UTC)</th>" +
		"<th scope=\"col\">Source</th><th scope=\"col\">Medium</th><th scope=\"col\">Campaign</th><th scope=\"col\">Referrer</th></tr>\n</thead>\n<tbody>\n")
	writeTouch(m, "First touch", ld.FirstTouch)
	writeTouch(m, "Last touch", ld.LastTouch)
	m.Raw("</tbody>\n</table>\n</div>\n")

	m.Raw("<h2>Consent</h2>\n<dl class=\"facts\">\n")
	fact("Marketing consent", yesNo(ld.Consent.Given))
	fact("Text version", orNone(ld.Consent.TextVersion, "never asked"))
	fact("Page", ld.Consent.Page)
	fact("Time", when(ld.Consent.At))
	m.Raw("</dl>\n")

	m.Raw("<h2>Submissions</h2>\n<div class=\"table\">\n<table>\n<thead>\n<tr><th scope=\"col\">Time (UTC)</th><th scope=\"col\">Page</th>" +
		"<th scope=\"col\">Source</th><th scope=\"col\">Medium</th><th scope=\"col\">Campaign</th><th scope=\"col\">Consent</th></tr>\n</thead>\n<tbody>\n")
	for i := len(v.Submissions) - 1; i >= 0; i-- { // newest first
		s := v.Submissions[i]
		writeCells(m, when(s.At), s.Page, orNone(s.Attribution.UTMSource, "direct"), s.Attribution.UTMMedium, s.Attribution.UTMCampaign, yesNo(s.Consent.Given))
	}
	m.Raw("</tbody>\n</table>\n</div>\n")

	m.Raw("<h2>Downloads</h2>\n")
	if len(v.Grants) == 0 {
		m.Raw("<p class=\"muted\">No download link yet.</p>\n")
	} else {
		m.Raw("<div class=\"table\">\n<table>\n<thead>\n<tr><th scope=\"col\">Magnet</th><th scope=\"col\">Page</th><th scope=\"col\" class=\"n\">Downloads</th>" +
			"<th scope=\"col\">Last download (UTC)</th><th scope=\"col\">Link</th></tr>\n</thead>\n<tbody>\n")
		for _, g := range v.Grants {
			state := "works until " + when(g.ExpiresAt)
			if g.Revoked {
				state = "revoked"
			}
			m.Raw("<tr><td>")
			m.Text(g.MagnetID)
			m.Raw("</td><td>")
			m.Text(g.Page)
			m.Raw(`</td><td class="n">`)
			m.Int(g.Downloads)
			m.Raw("</td><td>")
			m.Text(orNone(when(g.LastDownloadAt), "never"))
			m.Raw("</td><td>")
			m.Text(state)
			m.Raw("</td></tr>\n")
		}
		m.Raw("</tbody>\n</table>\n</div>\n")
	}

	m.Raw("<h2>Emails</h2>\n")
	if len(v.Sends) == 0 {
		m.Raw("<p class=\"muted\">No email sent yet.</p>\n")
	} else {
		m.Raw("<div class=\"table\">\n<table>\n<thead>\n<tr><th scope=\"col\">Email</th><th scope=\"col\">Status</th><th scope=\"col\">Sent (UTC)</th>" +
			"<th scope=\"col\" class=\"n\">Attempts</th><th scope=\"col\">Reason</th></tr>\n</thead>\n<tbody>\n")
		for _, s := range v.Sends {
			m.Raw("<tr><td>")
			m.Text(sendName(s.Key))
			m.Raw("</td><td>")
			m.Text(string(s.Status))
			m.Raw("</td><td>")
			m.Text(when(s.SentAt))
			m.Raw(`</td><td class="n">`)
			m.Int(s.Attempts)
			m.Raw("</td><td>")
			m.Text(s.Reason)
			m.Raw("</td></tr>\n")
		}
		m.Raw("</tbody>\n</table>\n</div>\n")
	}

	m.Raw("<h2>Stage history</h2>\n")
	if len(ld.StageHistory) == 0 {
		m.Raw("<p class=\"muted\">The stage has not changed.</p>\n")
	} else {
		m.Raw("<div class=\"table\">\n<table>\n<thead>\n<tr><th scope=\"col\">Time (UTC)</th><th scope=\"col\">From</th><th scope=\"col\">To</th>" +
			"<th scope=\"col\" class=\"n\">Score</th></tr>\n</thead>\n<tbody>\n")
		for i := len(ld.StageHistory) - 1; i >= 0; i-- {
			h := ld.StageHistory[i]
			writeCells(m, when(h.At), stageName(h.From), stageName(h.To), strconv.Itoa(h.Score))
		}
		m.Raw("</tbody>\n</table>\n</div>\n")
	}
	writeFoot(m)
}

// writeTouch writes one touch's row.
func writeTouch(m *markup.Writer, name string, a leadgate.Attribution) {
	m.Raw("<tr><th scope=\"row\">" + name + "</th>")
	for _, c := range []string{a.Page, when(a.At), orNone(a.UTMSource, "direct"), a.UTMMedium, a.UTMCampaign, a.Referrer} {
		m.Raw("<td>")
		m.Text(c)
		m.Raw("</td>")
	}
	m.Raw("</tr>\n")
}

// writeCells writes a row of plain cells.
func writeCells(m *markup.Writer, values ...string) {
	m.Raw("<tr>")
	for _, c := range values {
		m.Raw("<td>")
		m.Text(c)
		m.Raw("</td>")
	}
	m.Raw("</tr>\n")
}

// eraseView asks to confirm a lead's erasure.
type eraseView struct {
	Lead             leadgate.Lead
	Submissions      int
	Action, BackPath string
}

// writeEraseConfirm writes the erasure's confirmation: what goes and what stays,
// and the button that posts the erasure.
func writeEraseConfirm(m *markup.Writer, l layout, v eraseView) {
	l.Title = "Erase a lead"
	writeHead(m, l)
	m.Raw("<div class=\"narrow card\">\n<h1>Erase ")
	m.Text(v.Lead.Email)
	m.Raw("?</h1>\n<p>This deletes the lead, its ")
	m.Int(v.Submissions)
	m.Raw(" submission(s), the emails kept for it and its scheduled emails, and stops its download links. " +
		"It cannot be undone. The pages' counts of views, leads and downloads stay.</p>\n" +
		"<p>Download the lead's data first if the person asked for a copy.</p>\n<form method=\"post\" action=\"")
	m.URL(v.Action)
	m.Raw("\">")
	writeCSRF(m, l.User.CSRF)
	m.Raw("\n<button type=\"submit\" class=\"primary danger\">Erase this lead</button>\n</form>\n<p><a href=\"")
	m.URL(v.BackPath)
	m.Raw("\">Keep the lead</a></p>\n</div>\n")
	writeFoot(m)
}

// sendName says which email a send's key names: the delivery, the confirmation,
// the reminder to confirm, or a nurture step of a page.
func sendName(key string) string {
	switch kind, page, step := leadgate.ParseSendKey(key); kind {
	case leadgate.SendDelivery:
		return "Delivery (download link)"
	case leadgate.SendConfirmation:
		return "Confirmation request"
	case leadgate.SendReminder:
		return "Reminder to confirm"
	case leadgate.SendNurture:
		return "Nurture " + step + " (" + page + ")"
	}
	return key
}
