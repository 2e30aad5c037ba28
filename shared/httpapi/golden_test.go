package httpapi_test

import (
	"context"
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
	"leadgate/shared/downloads"
	"leadgate/shared/followup"
	"leadgate/shared/golden"
	"leadgate/shared/httpapi"
	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

// The golden files under testdata/golden/ are every page a person is shown, as it
// is rendered now: the hosted page (with and without its extras, and again with
// the errors of a post), the thank-you pages, the confirm and unsubscribe pages
// with their buttons and answers, the pages for links that do not exist or no
// longer work, and the embed snippet. Each renderer of the pages (a function that
// writes to a markup.Writer) renders into at least one. A change to how the pages
// are rendered must leave them as they are, or change them on purpose (go test
// -update).
//
// The clock and the signing key are fixed, and so every form token and link.

const goldenSecret = "golden-pages-secret-of-at-least-32-bytes"

var goldenNow = time.Date(2026, 3, 2, 9, 15, 30, 0, time.UTC)

// goldenObjects mints file URLs that name what they were asked for.
type goldenObjects struct{}

func (goldenObjects) Put(context.Context, string, io.Reader, int64, string) error { return nil }
func (goldenObjects) UploadURL(_ context.Context, key, _ string, _ int64, _ time.Duration) (string, error) {
	return "https://objects.example/" + key + "?upload", nil
}
func (goldenObjects) Stat(context.Context, string) (leadgate.ObjectInfo, error) {
	return leadgate.ObjectInfo{}, leadgate.ErrObjectNotFound
}
func (goldenObjects) DownloadURL(_ context.Context, key, fileName, _ string, ttl time.Duration) (string, error) {
	return "https://objects.example/" + key + "?name=" + url.QueryEscape(fileName) + "&ttl=" + ttl.String(), nil
}

// goldenPage has a field of every type, a cover, consent, and hidden fields; its
// words carry the characters HTML escapes.
func goldenPage() leadgate.Page {
	return leadgate.Page{
		Slug: "golden", Title: `Tips & "tricks" <for> lead magnets`, MagnetID: "golden-magnet",
		Description:   "Twelve pages on gated content: what to offer, how to ask & what converts.",
		CoverImageURL: "https://cdn.example.com/covers/golden.png?size=large&format=png",
		Fields: []leadgate.Field{
			{Name: "email", Label: "Work email", Type: leadgate.FieldEmail, Required: true},
			{Name: "name", Label: "Your name", Type: leadgate.FieldText, Required: true, MaxLength: 100},
			{Name: "company", Label: "Company", Type: leadgate.FieldText},
			{Name: "phone", Label: "Phone", Type: leadgate.FieldTel},
			{Name: "job_title", Label: "Job title", Type: leadgate.FieldText, MaxLength: 80},
			{Name: "notes", Label: "What are you working on?", Type: leadgate.FieldTextarea, MaxLength: 500},
		},
		HiddenFields:   []string{"utm_source", "utm_medium", "utm_campaign", "referrer", "landing_url"},
		ConsentText:    `Yes, send me a few emails about "lead generation" & growth. I can leave with one click.`,
		PrivacyURL:     "/privacy",
		ConsentVersion: "2026-03-v1",
		OptIn:          leadgate.OptInSingle,
		ThankYouURL:    "/p/golden/thanks",
		FormURL:        "https://www.example.com/golden?from=expired&lang=en",
		AllowedOrigins: []string{"https://www.example.com"},
		CreatedAt:      goldenNow, UpdatedAt: goldenNow,
	}
}

// goldenMinimalPage asks for an address alone, with no extras, on double opt-in.
func goldenMinimalPage() leadgate.Page {
	return leadgate.Page{
		Slug: "golden-minimal", Title: "The playbook", MagnetID: "golden-magnet",
		Fields:      []leadgate.Field{{Name: "email", Label: "Email", Type: leadgate.FieldEmail, Required: true}},
		OptIn:       leadgate.OptInDouble,
		ThankYouURL: "/p/golden-minimal/thanks",
		CreatedAt:   goldenNow, UpdatedAt: goldenNow,
	}
}

type goldenSite struct {
	store   *bolt.Store
	key     *signing.Key
	handler http.Handler
}

// newGoldenSite serves every route a person reaches, on an embedded store, with the
// fixed clock and key.
func newGoldenSite(t *testing.T) *goldenSite {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	key, err := signing.NewKey([]byte(goldenSecret))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	magnet := leadgate.Magnet{ID: "golden-magnet", Title: "The playbook", Kind: "ebook", ObjectKey: "magnets/golden.pdf",
		FileName: "The Playbook.pdf", ContentType: "application/pdf", CreatedAt: goldenNow}
	if err := store.PutMagnet(ctx, magnet); err != nil {
		t.Fatal(err)
	}
	for _, p := range []leadgate.Page{goldenPage(), goldenMinimalPage()} {
		if err := store.PutPage(ctx, saved(p)); err != nil {
			t.Fatal(err)
		}
	}
	now := func() time.Time { return goldenNow }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := capture.New(store, key, capture.DefaultConfig(), now)
	mux := http.NewServeMux()
	httpapi.New(svc, log).Register(mux)
	httpapi.NewPageAPI(svc, store, log).Register(mux)
	httpapi.NewDownloadAPI(downloads.New(store, goldenObjects{}, key, now), log).Register(mux)
	httpapi.NewLinksAPI(followup.NewLinks(store, key, now), log).Register(mux)
	return &goldenSite{store: store, key: key, handler: mux}
}

// page answers a person's request and returns the page, which must come with status.
func (s *goldenSite) page(t *testing.T, method, target string, body url.Values, header http.Header, status int) []byte {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	r := httptest.NewRequest(method, target, rd) // Host: example.com
	r.RemoteAddr = "203.0.113.9:41234"
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	r.Header.Set("Accept", "text/html,application/xhtml+xml")
	if body != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range header {
		r.Header[k] = vs
	}
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, r)
	if w.Code != status {
		t.Fatalf("%s %s: %d, want %d: %.500s", method, target, w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Fatalf("%s %s: Content-Type %q, want an HTML page", method, target, ct)
	}
	return w.Body.Bytes()
}

func TestGoldenHostedPages(t *testing.T) {
	s := newGoldenSite(t)
	token := s.key.FormToken("golden", goldenNow.Add(-10*time.Second))
	cases := []struct {
		name, method, target string
		body                 url.Values
		header               http.Header
		status               int
	}{
		{name: "page", method: "GET",
			target: "/p/golden?utm_source=newsletter&utm_medium=email&utm_campaign=spring+%26+%22summer%22&gclid=not-accepted",
			header: http.Header{"Referer": {"https://search.example/?q=gated+content&x=<1>"}}, status: 200},
		{name: "page-minimal", method: "GET", target: "/p/golden-minimal", status: 200},
		// The form again, with every error beside its field and in the summary, and
		// the values as typed, markup included.
		{name: "page-errors", method: "POST", target: "/v1/pages/golden/leads", body: url.Values{
			"email": {"not-an-address"}, "name": {""}, "company": {`Acme "<b>Corp</b>" & Sons`}, "phone": {"call me"},
			"notes": {"Line one\n</textarea><script>alert(1)</script>"}, "consent": {"on"}, "form_token": {token},
			"utm_source": {"newsletter"}, "utm_campaign": {`"><script>x</script>`}, "website": {""},
		}, status: 422},
		{name: "page-errors-minimal", method: "POST", target: "/v1/pages/golden-minimal/leads",
			body: url.Values{"email": {""}, "form_token": {"forged"}}, status: 422},
		{name: "thanks-single-link", method: "GET",
			target: "/p/golden/thanks?download_url=" + url.QueryEscape("http://example.com/v1/downloads/"+s.key.GrantToken("sub-golden")),
			status: 200},
		// A download link of another origin is not offered.
		{name: "thanks-single", method: "GET", target: "/p/golden/thanks?download_url=https%3A%2F%2Fevil.example%2Fv1%2Fdownloads%2Fx", status: 200},
		{name: "thanks-double", method: "GET", target: "/p/golden-minimal/thanks", status: 200},
		{name: "page-not-found", method: "GET", target: "/p/no-such-page", status: 404},
		{name: "page-method-not-allowed", method: "DELETE", target: "/p/golden", status: 405},
		{name: "capture-form-not-accepted", method: "POST", target: "/v1/pages/golden/leads",
			body:   url.Values{"email": {"ada@example.com"}, "form_token": {token}},
			header: http.Header{"Origin": {"https://elsewhere.example"}, "Referer": {"https://www.example.com/golden"}}, status: 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			golden.Check(t, tc.name+".html", s.page(t, tc.method, tc.target, tc.body, tc.header, tc.status))
		})
	}
}

func TestGoldenDownloadPages(t *testing.T) {
	s := newGoldenSite(t)
	ctx := context.Background()
	grant := func(token string, edit func(*leadgate.Grant)) {
		t.Helper()
		g := leadgate.Grant{ID: leadgate.GrantID(token), LeadID: "lead-golden", Email: "ada@example.com", Page: "golden",
			SubmissionID: "sub-" + token[:4], MagnetID: "golden-magnet", ObjectKey: "magnets/golden.pdf", FileName: "The Playbook.pdf",
			ContentType: "application/pdf", CreatedAt: goldenNow.Add(-48 * time.Hour), ExpiresAt: goldenNow.Add(-time.Hour)}
		if edit != nil {
			edit(&g)
		}
		if err := s.store.PutGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	expired, minimal, ready := strings.Repeat("e", 32), strings.Repeat("m", 32), strings.Repeat("r", 32)
	grant(expired, nil)
	grant(ready, func(g *leadgate.Grant) { g.ExpiresAt = goldenNow.Add(time.Hour) })
	grant(minimal, func(g *leadgate.Grant) { g.Page = "golden-minimal" }) // a page with no form URL
	cases := []struct {
		name, method, token string
		status              int
	}{
		{"download-not-found", "GET", strings.Repeat("u", 32), 404},
		{"download-malformed", "GET", "%3Cscript%3E", 404},
		{"download-expired", "GET", expired, 410},
		{"download-expired-no-form", "GET", minimal, 410},
		{"download-method-not-allowed", "PUT", expired, 405},
		{"download-expired-post", "POST", expired, 410},
		{"download-ready", "GET", ready, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			golden.Check(t, tc.name+".html", s.page(t, tc.method, "/v1/downloads/"+tc.token, nil, nil, tc.status))
		})
	}
}

// The confirm and unsubscribe links: the page with its button, the answer to the
// button's POST, and the page of a link already used.
func TestGoldenLinkPages(t *testing.T) {
	s := newGoldenSite(t)
	ctx := context.Background()
	page := goldenMinimalPage()
	sub := leadgate.Submission{ID: "sub-golden", Email: "ada@example.com", Page: page.Slug, MagnetID: page.MagnetID,
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
	oneClick := url.Values{"List-Unsubscribe": {"One-Click"}}
	steps := []struct {
		name, method, path string
		body               url.Values
		status             int
	}{
		{"confirm-ask", "GET", "/v1/confirm/" + confirm, nil, 200},
		{"confirmed", "POST", "/v1/confirm/" + confirm, url.Values{}, 200},
		{"confirm-already-confirmed", "GET", "/v1/confirm/" + confirm, nil, 200},
		{"confirm-not-found", "GET", "/v1/confirm/" + strings.Repeat("c", 32), nil, 404},
		{"unsubscribe-ask", "GET", "/v1/unsubscribe/" + unsubscribe, nil, 200},
		{"unsubscribed", "POST", "/v1/unsubscribe/" + unsubscribe, oneClick, 200},
		{"unsubscribe-not-found", "POST", "/v1/unsubscribe/" + strings.Repeat("n", 32), oneClick, 404},
		{"link-method-not-allowed", "PUT", "/v1/unsubscribe/" + unsubscribe, nil, 405},
	}
	for _, st := range steps {
		// In order: each step may depend on the one before.
		t.Run(st.name, func(t *testing.T) {
			golden.Check(t, st.name+".html", s.page(t, st.method, st.path, st.body, nil, st.status))
		})
	}
}

func TestGoldenEmbedSnippet(t *testing.T) {
	const api = "https://abc123.execute-api.eu-west-1.amazonaws.com/"
	untimed := goldenPage()
	untimed.UntimedFormsAllowed = true
	cases := []struct {
		name string
		page leadgate.Page
	}{
		{"embed", goldenPage()},
		{"embed-untimed", untimed},
		{"embed-minimal", goldenMinimalPage()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			snippet := httpapi.EmbedSnippet(tc.page, api)
			if snippet == "" {
				t.Fatal("no snippet")
			}
			golden.Check(t, tc.name+".html", []byte(snippet))
		})
	}
}

// TestGoldenCoversEveryRenderer guards the goldens' purpose: every renderer of the
// package's pages, each function that writes to a *markup.Writer, renders into at
// least one of them. The renderers are found in the package's source, so a new one
// fails here until a golden page shows it and its mark is added.
func TestGoldenCoversEveryRenderer(t *testing.T) {
	// A mark of each renderer that a file rendered by it carries.
	marks := map[string]string{
		"writeHead":         `<meta name="viewport" content="width=device-width, initial-scale=1">`,
		"writeFoot":         "</main>\n</body>\n</html>\n",
		"writeFormPage":     `<input type="hidden" name="form_token"`,
		"writeFields":       `<div aria-hidden="true" style="position:absolute;left:-10000px;`,
		"writeControlState": ` aria-invalid="true" aria-describedby="e-`,
		"writeMessagePage":  `<div class="card" role="status">`,
		"writeActionPage":   `<form method="post" action="/v1/`,
		"writeEmbedForm":    `<label for="leadgate-`,
		"writeCover":        `<img class="cover" src="`,
		"writeCaptcha":      `class="cf-turnstile" data-sitekey="`,
		"writeOptional":     `<span class="muted">(`,
		"writeOptions":      `<option value="DE"`,
		"writeChoiceField":  `<label class="choice" for="`,
		"writeFieldError":   `<p class="error" id="e-`,
		"writeDeliveryPage": `<div class="card">` + "\n<h1>Your ",
	}
	golden.CheckRenderersCovered(t, marks)
}
