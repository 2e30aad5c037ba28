package console

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// editorStyle is the page editor's part of the stylesheet.
const editorStyle = `fieldset{border:1px solid var(--line);border-radius:12px;background:#fff;margin:0 0 1.25rem;padding:.5rem 1.25rem 1.25rem}
legend{font-weight:700;font-size:1.1rem;padding:0 .4rem}
input[type=text],input[type=url],input[type=number],select,textarea{width:100%;font:inherit;padding:.5rem .6rem;border:1px solid #8a95a3;border-radius:8px;background:#fff;color:var(--ink)}
textarea{min-height:4.5rem}
select:focus,textarea:focus{outline:3px solid var(--brand);outline-offset:2px}
textarea[aria-invalid=true],select[aria-invalid=true]{border:2px solid var(--bad)}
.row{border-top:1px solid #e1e6ec;margin-top:1rem;padding-top:.25rem;display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:0 .75rem;align-items:end}
.row label,.check{font-size:.95rem}
.check{display:flex;gap:.5rem;align-items:center;font-weight:400;margin:.75rem 0 0}
.actions{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin:.75rem 0}
.actions form{margin:0}
.secondary{display:inline-block;font:inherit;background:#fff;color:var(--brand);border:1px solid var(--brand);border-radius:8px;padding:.4rem .85rem;cursor:pointer;text-decoration:none}
.danger{display:inline-block;margin-top:1rem;font:inherit;font-weight:600;color:#fff;background:var(--bad);border:0;border-radius:8px;padding:.7rem 1.2rem;cursor:pointer}
.badge{display:inline-block;font-size:.85rem;font-weight:600;border-radius:999px;padding:.1rem .6rem;border:1px solid var(--line)}
.draft{background:#fff4ce}
.live{background:#e3f4e8}
.hint{color:var(--muted);font-size:.9rem;margin:.2rem 0 0}
.summary{border:2px solid var(--bad);border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem;background:#fff}
.saved{border:2px solid #2e7d32;border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem;background:#fff}
`

// editorView is the page editor: a new page's (New) or a stored one's.
type editorView struct {
	New     bool
	Form    editorForm
	Stored  leadgate.Page // the page as stored, when not New
	Magnets []leadgate.Magnet
	Saved   string // a note that the page was saved
	CSRF    string
}

// writeEditor writes the editor: the page's status and actions, the errors of a
// refused save, and the form with every setting of the page.
func writeEditor(m *markup.Writer, l layout, v editorView) {
	f, p := v.Form, v.Form.Page
	action := NewPagePath
	l.Title = "New page"
	if !v.New {
		action = EditPagePath(v.Stored.Slug)
		l.Title = "Edit " + v.Stored.Title
	}
	writeHead(m, l)
	m.Raw("<h1>")
	m.Text(l.Title)
	m.Raw("</h1>\n")
	if !v.New {
		writePageActions(m, v.Stored, v.CSRF)
	}
	if v.Saved != "" {
		m.Raw(`<p class="saved" role="status">`)
		m.Text(v.Saved)
		m.Raw("</p>\n")
	}
	if len(f.Errors) > 0 {
		m.Raw("<div class=\"summary\" role=\"alert\">\n<h2>" + editorNotSaved + "</h2>\n<ul>")
		names := make([]string, 0, len(f.Errors))
		for name := range f.Errors {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			for _, msg := range f.Errors[name] {
				m.Raw(`<li><a href="#`)
				m.URLPart(anchorOf(name))
				m.Raw(`">`)
				m.Text(name)
				m.Raw(`</a>: `)
				m.Text(msg)
				m.Raw("</li>")
			}
		}
		m.Raw("</ul>\n</div>\n")
	}
	m.Raw(`<form method="post" action="`)
	m.URL(action)
	m.Raw("\" novalidate>\n")
	writeCSRF(m, v.CSRF)
	m.Raw("\n<div class=\"actions\"><button type=\"submit\" class=\"primary\" name=\"do\" value=\"save\">" + editorSave + "</button>" +
		"<button type=\"submit\" class=\"secondary\" formaction=\"" + PreviewPath + "\" formtarget=\"_blank\">" + editorPreviewUnsaved + "</button></div>\n")

	m.Raw("<fieldset>\n<legend>The page</legend>\n")
	if v.New {
		writeInput(m, f, "slug", "Address (slug)", p.Slug, "The hosted page is /p/<slug>: lower-case letters, digits and inner hyphens. It cannot change later.")
	} else {
		m.Raw(`<p class="hint">Address: <a href="`)
		m.URL(leadgate.PagePath(p.Slug))
		m.Raw(`">`)
		m.Text(leadgate.PagePath(p.Slug))
		m.Raw("</a></p>\n")
		writeInputErrors(m, f, "slug")
	}
	writeInput(m, f, "title", "Title", p.Title, "")
	writeTextarea(m, f, "description", "Description", p.Description, "Markdown, shown under the title; raw HTML is left out. Optional.")
	m.Raw("<label for=\"magnet_id\">Magnet</label>\n<select id=\"magnet_id\" name=\"magnet_id\"")
	writeInvalid(m, f, "magnet_id")
	m.Raw(">\n<option value=\"\">Choose the magnet this page gates</option>\n")
	ids := make([]string, 0, len(v.Magnets)+1)
	for _, mg := range v.Magnets {
		ids = append(ids, mg.ID)
		writeOption(m, mg.ID, mg.Title+" ("+mg.ID+")", mg.ID == p.MagnetID)
	}
	if p.MagnetID != "" && !slices.Contains(ids, p.MagnetID) {
		writeOption(m, p.MagnetID, p.MagnetID+" (no such magnet)", true)
	}
	m.Raw("</select>\n")
	writeInputErrors(m, f, "magnet_id")
	writeInput(m, f, "cover_image_url", "Cover image URL", p.CoverImageURL, "An https URL or an absolute path; shown above the form. Optional.")
	m.Raw("</fieldset>\n")
	writeLookSettings(m, f)

	writeFieldRows(m, f)

	m.Raw("<fieldset>\n<legend>Attribution</legend>\n<p class=\"hint\">Hidden fields the form records, filled from the visit.</p>\n")
	writeInputErrors(m, f, "hidden_fields")
	for _, h := range leadgate.AttributionFields {
		writeCheckbox(m, "hidden_fields", h, "hidden_fields."+h, h, slices.Contains(p.HiddenFields, h))
	}
	m.Raw("</fieldset>\n<fieldset>\n<legend>Consent</legend>\n")
	writeTextarea(m, f, "consent_text", "Marketing consent text", p.ConsentText, "The checkbox the form asks. Empty: the form asks nothing, and leads get no nurture emails.")
	writeInput(m, f, "consent_version", "Consent version", p.ConsentVersion, "Change it with the text: each lead's record says which they agreed to.")
	m.Raw("</fieldset>\n<fieldset>\n<legend>After the form</legend>\n<p class=\"hint\" id=\"opt_in\">Opt-in</p>\n")
	writeRadio(m, "opt_in", string(leadgate.OptInSingle), "Single: the download at once", p.OptIn == leadgate.OptInSingle)
	writeRadio(m, "opt_in", string(leadgate.OptInDouble), "Double: the download once the address is confirmed by email", p.OptIn == leadgate.OptInDouble)
	writeInputErrors(m, f, "opt_in")
	writeInput(m, f, "thank_you_url", "Thank-you URL", p.ThankYouURL, "Where a form post lands: /p/<slug>/thanks, or a page of your site.")
	writeInput(m, f, "error_url", "Error URL", p.ErrorURL, "Where a refused post from your own site lands. Optional.")
	writeInput(m, f, "form_url", "Form URL", p.FormURL, "Where a person finds the form again when a link has expired. Optional.")
	writeInput(m, f, "download_link_days", "Download link days", f.shownNumber("download_link_days", p.DownloadLinkDays), "How long a download link works; empty for 30.")
	m.Raw("</fieldset>\n<fieldset>\n<legend>Forms on other sites</legend>\n")
	writeTextarea(m, f, "allowed_origins", "Allowed origins", strings.Join(p.AllowedOrigins, "\n"), "One a line, such as https://www.example.com: sites whose own forms post to this page.")
	writeCheckbox(m, "untimed_forms_allowed", "on", "untimed_forms_allowed", "Accept forms without a form token (static forms on your site)", p.UntimedFormsAllowed)
	m.Raw("</fieldset>\n<fieldset>\n<legend>New-lead alerts</legend>\n")
	writeTextarea(m, f, "alerts.to", "Alert addresses", strings.Join(p.Alerts.To, "\n"), "One a line: each gets an email for every new lead of this page. Optional.")
	writeCheckbox(m, "alerts.digest", "on", "alerts.digest", "One digest a day instead (the day before's new leads, sent after midnight UTC)", p.Alerts.Digest)
	m.Raw("</fieldset>\n")

	fu := p.FollowUp
	m.Raw("<fieldset>\n<legend>Emails</legend>\n<p class=\"hint\">Empty parts take the defaults. Placeholders: {{.FirstName}}, {{.Name}}, {{.PageTitle}}, {{.MagnetTitle}}, {{.MagnetKind}}, {{.DownloadURL}}, {{.ConfirmURL}}, {{.UnsubscribeURL}}, {{.FromName}}, {{.LinkDays}}.</p>\n")
	writeInput(m, f, "follow_up.from_name", "Sender name", fu.FromName, "")
	writeInput(m, f, "follow_up.postal_address", "Postal address", fu.PostalAddress, "The sender's address, in every email's footer as commercial email requires. Empty: the deployment's (PostalAddress); nurture steps need one of the two.")
	writeTemplate(m, f, "follow_up.delivery", "Delivery (the download link)", fu.Delivery)
	writeTemplate(m, f, "follow_up.confirmation", "Confirmation (double opt-in)", fu.Confirmation)
	writeTemplate(m, f, "follow_up.reminder", "Reminder to confirm (double opt-in)", fu.Reminder)
	writeInput(m, f, "follow_up.reminder_after", "Reminder after", f.shownDuration("follow_up.reminder_after", fu.ReminderAfter), "Such as 24h (the default) or 36h.")
	m.Raw("</fieldset>\n")
	writeNurtureRows(m, f)
	writeScoring(m, f)
	m.Raw("<div class=\"actions\"><button type=\"submit\" class=\"primary\" name=\"do\" value=\"save\">" + editorSave + "</button></div>\n</form>\n")
	writeFoot(m)
}

// anchorOf is the id of the input named name, or of its section for a list's own
// errors.
func anchorOf(name string) string { return name }

// writePageActions writes a stored page's status and what can be done with it.
func writePageActions(m *markup.Writer, p leadgate.Page, csrf string) {
	m.Raw("<div class=\"actions\">")
	if p.Draft {
		m.Raw(`<span class="badge draft">Draft</span><span class="muted">Visitors get “not found”.</span>`)
	} else {
		m.Raw(`<span class="badge live">Published</span><a href="`)
		m.URL(leadgate.PagePath(p.Slug))
		m.Raw(`">Open the hosted page</a>`)
	}
	m.Raw(`<form method="post" action="`)
	if p.Draft {
		m.URL(PageActionPath(p.Slug, "publish"))
		m.Raw(`">`)
		writeCSRF(m, csrf)
		m.Raw(`<button type="submit" class="secondary">Publish</button></form>`)
	} else {
		m.URL(PageActionPath(p.Slug, "unpublish"))
		m.Raw(`">`)
		writeCSRF(m, csrf)
		m.Raw(`<button type="submit" class="secondary">Unpublish</button></form>`)
	}
	for _, a := range []struct{ action, text string }{{"preview", "Preview"}, {"yaml", "Download page file"}, {"variants", "A/B test"}, {"duplicate", "Duplicate"}, {"delete", "Delete"}} {
		m.Raw(`<a href="`)
		m.URL(PageActionPath(p.Slug, a.action))
		m.Raw(`">` + a.text + `</a>`)
	}
	m.Raw("</div>\n")
}

// writeInput writes a labelled text input named name, with its hint and errors.
func writeInput(m *markup.Writer, f editorForm, name, label, value, hint string) {
	m.Raw(`<label for="`)
	m.Attr(name)
	m.Raw(`">`)
	m.Text(label)
	m.Raw(`</label><input type="text" id="`)
	m.Attr(name)
	m.Raw(`" name="`)
	m.Attr(name)
	m.Raw(`" value="`)
	m.Attr(value)
	m.Raw(`"`)
	writeInvalid(m, f, name)
	m.Raw(">\n")
	writeHint(m, hint)
	writeInputErrors(m, f, name)
}

// writeTextarea writes a labelled textarea, with its hint and errors.
func writeTextarea(m *markup.Writer, f editorForm, name, label, value, hint string) {
	m.Raw(`<label for="`)
	m.Attr(name)
	m.Raw(`">`)
	m.Text(label)
	m.Raw(`</label><textarea id="`)
	m.Attr(name)
	m.Raw(`" name="`)
	m.Attr(name)
	m.Raw(`" rows="3"`)
	writeInvalid(m, f, name)
	m.Raw(">")
	// A textarea drops one line break that starts its content: write one, so that
	// a text that starts with one keeps it.
	m.Raw("\n")
	m.Text(value)
	m.Raw("</textarea>\n")
	writeHint(m, hint)
	writeInputErrors(m, f, name)
}

func writeHint(m *markup.Writer, hint string) {
	if hint != "" {
		m.Raw(`<p class="hint">`)
		m.Text(hint)
		m.Raw("</p>\n")
	}
}

// writeInvalid marks a control whose value was refused, pointing at its errors.
func writeInvalid(m *markup.Writer, f editorForm, name string) {
	if len(f.Errors[name]) > 0 {
		m.Raw(` aria-invalid="true" aria-describedby="err-`)
		m.Attr(name)
		m.Raw(`"`)
	}
}

// writeInputErrors writes the errors of the input name beside it.
func writeInputErrors(m *markup.Writer, f editorForm, name string) {
	errs := f.Errors[name]
	if len(errs) == 0 {
		return
	}
	m.Raw(`<p class="error" id="err-`)
	m.Attr(name)
	m.Raw(`">`)
	for i, e := range errs {
		if i > 0 {
			m.Raw("<br>")
		}
		m.Text(e)
	}
	m.Raw("</p>\n")
}

func writeOption(m *markup.Writer, value, text string, selected bool) {
	m.Raw(`<option value="`)
	m.Attr(value)
	m.Raw(`"`)
	if selected {
		m.Raw(" selected")
	}
	m.Raw(">")
	m.Text(text)
	m.Raw("</option>\n")
}

func writeCheckbox(m *markup.Writer, name, value, id, label string, checked bool) {
	m.Raw(`<label class="check" for="`)
	m.Attr(id)
	m.Raw(`"><input type="checkbox" id="`)
	m.Attr(id)
	m.Raw(`" name="`)
	m.Attr(name)
	m.Raw(`" value="`)
	m.Attr(value)
	m.Raw(`"`)
	if checked {
		m.Raw(" checked")
	}
	m.Raw("> ")
	m.Text(label)
	m.Raw("</label>\n")
}

func writeRadio(m *markup.Writer, name, value, label string, checked bool) {
	m.Raw(`<label class="check" for="`)
	m.Attr(name + "-" + value)
	m.Raw(`"><input type="radio" id="`)
	m.Attr(name + "-" + value)
	m.Raw(`" name="`)
	m.Attr(name)
	m.Raw(`" value="`)
	m.Attr(value)
	m.Raw(`"`)
	if checked {
		m.Raw(" checked")
	}
	m.Raw("> ")
	m.Text(label)
	m.Raw("</label>\n")
}

// writeRowButton writes a button of a list's row: it posts the form, which comes
// back changed.
func writeRowButton(m *markup.Writer, do, text string) {
	m.Raw(`<button type="submit" class="secondary" name="do" value="`)
	m.Attr(do)
	m.Raw(`">`)
	m.Text(text)
	m.Raw("</button>")
}

// writeRowCount writes how many rows of a list the form has.
func writeRowCount(m *markup.Writer, list string, n int) {
	m.Raw(`<input type="hidden" name="rows.` + list + `" value="`)
	m.Int(n)
	m.Raw("\">\n")
}

// writeFieldRows writes the form's fields, a row each, and blank rows to add one.
func writeFieldRows(m *markup.Writer, f editorForm) {
	fields := f.Page.Fields
	rows := append(slices.Clone(fields), make([]leadgate.Field, f.BlankFields)...)
	m.Raw("<fieldset id=\"fields\">\n<legend>Form fields</legend>\n<p class=\"hint\">email (type email, required) is a must; name, company, job_title and phone fill the lead's own columns, any other name is a custom field. Blank rows are left out.</p>\n")
	writeInputErrors(m, f, "fields")
	writeRowCount(m, "fields", len(rows))
	for i, fd := range rows {
		at := fmt.Sprintf("fields[%d].", i)
		m.Raw("<div class=\"row\">\n")
		writeInput(m, f, at+"name", "Name", fd.Name, "")
		writeInput(m, f, at+"label", "Label", fd.Label, "")
		m.Raw(`<div><label for="` + at + `type">Type</label><select id="` + at + `type" name="` + at + `type">` + "\n")
		for _, t := range leadgate.FieldTypes {
			writeOption(m, string(t), string(t), fd.Type == t)
		}
		m.Raw("</select></div>\n")
		writeInput(m, f, at+"max_length", "Max length", f.shownNumber(at+"max_length", fd.MaxLength), "")
		writeFieldExtras(m, f, at, fd)
		writeCheckbox(m, at+"required", "on", at+"required", "Required", fd.Required)
		if i < len(fields) {
			m.Raw("<div class=\"actions\">")
			n := strconv.Itoa(i)
			if i > 0 {
				writeRowButton(m, "up:fields:"+n, "Move up")
			}
			if i+1 < len(fields) {
				writeRowButton(m, "down:fields:"+n, "Move down")
			}
			writeRowButton(m, "remove:fields:"+n, "Remove")
			m.Raw("</div>\n")
		}
		m.Raw("</div>\n")
	}
	m.Raw("<div class=\"actions\">")
	writeRowButton(m, "add:fields", "Add another field")
	m.Raw("</div>\n</fieldset>\n")
}

// writeTemplate writes one email's subject, text and HTML.
func writeTemplate(m *markup.Writer, f editorForm, at, title string, t leadgate.EmailTemplate) {
	m.Raw("<h2>")
	m.Text(title)
	m.Raw("</h2>\n")
	writeInput(m, f, at+".subject", "Subject", t.Subject, "")
	writeTextarea(m, f, at+".text", "Text", t.Text, "")
	writeTextarea(m, f, at+".html", "HTML", t.HTML, "")
}

// writeNurtureRows writes the nurture steps, a row each, and blank rows to add one.
func writeNurtureRows(m *markup.Writer, f editorForm) {
	steps := f.Page.FollowUp.Nurture
	rows := append(slices.Clone(steps), make([]leadgate.NurtureStep, f.BlankNurture)...)
	m.Raw("<fieldset id=\"follow_up.nurture\">\n<legend>Nurture sequence</legend>\n<p class=\"hint\">Sent only to leads who gave consent, each its delay after they signed up (or confirmed). Blank steps are left out.</p>\n")
	writeInputErrors(m, f, "follow_up.nurture")
	writeRowCount(m, "nurture", len(rows))
	for i, s := range rows {
		at := fmt.Sprintf("follow_up.nurture[%d]", i)
		m.Raw("<div class=\"row\">\n")
		writeInput(m, f, at+".id", "Step id", s.ID, "Such as day-2.")
		writeInput(m, f, at+".after", "After", f.shownDuration(at+".after", s.After), "Such as 48h.")
		m.Raw("</div>\n")
		writeTemplate(m, f, at, fmt.Sprintf("Step %d", i+1), s.EmailTemplate)
		if i < len(steps) {
			m.Raw("<div class=\"actions\">")
			writeRowButton(m, "remove:nurture:"+strconv.Itoa(i), "Remove this step")
			m.Raw("</div>\n")
		}
	}
	m.Raw("<div class=\"actions\">")
	writeRowButton(m, "add:nurture", "Add another step")
	m.Raw("</div>\n</fieldset>\n")
}

// writeScoring writes the scoring rules: points, thresholds and the fit rules.
func writeScoring(m *markup.Writer, f editorForm) {
	sc := f.Page.Scoring
	m.Raw("<fieldset>\n<legend>Scoring</legend>\n<p class=\"hint\">Leave every number empty for the default rules.</p>\n<div class=\"row\">\n")
	for _, n := range []struct {
		name, label string
		v           int
	}{{"basic", "Email and name given", sc.Basic}, {"company", "Company given", sc.Company}, {"job_title", "Job title given", sc.JobTitle},
		{"phone", "Phone given", sc.Phone}, {"confirmed", "Address confirmed", sc.Confirmed}, {"downloaded", "Magnet downloaded", sc.Downloaded},
		{"returned", "Came back", sc.Returned}, {"mql_at", "MQL at", sc.MQLAt}, {"sql_at", "SQL at", sc.SQLAt}} {
		m.Raw("<div>")
		writeInput(m, f, "scoring."+n.name, n.label, f.shownNumber("scoring."+n.name, n.v), "")
		m.Raw("</div>\n")
	}
	m.Raw("</div>\n<h2 id=\"scoring.fit\">Fit rules</h2>\n<p class=\"hint\">Points for a lead whose field contains any keyword (one a line, any case).</p>\n")
	writeInputErrors(m, f, "scoring.fit")
	rows := append(slices.Clone(sc.Fit), make([]leadgate.FitRule, f.BlankFit)...)
	writeRowCount(m, "fit", len(rows))
	for i, r := range rows {
		at := fmt.Sprintf("scoring.fit[%d].", i)
		m.Raw("<div class=\"row\">\n")
		writeInput(m, f, at+"field", "Field", r.Field, "")
		writeTextarea(m, f, at+"keywords", "Keywords", strings.Join(r.Keywords, "\n"), "")
		writeInput(m, f, at+"points", "Points", f.shownNumber(at+"points", r.Points), "")
		if i < len(sc.Fit) {
			m.Raw("<div class=\"actions\">")
			writeRowButton(m, "remove:fit:"+strconv.Itoa(i), "Remove")
			m.Raw("</div>\n")
		}
		m.Raw("</div>\n")
	}
	m.Raw("<div class=\"actions\">")
	writeRowButton(m, "add:fit", "Add another rule")
	m.Raw("</div>\n</fieldset>\n")
}

// duplicateView asks for the slug of a page's copy.
type duplicateView struct {
	From   leadgate.Page
	Slug   string
	Errors []string
	CSRF   string
}

// writeDuplicateForm writes the form that copies a page under a new slug.
func writeDuplicateForm(m *markup.Writer, l layout, v duplicateView) {
	l.Title = "Duplicate " + v.From.Title
	writeHead(m, l)
	m.Raw("<div class=\"narrow card\">\n<h1>")
	m.Text(l.Title)
	m.Raw("</h1>\n<p>The copy has every setting of the page and starts as a draft.</p>\n<form method=\"post\" action=\"")
	m.URL(PageActionPath(v.From.Slug, "duplicate"))
	m.Raw("\" novalidate>\n")
	writeCSRF(m, v.CSRF)
	f := editorForm{Errors: map[string][]string{}}
	if len(v.Errors) > 0 {
		f.Errors["slug"] = v.Errors
	}
	writeInput(m, f, "slug", "Address of the copy (slug)", v.Slug, "")
	m.Raw("<button type=\"submit\" class=\"primary\">Duplicate</button>\n</form>\n</div>\n")
	writeFoot(m)
}

// writeDeleteConfirm asks before a page is deleted, saying what stays.
func writeDeleteConfirm(m *markup.Writer, l layout, p leadgate.Page, csrf string) {
	l.Title = "Delete " + p.Title
	writeHead(m, l)
	m.Raw("<div class=\"narrow card\">\n<h1>")
	m.Text(l.Title)
	m.Raw("?</h1>\n<p>")
	m.Text(leadgate.PagePath(p.Slug))
	m.Raw(" " + deleteConsequence + "</p>\n<form method=\"post\" action=\"")
	m.URL(PageActionPath(p.Slug, "delete"))
	m.Raw("\">\n")
	writeCSRF(m, csrf)
	m.Raw("<button type=\"submit\" class=\"danger\">Delete the page</button>\n</form>\n<p><a href=\"")
	m.URL(EditPagePath(p.Slug))
	m.Raw("\">Keep it</a></p>\n</div>\n")
	writeFoot(m)
}
