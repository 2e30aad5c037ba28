package httpapi_test

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/capture"
	"leadgate/shared/httpapi"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/signing"
)

// snippetForm is the form of an embed snippet as a browser reads it.
type snippetForm struct {
	method, action string
	controls       []control
	comment        string
	hasScript      bool
}

type control struct {
	tag, typ, name, value, id string
	required                  bool
}

// parseSnippet reads the snippet with encoding/xml in its lenient HTML mode: void
// elements, attributes without a value, HTML entities.
func parseSnippet(t *testing.T, snippet string) snippetForm {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(snippet))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	var f snippetForm
	forms := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("snippet does not parse: %v\n%s", err, snippet)
		}
		switch tok := tok.(type) {
		case xml.Comment:
			f.comment += string(tok)
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range tok.Attr {
				attr[strings.ToLower(a.Name.Local)] = a.Value
			}
			_, required := attr["required"]
			switch strings.ToLower(tok.Name.Local) {
			case "script":
				f.hasScript = true
			case "form":
				forms++
				f.method, f.action = strings.ToLower(attr["method"]), attr["action"]
			case "input":
				typ := attr["type"]
				if typ == "" {
					typ = "text"
				}
				f.controls = append(f.controls, control{tag: "input", typ: typ, name: attr["name"], value: attr["value"], id: attr["id"], required: required})
			case "textarea":
				f.controls = append(f.controls, control{tag: "textarea", name: attr["name"], id: attr["id"], required: required})
			}
		}
	}
	if forms != 1 {
		t.Fatalf("%d forms in the snippet, want 1", forms)
	}
	return f
}

// fill returns what a browser posts for the form once a person typed typed into
// its fields and ticked the consent box: every named text control, typed or empty
// (the hidden honeypot stays empty), the ticked checkbox's value.
func (f snippetForm) fill(typed map[string]string, consent bool) url.Values {
	v := url.Values{}
	for _, c := range f.controls {
		switch {
		case c.name == "":
		case c.typ == "checkbox":
			if consent && c.name == leadgate.FieldNameConsent {
				v.Add(c.name, c.value)
			}
		case c.typ == "hidden" || c.typ == "submit":
			v.Add(c.name, c.value)
		default:
			v.Add(c.name, typed[c.name])
		}
	}
	return v
}

// The embed snippet is a plain form a marketer pastes into their own site. Posted
// as a browser posts it, from that site's origin, it is accepted on a page that
// allows untimed forms, and refused with "reload" on one that does not.
func TestEmbedSnippetPostsToTheCaptureRoute(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	key, err := signing.NewKey([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	const site = "https://www.example.com"
	untimed := storetest.Page("embedded")
	untimed.UntimedFormsAllowed = true
	untimed.AllowedOrigins = []string{site}
	untimed.ThankYouURL = leadgate.ThanksPath("embedded")
	untimed.Fields = append(untimed.Fields, leadgate.Field{Name: "question", Label: "Your question", Type: leadgate.FieldTextarea})
	timed := storetest.Page("embedded-timed")
	timed.AllowedOrigins = []string{site}
	for _, p := range []leadgate.Page{untimed, timed} {
		if err := store.PutPage(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.PutMagnet(context.Background(), storetest.Magnet()); err != nil {
		t.Fatal(err)
	}
	svc := capture.New(store, key, capture.DefaultConfig(), func() time.Time { return storetest.T0 })
	api := httptest.NewServer(httpapi.New(svc, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler())
	defer api.Close()

	snippet := httpapi.EmbedSnippet(untimed, api.URL)
	f := parseSnippet(t, snippet)
	if f.hasScript || strings.Contains(snippet, "<script") {
		t.Fatalf("the snippet has a script:\n%s", snippet)
	}
	if f.method != "post" || f.action != api.URL+"/v1/pages/embedded/leads" {
		t.Fatalf("form %s %s, want a post to the capture route", f.method, f.action)
	}
	if !strings.Contains(f.comment, "untimed_forms_allowed") || !strings.Contains(f.comment, "allowed_origins") {
		t.Errorf("the snippet's comment does not say what the page needs: %q", f.comment)
	}
	names := map[string]control{}
	for _, c := range f.controls {
		names[c.name] = c
		if c.id != "" && !strings.HasPrefix(c.id, "leadgate-embedded-") {
			t.Errorf("control id %q may clash with the site's own ids", c.id)
		}
	}
	for _, want := range []string{"email", "name", "company", "team_size", "question", leadgate.FieldNameConsent, leadgate.FieldNameHoneypot} {
		if _, ok := names[want]; !ok {
			t.Errorf("the snippet has no %s control", want)
		}
	}
	if _, ok := names[leadgate.FieldNameFormToken]; ok {
		t.Error("the snippet carries a form token, which a static page cannot keep fresh")
	}
	if !names["email"].required || names["email"].typ != "email" {
		t.Errorf("email control %+v, want a required email input", names["email"])
	}
	if !strings.Contains(snippet, "Leave this field empty") || !strings.Contains(snippet, `tabindex="-1"`) {
		t.Error("the honeypot is not hidden from people")
	}

	post := func(action string, form url.Values) *http.Response {
		t.Helper()
		req, err := http.NewRequest("POST", action, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", site)
		req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	typed := map[string]string{"email": "Embed@Example.com", "name": "Ella Embed", "question": "Does it\nwork?"}
	res := post(f.action, f.fill(typed, true))
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/p/embedded/thanks?download_url=") {
		t.Fatalf("snippet post: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	lead, err := store.LeadByEmail(context.Background(), "embed@example.com")
	if err != nil {
		t.Fatalf("the snippet's lead was not stored: %v", err)
	}
	if lead.Name != "Ella Embed" || !lead.Consent.Given || lead.Custom["question"] != "Does it\nwork?" {
		t.Errorf("lead %+v", lead)
	}

	// The same snippet of a page that wants a token is refused with "reload", and
	// its comment says the page lacks the setting.
	snippet = httpapi.EmbedSnippet(timed, api.URL)
	f = parseSnippet(t, snippet)
	if !strings.Contains(f.comment, "does not set untimed_forms_allowed") {
		t.Errorf("comment %q does not warn that the page lacks untimed_forms_allowed", f.comment)
	}
	res = post(f.action, f.fill(map[string]string{"email": "timed@example.com"}, false))
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("snippet post to a page without untimed_forms_allowed: %d, want 422", res.StatusCode)
	}
}
