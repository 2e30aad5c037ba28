package console

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/pagefile"
)

// The page editor's form. Its inputs are named after the page's JSON members, as the
// domain's field errors name them (title, follow_up.delivery.subject,
// fields[2].label, scoring.fit[0].points), so that each error is shown beside its
// input without a table of names. Lists of several inputs a row (the form's fields,
// the nurture steps, the fit rules) are rows with one blank row below; a button adds
// another blank row, and each row has its remove button (and the fields move up and
// down), all without JavaScript: each button posts the form, which comes back with
// the change and everything typed. Blank rows are left out of the page. Simple lists
// are one input each: the attribution fields a checkbox per field (the set is
// fixed), the allowed origins and a fit rule's keywords a line each of a textarea.

// Bounds of the editor's rows: far above what a page needs, they keep a crafted
// form from making the server loop.
const (
	maxFieldRows   = 40
	maxNurtureRows = 30
	maxFitRows     = leadgate.MaxFitRules + 5
)

// editorForm is the editor's state: the page as typed, and what the page cannot
// hold (a number or a duration that does not read) as typed, by input name.
type editorForm struct {
	Page leadgate.Page
	Raw  map[string]string
	// Blank rows shown below each list.
	BlankFields, BlankNurture, BlankFit int
	// Errors are the messages beside each input, by input name; problems found
	// reading the form are among them.
	Errors map[string][]string
}

// newPageForm is the form of a new page: the email field every page needs, single
// opt-in.
func newPageForm() editorForm {
	p := leadgate.Page{OptIn: leadgate.OptInSingle, Fields: []leadgate.Field{
		{Name: leadgate.FieldNameEmail, Label: "Email", Type: leadgate.FieldEmail, Required: true},
	}}
	return formOf(p)
}

// formOf is the form of a stored page.
func formOf(p leadgate.Page) editorForm {
	return editorForm{Page: p, Raw: map[string]string{}, BlankFields: 1, BlankNurture: 1, BlankFit: 1, Errors: map[string][]string{}}
}

func (f *editorForm) addError(name, msg string) { f.Errors[name] = append(f.Errors[name], msg) }

// addErrors places the domain's field errors.
func (f *editorForm) addErrors(fields []leadgate.FieldError) {
	for _, fe := range fields {
		f.addError(fe.Field, fe.Message)
	}
}

// readEditorForm reads the posted editor form into a page. The slug is read only
// when withSlug (a new page); an edited page keeps its own.
func readEditorForm(form url.Values, withSlug bool) editorForm {
	f := editorForm{Raw: map[string]string{}, Errors: map[string][]string{}}
	p := &f.Page
	get := func(name string) string { return strings.TrimSpace(form.Get(name)) }
	text := func(name string) string { return strings.ReplaceAll(form.Get(name), "\r\n", "\n") }
	if withSlug {
		p.Slug = get("slug")
	}
	p.Title = get("title")
	p.Description = text("description")
	p.MagnetID = get("magnet_id")
	p.CoverImageURL = get("cover_image_url")
	p.ConsentText = get("consent_text")
	p.ConsentVersion = get("consent_version")
	p.OptIn = leadgate.OptIn(get("opt_in"))
	p.ThankYouURL = get("thank_you_url")
	p.ErrorURL = get("error_url")
	p.FormURL = get("form_url")
	p.UntimedFormsAllowed = form.Get("untimed_forms_allowed") == "on"
	p.DownloadLinkDays = f.number(form, "download_link_days")
	for _, h := range leadgate.AttributionFields {
		for _, v := range form["hidden_fields"] {
			if v == h {
				p.HiddenFields = append(p.HiddenFields, h)
				break
			}
		}
	}
	p.AllowedOrigins = lines(form.Get("allowed_origins"))
	for _, to := range lines(form.Get("alerts.to")) {
		if n, fe := leadgate.NormaliseEmail(to); fe == nil {
			to = n
		}
		p.Alerts.To = append(p.Alerts.To, to)
	}
	p.Alerts.Digest = form.Get("alerts.digest") == "on"
	readLookSettings(form, &f)

	rows := func(name string, limit int) int {
		n, _ := strconv.Atoi(form.Get("rows." + name))
		return max(0, min(n, limit))
	}
	for i := range rows("fields", maxFieldRows) {
		at := fmt.Sprintf("fields[%d].", i)
		fd := leadgate.Field{Name: get(at + "name"), Label: get(at + "label"), Type: leadgate.FieldType(get(at + "type")),
			Required: form.Get(at+"required") == "on", MaxLength: f.number(form, at+"max_length")}
		if fd.Name == "" && fd.Label == "" && form.Get(at+"max_length") == "" && fieldRowBlank(form, at) {
			f.BlankFields++
			continue
		}
		readFieldExtras(form, &f, at, &fd)
		p.Fields = append(p.Fields, fd)
	}

	fu := &p.FollowUp
	fu.FromName = get("follow_up.from_name")
	fu.PostalAddress = get("follow_up.postal_address")
	fu.Delivery = f.template(form, "follow_up.delivery")
	fu.Confirmation = f.template(form, "follow_up.confirmation")
	fu.Reminder = f.template(form, "follow_up.reminder")
	fu.ReminderAfter = f.duration(form, "follow_up.reminder_after")
	for i := range rows("nurture", maxNurtureRows) {
		at := fmt.Sprintf("follow_up.nurture[%d]", i)
		s := leadgate.NurtureStep{ID: get(at + ".id"), EmailTemplate: f.template(form, at)}
		if s.ID == "" && s.EmailTemplate == (leadgate.EmailTemplate{}) && get(at+".after") == "" {
			f.BlankNurture++
			continue
		}
		s.After = f.duration(form, at+".after")
		fu.Nurture = append(fu.Nurture, s)
	}

	sc := &p.Scoring
	for _, n := range []struct {
		name string
		to   *int
	}{{"basic", &sc.Basic}, {"company", &sc.Company}, {"job_title", &sc.JobTitle}, {"phone", &sc.Phone},
		{"confirmed", &sc.Confirmed}, {"downloaded", &sc.Downloaded}, {"returned", &sc.Returned},
		{"mql_at", &sc.MQLAt}, {"sql_at", &sc.SQLAt}} {
		*n.to = f.number(form, "scoring."+n.name)
	}
	for i := range rows("fit", maxFitRows) {
		at := fmt.Sprintf("scoring.fit[%d].", i)
		r := leadgate.FitRule{Field: get(at + "field"), Keywords: lines(form.Get(at + "keywords"))}
		if r.Field == "" && len(r.Keywords) == 0 && get(at+"points") == "" {
			f.BlankFit++
			continue
		}
		r.Points = f.number(form, at+"points")
		sc.Fit = append(sc.Fit, r)
	}
	f.BlankFields, f.BlankNurture, f.BlankFit = max(f.BlankFields, 1), max(f.BlankNurture, 1), max(f.BlankFit, 1)
	return f
}

// number reads a whole number; empty is 0. One that does not read is kept as typed,
// with its error.
func (f *editorForm) number(form url.Values, name string) int {
	s := strings.TrimSpace(form.Get(name))
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f.Raw[name] = s
		f.addError(name, "a whole number, such as 30")
	}
	return n
}

// duration reads a duration such as 48h; empty is 0.
func (f *editorForm) duration(form url.Values, name string) time.Duration {
	s := strings.TrimSpace(form.Get(name))
	if s == "" {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		f.Raw[name] = s
		f.addError(name, "a duration such as 48h, 90m or 1h30m")
	}
	return d
}

func (f *editorForm) template(form url.Values, at string) leadgate.EmailTemplate {
	text := func(name string) string { return strings.ReplaceAll(form.Get(at+"."+name), "\r\n", "\n") }
	return leadgate.EmailTemplate{Subject: strings.TrimSpace(form.Get(at + ".subject")), Text: text("text"), HTML: text("html")}
}

// lines returns the non-blank lines of a textarea, trimmed.
func lines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// apply does what an editing button asks (add, remove or move a row) and reports
// whether it was one; "save" and unknown values are none.
func (f *editorForm) apply(action string) bool {
	parts := strings.Split(action, ":")
	if len(parts) < 2 {
		return false
	}
	i := -1
	if len(parts) == 3 {
		n, err := strconv.Atoi(parts[2])
		if err != nil || n < 0 {
			return false
		}
		i = n
	}
	p := &f.Page
	switch parts[0] + ":" + parts[1] {
	case "add:fields":
		f.BlankFields = min(f.BlankFields+1, maxFieldRows)
	case "add:nurture":
		f.BlankNurture = min(f.BlankNurture+1, maxNurtureRows)
	case "add:fit":
		f.BlankFit = min(f.BlankFit+1, maxFitRows)
	case "remove:fields":
		if i >= 0 && i < len(p.Fields) {
			p.Fields = append(p.Fields[:i:i], p.Fields[i+1:]...)
		}
	case "up:fields":
		if i > 0 && i < len(p.Fields) {
			p.Fields[i-1], p.Fields[i] = p.Fields[i], p.Fields[i-1]
		}
	case "down:fields":
		if i >= 0 && i+1 < len(p.Fields) {
			p.Fields[i], p.Fields[i+1] = p.Fields[i+1], p.Fields[i]
		}
	case "remove:nurture":
		if i >= 0 && i < len(p.FollowUp.Nurture) {
			p.FollowUp.Nurture = append(p.FollowUp.Nurture[:i:i], p.FollowUp.Nurture[i+1:]...)
		}
	case "remove:fit":
		if i >= 0 && i < len(p.Scoring.Fit) {
			p.Scoring.Fit = append(p.Scoring.Fit[:i:i], p.Scoring.Fit[i+1:]...)
		}
	default:
		return false
	}
	// Errors were about the rows as they stood: the form is shown again to go on
	// editing, not as refused. What did not read outside the rows stays as typed.
	f.Errors = map[string][]string{}
	for name := range f.Raw {
		if strings.Contains(name, "[") {
			delete(f.Raw, name)
		}
	}
	return true
}

// shownNumber returns what a number's input shows: as typed when it did not read,
// else n ("" for 0, the page's default).
func (f editorForm) shownNumber(name string, n int) string {
	if s, ok := f.Raw[name]; ok {
		return s
	}
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// shownDuration returns what a duration's input shows: as typed when it did not
// read, else d as page files write it ("" for 0, the default).
func (f editorForm) shownDuration(name string, d time.Duration) string {
	if s, ok := f.Raw[name]; ok {
		return s
	}
	if d == 0 {
		return ""
	}
	return pagefile.FormatDuration(d)
}
