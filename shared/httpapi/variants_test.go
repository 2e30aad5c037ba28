package httpapi_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"leadgate/shared/httpapi"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// testedPage is a hosted page with one challenger that asks fewer fields: the
// page requires the company, the variant does not ask it.
func testedPage() leadgate.Page {
	p := storetest.Page("tested")
	p.Fields[2].Required = true // company
	p.ThankYouURL = leadgate.ThanksPath("tested")
	p.Variants = []leadgate.Variant{{ID: "b", Title: "The free playbook", ButtonText: "Send it to me", Fields: []string{"email", "name"}}}
	return p
}

// visitorOf returns a visitor id the page assigns to arm.
func visitorOf(t *testing.T, p leadgate.Page, arm string) string {
	t.Helper()
	for i := range 1000 {
		if id := fmt.Sprintf("visitor-%016d", i); p.AssignArm(id) == arm {
			return id
		}
	}
	t.Fatalf("no visitor for arm %s", arm)
	return ""
}

// post posts the page's form as a browser would, after the time a person takes.
func (h *pageHarness) post(t *testing.T, page string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	h.now = h.now.Add(10 * time.Second)
	r := httptest.NewRequest("POST", leadgate.CapturePath(page), strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", formType)
	r.Header.Set("Origin", "http://example.com")
	r.Header.Set("User-Agent", firefox)
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, r)
	return w
}

// formOf is what a browser posts of the page it got, with the visible values.
func formOf(body string, visible url.Values) url.Values {
	form := url.Values{"website": {""}}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	for k, v := range visible {
		form[k] = v
	}
	return form
}

// A visitor gets a cookie on the first view and the same arm on every later one;
// a bot gets the control and no cookie and counts nothing; the arm shown reaches
// the capture inside the form token, so the lead records it, a variant's left-out
// required field is not asked, and views and leads count per arm.
func TestVariantsEndToEnd(t *testing.T) {
	h := newPageHarness(t, nil)
	p := testedPage()
	if err := h.store.PutPage(context.Background(), saved(p)); err != nil {
		t.Fatal(err)
	}

	w := h.get(t, "GET", "/p/tested", nil)
	cookies := w.Result().Cookies()
	if w.Code != http.StatusOK || len(cookies) != 1 {
		t.Fatalf("first view: %d, cookies %v", w.Code, cookies)
	}
	c := cookies[0]
	if c.Name != httpapi.VisitorCookie || c.Path != "/p/tested" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure ||
		c.MaxAge < 89*24*3600 || !leadgate.ValidVisitorID(c.Value) {
		t.Errorf("cookie %+v", c)
	}
	arm := p.AssignArm(c.Value)
	title := map[string]string{"control": "The tested playbook", "b": "The free playbook"}
	if !strings.Contains(w.Body.String(), "<h1>"+title[arm]+"</h1>") {
		t.Errorf("arm %s not shown:\n%s", arm, w.Body)
	}
	again := h.get(t, "GET", "/p/tested", http.Header{"Cookie": {c.Name + "=" + c.Value}})
	if len(again.Result().Cookies()) != 0 || !strings.Contains(again.Body.String(), "<h1>"+title[arm]+"</h1>") {
		t.Errorf("second view of the same visitor: cookies %v, arm %s not shown", again.Result().Cookies(), arm)
	}
	https := h.get(t, "GET", "/p/tested", http.Header{"X-Forwarded-Proto": {"https"}})
	if cs := https.Result().Cookies(); len(cs) != 1 || !cs[0].Secure {
		t.Errorf("cookie over https: %v", cs)
	}
	bot := h.get(t, "GET", "/p/tested", http.Header{"User-Agent": {"Mozilla/5.0 (compatible; Googlebot/2.1)"}})
	if len(bot.Result().Cookies()) != 0 || !strings.Contains(bot.Body.String(), "<h1>The tested playbook</h1>") {
		t.Errorf("a bot got a cookie or a variant")
	}

	// A visitor of arm b, and one of the control.
	bID, controlID := visitorOf(t, p, "b"), visitorOf(t, p, "control")
	viewB := h.get(t, "GET", "/p/tested", http.Header{"Cookie": {httpapi.VisitorCookie + "=" + bID}}).Body.String()
	viewControl := h.get(t, "GET", "/p/tested", http.Header{"Cookie": {httpapi.VisitorCookie + "=" + controlID}}).Body.String()
	if !strings.Contains(viewB, "Send it to me</button>") || strings.Contains(viewB, `name="company"`) {
		t.Errorf("arm b shows the page's button or asks the company:\n%s", viewB)
	}
	if !strings.Contains(viewControl, `name="company"`) {
		t.Errorf("the control does not ask the company")
	}

	// A lead on b, without the company the page requires: b does not ask it.
	if w := h.post(t, "tested", formOf(viewB, url.Values{"email": {"b@example.com"}, "name": {"Bea"}})); w.Code != http.StatusSeeOther {
		t.Fatalf("post on b: %d %.800s", w.Code, w.Body)
	}
	// The control asks it: the form comes again, as the control.
	w = h.post(t, "tested", formOf(viewControl, url.Values{"email": {"c@example.com"}}))
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "<h1>The tested playbook</h1>") {
		t.Fatalf("post on the control without the company: %d %.800s", w.Code, w.Body)
	}
	if w := h.post(t, "tested", formOf(w.Body.String(), url.Values{"email": {"c@example.com"}, "company": {"Acme"}})); w.Code != http.StatusSeeOther {
		t.Fatalf("post on the control: %d %.800s", w.Code, w.Body)
	}
	// A token whose arm was changed is refused.
	forged := formOf(viewB, url.Values{"email": {"f@example.com"}})
	tok := forged.Get("form_token")
	forged.Set("form_token", strings.Replace(tok, "~b~", "~control~", 1))
	if w := h.post(t, "tested", forged); w.Code != http.StatusUnprocessableEntity || !strings.Contains(tok, "~b~") {
		t.Errorf("forged arm: %d, token %s", w.Code, tok)
	}

	for email, want := range map[string]string{"b@example.com": "b", "c@example.com": "control"} {
		subs, err := h.store.Submissions(context.Background(), email)
		if err != nil || len(subs) != 1 || subs[0].Variant != want {
			t.Fatalf("%s: %+v %v, want arm %s", email, subs, err, want)
		}
		if err := h.store.CountLead(context.Background(), subs[0]); err != nil { // as the change pipeline does
			t.Fatal(err)
		}
	}
	rows, err := h.store.PageStats(context.Background(), "tested", leadgate.Day(h.now), leadgate.Day(h.now))
	if err != nil {
		t.Fatal(err)
	}
	got := p.ArmTotals(rows)
	views := map[string]int{"control": 1, "b": 1}
	views[arm] += 2 // the first visitor's two views
	views[p.AssignArm(cookieOf(t, https))]++
	for _, a := range got {
		if a.Views != views[a.Arm] || a.Leads != 1 {
			t.Errorf("arm %s: %+v, want %d views, 1 lead", a.Arm, a, views[a.Arm])
		}
	}
}

func cookieOf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	cs := w.Result().Cookies()
	if len(cs) == 0 {
		t.Fatal("no cookie")
	}
	return cs[0].Value
}

// armSigned matches a form token that carries an arm: "<unix ms>~<arm>~<nonce>".
var armSigned = regexp.MustCompile(`[0-9]{13}~[a-z0-9-]+~`)

// A page without a test sets no cookie and signs no arm into its form.
func TestNoVariantsNoCookie(t *testing.T) {
	h := newPageHarness(t, nil)
	w := h.get(t, "GET", "/p/hosted", nil)
	if len(w.Result().Cookies()) != 0 || armSigned.MatchString(w.Body.String()) {
		t.Errorf("page without a test: cookies %v", w.Result().Cookies())
	}
}
