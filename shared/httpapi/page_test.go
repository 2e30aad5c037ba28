package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
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

// pageHarness serves the hosted pages and the capture route on one mux, as the
// local server and the API's one origin do, on an embedded store.
type pageHarness struct {
	store   *bolt.Store
	key     *signing.Key
	now     time.Time
	handler http.Handler
	logs    *bytes.Buffer
	page    leadgate.Page
}

// failingViews is a view counter whose table is down.
type failingViews struct{}

func (failingViews) CountView(context.Context, string, string, leadgate.Source) error {
	return leadgate.Unavailable("count view", errors.New("table throttled"))
}

func (failingViews) CountArmView(context.Context, string, string, leadgate.Source, string) error {
	return leadgate.Unavailable("count view", errors.New("table throttled"))
}

func newPageHarness(t *testing.T, views httpapi.ViewCounter) *pageHarness {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	key, err := signing.NewKey([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	h := &pageHarness{store: store, key: key, now: storetest.T0, logs: &bytes.Buffer{}}
	h.page = storetest.Page("hosted")
	h.page.Description = "Twelve pages on gated content."
	h.page.CoverImageURL = "https://cdn.example.com/covers/hosted.png"
	h.page.ThankYouURL = leadgate.ThanksPath("hosted")
	double := storetest.Page("hosted-double")
	double.OptIn = leadgate.OptInDouble
	double.ThankYouURL = leadgate.ThanksPath("hosted-double")
	for _, p := range []leadgate.Page{h.page, double} {
		if err := store.PutPage(context.Background(), saved(p)); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.PutMagnet(context.Background(), storetest.Magnet()); err != nil {
		t.Fatal(err)
	}
	if views == nil {
		views = store
	}
	log := slog.New(slog.NewTextHandler(h.logs, nil))
	svc := capture.New(store, key, capture.DefaultConfig(), func() time.Time { return h.now })
	mux := http.NewServeMux()
	httpapi.New(svc, log).Register(mux)
	httpapi.NewPageAPI(svc, views, log).Register(mux)
	h.handler = mux
	return h
}

const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

func (h *pageHarness) get(t *testing.T, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil) // Host: example.com
	r.RemoteAddr = "203.0.113.9:41234"
	r.Header.Set("User-Agent", firefox)
	for k, vs := range header {
		r.Header[k] = vs
	}
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, r)
	return w
}

func (h *pageHarness) views(t *testing.T, slug string) int {
	t.Helper()
	c, err := h.store.DailyCounts(context.Background(), slug, leadgate.Day(h.now))
	if err != nil {
		t.Fatal(err)
	}
	return c.Views
}

var (
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	tokenValue  = regexp.MustCompile(`name="form_token" value="([^"]+)"`)
	// buttonLink finds the download button: a form that POSTs to the link.
	buttonLink = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
)

// The hosted page is the page's form, server-rendered: title, description, cover,
// the fields, consent and honeypot, a signed render time, and the visit's
// attribution in hidden fields, only those the page accepts.
func TestHostedPageRendersTheForm(t *testing.T) {
	h := newPageHarness(t, nil)
	w := h.get(t, "GET", "/p/hosted?utm_source=newsletter&utm_campaign=spring&gclid=g-123&utm_term=not-accepted&fbclid=not-accepted",
		http.Header{"Referer": {"https://search.example/?q=gated+content"}})
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("Content-Security-Policy %q, want no scripts at all", csp)
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q: a cached page would carry a stale form token", w.Header().Get("Cache-Control"))
	}
	body := w.Body.String()
	for _, want := range []string{
		`<html lang="en">`,
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		`<img class="cover" src="https://cdn.example.com/covers/hosted.png" alt="The hosted playbook">`,
		`<h1>The hosted playbook</h1>`,
		`<p>Twelve pages on gated content.</p>`,
		`<form method="post" action="/v1/pages/hosted/leads" novalidate>`,
		`<label for="f-email">Work email</label>`,
		`<input id="f-email" name="email" type="email" value="" maxlength="254" autocomplete="email" required>`,
		`<label for="f-name">Name <span class="muted">(optional)</span></label>`,
		`<input id="f-consent" type="checkbox" name="consent" value="on"> <span>Send me the occasional email about new guides.</span>`,
		`<input id="f-website" type="text" name="website" tabindex="-1" autocomplete="off">`,
		`<button type="submit">Get your copy</button>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, unwanted := range []string{"<script", "<link rel=\"stylesheet\"", "@import", "http://fonts", "https://fonts"} {
		if strings.Contains(body, unwanted) {
			t.Errorf("page has %s: it must load nothing but its cover", unwanted)
		}
	}
	m := tokenValue.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no form token")
	}
	if at, err := h.key.VerifyFormToken(html.UnescapeString(m[1]), "hosted"); err != nil || !at.Equal(h.now) {
		t.Errorf("form token signed at %v (%v), want %v", at, err, h.now)
	}
	hidden := map[string]string{}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		hidden[m[1]] = html.UnescapeString(m[2])
	}
	delete(hidden, "form_token")
	want := map[string]string{
		"utm_source": "newsletter", "utm_medium": "", "utm_campaign": "spring", "gclid": "g-123",
		"referrer":    "https://search.example/?q=gated+content",
		"landing_url": "http://example.com/p/hosted?utm_source=newsletter&utm_campaign=spring&gclid=g-123&utm_term=not-accepted&fbclid=not-accepted",
	}
	if len(hidden) != len(want) {
		t.Errorf("hidden fields %v, want exactly %v (the page's own)", hidden, want)
	}
	for k, v := range want {
		if got, ok := hidden[k]; !ok || got != v {
			t.Errorf("hidden %s = %q (present %t), want %q", k, got, ok, v)
		}
	}
	if n := h.views(t, "hosted"); n != 1 {
		t.Errorf("%d views counted, want 1", n)
	}
}

// Views are a person's GETs: HEAD requests and known bots, headless browsers
// included, are answered and not counted.
func TestHostedPageCountsPeopleOnly(t *testing.T) {
	h := newPageHarness(t, nil)
	cases := []struct {
		name, method, ua string
		counts           bool
	}{
		{"Firefox", "GET", firefox, true},
		{"Safari on a phone", "GET", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", true},
		{"HEAD", "HEAD", firefox, false},
		{"Googlebot", "GET", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", false},
		{"bingbot", "GET", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", false},
		{"Slack preview", "GET", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", false},
		{"Facebook preview", "GET", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", false},
		{"a crawler", "GET", "SomeCrawler/3.0", false},
		{"a spider", "GET", "Baiduspider+(+http://www.baidu.com/search/spider.htm)", false},
		{"a web preview", "GET", "Mozilla/5.0 (en-us) AppleWebKit/534.14 (KHTML, like Gecko; Google Web Preview) Chrome/9.0.597 Safari/534.14", false},
		{"headless Chromium", "GET", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36", false},
		{"no User-Agent", "GET", "", false},
	}
	want := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := h.get(t, tc.method, "/p/hosted", http.Header{"User-Agent": {tc.ua}})
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			if tc.counts {
				want++
			}
			if got := h.views(t, "hosted"); got != want {
				t.Fatalf("%d views, want %d", got, want)
			}
		})
	}
}

// A counter that fails costs the figure, never the page; the log says which page,
// and nothing about the visitor.
func TestHostedPageSurvivesAFailingCounter(t *testing.T) {
	h := newPageHarness(t, failingViews{})
	w := h.get(t, "GET", "/p/hosted?utm_source=newsletter", nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `name="form_token"`) {
		t.Fatalf("status %d: %.300s", w.Code, w.Body)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "view not counted") || !strings.Contains(logs, "page=hosted") {
		t.Errorf("logs %q, want the failure with the page", logs)
	}
	for _, personal := range []string{"203.0.113.9", "Firefox", "newsletter"} {
		if strings.Contains(logs, personal) {
			t.Errorf("logs hold %q: %s", personal, logs)
		}
	}
}

func TestUnknownHostedPageIsTheNotFoundPage(t *testing.T) {
	h := newPageHarness(t, nil)
	for _, path := range []string{"/p/no-such-page", "/p/no-such-page/thanks", "/p/%3Cb%3E", "/p/Bad_Slug/thanks"} {
		w := h.get(t, "GET", path, nil)
		body := w.Body.String()
		if w.Code != http.StatusNotFound || !strings.Contains(body, "Page not found") || strings.Contains(body, "<b>") {
			t.Errorf("%s: %d %.300s", path, w.Code, body)
		}
	}
	if n := h.views(t, "no-such-page"); n != 0 {
		t.Errorf("an unknown page counted %d views", n)
	}
	w := h.get(t, "POST", "/p/hosted", nil)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /p/hosted: %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
}

// A person opens the hosted page from a campaign link, fills it in, and lands on the
// thank-you page, which offers the download link the capture made.
func TestHostedPageToThankYouPage(t *testing.T) {
	h := newPageHarness(t, nil)
	long := strings.Repeat("x", 600)
	w := h.get(t, "GET", "/p/hosted?utm_source="+long+"&utm_campaign=line%0Abreak&utm_medium=email", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("page: %d", w.Code)
	}
	// Post what the browser would: the visible fields typed in, every hidden one as is.
	form := url.Values{"email": {"Reader@Example.com"}, "name": {"Rita Reader"}, "consent": {"on"}, "website": {""}}
	for _, m := range hiddenInput.FindAllStringSubmatch(w.Body.String(), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if got := form.Get("utm_source"); got != strings.Repeat("x", capture.AttributionLimit("utm_source")) {
		t.Errorf("a 600-character utm_source became %d characters, want it cut to the capture's limit", len(got))
	}
	if got := form.Get("utm_campaign"); got != "" {
		t.Errorf("a utm_campaign with a line break was kept: %q", got)
	}
	h.now = h.now.Add(10 * time.Second)
	r := httptest.NewRequest("POST", "/v1/pages/hosted/leads", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", formType)
	r.Header.Set("Origin", "http://example.com") // the API's own origin
	r.Header.Set("User-Agent", firefox)
	w = httptest.NewRecorder()
	h.handler.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("post: %d %.500s", w.Code, w.Body)
	}
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil || loc.Path != "/p/hosted/thanks" {
		t.Fatalf("redirect to %q", w.Header().Get("Location"))
	}
	w = h.get(t, "GET", loc.String(), nil)
	if w.Code != http.StatusOK {
		t.Fatalf("thank-you page: %d", w.Code)
	}
	if w.Header().Get("Referrer-Policy") != "no-referrer" || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("thank-you page headers %v: its URL carries the link's token", w.Header())
	}
	m := buttonLink.FindStringSubmatch(w.Body.String())
	if m == nil || !strings.HasPrefix(html.UnescapeString(m[1]), "http://example.com/v1/downloads/") || !strings.Contains(w.Body.String(), "Download The hosted playbook") {
		t.Fatalf("thank-you page offers no download link: %s", w.Body)
	}
	lead, err := h.store.LeadByEmail(context.Background(), "reader@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if lead.FirstTouch.UTMMedium != "email" || !strings.HasPrefix(lead.FirstTouch.LandingURL, "http://example.com/p/hosted?") || !lead.Consent.Given {
		t.Errorf("lead %+v", lead)
	}
	if n := h.views(t, "hosted"); n != 1 {
		t.Errorf("%d views, want 1: the page's; the thank-you page counts none", n)
	}
}

// The thank-you page offers only a download link of this API's own download route:
// the query is the visitor's to change.
func TestThankYouPageOffersOnlyOwnLinks(t *testing.T) {
	h := newPageHarness(t, nil)
	token := strings.Repeat("A", 32)
	for _, tc := range []struct {
		name, slug, link string
		offered          bool
	}{
		{"own link", "hosted", "http://example.com/v1/downloads/" + token, true},
		{"no link", "hosted", "", false},
		{"another host", "hosted", "http://evil.example/v1/downloads/" + token, false},
		{"another scheme", "hosted", "https://example.com/v1/downloads/" + token, false},
		{"relative", "hosted", "/v1/downloads/" + token, false},
		{"another route", "hosted", "http://example.com/v1/confirm/" + token, false},
		{"a path further", "hosted", "http://example.com/v1/downloads/" + token + "/../../p/x", false},
		{"with a query", "hosted", "http://example.com/v1/downloads/" + token + "?next=https://evil.example", false},
		{"a script", "hosted", "javascript:alert(1)//http://example.com/v1/downloads/" + token, false},
		{"with credentials", "hosted", "http://user@example.com/v1/downloads/" + token, false},
		{"double opt-in", "hosted-double", "http://example.com/v1/downloads/" + token, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := h.get(t, "GET", "/p/"+tc.slug+"/thanks?download_url="+url.QueryEscape(tc.link), nil)
			body := w.Body.String()
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			m := buttonLink.FindStringSubmatch(body)
			if tc.offered != (m != nil) {
				t.Fatalf("link offered: %v, want %t: %s", m, tc.offered, body)
			}
			if m != nil && html.UnescapeString(m[1]) != tc.link {
				t.Errorf("offered %q, want %q", m[1], tc.link)
			}
			inbox := "Check your inbox"
			if tc.slug == "hosted" {
				inbox = "inbox"
			}
			if !strings.Contains(body, inbox) {
				t.Errorf("page does not mention the inbox: %s", body)
			}
		})
	}
}
