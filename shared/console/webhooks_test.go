package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"leadgate/shared/console"
)

// post sends a signed-in form post to the golden site and returns the answer.
func (s *goldenSite) post(t *testing.T, target string, body url.Values) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("POST", target, strings.NewReader(body.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: console.CookieName, Value: goldenSession})
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, r)
	return w
}

func TestConsoleWebhookLifecycle(t *testing.T) {
	s := newGoldenSite(t, true)
	var hits int
	rx := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	t.Cleanup(rx.Close)
	form := url.Values{"url": {rx.URL}, "kind": {"webhook"}, "events": {"lead.created", "lead.erased"}, "pages": {"spring-guide, webinar"}}

	// Without the CSRF token nothing is stored.
	if w := s.post(t, console.WebhooksPath, form); w.Code != http.StatusForbidden {
		t.Fatalf("no CSRF: %d", w.Code)
	}
	form.Set("csrf", goldenCSRF(t))
	w := s.post(t, console.WebhooksPath, form)
	if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), "<code>whsec_") || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("add: %d %.300s", w.Code, w.Body)
	}
	all, _ := s.store.WebhookEndpoints(context.Background())
	if len(all) != 1 || len(all[0].Pages) != 2 || !all[0].Enabled {
		t.Fatalf("stored: %+v", all)
	}
	id := all[0].ID
	// The secret is shown on that page only.
	if page := s.page(t, "GET", console.WebhookPath(id), nil, true, 200); strings.Contains(string(page), "whsec_") {
		t.Fatal("the endpoint's page shows its secret again")
	}
	csrf := url.Values{"csrf": {goldenCSRF(t)}}
	if w := s.post(t, console.WebhookTestPath(id), csrf); w.Code != http.StatusSeeOther || hits != 1 {
		t.Fatalf("test: %d, receiver hits %d", w.Code, hits)
	}
	d, _ := s.store.Deliveries(context.Background(), id, 1)
	if w := s.post(t, console.WebhookRedeliverPath(id, d[0].ID), csrf); w.Code != http.StatusSeeOther || hits != 2 {
		t.Fatalf("redeliver: %d, receiver hits %d", w.Code, hits)
	}
	// Turning it off: an unchecked box is off.
	off := url.Values{"csrf": {goldenCSRF(t)}, "url": {rx.URL}, "events": {"lead.confirmed"}}
	if w := s.post(t, console.WebhookPath(id), off); w.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %.300s", w.Code, w.Body)
	}
	if e, _ := s.store.WebhookEndpoint(context.Background(), id); e.Enabled || len(e.Pages) != 0 || e.Events[0] != "lead.confirmed" {
		t.Fatalf("after save: %+v", e)
	}
	if w := s.post(t, console.WebhookDeletePath(id), csrf); w.Code != http.StatusSeeOther {
		t.Fatalf("delete: %d", w.Code)
	}
	if w := s.post(t, console.WebhookDeletePath(id), csrf); w.Code != http.StatusNotFound {
		t.Fatalf("delete again: %d", w.Code)
	}
}
