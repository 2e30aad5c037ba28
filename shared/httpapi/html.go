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
}

// HiddenField is one attribution field the form carries.
type HiddenField struct{ Name, Value string }

// NewFormView returns the view of page's empty form, with a fresh token and the
// hidden attribution fields the page accepts filled from values (the landing URL's
// query, for instance).
func NewFormView(page leadgate.Page, token string, values map[string]string) FormView {
	v := FormView{Page: page, Action: leadgate.CapturePath(page.Slug), Values: values, Errors: map[string]string{}, FormToken: token, IDPrefix: "f-"}
	if v.Values == nil {
		v.Values = map[string]string{}
	}
	for _, name := range page.HiddenFields {
		v.Attribution = append(v.Attribution, HiddenField{Name: name, Value: v.Values[name]})
	}
	return v
}

// RenderForm writes a page's form as a complete HTML document.
func RenderForm(w http.ResponseWriter, status int, v FormView) {
	var m markup.Writer
	writeFormPage(&m, v)
	send(w, status, m.String())
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
}

// notices is the wording people read on the pages this package renders.
var notices = leadgate.English

// noticeView shows a notice of the catalogue as a message page.
func noticeView(n leadgate.Notice) MessageView {
	return MessageView{Title: n.Title, Message: n.Message}
}

// actionView shows a notice that asks for a click as a page whose button POSTs to
// action.
func actionView(n leadgate.Notice, action string) ActionView {
	return ActionView{Title: n.Title, Message: n.Message, Action: action, Button: n.Button, Note: n.Note}
}

// RenderMessage writes a short HTML page to a person.
func RenderMessage(w http.ResponseWriter, status int, v MessageView) {
	var m markup.Writer
	writeMessagePage(&m, v)
	send(w, status, m.String())
}

// renderAction writes a page whose button POSTs to v.Action.
func renderAction(w http.ResponseWriter, status int, v ActionView) {
	var m markup.Writer
	writeActionPage(&m, v)
	send(w, status, m.String())
}

// send writes page, a complete HTML document, with the headers of every page.
func send(w http.ResponseWriter, status int, page string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(page)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if h.Get("Referrer-Policy") == "" { // a download page sets its own, stricter one
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	}
	// Images over https: a hosted page's cover lives wherever the marketer keeps it.
	// Nothing else loads from elsewhere, and no script runs.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; form-action 'self' https:; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, page)
}
