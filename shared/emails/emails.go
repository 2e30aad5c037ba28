// Package emails renders the follow-up emails of a page: delivery, confirmation,
// reminder and nurture steps, each from the page's own templates or accessible
// defaults, with the unsubscribe footer and headers every follow-up carries.
package emails

import (
	"bytes"
	"embed"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"leadgate/shared/leadgate"
)

// Data is what a template may use. Every value is escaped in HTML; the subject is
// checked for line breaks after rendering, since it becomes a header.
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
}

// Kinds of email, each with a default template.
const (
	Delivery     = "delivery"
	Confirmation = "confirmation"
	Reminder     = "reminder"
	Nurture      = "nurture"
)

//go:embed templates/*
var defaults embed.FS

func defaultSource(kind, part string) string {
	b, err := defaults.ReadFile("templates/" + kind + "." + part)
	if err != nil {
		return ""
	}
	return string(b)
}

var layout = htmltemplate.Must(htmltemplate.ParseFS(defaults, "templates/layout.html"))

// Render returns the subject, text and HTML of an email of kind from the page's
// template t (its empty parts take the defaults of kind), with d.
func Render(kind string, t leadgate.EmailTemplate, d Data) (subject, text, html string, err error) {
	if d.FirstName == "" {
		d.FirstName = "there"
		if f := strings.Fields(d.Name); len(f) > 0 {
			d.FirstName = f[0]
		}
	}
	pick := func(own, part string) string {
		if own != "" {
			return own
		}
		return defaultSource(kind, part)
	}
	if subject, err = execText(pick(t.Subject, "subject"), d); err != nil {
		return "", "", "", err
	}
	subject = strings.TrimSpace(subject)
	if strings.ContainsAny(subject, "\r\n") {
		return "", "", "", leadgate.Errorf(leadgate.EINVALID, "the subject of the %s email spans lines", kind)
	}
	body, err := execText(pick(t.Text, "txt"), d)
	if err != nil {
		return "", "", "", err
	}
	text = strings.TrimSpace(body) + "\n\n--\n" + footerText(d)
	var content string
	if t.HTML == "" && t.Text != "" {
		// A page that wrote only text gets the same words as HTML paragraphs.
		content = paragraphs(body)
	} else if content, err = execHTML(pick(t.HTML, "html"), d); err != nil {
		return "", "", "", err
	}
	var buf bytes.Buffer
	err = layout.ExecuteTemplate(&buf, "layout.html", struct {
		Data
		Subject string
		Content htmltemplate.HTML
	}{d, subject, htmltemplate.HTML(content)})
	if err != nil {
		return "", "", "", leadgate.Internal("render email layout", err)
	}
	return subject, text, buf.String(), nil
}

func execText(src string, d Data) (string, error) {
	t, err := texttemplate.New("").Option("missingkey=error").Parse(src)
	if err != nil {
		return "", leadgate.Errorf(leadgate.EINVALID, "email template: %v", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", leadgate.Errorf(leadgate.EINVALID, "email template: %v", err)
	}
	return b.String(), nil
}

func execHTML(src string, d Data) (string, error) {
	t, err := htmltemplate.New("").Option("missingkey=error").Parse(src)
	if err != nil {
		return "", leadgate.Errorf(leadgate.EINVALID, "email template: %v", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", leadgate.Errorf(leadgate.EINVALID, "email template: %v", err)
	}
	return b.String(), nil
}

// paragraphs turns rendered text into escaped HTML paragraphs.
func paragraphs(text string) string {
	var b strings.Builder
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString(`<p style="margin:0 0 16px;">`)
			b.WriteString(strings.ReplaceAll(htmltemplate.HTMLEscapeString(p), "\n", "<br>"))
			b.WriteString("</p>\n")
		}
	}
	return b.String()
}

func footerText(d Data) string {
	return "You get this email because you asked for " + d.MagnetTitle + " on " + d.PageTitle +
		".\nUnsubscribe with one click: " + d.UnsubscribeURL + "\n"
}

// UnsubscribeHeaders are the RFC 8058 headers of every follow-up: mail clients show
// an unsubscribe button that POSTs to the link, with no second step.
func UnsubscribeHeaders(unsubscribeURL string) []leadgate.Header {
	return []leadgate.Header{
		{Name: "List-Unsubscribe", Value: "<" + unsubscribeURL + ">"},
		{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
	}
}
