package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"leadgate/shared/admin"
	"leadgate/shared/bolt"
	"leadgate/shared/console"
	"leadgate/shared/consoleauth"
	"leadgate/shared/leadgate"
	"leadgate/shared/localbucket"
	"leadgate/shared/outbox"
	"leadgate/shared/richtext"
	"leadgate/shared/signing"
	"leadgate/shared/webhooks"
)

// clock is a fake clock that tests move on.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

const users = "ada@example.com, grace@example.com"

// site is the console on a real server at 127.0.0.1, on an embedded store in a
// temporary folder, with the outbox as its mailer.
type site struct {
	store *bolt.Store
	box   *outbox.Outbox
	clock *clock
	url   string
}

func newSite(t *testing.T, tune ...func(*consoleauth.Config)) *site {
	t.Helper()
	dir := t.TempDir()
	store, err := bolt.Open(filepath.Join(dir, "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	s := &site{store: store, clock: &clock{t: t0}}
	if s.box, err = outbox.New(filepath.Join(dir, "outbox"), s.clock.now); err != nil {
		t.Fatal(err)
	}
	key, err := signing.NewKey([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	list, err := leadgate.ParseConsoleUsers(users)
	if err != nil {
		t.Fatal(err)
	}
	cfg := consoleauth.DefaultConfig(list)
	for _, f := range tune {
		f(&cfg)
	}
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	c, err := console.New(console.Config{
		Auth: consoleauth.New(store, key, cfg, s.clock.now), Admin: newAdmin(t, store, key, s.clock.now), Store: store, Key: key, Mailer: s.box,
		BaseURL: srv.URL, From: "console@example.com", FromName: "Leadgate",
		Tools: []console.Link{{Text: "Outbox", URL: outbox.Prefix}},
		Now:   s.clock.now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(console.Prefix, c.Handler())
	handler = mux
	return s
}

// response is what the server answered.
type response struct {
	status int
	header http.Header
	body   string
}

// cookie returns the session cookie the response set, or nil.
func (r response) cookie(t *testing.T) *http.Cookie {
	t.Helper()
	for _, line := range r.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		if c.Name == console.CookieName {
			return c
		}
	}
	return nil
}

// request is one request as a browser on the console's own pages sends it: a POST
// says it comes from the same origin, unless header says otherwise.
type request struct {
	method, path string
	form         url.Values
	session      string // the session cookie's value
	header       http.Header
}

func (s *site) do(t *testing.T, rq request) response {
	t.Helper()
	var body io.Reader
	if rq.form != nil {
		body = strings.NewReader(rq.form.Encode())
	}
	r, err := http.NewRequest(rq.method, s.url+rq.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if rq.form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if rq.method == http.MethodPost {
		r.Header.Set("Origin", s.url)
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if rq.session != "" {
		r.AddCookie(&http.Cookie{Name: console.CookieName, Value: rq.session})
	}
	for k, vs := range rq.header {
		r.Header[k] = vs
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (s *site) get(t *testing.T, path, session string) response {
	t.Helper()
	return s.do(t, request{method: "GET", path: path, session: session})
}

func (s *site) post(t *testing.T, path string, form url.Values, session string) response {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return s.do(t, request{method: "POST", path: path, form: form, session: session})
}

func want(t *testing.T, what string, r response, status int, contains ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: %d, want %d: %.600s", what, r.status, status, r.body)
	}
	for _, c := range contains {
		if !strings.Contains(r.body, c) {
			t.Fatalf("%s: the page does not say %q: %.2000s", what, c, r.body)
		}
	}
}

func wantRedirect(t *testing.T, what string, r response, to string) {
	t.Helper()
	if r.status != http.StatusSeeOther || r.header.Get("Location") != to {
		t.Fatalf("%s: %d to %q, want 303 to %s: %.300s", what, r.status, r.header.Get("Location"), to, r.body)
	}
}

var linkPattern = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/console/sign-in/([A-Za-z0-9_-]{43})`)

// mails returns the messages in the outbox to the address, oldest first.
func (s *site) mails(t *testing.T, to string) []outbox.Mail {
	t.Helper()
	list, err := s.box.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var mails []outbox.Mail
	for i := len(list) - 1; i >= 0; i-- {
		if !strings.Contains(list[i].To, to) {
			continue
		}
		m, err := s.box.Get(context.Background(), list[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		mails = append(mails, m)
	}
	return mails
}

// requestLink asks for a sign-in link for email and returns its path, read from
// the newest email in the outbox.
func (s *site) requestLink(t *testing.T, email string) string {
	t.Helper()
	want(t, "sign-in request", s.post(t, console.SignInPath, url.Values{"email": {email}}, ""), 200, "Check your inbox")
	mails := s.mails(t, strings.ToLower(strings.TrimSpace(email)))
	if len(mails) == 0 {
		t.Fatalf("no email to %s in the outbox", email)
	}
	m := linkPattern.FindStringSubmatch(mails[len(mails)-1].Text)
	if m == nil {
		t.Fatalf("no sign-in link in the email's text:\n%s", mails[len(mails)-1].Text)
	}
	return console.SignInLinkPath(m[1])
}

// signIn signs in as email and returns the session cookie's value.
func (s *site) signIn(t *testing.T, email string) string {
	t.Helper()
	r := s.post(t, s.requestLink(t, email), nil, "")
	wantRedirect(t, "sign-in", r, console.HomePath)
	c := r.cookie(t)
	if c == nil || c.Value == "" {
		t.Fatalf("no session cookie: %v", r.header.Values("Set-Cookie"))
	}
	return c.Value
}

var csrfPattern = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token the console's pages carry for the session.
func (s *site) csrf(t *testing.T, session string) string {
	t.Helper()
	r := s.get(t, console.PagesPath, session)
	m := csrfPattern.FindStringSubmatch(r.body)
	if r.status != 200 || m == nil {
		t.Fatalf("no CSRF token on the pages list (%d): %.500s", r.status, r.body)
	}
	return m[1]
}

// seedPage stores a page with views and leads: 4 views and 1 lead today, and 6 views
// and 2 leads 20 days ago, so 1 lead per 4 views over 7 days, 3 per 10 over 30.
func (s *site) seedPage(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	page := leadgate.Page{Slug: "spring-guide", Title: "The spring guide", MagnetID: "m",
		Fields: []leadgate.Field{{Name: "email", Label: "Email", Type: leadgate.FieldEmail, Required: true}},
		OptIn:  leadgate.OptInSingle, ThankYouURL: "/p/spring-guide/thanks", CreatedAt: t0, UpdatedAt: t0}
	if err := s.store.PutPage(ctx, page); err != nil {
		t.Fatal(err)
	}
	quiet := page
	quiet.Slug, quiet.Title = "quiet-page", "A page nobody saw"
	if err := s.store.PutPage(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	countViewsAndLeads(t, s.store, page.Slug, t0, 4, 1)
	countViewsAndLeads(t, s.store, page.Slug, t0.AddDate(0, 0, -20), 6, 2)
	countViewsAndLeads(t, s.store, page.Slug, t0.AddDate(0, 0, -40), 50, 50) // out of both spans
}

func countViewsAndLeads(t *testing.T, store *bolt.Store, slug string, at time.Time, views, leads int) {
	t.Helper()
	ctx := context.Background()
	src := leadgate.NewSource("newsletter", "email", "spring")
	for range views {
		if err := store.CountView(ctx, slug, leadgate.Day(at), src); err != nil {
			t.Fatal(err)
		}
	}
	for i := range leads {
		sub := leadgate.Submission{ID: slug + at.Format("20060102") + string(rune('a'+i)), Page: slug, At: at,
			Attribution: leadgate.Attribution{UTMSource: "newsletter", UTMMedium: "email", UTMCampaign: "spring"}}
		if err := store.CountLead(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSignInFlow walks through a sign-in as a person does it: the form, the
// request, the email in the outbox, the link's page (which changes nothing), its
// button, and the pages list with the counts.
func TestSignInFlow(t *testing.T) {
	s := newSite(t)
	s.seedPage(t)

	form := s.get(t, console.SignInPath, "")
	want(t, "sign-in form", form, 200, `<form method="post" action="/console/sign-in"`, `name="email"`)
	if csp := form.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("Content-Security-Policy %q", csp)
	}

	linkPath := s.requestLink(t, "  Ada@Example.com ")
	mails := s.mails(t, "ada@example.com")
	if len(mails) != 1 || mails[0].Subject == "" || !strings.Contains(mails[0].HTML, linkPath) {
		t.Fatalf("want one email with the link in both parts, got %d: %+v", len(mails), mails)
	}

	// The link's page shows a button and signs no one in: a mail scanner's GET
	// leaves the link working.
	for range 2 {
		page := s.get(t, linkPath, "")
		want(t, "link page", page, 200, `<form method="post" action="`+linkPath+`"`, "<button")
		if c := page.cookie(t); c != nil {
			t.Fatalf("the link's GET set a cookie: %v", c)
		}
	}
	signedIn := s.post(t, linkPath, nil, "")
	wantRedirect(t, "button", signedIn, console.HomePath)
	c := signedIn.cookie(t)
	if c == nil {
		t.Fatal("no session cookie")
	}
	if !c.HttpOnly || c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/console/" ||
		c.MaxAge != int(leadgate.SessionAbsoluteTTL/time.Second) {
		t.Fatalf("cookie %+v: want HttpOnly, not Secure over http, SameSite=Lax, Path=/console/, Max-Age of the session", c)
	}

	list := s.get(t, console.HomePath, c.Value)
	want(t, "pages list", list, 200, "The spring guide", `href="/p/spring-guide"`, "A page nobody saw", "ada@example.com",
		`<td class="n">4</td><td class="n">1</td><td class="n">25.0%</td><td class="n">10</td><td class="n">3</td><td class="n">30.0%</td>`,
		`<td class="n">0</td><td class="n">0</td><td class="n"><span class="muted">no views</span></td>`)
	want(t, "pages list at its own path", s.get(t, console.PagesPath, c.Value), 200, "The spring guide")

	// Signed in already: the sign-in form sends the browser on to the console.
	wantRedirect(t, "sign-in form when signed in", s.get(t, console.SignInPath, c.Value), console.HomePath)
}

func TestCookieSecureOverHTTPS(t *testing.T) {
	s := newSite(t)
	r := s.do(t, request{method: "POST", path: s.requestLink(t, "ada@example.com"), form: url.Values{},
		header: http.Header{"X-Forwarded-Proto": {"https"}}})
	wantRedirect(t, "sign-in over https", r, console.HomePath)
	if c := r.cookie(t); c == nil || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookie over https: %+v, want Secure, HttpOnly, SameSite=Lax", c)
	}
}

// TestEveryRouteNeedsASession: without a session that works, every console route
// but signing in answers the sign-in page (GET) or a 403 page (any other method),
// and shows no data.
func TestEveryRouteNeedsASession(t *testing.T) {
	s := newSite(t)
	s.seedPage(t)
	revoked := s.signIn(t, "ada@example.com")
	csrf := s.csrf(t, revoked)
	wantRedirect(t, "sign out", s.post(t, console.SignOutPath, url.Values{"csrf": {csrf}}, revoked), console.SignedOutPath)
	expired := s.signIn(t, "grace@example.com")
	s.clock.advance(leadgate.SessionIdleTTL)

	paths := []string{console.HomePath, console.PagesPath, console.SignOutPath, console.SignOutEverywherePath,
		"/console/pages/spring-guide", "/console/no-such-page", "/console/sign-in/",
		console.FunnelPath + "?page=spring-guide", console.SpendPath, console.DeliverabilityPath}
	sessions := map[string]string{"no cookie": "", "a junk cookie": "junk", "an unknown session": consoleauth.NewToken(),
		"a signed-out session": revoked, "an expired session": expired}
	for what, session := range sessions {
		for _, path := range paths {
			for _, method := range []string{"GET", "POST", "PUT", "DELETE"} {
				rq := request{method: method, path: path, session: session}
				if method == "POST" {
					rq.form = url.Values{"csrf": {csrf}}
				}
				r := s.do(t, rq)
				name := method + " " + path + " with " + what
				if method == "GET" {
					wantRedirect(t, name, r, console.SignInPath)
				} else {
					want(t, name, r, 403, "Please sign in", `href="/console/sign-in"`)
				}
				for _, data := range []string{"spring-guide", "The spring guide", "ada@example.com", "grace@example.com", `name="csrf"`} {
					if strings.Contains(r.body, data) {
						t.Fatalf("%s: the answer shows %q: %s", name, data, r.body)
					}
				}
				if session != "" {
					if c := r.cookie(t); c == nil || c.MaxAge >= 0 {
						t.Fatalf("%s: the cookie is not cleared: %v", name, r.header.Values("Set-Cookie"))
					}
				}
			}
		}
	}
}

// TestForgedPostsRefused: a POST that another site makes a signed-in browser send,
// or one without the session's CSRF token, changes nothing.
func TestForgedPostsRefused(t *testing.T) {
	s := newSite(t)
	session := s.signIn(t, "ada@example.com")
	other := s.signIn(t, "grace@example.com")
	cases := []struct {
		name   string
		form   url.Values
		header http.Header
		says   string
	}{
		{"cross-site, without the token", url.Values{}, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}, "Request refused"},
		{"cross-site by Origin alone, without the token", url.Values{}, http.Header{"Sec-Fetch-Site": nil, "Origin": {"https://evil.example"}}, "Request refused"},
		{"cross-site, with the token", url.Values{"csrf": {s.csrf(t, session)}}, http.Header{"Sec-Fetch-Site": {"cross-site"}}, "Request refused"},
		{"same-origin, without the token", url.Values{}, nil, "Please reload the page"},
		{"same-origin, with another session's token", url.Values{"csrf": {s.csrf(t, other)}}, nil, "Please reload the page"},
		{"same-origin, with a junk token", url.Values{"csrf": {"junk"}}, nil, "Please reload the page"},
		{"without browser headers (a script), without the token", url.Values{}, http.Header{"Origin": nil, "Sec-Fetch-Site": nil}, "Please reload the page"},
	}
	for _, path := range []string{console.SignOutPath, console.SignOutEverywherePath} {
		for _, tc := range cases {
			r := s.do(t, request{method: "POST", path: path, form: tc.form, session: session, header: tc.header})
			want(t, path+" "+tc.name, r, 403, tc.says)
			want(t, "the session after "+tc.name, s.get(t, console.PagesPath, session), 200)
		}
	}
	// A sign-in link's button, and the sign-in form, pressed from another site.
	link := s.requestLink(t, "ada@example.com")
	cross := http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}
	want(t, "cross-site sign-in", s.do(t, request{method: "POST", path: link, form: url.Values{}, header: cross}), 403, "Request refused")
	before := len(s.mails(t, "ada@example.com"))
	want(t, "cross-site sign-in request", s.do(t, request{method: "POST", path: console.SignInPath,
		form: url.Values{"email": {"ada@example.com"}}, header: cross}), 403, "Request refused")
	if after := len(s.mails(t, "ada@example.com")); after != before {
		t.Fatal("a cross-site sign-in request sent an email")
	}
	// The link still works from the console's own origin.
	wantRedirect(t, "same-origin sign-in", s.post(t, link, nil, ""), console.HomePath)
}

func TestSignOut(t *testing.T) {
	s := newSite(t)
	session := s.signIn(t, "ada@example.com")
	other := s.signIn(t, "ada@example.com")
	r := s.post(t, console.SignOutPath, url.Values{"csrf": {s.csrf(t, session)}}, session)
	wantRedirect(t, "sign out", r, console.SignedOutPath)
	if c := r.cookie(t); c == nil || c.MaxAge >= 0 || c.Value != "" {
		t.Fatalf("sign-out left the cookie: %v", r.header.Values("Set-Cookie"))
	}
	want(t, "signed-out page", s.get(t, console.SignedOutPath, ""), 200, "You are signed out")
	// The old cookie, sent again, is refused.
	wantRedirect(t, "old cookie", s.get(t, console.HomePath, session), console.SignInPath)
	want(t, "old cookie's POST", s.post(t, console.SignOutEverywherePath, url.Values{"csrf": {s.csrf(t, other)}}, session), 403, "Please sign in")
	// Another session of the same user stays.
	want(t, "another session", s.get(t, console.HomePath, other), 200)
}

func TestSignOutEverywhere(t *testing.T) {
	s := newSite(t)
	laptop := s.signIn(t, "ada@example.com")
	phone := s.signIn(t, "ada@example.com")
	grace := s.signIn(t, "grace@example.com")
	r := s.post(t, console.SignOutEverywherePath, url.Values{"csrf": {s.csrf(t, phone)}}, phone)
	wantRedirect(t, "sign out everywhere", r, console.SignedOutPath)
	for _, old := range []string{laptop, phone} {
		wantRedirect(t, "a session signed out everywhere", s.get(t, console.HomePath, old), console.SignInPath)
	}
	want(t, "another user's session", s.get(t, console.HomePath, grace), 200)
}

func TestUsedOrExpiredLinkRefused(t *testing.T) {
	s := newSite(t)
	used := s.requestLink(t, "ada@example.com")
	expired := s.requestLink(t, "ada@example.com")
	wantRedirect(t, "first use", s.post(t, used, nil, ""), console.HomePath)

	r := s.post(t, used, nil, "")
	want(t, "second use", r, 410, "was used already", `href="/console/sign-in"`)
	if r.cookie(t) != nil {
		t.Fatal("a used link set a cookie")
	}
	s.clock.advance(leadgate.SignInLinkTTL)
	r = s.post(t, expired, nil, "")
	want(t, "use after 15 minutes", r, 410, "has expired", `href="/console/sign-in"`)
	if r.cookie(t) != nil {
		t.Fatal("an expired link set a cookie")
	}
	want(t, "unknown link", s.post(t, console.SignInLinkPath(consoleauth.NewToken()), nil, ""), 404, "does not work", `href="/console/sign-in"`)
	want(t, "malformed link's page", s.get(t, console.SignInLinkPath("not-a-token"), ""), 404, "does not work")
	want(t, "malformed link", s.post(t, console.SignInLinkPath("not-a-token"), nil, ""), 404, "does not work")
}

// TestUnknownAddressSameAnswer: an address that may not sign in gets the answer an
// allowed one gets, and no email.
func TestUnknownAddressSameAnswer(t *testing.T) {
	s := newSite(t)
	known := s.post(t, console.SignInPath, url.Values{"email": {"ada@example.com"}}, "")
	unknown := s.post(t, console.SignInPath, url.Values{"email": {"mallory@example.com"}}, "")
	want(t, "unknown address", unknown, 200, "Check your inbox")
	if strings.ReplaceAll(unknown.body, "mallory@example.com", "ada@example.com") != known.body {
		t.Fatalf("the answers differ:\n%s\n---\n%s", known.body, unknown.body)
	}
	if n := len(s.mails(t, "mallory@example.com")); n != 0 {
		t.Fatalf("%d emails to an address that may not sign in", n)
	}
	if n := len(s.mails(t, "ada@example.com")); n != 1 {
		t.Fatalf("%d emails to an address that may sign in, want 1", n)
	}
}

func TestMalformedAddress(t *testing.T) {
	s := newSite(t)
	r := s.post(t, console.SignInPath, url.Values{"email": {`not an <address>`}}, "")
	want(t, "malformed address", r, 422, `aria-invalid="true"`, "enter an email address like name@example.com", `value="not an &lt;address&gt;"`)
}

func TestSignInRequestsRateLimited(t *testing.T) {
	s := newSite(t, func(c *consoleauth.Config) { c.RatePerEmail = 2 })
	for _, email := range []string{"ada@example.com", "mallory@example.com"} {
		for range 2 {
			want(t, "request", s.post(t, console.SignInPath, url.Values{"email": {email}}, ""), 200)
		}
		r := s.post(t, console.SignInPath, url.Values{"email": {email}}, "")
		want(t, "third request for "+email, r, 429, "Too many sign-in requests")
		if r.header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	s := newSite(t)
	session := s.signIn(t, "ada@example.com")
	want(t, "unknown route", s.get(t, "/console/no-such-page", session), 404, "Not found", "Sign out")
	r := s.do(t, request{method: "DELETE", path: console.PagesPath, session: session})
	want(t, "DELETE on the pages list", r, 405, "Not allowed")
	if r.header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("Allow %q", r.header.Get("Allow"))
	}
	want(t, "GET of sign-out", s.get(t, console.SignOutPath, session), 405)
	want(t, "the session after", s.get(t, console.PagesPath, session), 200)
}

// TestSignInLinkURL is the link the local run prints at start: it signs in once.
func TestSignInLinkURL(t *testing.T) {
	dir := t.TempDir()
	store, err := bolt.Open(filepath.Join(dir, "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	key, _ := signing.NewKey([]byte(strings.Repeat("k", 32)))
	list, _ := leadgate.ParseConsoleUsers(users)
	auth := consoleauth.New(store, key, consoleauth.DefaultConfig(list), time.Now)
	c, err := console.New(console.Config{Auth: auth, Admin: newAdmin(t, store, key, time.Now), Store: store, Key: key, Mailer: refuseMail{},
		BaseURL: "http://127.0.0.1:8080/", From: "console@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	link, err := c.SignInLinkURL(context.Background(), "Ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	token, ok := strings.CutPrefix(link, "http://127.0.0.1:8080/console/sign-in/")
	if !ok {
		t.Fatalf("link %q", link)
	}
	if _, ses, err := auth.UseLink(context.Background(), token); err != nil || ses.Email != "ada@example.com" {
		t.Fatalf("UseLink = %+v, %v", ses, err)
	}
	if _, _, err := auth.UseLink(context.Background(), token); leadgate.ErrorCode(err) != leadgate.EGONE {
		t.Fatalf("second use: %v", err)
	}
}

// refuseMail is a mailer that sends nothing.
type refuseMail struct{}

func (refuseMail) Send(context.Context, leadgate.Message) (string, error) {
	return "", leadgate.Errorf(leadgate.EREJECTED, "no mail here")
}

// noStore stands for a store that is never called.
type noStore struct{ console.Store }

func TestConfigChecked(t *testing.T) {
	key, _ := signing.NewKey([]byte(strings.Repeat("k", 32)))
	cfg := console.Config{Auth: consoleauth.New(nil, key, consoleauth.Config{}, time.Now), Admin: admin.New(nil, nil, key, time.Now), Store: noStore{}, Key: key,
		Mailer: refuseMail{}, From: "a@example.com"}
	for _, base := range []string{"", "127.0.0.1:8080", "ftp://example.com", "https://example.com/console", "https://example.com?x=1"} {
		cfg.BaseURL = base
		if _, err := console.New(cfg); err == nil {
			t.Errorf("base URL %q accepted", base)
		}
	}
	// A custom domain's API mapping puts a base path in front of every route.
	for _, base := range []string{"https://console.example.com", "http://127.0.0.1:8080/", "https://example.com/offers"} {
		cfg.BaseURL = base
		if _, err := console.New(cfg); err != nil {
			t.Errorf("base URL %q: %v", base, err)
		}
	}
	cfg.From = ""
	if _, err := console.New(cfg); err == nil {
		t.Error("no sender accepted")
	}
}

// TestOversizedFormsRefused checks that a form larger than the console reads gets
// 413 and changes nothing: no email before sign-in, and the session kept after.
func TestOversizedFormsRefused(t *testing.T) {
	s := newSite(t)
	big := strings.Repeat("a", 200<<10)
	r := s.post(t, console.SignInPath, url.Values{"email": {"ada@example.com"}, "pad": {big}}, "")
	want(t, "oversized sign-in request", r, 413, "The form is too large")
	if got := s.mails(t, "ada@example.com"); len(got) != 0 {
		t.Fatalf("an oversized request sent %d emails", len(got))
	}
	session := s.signIn(t, "ada@example.com")
	r = s.post(t, console.SignOutPath, url.Values{"csrf": {s.csrf(t, session)}, "pad": {big}}, session)
	want(t, "oversized sign-out", r, 413, "The form is too large")
	want(t, "the session after the refused form", s.get(t, console.HomePath, session), 200)
}

// newAdmin returns the admin service over store, with a bucket in a folder of the
// test's own.
func newAdmin(t testing.TB, store *bolt.Store, key *signing.Key, now func() time.Time) *admin.Service {
	t.Helper()
	bucket, err := localbucket.New(t.TempDir(), []byte(strings.Repeat("b", 32)), "http://127.0.0.1:1/dev/bucket/", now)
	if err != nil {
		t.Fatal(err)
	}
	return admin.New(store, bucket, key, now).WithWebhooks(webhooks.New(store, webhooks.NewSender(webhooks.LocalPolicy), now, nil)).
		WithPostalAddress("Leadgate Ltd, 1 Harbour Street, Bristol").WithMarkdown(richtext.HTML)
}
