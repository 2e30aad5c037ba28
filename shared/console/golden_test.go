package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/console"
	"leadgate/shared/consoleauth"
	"leadgate/shared/golden"
	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

// The golden files under testdata/golden/ are the console's pages as they are
// rendered now (the sign-in form, the check-your-inbox answer, a link's button
// page, the pages list, the notices) and the sign-in email. Each renderer (a
// function that writes to a markup.Writer) renders into at least one. A change to
// how they are rendered must leave them as they are, or change them on purpose (go
// test -update). The clock, the signing key and the session are fixed, and so every
// CSRF token; the emailed link's random token is replaced by TOKEN.

const goldenSecret = "golden-console-secret-of-at-least-32-bytes"

var goldenNow = time.Date(2026, 3, 2, 9, 15, 30, 0, time.UTC)

// goldenSession is the token of the session the signed-in pages are rendered for.
var goldenSession = strings.Repeat("s", leadgate.ConsoleTokenLength)

// mailbox is a mailer that keeps what it is given.
type mailbox struct {
	mu   sync.Mutex
	sent []leadgate.Message
}

func (b *mailbox) Send(_ context.Context, m leadgate.Message) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, m)
	return "message-1", nil
}

type goldenSite struct {
	handler http.Handler
	mail    *mailbox
	store   *bolt.Store
	key     *signing.Key
}

// newGoldenSite serves the console on an embedded store with the fixed clock and
// key, the golden session signed in, and pages unless empty.
// Each of opts is a func(leadgate.Store) that seeds the store, or a
// func(*console.Config) that tunes the console.
func newGoldenSite(t *testing.T, empty bool, opts ...any) *goldenSite {
	var (
		seed []func(leadgate.Store)
		tune []func(*console.Config)
	)
	for _, o := range opts {
		switch o := o.(type) {
		case func(leadgate.Store):
			seed = append(seed, o)
		case func(*console.Config):
			tune = append(tune, o)
		default:
			t.Fatalf("newGoldenSite: option %T", o)
		}
	}
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
	if err := store.PutSession(ctx, leadgate.NewSession(goldenSession, "ada@example.com", goldenNow.Add(-time.Hour))); err != nil {
		t.Fatal(err)
	}
	if !empty {
		for _, p := range []leadgate.Page{
			{Slug: "spring-guide", Title: `Tips & "tricks" <for> lead magnets`},
			{Slug: "webinar", Title: "The webinar replay"},
			{Slug: "zero", Title: "A page nobody saw"},
		} {
			p.MagnetID, p.OptIn, p.ThankYouURL = "m", leadgate.OptInSingle, "/p/"+p.Slug+"/thanks"
			p.Fields = []leadgate.Field{{Name: "email", Label: "Email", Type: leadgate.FieldEmail, Required: true}}
			if err := store.PutPage(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		countViewsAndLeads(t, store, "spring-guide", goldenNow, 120, 17)
		countViewsAndLeads(t, store, "spring-guide", goldenNow.AddDate(0, 0, -12), 880, 101)
		countViewsAndLeads(t, store, "webinar", goldenNow.AddDate(0, 0, -29), 3, 1)
	}
	for _, f := range seed {
		f(store)
	}
	users, err := leadgate.ParseConsoleUsers("ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return goldenNow }
	box := &mailbox{}
	cfg := console.Config{
		Auth: consoleauth.New(store, key, consoleauth.DefaultConfig(users), now), Admin: newAdmin(t, store, key, now), Store: store, Key: key, Mailer: box,
		BaseURL: "https://console.example.com", From: "console@example.com", FromName: "Leadgate",
		Tools: []console.Link{{Text: "Outbox", URL: "/dev/outbox/"}, {Text: "Start page", URL: "/"}},
		Now:   now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, f := range tune {
		f(&cfg)
	}
	c, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &goldenSite{handler: c.Handler(), mail: box, store: store, key: key}
}

// page answers a request and returns the page, which must come with status.
func (s *goldenSite) page(t *testing.T, method, target string, body url.Values, signedIn bool, status int) []byte {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	r := httptest.NewRequest(method, target, rd) // Host: example.com
	r.RemoteAddr = "203.0.113.9:41234"
	if body != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if signedIn {
		r.AddCookie(&http.Cookie{Name: console.CookieName, Value: goldenSession})
	}
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, r)
	if w.Code != status {
		t.Fatalf("%s %s: %d, want %d: %.500s", method, target, w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Fatalf("%s %s: Content-Type %q, want an HTML page", method, target, ct)
	}
	checkCSP(t, w.Header().Get("Content-Security-Policy"), w.Body.String())
	return w.Body.Bytes()
}

var (
	stylePattern = regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	// ownScript is the one script element a page may have: an empty one that loads
	// a script the console serves.
	ownScript = regexp.MustCompile(`<script src="/console/assets/[a-z]+\.js\?v=[0-9a-f]+" defer></script>`)
)

// checkCSP checks that the page runs under a policy that allows its one inline
// stylesheet by its hash, and has nothing the policy would block: no script, no
// style attribute, no resource from elsewhere.
func checkCSP(t *testing.T, csp, page string) {
	t.Helper()
	styles := stylePattern.FindAllStringSubmatch(page, -1)
	if len(styles) != 1 {
		t.Fatalf("%d <style> elements, want 1", len(styles))
	}
	sum := sha256.Sum256([]byte(styles[0][1]))
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	for _, d := range []string{"default-src 'self'", "script-src 'self'", "style-src " + hash, "object-src 'none'", "base-uri 'none'",
		"form-action 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, d) {
			t.Fatalf("Content-Security-Policy %q lacks %q", csp, d)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Fatalf("Content-Security-Policy %q allows something unsafe", csp)
	}
	page = ownScript.ReplaceAllString(page, "")
	// An address shown as text or typed into a field (a webhook's) loads nothing;
	// one in src, href or action would.
	for _, bad := range []string{"<script", " style=", `src="http`, `href="http`, `action="http`, "<link"} {
		if strings.Contains(ownScript.ReplaceAllString(page, ""), bad) {
			t.Fatalf("the page has %q, which the policy blocks or a console page should not load", bad)
		}
	}
}

func TestGoldenPages(t *testing.T) {
	s := newGoldenSite(t, false)
	token := strings.Repeat("t", leadgate.ConsoleTokenLength)
	cases := []struct {
		name, method, target string
		body                 url.Values
		signedIn             bool
		status               int
	}{
		{name: "sign-in", method: "GET", target: console.SignInPath, status: 200},
		{name: "sign-in-invalid", method: "POST", target: console.SignInPath, body: url.Values{"email": {`ada@"example".com <x>`}}, status: 422},
		{name: "check-inbox", method: "POST", target: console.SignInPath, body: url.Values{"email": {" Ada@Example.com "}}, status: 200},
		{name: "link-button", method: "GET", target: console.SignInLinkPath(token), status: 200},
		{name: "link-unknown", method: "POST", target: console.SignInLinkPath(token), body: url.Values{}, status: 404},
		{name: "pages", method: "GET", target: console.HomePath, signedIn: true, status: 200},
		{name: "not-found", method: "GET", target: "/console/no-such-page", signedIn: true, status: 404},
		{name: "stale-form", method: "POST", target: console.SignOutPath, body: url.Values{"csrf": {"stale"}}, signedIn: true, status: 403},
		{name: "sign-in-first", method: "POST", target: console.SignOutPath, body: url.Values{}, status: 403},
		{name: "signed-out", method: "GET", target: console.SignedOutPath, status: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			golden.Check(t, tc.name+".html", s.page(t, tc.method, tc.target, tc.body, tc.signedIn, tc.status))
		})
	}
	if got := s.page(t, "GET", console.PagesPath, nil, true, 200); !slices.Equal(got, s.page(t, "GET", console.HomePath, nil, true, 200)) {
		t.Fatal("the pages list differs at its two paths")
	}
}

func TestGoldenEmptyPagesList(t *testing.T) {
	s := newGoldenSite(t, true)
	golden.Check(t, "pages-empty.html", s.page(t, "GET", console.PagesPath, nil, true, 200))
}

var emailedToken = regexp.MustCompile(`/console/sign-in/[A-Za-z0-9_-]{43}`)

func TestGoldenSignInEmail(t *testing.T) {
	s := newGoldenSite(t, true)
	s.page(t, "POST", console.SignInPath, url.Values{"email": {"Ada@Example.com"}}, false, 200)
	if len(s.mail.sent) != 1 {
		t.Fatalf("%d emails sent, want 1", len(s.mail.sent))
	}
	m := s.mail.sent[0]
	if m.To != "ada@example.com" || m.From != `"Leadgate" <console@example.com>` || m.Tags["kind"] != "console-sign-in" {
		t.Fatalf("email to %q from %q, tags %v", m.To, m.From, m.Tags)
	}
	for _, part := range []string{m.Text, m.HTML} {
		if n := len(emailedToken.FindAllString(part, -1)); n == 0 || !strings.Contains(part, "https://console.example.com/console/sign-in/") {
			t.Fatalf("no link to the base URL in the part:\n%s", part)
		}
	}
	hide := func(s string) []byte { return []byte(emailedToken.ReplaceAllString(s, "/console/sign-in/TOKEN")) }
	golden.Check(t, "sign-in-email.subject", []byte(m.Subject+"\n"))
	golden.Check(t, "sign-in-email.txt", hide(m.Text))
	golden.Check(t, "sign-in-email.html", hide(m.HTML))
}

// TestGoldenCoversEveryRenderer guards the goldens' purpose: every renderer of the
// package, each function that writes to a *markup.Writer, renders into at least
// one of them. The renderers are found in the package's source, so a new one fails
// here until a golden file shows it and its mark is added.
func TestGoldenCoversEveryRenderer(t *testing.T) {
	// A mark of each renderer that a file rendered by it carries.
	marks := map[string]string{
		"writeHead":       `<a class="skip" href="#main">Skip to content</a>`,
		"writeNavItem":    `<li><a href="/console/pages" aria-current="page">Pages</a></li>`,
		"writeUser":       `<button type="submit" class="link">Sign out everywhere</button>`,
		"writeCSRF":       `<input type="hidden" name="csrf" value="`,
		"writeFoot":       "</main>\n</body>\n</html>\n",
		"writeNotice":     `<div class="narrow card" role="status">`,
		"writeSignInForm": `<input id="email" name="email" type="email"`,
		"writeCheckInbox": `<h1>Check your inbox</h1>`,
		"writeLinkButton": `<form method="post" action="/console/sign-in/`,
		"writePagesList":  `<th scope="colgroup" colspan="3" class="group">Last 7 days</th>`,
		"writeCounts":     `<td class="n">`,
		"writeEmailHTML":  `aria-roledescription="email"`,
		// passkeys.go
		"writePasskeysPage":   `<form id="passkey-add" method="post" action="/console/passkeys/register/begin"`,
		"writePasskeysTable":  `<form method="post" action="/console/passkeys/remove">`,
		"writePasskeySignIn":  `<div id="passkey-sign-in" data-begin="/console/passkey-sign-in/begin"`,
		"writePasskeysScript": `<script src="/console/assets/passkeys.js?v=`,
		// The funnel and deliverability pages (golden_funnel_test.go).
		"writeRangeForm":      `<form class="range card" method="get"`,
		"writeDayField":       `<input id="from" name="from" type="date"`,
		"writeFunnel":         `<h1>Funnel: `,
		"writeFunnelSteps":    `<h2 id="steps-h">`,
		"writeDayLeads":       `<h2 id="days-h">Leads per day</h2>`,
		"writeSources":        `<h2 id="sources-h">Sources</h2>`,
		"writeCampaigns":      `<th scope="col" class="n">Cost per lead</th>`,
		"writeStages":         `<h2 id="stages-h">Lead quality now</h2>`,
		"writeSpendForm":      `<form class="spend card" method="post" action="/console/funnel/spend"`,
		"writeSpendField":     `<input id="spend-amount" name="amount"`,
		"writeDeliverability": `<h1>Deliverability</h1>`,
		"writeMailDays":       `<th scope="col" class="n">Failed</th>`,
		"writeSuppressed":     `<h2 id="suppressed-h">Suppressed addresses</h2>`,
	}
	maps.Copy(marks, magnetMarks)
	maps.Copy(marks, kindMarks)
	maps.Copy(marks, editorMarks)
	maps.Copy(marks, leadsMarks)
	maps.Copy(marks, webhookMarks)
	maps.Copy(marks, variantMarks)
	golden.CheckRenderersCovered(t, marks)
}
