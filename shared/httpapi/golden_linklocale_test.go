package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"leadgate/shared/capture"
	"leadgate/shared/golden"
	"leadgate/shared/httpapi"
	"leadgate/shared/leadgate"
)

// The confirm and unsubscribe pages speak the locale their email's link names
// (leadgate.InLocale), and so do their answers and their errors; the download page
// speaks its page's. An English link stays as it was.
func TestGoldenLinkPagesInLocale(t *testing.T) {
	for _, l := range []string{"de", "fr", "es"} {
		t.Run(l, func(t *testing.T) {
			s := newGoldenSite(t)
			ctx := context.Background()
			page := goldenLocalePage(l)
			if err := s.store.PutPage(ctx, saved(page)); err != nil {
				t.Fatal(err)
			}
			sub := leadgate.Submission{ID: "sub-golden-" + l, Email: "ada@example.com", Page: page.Slug, MagnetID: page.MagnetID,
				At: goldenNow.Add(-time.Hour), Values: map[string]string{"email": "ada@example.com"},
				Attribution: leadgate.Attribution{Page: page.Slug, At: goldenNow.Add(-time.Hour)},
				Consent:     leadgate.Consent{Page: page.Slug, At: goldenNow.Add(-time.Hour)}}
			res, err := s.store.Capture(ctx, leadgate.Capture{Submission: sub, Page: page, NewLeadID: "lead-golden", DedupeWindow: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			confirm := s.key.ConfirmToken(sub.ID)
			if err := s.store.PutConfirmation(ctx, leadgate.Confirmation{ID: leadgate.GrantID(confirm), Email: sub.Email, LeadID: res.Lead.ID,
				Page: page.Slug, SubmissionID: sub.ID, CreatedAt: sub.At, ExpiresAt: sub.At.Add(leadgate.ConfirmationTTL)}); err != nil {
				t.Fatal(err)
			}
			unsubscribe := s.key.UnsubscribeToken(res.Lead.ID)
			if err := s.store.PutUnsubscribe(ctx, leadgate.Unsubscribe{ID: leadgate.GrantID(unsubscribe), Email: sub.Email, LeadID: res.Lead.ID}); err != nil {
				t.Fatal(err)
			}
			in := func(path string) string { return leadgate.InLocale(path, l) }
			oneClick := url.Values{"List-Unsubscribe": {"One-Click"}}
			steps := []struct {
				name, method, path string
				body               url.Values
				status             int
			}{
				{"confirm-ask", "GET", in(leadgate.ConfirmPath(confirm)), nil, 200},
				{"confirmed", "POST", in(leadgate.ConfirmPath(confirm)), url.Values{}, 200},
				{"download-ready", "GET", leadgate.DownloadPath(s.key.GrantToken(sub.ID)), nil, 200},
				{"confirm-already-confirmed", "GET", in(leadgate.ConfirmPath(confirm)), nil, 200},
				{"confirm-not-found", "GET", in(leadgate.ConfirmPath(strings.Repeat("c", 32))), nil, 404},
				{"unsubscribe-ask", "GET", in(leadgate.UnsubscribePath(unsubscribe)), nil, 200},
				{"unsubscribed", "POST", in(leadgate.UnsubscribePath(unsubscribe)), oneClick, 200},
			}
			for _, st := range steps {
				// In order: each step may depend on the one before.
				name := "locale-" + l + "-" + st.name
				body := s.page(t, st.method, st.path, st.body, nil, st.status)
				if !strings.Contains(string(body), `<html lang="`+l+`"`) {
					t.Errorf("%s: not in %s: %.300s", name, l, body)
				}
				golden.Check(t, name+".html", body)
			}
		})
	}
}

// A page's button POSTs to its link with the locale kept, and an unknown locale is
// English.
func TestLinkPageLocaleKept(t *testing.T) {
	s := newGoldenSite(t)
	body := string(s.page(t, "GET", "/v1/unsubscribe/"+strings.Repeat("u", 32)+"?lang=de", nil, nil, 200))
	if !strings.Contains(body, `action="/v1/unsubscribe/`+strings.Repeat("u", 32)+`?lang=de"`) || !strings.Contains(body, "Abmelden") {
		t.Errorf("German unsubscribe page: %s", body)
	}
	body = string(s.page(t, "GET", "/v1/unsubscribe/"+strings.Repeat("u", 32)+"?lang=xx", nil, nil, 200))
	if !strings.Contains(body, `action="/v1/unsubscribe/`+strings.Repeat("u", 32)+`"`) || !strings.Contains(body, `lang="en"`) {
		t.Errorf("unknown locale: %s", body)
	}
}

// The rate-limit page says how long to wait, from the limit's own Retry-After, in
// the page's language.
func TestGoldenRateLimitPages(t *testing.T) {
	s := newGoldenSite(t)
	ctx := context.Background()
	now := func() time.Time { return goldenNow } // 09:15:30: 44 min 30 s left of the hour
	cfg := capture.DefaultConfig()
	cfg.RatePerIP = 1
	mux := http.NewServeMux()
	httpapi.New(capture.New(s.store, s.key, cfg, now), slog.New(slog.NewTextHandler(io.Discard, nil))).Register(mux)
	s.handler = mux
	for _, l := range leadgate.Locales {
		p := goldenLocalePage(l)
		if err := s.store.PutPage(ctx, saved(p)); err != nil {
			t.Fatal(err)
		}
	}
	token := func(slug string) string { return s.key.FormToken(slug, goldenNow.Add(-10*time.Second)) }
	post := func(l, email string) url.Values {
		return url.Values{"email": {email}, "form_token": {token("golden-" + l)}}
	}
	first := newRequest("POST", "/v1/pages/golden-en/leads")
	first.Body = io.NopCloser(strings.NewReader(post("en", "first@example.com").Encode()))
	first.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	first.RemoteAddr = "203.0.113.9:41234" // the address of every s.page
	if w := serve(s.handler, first); w.Code != http.StatusSeeOther {
		t.Fatalf("first post: %d, want 303", w.Code)
	}
	want := map[string]string{"en": "about 45 minutes", "de": "etwa 45 Minuten", "fr": "environ 45 minutes", "es": "unos 45 minutos"}
	for _, l := range leadgate.Locales {
		body := s.page(t, "POST", "/v1/pages/golden-"+l+"/leads", post(l, "ada-"+l+"@example.com"), nil, http.StatusTooManyRequests)
		if !strings.Contains(string(body), want[l]) {
			t.Errorf("%s: the page does not say %q: %s", l, want[l], body)
		}
		golden.Check(t, "locale-"+l+"-rate-limited.html", body)
	}
}
