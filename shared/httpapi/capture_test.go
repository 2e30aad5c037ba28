package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
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

const secret = "test-secret-test-secret-test-secret!"

// harness is the API on an embedded store with a clock the test moves.
type harness struct {
	t       testing.TB
	store   *bolt.Store
	key     *signing.Key
	now     time.Time
	handler http.Handler
	page    leadgate.Page
	ip      string // the client's address; 203.0.113.9 unless set
}

func newHarness(t testing.TB, tune ...func(*capture.Config)) *harness {
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
	h := &harness{t: t, store: store, key: key, now: storetest.T0}
	h.page = storetest.Page("spring-guide")
	h.page.Fields = append(h.page.Fields, leadgate.Field{Name: "phone", Label: "Phone", Type: leadgate.FieldTel})
	withErrorURL := storetest.Page("with-error-url")
	withErrorURL.ErrorURL = "https://example.com/form-error"
	for _, p := range []leadgate.Page{h.page, withErrorURL, storetest.Page("second-guide"), storetest.Page("third-guide"), storetest.Page("fourth-guide")} {
		if err := store.PutPage(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.PutMagnet(context.Background(), storetest.Magnet()); err != nil {
		t.Fatal(err)
	}
	cfg := capture.DefaultConfig()
	cfg.RatePerIP = 6
	for _, f := range tune {
		f(&cfg)
	}
	svc := capture.New(store, key, cfg, func() time.Time { return h.now })
	h.handler = httpapi.New(svc, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
	return h
}

// token is a form token rendered age ago.
func (h *harness) token(slug string, age time.Duration) string {
	return h.key.FormToken(slug, h.now.Add(-age))
}

// lead is a valid JSON lead with a fresh token; extra members replace its own.
func (h *harness) lead(email string, extra map[string]any) string {
	body := map[string]any{"email": email, "name": "Ada Lovelace", "company": "Engines", "consent": true,
		"utm_source": "newsletter", "form_token": h.token("spring-guide", 10*time.Second)}
	maps.Copy(body, extra)
	for k, v := range body {
		if v == nil {
			delete(body, k)
		}
	}
	data, err := json.Marshal(body)
	if err != nil {
		h.t.Fatal(err)
	}
	return string(data)
}

func (h *harness) form(values url.Values) string {
	if !values.Has("form_token") {
		values.Set("form_token", h.token("spring-guide", 10*time.Second))
	}
	return values.Encode()
}

func (h *harness) do(method, path, contentType, body string, header http.Header) *httptest.ResponseRecorder {
	h.t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = "203.0.113.9:41234"
	if h.ip != "" {
		r.RemoteAddr = h.ip + ":41234"
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for k, vs := range header {
		r.Header[k] = vs
	}
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, r)
	return w
}

func (h *harness) counts() map[string]int {
	h.t.Helper()
	c, err := h.store.ItemCounts()
	if err != nil {
		h.t.Fatal(err)
	}
	delete(c, "pages")
	return c
}

const (
	jsonType = "application/json"
	formType = "application/x-www-form-urlencoded"
	leadsURL = "/v1/pages/spring-guide/leads"
)

type captureBody struct {
	LeadID       string   `json:"lead_id"`
	SubmissionID string   `json:"submission_id"`
	Status       string   `json:"status"`
	Ignored      []string `json:"ignored_fields"`
	Next         struct {
		Step        string
		Message     string
		DownloadURL string `json:"download_url"`
	}
	Error struct {
		Code   string
		Fields []leadgate.FieldError
	}
}

func decode(t *testing.T, w *httptest.ResponseRecorder) captureBody {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON; body %s", ct, w.Body)
	}
	var b captureBody
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	return b
}

func TestBadInputStoresNothing(t *testing.T) {
	h := newHarness(t)
	big := strings.Repeat("x", httpapi.MaxBodyBytes+1)
	cases := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		header      http.Header
		status      int
		html        bool   // a person's answer: an HTML page, never JSON
		field       string // for 422: the field named in the errors
	}{
		{name: "GET", method: "GET", path: leadsURL, status: 405},
		{name: "PUT", method: "PUT", path: leadsURL, contentType: jsonType, body: h.lead("a@example.com", nil), status: 405},
		{name: "DELETE", method: "DELETE", path: leadsURL, status: 405},
		{name: "no content type", body: h.lead("a@example.com", nil), status: 415},
		{name: "text/plain", contentType: "text/plain", body: h.lead("a@example.com", nil), status: 415},
		{name: "multipart", contentType: "multipart/form-data; boundary=x", body: "--x--", status: 415},
		{name: "xml", contentType: "application/xml", body: "<lead/>", status: 415},
		{name: "broken content type", contentType: "application/json; ;;=", body: "{}", status: 415},
		{name: "oversized with length", contentType: jsonType, body: `{"email":"` + big + `"}`, status: 413},
		{name: "oversized chunked", contentType: jsonType, body: big, header: http.Header{"Transfer-Encoding": {"chunked"}}, status: 413},
		{name: "oversized form", contentType: formType, body: "email=" + big, status: 413, html: true},
		{name: "unknown page", path: "/v1/pages/no-such-page/leads", contentType: jsonType, body: h.lead("a@example.com", nil), status: 404},
		{name: "hostile slug", path: "/v1/pages/%3Cscript%3E/leads", contentType: jsonType, body: h.lead("a@example.com", nil), status: 404},
		{name: "unknown route", path: "/v1/nothing-here", contentType: jsonType, body: "{}", status: 404},
		{name: "malformed JSON", contentType: jsonType, body: `{"email": "a@example.com"`, status: 400},
		{name: "JSON array", contentType: jsonType, body: `[{"email":"a@example.com"}]`, status: 400},
		{name: "JSON string", contentType: jsonType, body: `"a@example.com"`, status: 400},
		{name: "empty body", contentType: jsonType, body: ``, status: 400},
		{name: "duplicate member", contentType: jsonType, body: `{"email":"a@example.com","email":"b@example.com"}`, status: 400},
		{name: "trailing JSON", contentType: jsonType, body: h.lead("a@example.com", nil) + `{}`, status: 400},
		{name: "bad URL encoding", contentType: formType, body: "email=%zz", status: 400, html: true},
		{name: "email missing", contentType: jsonType, body: h.lead("", map[string]any{"email": nil}), status: 422, field: "email"},
		{name: "email syntax", contentType: jsonType, body: h.lead("not-an-address", nil), status: 422, field: "email"},
		{name: "email display name", contentType: jsonType, body: h.lead("Ada <ada@example.com>", nil), status: 422, field: "email"},
		{name: "email without dot", contentType: jsonType, body: h.lead("ada@localhost", nil), status: 422, field: "email"},
		{name: "email too long", contentType: jsonType, body: h.lead(strings.Repeat("a", 60)+"@"+strings.Repeat("b", 200)+".com", nil), status: 422, field: "email"},
		{name: "email header injection", contentType: jsonType, body: h.lead("ada@example.com\r\nBcc: all@example.com", nil), status: 422, field: "email"},
		{name: "name with line feed", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"name": "Ada\nBcc: x@example.com"}), status: 422, field: "name"},
		{name: "name with NUL", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"name": "Ada\x00"}), status: 422, field: "name"},
		{name: "name with line separator", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"name": "Ada\u2028Lovelace"}), status: 422, field: "name"},
		{name: "name too long", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"name": strings.Repeat("é", 201)}), status: 422, field: "name"},
		{name: "custom over max length", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"team_size": "12345678901"}), status: 422, field: "team_size"},
		{name: "number for name", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"name": 42}), status: 422, field: "name"},
		{name: "object for email", contentType: jsonType, body: `{"email":{"$ne":""}}`, status: 422, field: "email"},
		{name: "boolean for name", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"name": true}), status: 422, field: "name"},
		{name: "invalid UTF-8", contentType: formType, body: h.form(url.Values{"email": {"a@example.com"}, "name": {"Ada\xff"}}), status: 422, html: true},
		{name: "invalid UTF-8 in JSON", contentType: jsonType, body: strings.Replace(h.lead("a@example.com", map[string]any{"name": "Ada-MARK"}), "-MARK", "\xff", 1), status: 422, field: "name"},
		{name: "lone surrogate in JSON", contentType: jsonType, body: strings.Replace(h.lead("a@example.com", map[string]any{"name": "Ada-MARK"}), "-MARK", `\ud800`, 1), status: 422, field: "name"},
		{name: "invalid UTF-8 in JSON attribution", contentType: jsonType, body: strings.Replace(h.lead("a@example.com", map[string]any{"utm_source": "news-MARK"}), "-MARK", "\xc3", 1), status: 422, field: "utm_source"},
		{name: "name is a URL", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"name": "https://evil.example/verify-your-account"}), status: 422, field: "name"},
		{name: "name is a bare domain", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"name": "evil.example"}), status: 422, field: "name"},
		{name: "name is an address", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"name": "ada@evil.example"}), status: 422, field: "name"},
		{name: "name URL in a form", contentType: formType, body: h.form(url.Values{"email": {"a@example.com"}, "name": {"www.evil.example"}}), status: 422, html: true},
		{name: "name with right-to-left override", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"name": "Ada \u202efdp.exe"}), status: 422, field: "name"},
		{name: "name with zero-width space", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"name": "Ada\u200bLovelace"}), status: 422, field: "name"},
		{name: "company with bidi isolate", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"company": "\u2067Engines\u2069"}), status: 422, field: "company"},
		{name: "attribution with bidi override", contentType: formType, body: h.form(url.Values{"email": {"a@example.com"}, "utm_source": {"news\u202eletter"}}), status: 422, html: true},
		{name: "phone letters", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"phone": "call me maybe"}), status: 422, field: "phone"},
		{name: "attribution control character", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"utm_source": "x\ry"}), status: 422, field: "utm_source"},
		{name: "referrer too long", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"referrer": "https://x.example/" + strings.Repeat("a", 2000)}), status: 422, field: "referrer"},
		{name: "consent not a boolean", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"consent": "maybe"}), status: 422, field: "consent"},
		{name: "email twice in a form", contentType: formType, body: h.form(url.Values{"email": {"a@example.com", "b@example.com"}, "name": {"Ada"}}), status: 422, html: true},
		{name: "form token missing", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"form_token": nil}), status: 422, field: "form_token"},
		{name: "form token forged", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"form_token": "1772443790000.AAAA"}), status: 422, field: "form_token"},
		{name: "form token of another page", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"form_token": h.token("other-page", 10*time.Second)}), status: 422, field: "form_token"},
		{name: "form token expired", contentType: jsonType, body: h.lead("a@example.com", map[string]any{"form_token": h.token("spring-guide", 25*time.Hour)}), status: 422, field: "form_token"},
		{name: "disallowed origin", contentType: jsonType, body: h.lead("a@example.com", nil), header: http.Header{"Origin": {"https://evil.example"}}, status: 403},
		{name: "null origin", contentType: formType, body: h.form(url.Values{"email": {"a@example.com"}, "name": {"Ada"}}), header: http.Header{"Origin": {"null"}}, status: 403, html: true},
		{name: "form missing email", contentType: formType, body: h.form(url.Values{"name": {"Ada"}}), status: 422, html: true},
		{name: "form to error URL", path: "/v1/pages/with-error-url/leads", contentType: formType, body: url.Values{"email": {"nope"}, "form_token": {h.token("with-error-url", 10*time.Second)}}.Encode(), status: 303},
		{name: "browser with wrong type", contentType: "text/plain", body: "email=a@example.com", header: http.Header{"Accept": {"text/html,*/*"}}, status: 415, html: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.method == "" {
				tc.method = "POST"
			}
			if tc.path == "" {
				tc.path = leadsURL
			}
			before := h.counts()
			w := h.do(tc.method, tc.path, tc.contentType, tc.body, tc.header)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d; body %.300s", w.Code, tc.status, w.Body)
			}
			if after := h.counts(); !maps.Equal(before, after) {
				t.Fatalf("store changed: before %v after %v", before, after)
			}
			body := w.Body.String()
			ct := w.Header().Get("Content-Type")
			switch {
			case tc.status == 303:
				if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, "https://example.com/form-error?") || !strings.Contains(loc, "error=email%3Ainvalid") {
					t.Fatalf("Location %q, want the error URL naming the email field", loc)
				}
			case tc.html:
				if !strings.HasPrefix(ct, "text/html") || strings.HasPrefix(strings.TrimSpace(body), "{") {
					t.Fatalf("a person got %q: %.200s", ct, body)
				}
			default:
				b := decode(t, w)
				if b.Error.Code == "" {
					t.Fatalf("no error code in %s", body)
				}
				if tc.field != "" && !hasField(b.Error.Fields, tc.field) {
					t.Fatalf("errors %+v do not name %q", b.Error.Fields, tc.field)
				}
			}
			if tc.status == 405 && w.Header().Get("Allow") != "POST, OPTIONS" {
				t.Fatalf("Allow %q", w.Header().Get("Allow"))
			}
			if strings.Contains(body, "Bcc: all@example.com") || strings.Contains(body, "<script>") {
				t.Fatalf("body echoes hostile input: %.300s", body)
			}
		})
	}
	if n := len(cases); n < 30 {
		t.Fatalf("only %d bad inputs", n)
	}
}

func hasField(fields []leadgate.FieldError, name string) bool {
	for _, f := range fields {
		if f.Field == name {
			return true
		}
	}
	return false
}

func TestSpamGetsNormalLookingSuccessAndStoresNothing(t *testing.T) {
	h := newHarness(t)
	before := h.counts()
	cases := []struct {
		name, contentType, body string
		status                  int
	}{
		{"honeypot JSON", jsonType, h.lead("bot@example.com", map[string]any{"website": "http://spam.example"}), 201},
		{"too fast JSON", jsonType, h.lead("bot@example.com", map[string]any{"form_token": h.token("spring-guide", time.Second)}), 201},
		{"token from the future", jsonType, h.lead("bot@example.com", map[string]any{"form_token": h.token("spring-guide", -time.Minute)}), 201},
		{"honeypot form", formType, h.form(url.Values{"email": {"bot@example.com"}, "name": {"Bot"}, "website": {"x"}}), 303},
		{"honeypot with invalid fields", jsonType, h.lead("not an email", map[string]any{"website": "x"}), 201},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := h.do("POST", leadsURL, tc.contentType, tc.body, nil)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if tc.status == 201 {
				if b := decode(t, w); b.LeadID == "" || b.Status != "created" || b.Next.Step != "download" {
					t.Fatalf("bot answer does not look like a success: %s", w.Body)
				}
			} else if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, "https://example.com/thanks?download_url=http%3A%2F%2Fexample.com%2Fv1%2Fdownloads%2F") {
				t.Fatalf("bot redirected to %q, want the thank-you page with a link like a person's", loc)
			}
		})
	}
	if after := h.counts(); !maps.Equal(before, after) {
		t.Fatalf("spam stored something: before %v after %v", before, after)
	}
}

func TestCaptureJSONThenRepeatIsOneSubmission(t *testing.T) {
	h := newHarness(t)
	w := h.do("POST", leadsURL, jsonType, h.lead("Ada@Example.com", map[string]any{"favourite_colour": "blue", "utm_term": "not-accepted", "tracking": map[string]any{"id": 7}}), nil)
	if w.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	first := decode(t, w)
	if first.LeadID == "" || first.Status != "created" || first.Next.Step != "download" || !strings.HasPrefix(first.Next.DownloadURL, "http://example.com/v1/downloads/") {
		t.Fatalf("body %s", w.Body)
	}
	if strings.Join(first.Ignored, ",") != "favourite_colour,utm_term" {
		t.Fatalf("ignored_fields %v, want the unknown field and the hidden field the page does not accept", first.Ignored)
	}
	lead, err := h.store.LeadByEmail(context.Background(), "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if lead.ID != first.LeadID || lead.EmailAsTyped != "Ada@Example.com" || !lead.Consent.Given || lead.FirstTouch.UTMSource != "newsletter" {
		t.Fatalf("stored lead %+v", lead)
	}
	if _, ok := lead.Custom["favourite_colour"]; ok || lead.FirstTouch.UTMTerm != "" {
		t.Fatalf("an unknown field was stored: %+v", lead)
	}
	if lead.Consent.IP != "203.0.113.9" || lead.Consent.TextVersion != "2026-01" {
		t.Fatalf("consent record %+v", lead.Consent)
	}

	h.now = h.now.Add(time.Minute)
	w = h.do("POST", leadsURL, jsonType, h.lead("ada@example.com ", nil), nil)
	if w.Code != http.StatusOK {
		t.Fatalf("repeat status %d, want 200: %s", w.Code, w.Body)
	}
	again := decode(t, w)
	if again.Status != "repeat" || again.LeadID != first.LeadID || again.SubmissionID != first.SubmissionID || again.Next.DownloadURL != first.Next.DownloadURL {
		t.Fatalf("repeat body %s, first %+v", w.Body, first)
	}
	subs, err := h.store.Submissions(context.Background(), "ada@example.com")
	if err != nil || len(subs) != 1 {
		t.Fatalf("%d submissions (%v), want 1", len(subs), err)
	}

	// A day later it is a new submission: last touch moves, first touch stays.
	h.now = h.now.Add(25 * time.Hour)
	w = h.do("POST", leadsURL, jsonType, h.lead("ada@example.com", map[string]any{"utm_source": "webinar"}), nil)
	if w.Code != http.StatusCreated {
		t.Fatalf("later status %d: %s", w.Code, w.Body)
	}
	lead, _ = h.store.LeadByEmail(context.Background(), "ada@example.com")
	if lead.FirstTouch.UTMSource != "newsletter" || lead.LastTouch.UTMSource != "webinar" || lead.Submissions != 2 {
		t.Fatalf("touches after a later submission: first %q last %q, %d submissions", lead.FirstTouch.UTMSource, lead.LastTouch.UTMSource, lead.Submissions)
	}
}

func TestFormPostRedirectsAndKeepsConsentChoice(t *testing.T) {
	h := newHarness(t)
	w := h.do("POST", leadsURL, formType, h.form(url.Values{"email": {"grace@example.com"}, "name": {"Grace"}, "utm_campaign": {"spring"}}), nil)
	loc, _ := url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusSeeOther || loc == nil || loc.Host != "example.com" || loc.Path != "/thanks" {
		t.Fatalf("status %d Location %q, want 303 to the thank-you URL", w.Code, w.Header().Get("Location"))
	}
	if dl := loc.Query().Get("download_url"); !strings.HasPrefix(dl, "http://example.com/v1/downloads/") {
		t.Fatalf("thank-you URL offers %q, want the download link", dl)
	}
	lead, err := h.store.LeadByEmail(context.Background(), "grace@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if lead.Consent.Given || lead.MarketingAllowed() || lead.Consent.TextVersion != "2026-01" {
		t.Fatalf("unticked consent stored as %+v", lead.Consent)
	}
	if lead.FirstTouch.UTMCampaign != "spring" || lead.Name != "Grace" {
		t.Fatalf("lead %+v", lead)
	}

	// A hidden "off" before a ticked box, a common idiom, counts as ticked.
	w = h.do("POST", leadsURL, formType, h.form(url.Values{"email": {"alan@example.com"}, "name": {"Alan"}, "consent": {"off", "on"}}), nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	lead, _ = h.store.LeadByEmail(context.Background(), "alan@example.com")
	if !lead.Consent.Given {
		t.Fatalf("ticked consent stored as %+v", lead.Consent)
	}
}

func TestInvalidFormShowsErrorsNextToFields(t *testing.T) {
	h := newHarness(t)
	w := h.do("POST", leadsURL, formType, h.form(url.Values{"email": {"not-an-email"}, "name": {`<script>alert(1)</script>`}, "utm_source": {"ads"}}), nil)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", w.Code)
	}
	body := w.Body.String()
	for _, want := range []string{
		`aria-invalid="true" aria-describedby="e-email"`,
		`<p class="error" id="e-email">Enter an email address like name@example.com</p>`,
		`<a href="#f-email">Work email: enter an email address like name@example.com</a>`,
		`value="&lt;script&gt;alert(1)&lt;/script&gt;"`, // kept, escaped
		`name="utm_source" value="ads"`,
		`name="form_token" value="`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, "<script>alert") {
		t.Fatal("page echoes markup unescaped")
	}
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	h := newHarness(t)
	// The IP limit (6 an hour) covers every address from one client.
	for i := range 6 {
		h.now = h.now.Add(time.Second)
		if w := h.do("POST", leadsURL, jsonType, h.lead(fmt.Sprintf("other%d@example.com", i), nil), nil); w.Code != 201 {
			t.Fatalf("address %d: %d, want 201 (captures %d of 6 from this IP)", i, w.Code, i+1)
		}
	}
	before := h.counts()
	w := h.do("POST", leadsURL, jsonType, h.lead("seventh@example.com", nil), nil)
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("seventh capture from one IP: %d, want 429: %s", w.Code, w.Body)
	}
	if ra := w.Header().Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After %q", ra)
	}
	if after := h.counts(); !maps.Equal(before, after) {
		t.Fatalf("a refused capture changed the store: %v → %v", before, after)
	}
}

func TestCORS(t *testing.T) {
	h := newHarness(t)
	pre := func(origin string) *httptest.ResponseRecorder {
		return h.do("OPTIONS", leadsURL, "", "", http.Header{"Origin": {origin}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"content-type"}})
	}
	w := pre("https://example.com")
	if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != "https://example.com" || !strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), "Content-Type") {
		t.Fatalf("allowed preflight: %d %v", w.Code, w.Header())
	}
	w = pre("https://evil.example")
	if w.Code != 403 || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("disallowed preflight: %d %v", w.Code, w.Header())
	}
	if w := h.do("OPTIONS", "/v1/pages/nope/leads", "", "", http.Header{"Origin": {"https://example.com"}}); w.Code != 404 {
		t.Fatalf("preflight of an unknown page: %d", w.Code)
	}
	w = h.do("POST", leadsURL, jsonType, h.lead("cors@example.com", nil), http.Header{"Origin": {"https://example.com"}})
	if w.Code != 201 || w.Header().Get("Access-Control-Allow-Origin") != "https://example.com" || w.Header().Get("Vary") != "Origin" {
		t.Fatalf("allowed post: %d %v", w.Code, w.Header())
	}
	// The API's own origin (a hosted page) may post without being listed.
	w = h.do("POST", leadsURL, jsonType, h.lead("self@example.com", nil), http.Header{"Origin": {"http://example.com"}})
	if w.Code != 201 {
		t.Fatalf("same-origin post: %d %s", w.Code, w.Body)
	}
}

func TestFormTokenRouteGivesAWorkingToken(t *testing.T) {
	h := newHarness(t)
	w := h.do("GET", "/v1/pages/spring-guide/form-token", "", "", http.Header{"Origin": {"https://example.com"}})
	if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "https://example.com" {
		t.Fatalf("form-token: %d %v", w.Code, w.Header())
	}
	var got struct {
		FormToken      string  `json:"form_token"`
		MinFillSeconds float64 `json:"min_fill_seconds"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got.FormToken == "" || got.MinFillSeconds != 3 {
		t.Fatalf("body %s (%v)", w.Body, err)
	}
	h.now = h.now.Add(5 * time.Second)
	if w := h.do("POST", leadsURL, jsonType, h.lead("js@example.com", map[string]any{"form_token": got.FormToken}), nil); w.Code != 201 {
		t.Fatalf("post with the fetched token: %d %s", w.Code, w.Body)
	}
	if w := h.do("GET", "/v1/pages/nope/form-token", "", "", nil); w.Code != 404 {
		t.Fatalf("unknown page: %d", w.Code)
	}
	if w := h.do("POST", "/v1/pages/spring-guide/form-token", jsonType, "{}", nil); w.Code != 405 {
		t.Fatalf("POST form-token: %d", w.Code)
	}
}

// failingStore fails every capture with an internal error whose text must not leak.
type failingStore struct {
	page leadgate.Page
	err  error
}

func (f failingStore) Page(context.Context, string) (leadgate.Page, error) { return f.page, nil }
func (f failingStore) Magnet(context.Context, string) (leadgate.Magnet, error) {
	return storetest.Magnet(), nil
}
func (f failingStore) Capture(context.Context, leadgate.Capture) (leadgate.CaptureResult, error) {
	return leadgate.CaptureResult{}, f.err
}

func TestServerErrorsDoNotEchoInternals(t *testing.T) {
	key, _ := signing.NewKey([]byte(secret))
	now := storetest.T0
	for _, tc := range []struct {
		err    error
		status int
	}{
		{errors.New("dial tcp 10.0.0.7:8000: table leads-prod credentials AKIAEXAMPLE"), 500},
		{leadgate.Unavailable("capture", errors.New("ThrottlingException on table leads-prod")), 503},
	} {
		svc := capture.New(failingStore{page: storetest.Page("spring-guide"), err: tc.err}, key, capture.DefaultConfig(), func() time.Time { return now })
		handler := httpapi.New(svc, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
		body, _ := json.Marshal(map[string]any{"email": "a@example.com", "form_token": key.FormToken("spring-guide", now.Add(-10*time.Second))})
		r := httptest.NewRequest("POST", leadsURL, strings.NewReader(string(body)))
		r.Header.Set("Content-Type", jsonType)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		if w.Code != tc.status {
			t.Fatalf("status %d, want %d", w.Code, tc.status)
		}
		if s := w.Body.String(); strings.Contains(s, "leads-prod") || strings.Contains(s, "AKIA") || strings.Contains(s, "10.0.0.7") {
			t.Fatalf("body leaks internals: %s", s)
		}
	}
}

// FuzzJSONBodyPathsAgree checks that the one-pass reading of a JSON body by hand
// answers exactly as the member-by-member reading with encoding/json does.
func FuzzJSONBodyPathsAgree(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@example.com","name":"Ada"}`, `{"consent":true,"email":"a@b.c"}`, `{"a":"1","a":"2"}`,
		`{"email":null}`, `{"n":1}`, `{"x":{"y":"z"}}`, `{"s":"a\"b:c{"}`, `[]`, `null`, `{}`, `{"a":"b"} {}`,
		`{"consent":"on","website":""}`, "{\"e\":\"\xff\"}", `{"a\u0022":"q"}`,
		" {\n\t\"email\" : \"a@b.c\" ,\r\"consent\":false } ", `{"consent":truex}`, `{"consent":true,"consent":false}`,
		`{"name":true}`, `{"a":"b",}`, `{"a":"b"`, `{ }`, "{\"a\":\"\x01\"}", "{\"a\":\"\x7f é\"}", `{"a":"b"} x`,
		`{"a":"b""c":"d"}`, `{"a" "b"}`, `{,}`, `{"consent":true}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, fastErr := httpapi.ParseJSON(body)
		slow, slowErr := httpapi.ParseJSONMembers(body)
		if fmt.Sprint(fastErr) != fmt.Sprint(slowErr) {
			t.Fatalf("errors differ: %v / %v", fastErr, slowErr)
		}
		if fastErr == nil && (!maps.Equal(fast.Values(), slow.Values()) || !slices.Equal(fast.Wrong(), slow.Wrong())) {
			t.Fatalf("values differ: %v %v / %v %v", fast.Values(), fast.Wrong(), slow.Values(), slow.Wrong())
		}
	})
}
