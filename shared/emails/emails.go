// Package emails renders the follow-up emails of a page: delivery, confirmation,
// reminder and nurture steps, each from the page's own texts or accessible
// defaults, with the unsubscribe footer and headers every follow-up carries.
//
// The defaults are Go code over markup.Writer and a page's own texts take only
// placeholders ({{.FirstName}}), so the functions that send link no template
// engine: text/template would keep every method of every linked type in their
// binaries.
package emails

import (
	"errors"
	"slices"
	"strings"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// Data is what an email shows; a page's own texts name its fields with
// placeholders such as {{.FirstName}}. Every value is escaped in HTML; the subject
// is checked for line breaks after rendering, since it becomes a header.
type Data struct {
	Name           string // the lead's name as given; may be empty
	FirstName      string // the first word of Name, or "there"
	PageTitle      string
	MagnetTitle    string
	MagnetKind     string
	DownloadURL    string
	ConfirmURL     string
	UnsubscribeURL string
	FromName       string
	LinkDays       int
	// Delivery is the magnet's kind; the zero value is a file.
	Delivery leadgate.Delivery
	// Locale is the page's (leadgate.Locales): the language of the default texts
	// and of the footer; "" is English.
	Locale string
	// PostalAddress is the sender's postal address, which every footer shows
	// (commercial email must carry one); "" shows none.
	PostalAddress string

	named bool // the lead gave a name: the default greeting uses it
}

// lang is the email's language, for its HTML.
func (d *Data) lang() string {
	if d.Locale == "" {
		return "en"
	}
	return d.Locale
}

// VisitorName returns a lead's name as an email may show it, in the greeting and
// perhaps a subject: "" (the neutral greeting) for a name holding a web or email
// address or invisible characters, stored before capture refused them, so that no
// stranger's link reads as ours.
func VisitorName(name string) string {
	if !leadgate.Greetable(name) {
		return ""
	}
	return name
}

// Kinds of email, each with a default template.
const (
	Delivery     = "delivery"
	Confirmation = "confirmation"
	Reminder     = "reminder"
	Nurture      = "nurture"
)

// kinds are the kinds of email, each with its defaults in defaults.go.
var kinds = []string{Delivery, Confirmation, Reminder, Nurture}

// Render returns the subject, text and HTML of an email of kind from the page's
// template t (its empty parts take the defaults of kind), with d. A part that is
// not placeholders over text (see CheckTemplates) is EINVALID.
func Render(kind string, t leadgate.EmailTemplate, d Data) (subject, text, html string, err error) {
	if !slices.Contains(kinds, kind) {
		return "", "", "", leadgate.Internal("render email", errors.New("no kind of email "+kind))
	}
	d.named = d.FirstName != ""
	if d.FirstName == "" {
		d.FirstName = "there"
		if f := strings.Fields(d.Name); len(f) > 0 {
			d.FirstName, d.named = f[0], true
		}
	}
	subject, err = ownOr(t.Subject, kind, &d, defaultSubject)
	if err != nil {
		return "", "", "", err
	}
	subject = strings.TrimSpace(subject)
	if strings.ContainsAny(subject, "\r\n") {
		return "", "", "", leadgate.Errorf(leadgate.EINVALID, "the subject of the %s email spans lines", kind)
	}
	body, err := ownOr(t.Text, kind, &d, defaultText)
	if err != nil {
		return "", "", "", err
	}
	text = strings.TrimSpace(body) + "\n\n--\n" + footerText(d)
	var content func(*markup.Writer)
	switch {
	case t.HTML != "":
		own, err := cachedHTML(t.HTML)
		if err != nil {
			return "", "", "", err
		}
		content = func(w *markup.Writer) { own.writeHTML(w, &d) }
	case t.Text != "":
		// A page that wrote only text gets the same words as HTML paragraphs.
		content = func(w *markup.Writer) { writeParagraphs(w, body) }
	default:
		content = func(w *markup.Writer) { writeDefaultHTML(w, kind, &d) }
	}
	var w markup.Writer
	writeLayout(&w, subject, &d, content)
	return subject, text, w.String(), nil
}

// ownOr renders the page's own subject or text src, or the default of kind.
func ownOr(src, kind string, d *Data, byDefault func(string, *Data) string) (string, error) {
	if src == "" {
		return byDefault(kind, d), nil
	}
	own, err := cachedText(src)
	if err != nil {
		return "", err
	}
	return own.text(d), nil
}

// writeParagraphs writes text as escaped HTML paragraphs, its line breaks kept.
func writeParagraphs(w *markup.Writer, text string) {
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		w.Raw(`<p style="margin:0 0 16px;">`)
		for i, line := range strings.Split(p, "\n") {
			if i > 0 {
				w.Raw("<br>")
			}
			w.Text(line)
		}
		w.Raw("</p>\n")
	}
}

// footerText is the text part's footer: why the email came, the unsubscribe link
// and the sender's postal address.
func footerText(d Data) string {
	id, values := footerReason(&d)
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	text := d.say(id, args...) + "\n" + d.say(leadgate.MailUnsubscribe) + ": " + d.UnsubscribeURL + "\n"
	if d.PostalAddress != "" {
		text += d.say(leadgate.MailPostalAddress, d.PostalAddress) + "\n"
	}
	return text
}

// UnsubscribeHeaders are the RFC 8058 headers of every follow-up: mail clients show
// an unsubscribe button that POSTs to the link, with no second step.
func UnsubscribeHeaders(unsubscribeURL string) []leadgate.Header {
	return []leadgate.Header{
		{Name: "List-Unsubscribe", Value: "<" + unsubscribeURL + ">"},
		{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
	}
}
