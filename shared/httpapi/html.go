package httpapi

import (
	"io"
	"net/http"
	"strconv"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// FormView is what the form page shows: a page's form with the values and the
// errors of an earlier try, if any.
type FormView struct {
	Page        leadgate.Page
	Action      string
	Values      map[string]string
	Errors      map[string]string
	Summary     []leadgate.FieldError
	FormToken   string
	Consent     bool
	Attribution []HiddenField
	// IDPrefix starts the id of each control ("f-" on our own pages), so that a
	// snippet pasted into another site keeps clear of that site's ids.
	IDPrefix string
	// Preview shows the page to its marketer: a banner says so, and the form has
	// no action, no token and a disabled button, so it sends nothing.
	Preview bool
	// Embed is the snippet for another site: it has no stylesheet of ours.
	Embed bool
	// DescriptionHTML is the page's description as the sanitised HTML stored with
	// the page (storedHTML).
	DescriptionHTML string
	// Origin is the API's origin as the visitor reached it, for the page's
	// canonical URL and link preview; "" leaves them out.
	Origin string
}

// HiddenField is one attribution field the form carries.
type HiddenField struct{ Name, Value string }

// NewFormView returns the view of page's empty form, with a fresh token and the
// hidden attribution fields the page accepts filled from values (the landing URL's
// query, for instance).
func NewFormView(page leadgate.Page, token string, values map[string]string) FormView {
	v := FormView{Page: page, Action: leadgate.CapturePath(page.Slug), Values: values, Errors: map[string]string{}, FormToken: token, IDPrefix: "f-",
		DescriptionHTML: storedHTML(page.DescriptionHTML, page.Description)}
	if v.Values == nil {
		v.Values = map[string]string{}
	}
	for _, name := range page.HiddenFields {
		v.Attribution = append(v.Attribution, HiddenField{Name: name, Value: v.Values[name]})
	}
	return v
}

// words is the catalogue of the page's locale.
func (v FormView) words() leadgate.Catalogue { return leadgate.CatalogueFor(v.Page.Locale) }

// head is the head of the hosted page: its look and, when the origin is known, its
// link preview.
func (v FormView) head() headView {
	p := v.Page
	h := headView{Title: p.Title, Lang: p.PageLocale(), Style: pageStyle(p.Look), Icon: p.Look.LogoURL}
	if v.Origin != "" {
		h.Canonical = v.Origin + leadgate.PagePath(p.Slug)
		h.Description = plainText(v.DescriptionHTML)
		h.Image = absoluteURL(v.Origin, p.CoverImageURL)
	}
	return h
}

// absoluteURL makes a page's path absolute on origin, as link previews need.
func absoluteURL(origin, s string) string {
	if len(s) > 0 && s[0] == '/' {
		return origin + s
	}
	return s
}

// RenderForm writes a page's form as a complete HTML document.
func RenderForm(w http.ResponseWriter, status int, v FormView) {
	var m markup.Writer
	writeFormPage(&m, v)
	send(w, status, m.String(), contentPolicy(pageStyle(v.Page.Look), captchaOf(v)))
}

// captchaOf is the provider whose script the form loads, if any.
func captchaOf(v FormView) leadgate.CaptchaProvider {
	if v.Preview {
		return ""
	}
	return v.Page.Captcha.Provider
}

// RenderPreview writes page as its visitors see it, for its marketer: the form of
// RenderForm, with the preview banner, sending nothing. Nothing is counted.
func RenderPreview(w http.ResponseWriter, page leadgate.Page) {
	v := NewFormView(page, "", nil)
	v.Action, v.Preview = "", true
	RenderForm(w, http.StatusOK, v)
}

// MessageView is a short page that tells a person what happened.
type MessageView struct {
	Title    string
	Message  string
	LinkURL  string
	LinkText string
	// LinkPost makes the link a button that POSTs to LinkURL: a download link,
	// whose GET is only its page (scanners follow GETs).
	LinkPost bool
	// The look of the page the message belongs to; zero: the plain design.
	Lang        string
	Style       string
	LogoURL     string
	ContentHTML string // sanitised HTML stored with the page (storedHTML), below the message
}

// notices is the wording of pages that belong to no page: English.
var notices = leadgate.English

// noticeView shows a notice of the catalogue as a message page.
func noticeView(n leadgate.Notice) MessageView {
	return MessageView{Title: n.Title, Message: n.Message}
}

// pageNoticeView shows a notice as a message page of page: in its language, with
// its look.
func pageNoticeView(page leadgate.Page, n leadgate.Notice) MessageView {
	return MessageView{Title: n.Title, Message: n.Message, Lang: page.PageLocale(), Style: pageStyle(page.Look), LogoURL: page.Look.LogoURL}
}

// localeNoticeView shows a notice of locale's catalogue as a plain message page in
// that language: the pages of links, which belong to no page's look.
func localeNoticeView(n leadgate.Notice, locale string) MessageView {
	return MessageView{Title: n.Title, Message: n.Message, Lang: locale}
}

// actionView shows a notice that asks for a click as a page whose button POSTs to
// action.
func actionView(n leadgate.Notice, action string) ActionView {
	return ActionView{Title: n.Title, Message: n.Message, Action: action, Button: n.Button, Note: n.Note}
}

// localeActionView is actionView in the language of locale.
func localeActionView(n leadgate.Notice, action, locale string) ActionView {
	v := actionView(n, action)
	v.Lang = locale
	return v
}

// RenderMessage writes a short HTML page to a person.
func RenderMessage(w http.ResponseWriter, status int, v MessageView) {
	var m markup.Writer
	writeMessagePage(&m, v)
	style := v.Style
	if style == "" {
		style = baseStyle
	}
	send(w, status, m.String(), contentPolicy(style, ""))
}

// renderAction writes a page whose button POSTs to v.Action.
func renderAction(w http.ResponseWriter, status int, v ActionView) {
	var m markup.Writer
	writeActionPage(&m, v)
	send(w, status, m.String(), contentPolicy(baseStyle, ""))
}

// send writes page, a complete HTML document, with the headers of every page and
// its Content-Security-Policy.
func send(w http.ResponseWriter, status int, page, policy string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(page)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if h.Get("Referrer-Policy") == "" { // a download page sets its own, stricter one
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	}
	h.Set("Content-Security-Policy", policy)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, page)
}

func itoa(i int) string { return strconv.Itoa(i) }

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
