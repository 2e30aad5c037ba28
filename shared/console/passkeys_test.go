package console_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"leadgate/shared/bolt"
	"leadgate/shared/console"
	"leadgate/shared/consoleauth"
	"leadgate/shared/consoleauth/passkeytest"
	"leadgate/shared/leadgate"
	"leadgate/shared/outbox"
	"leadgate/shared/signing"
)

// newPasskeySite is newSite at http://localhost:<port> (the server on 127.0.0.1),
// an address that can carry passkeys, where 127.0.0.1 cannot.
func newPasskeySite(t *testing.T, tune ...func(*consoleauth.Config)) *site {
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
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	s.url = "http://localhost:" + port
	c, err := console.New(console.Config{
		Auth: consoleauth.New(store, key, cfg, s.clock.now), Admin: newAdmin(t, store, key, s.clock.now), Store: store, Key: key, Mailer: s.box,
		BaseURL: s.url, From: "console@example.com", FromName: "Leadgate",
		Now: s.clock.now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	handler = c.Handler()
	return s
}

// session opens a session for email in the store, as a used link does, and
// returns its cookie's value.
func (s *site) session(t *testing.T, email string) string {
	t.Helper()
	token := consoleauth.NewToken()
	if err := s.store.PutSession(context.Background(), leadgate.NewSession(token, email, s.clock.now())); err != nil {
		t.Fatal(err)
	}
	return token
}

// ceremony posts form with the session and ceremony cookies, as the script does.
func (s *site) ceremony(t *testing.T, path string, form url.Values, session, ceremony string) response {
	t.Helper()
	var cookies []string
	if session != "" {
		cookies = append(cookies, console.CookieName+"="+session)
	}
	if ceremony != "" {
		cookies = append(cookies, "leadgate_passkey="+ceremony)
	}
	return s.do(t, request{method: "POST", path: path, form: form, header: http.Header{"Cookie": {strings.Join(cookies, "; ")}}})
}

// ceremonyCookie returns the ceremony cookie a begin set, checking its flags.
func ceremonyCookie(t *testing.T, r response) string {
	t.Helper()
	for _, line := range r.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name == "leadgate_passkey" {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != console.Prefix || c.MaxAge != 300 || !leadgate.WellFormedConsoleToken(c.Value) {
				t.Fatalf("ceremony cookie %q", line)
			}
			return c.Value
		}
	}
	t.Fatalf("no ceremony cookie: %v", r.header.Values("Set-Cookie"))
	return ""
}

// wantJSON checks a JSON answer's status and returns its body.
func wantJSON(t *testing.T, what string, r response, status int) map[string]any {
	t.Helper()
	if r.status != status || r.header.Get("Content-Type") != "application/json" || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%s: %d %q %q, want %d JSON: %.500s", what, r.status, r.header.Get("Content-Type"), r.header.Get("Cache-Control"), status, r.body)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(r.body), &body); err != nil {
		t.Fatalf("%s: %v: %.500s", what, err, r.body)
	}
	if status >= 400 {
		msg, _ := body["error"].(string)
		for _, internal := range []string{"cbor", "json", "unmarshal", "internal", "webauthn", "bolt", "Error", "%"} {
			if msg == "" || strings.Contains(msg, internal) {
				t.Fatalf("%s: error %q is empty or tells of internals (%q)", what, msg, internal)
			}
		}
	}
	return body
}

func (s *site) items(t *testing.T, bucket string) int {
	t.Helper()
	counts, err := s.store.ItemCounts()
	if err != nil {
		t.Fatal(err)
	}
	return counts[bucket]
}

func (s *site) pageCSRF(t *testing.T, session string) string {
	t.Helper()
	r := s.get(t, console.PasskeysPath, session)
	m := csrfPattern.FindStringSubmatch(r.body)
	if r.status != 200 || m == nil {
		t.Fatalf("no CSRF token on the passkeys page (%d): %.500s", r.status, r.body)
	}
	return m[1]
}

// register adds a passkey for the session with auth, through the routes.
func (s *site) register(t *testing.T, session string, auth *passkeytest.Authenticator, name string) {
	t.Helper()
	csrf := s.pageCSRF(t, session)
	begin := s.ceremony(t, console.PasskeyRegisterBeginPath, url.Values{"csrf": {csrf}}, session, "")
	wantJSON(t, "register begin", begin, 200)
	answer, _, err := auth.Create([]byte(begin.body))
	if err != nil {
		t.Fatal(err)
	}
	finish := s.ceremony(t, console.PasskeyRegisterFinishPath,
		url.Values{"csrf": {csrf}, "name": {name}, "credential": {string(answer)}}, session, ceremonyCookie(t, begin))
	if got := wantJSON(t, "register finish", finish, 200); got["redirect"] != console.PasskeysPath {
		t.Fatalf("register finish: %v", got)
	}
}

// beginSignIn begins a passkey sign-in and has auth answer it.
func (s *site) beginSignIn(t *testing.T, auth *passkeytest.Authenticator) (ceremony string, answer []byte) {
	t.Helper()
	begin := s.ceremony(t, console.PasskeySignInBeginPath, url.Values{}, "", "")
	wantJSON(t, "sign-in begin", begin, 200)
	answer, err := auth.Get([]byte(begin.body), nil)
	if err != nil {
		t.Fatal(err)
	}
	return ceremonyCookie(t, begin), answer
}

func TestPasskeyRegisterSignInAndRemove(t *testing.T) {
	s := newPasskeySite(t)
	session := s.session(t, "ada@example.com")
	want(t, "passkeys page", s.get(t, console.PasskeysPath, session), 200, "You have no passkey yet.", `id="passkey-add"`)
	auth := passkeytest.New(s.url)
	s.register(t, session, auth, "Work laptop")
	want(t, "passkeys page", s.get(t, console.PasskeysPath, session), 200, "Work laptop", "never")

	// Signed out, the passkey signs in: the session cookie as a link sets it.
	ceremony, answer := s.beginSignIn(t, auth)
	finish := s.ceremony(t, console.PasskeySignInFinishPath, url.Values{"credential": {string(answer)}}, "", ceremony)
	if got := wantJSON(t, "sign-in finish", finish, 200); got["redirect"] != console.HomePath {
		t.Fatalf("sign-in finish: %v", got)
	}
	c := finish.cookie(t)
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != console.Prefix || c.MaxAge != int(leadgate.SessionAbsoluteTTL.Seconds()) {
		t.Fatalf("session cookie %+v, want a link's", c)
	}
	want(t, "the console with the passkey's session", s.get(t, console.HomePath, c.Value), 200, "ada@example.com")
	want(t, "passkeys page after a sign-in", s.get(t, console.PasskeysPath, c.Value), 200, "2 Mar 2026 09:30")

	// The ceremony worked once.
	wantJSON(t, "the same answer again", s.ceremony(t, console.PasskeySignInFinishPath, url.Values{"credential": {string(answer)}}, "", ceremony), 410)

	// Removing it: a plain form; another's passkey, or one gone, is not found.
	keys, _ := s.store.Passkeys(context.Background(), "ada@example.com")
	csrf := s.pageCSRF(t, session)
	grace := s.session(t, "grace@example.com")
	want(t, "removing another's passkey", s.post(t, console.PasskeyRemovePath, url.Values{"csrf": {s.pageCSRF(t, grace)}, "id": {keys[0].ID}}, grace), 404, "Passkey not found")
	wantRedirect(t, "remove", s.post(t, console.PasskeyRemovePath, url.Values{"csrf": {csrf}, "id": {keys[0].ID}}, session), console.PasskeysPath)
	want(t, "removing it again", s.post(t, console.PasskeyRemovePath, url.Values{"csrf": {csrf}, "id": {keys[0].ID}}, session), 404)
	ceremony, answer = s.beginSignIn(t, auth)
	wantJSON(t, "a removed passkey", s.ceremony(t, console.PasskeySignInFinishPath, url.Values{"credential": {string(answer)}}, "", ceremony), 404)
}

func TestPasskeyRoutesWithoutSession(t *testing.T) {
	s := newPasskeySite(t)
	wantRedirect(t, "passkeys page", s.get(t, console.PasskeysPath, ""), console.SignInPath)
	for _, path := range []string{console.PasskeyRegisterBeginPath, console.PasskeyRegisterFinishPath, console.PasskeyRemovePath} {
		want(t, path, s.post(t, path, url.Values{"csrf": {"x"}, "id": {"x"}}, ""), 403, "Please sign in")
	}
	if n := s.items(t, "console_ceremonies"); n != 0 {
		t.Fatalf("%d ceremonies stored without a session", n)
	}
	// The script is for everyone: the sign-in page loads it.
	r := s.get(t, console.PasskeysScriptPath, "")
	if r.status != 200 || r.header.Get("Content-Type") != "text/javascript; charset=utf-8" ||
		r.header.Get("Cache-Control") != "public, max-age=31536000, immutable" || !strings.Contains(r.body, "navigator.credentials.create") {
		t.Fatalf("script: %d %v", r.status, r.header)
	}
	want(t, "sign-in page", s.get(t, console.SignInPath, ""), 200, "Sign in with a passkey", `<script src="/console/assets/passkeys.js?v=`)
}

func TestPasskeyRoutesForgedCSRF(t *testing.T) {
	s := newPasskeySite(t)
	session := s.session(t, "ada@example.com")
	auth := passkeytest.New(s.url)
	s.register(t, session, auth, "")
	keys, _ := s.store.Passkeys(context.Background(), "ada@example.com")
	other := s.session(t, "grace@example.com")
	for _, csrf := range []string{"", "forged", s.pageCSRF(t, other)} {
		for _, path := range []string{console.PasskeyRegisterBeginPath, console.PasskeyRegisterFinishPath, console.PasskeyRemovePath} {
			r := s.post(t, path, url.Values{"csrf": {csrf}, "id": {keys[0].ID}, "credential": {"{}"}}, session)
			want(t, path+" with CSRF "+csrf, r, 403, "Please reload the page")
		}
	}
	// A cross-site POST is refused before any handler, the open ones included.
	r := s.do(t, request{method: "POST", path: console.PasskeySignInBeginPath, form: url.Values{}, header: http.Header{"Sec-Fetch-Site": {"cross-site"}}})
	want(t, "a cross-site begin", r, 403)
	if n := s.items(t, "console_ceremonies"); n != 0 {
		t.Fatalf("%d ceremonies stored by refused requests", n)
	}
	if keys, _ := s.store.Passkeys(context.Background(), "ada@example.com"); len(keys) != 1 {
		t.Fatalf("%d passkeys after refused requests, want 1", len(keys))
	}
}

func TestPasskeyBadInput(t *testing.T) {
	s := newPasskeySite(t, func(c *consoleauth.Config) { c.RatePerIP = 7 })
	session := s.session(t, "ada@example.com")
	auth := passkeytest.New(s.url)
	s.register(t, session, auth, "")
	csrf := s.pageCSRF(t, session)

	ceremony, _ := s.beginSignIn(t, auth)
	wantJSON(t, "malformed JSON", s.ceremony(t, console.PasskeySignInFinishPath, url.Values{"credential": {`{"id":`}}, "", ceremony), 400)
	wantJSON(t, "no ceremony cookie", s.ceremony(t, console.PasskeySignInFinishPath, url.Values{"credential": {"{}"}}, "", ""), 410)
	ceremony, _ = s.beginSignIn(t, auth)
	big := url.Values{"credential": {strings.Repeat("a", 70<<10)}}
	wantJSON(t, "an oversized body", s.ceremony(t, console.PasskeySignInFinishPath, big, "", ceremony), 413)

	// An answer to another challenge: the ceremony of the second begin.
	_, answer := s.beginSignIn(t, auth)
	second, _ := s.beginSignIn(t, auth)
	wantJSON(t, "an answer to another challenge", s.ceremony(t, console.PasskeySignInFinishPath, url.Values{"credential": {string(answer)}}, "", second), 403)

	// An unknown credential: another authenticator's.
	ceremony, _ = s.beginSignIn(t, auth)
	stranger := passkeytest.New(s.url)
	beginOpts := s.ceremony(t, console.PasskeyRegisterBeginPath, url.Values{"csrf": {csrf}}, session, "")
	if _, _, err := stranger.Create([]byte(beginOpts.body)); err != nil {
		t.Fatal(err)
	}
	stranger.Credentials[0].RPID = "localhost"
	answer, _ = stranger.Get([]byte(`{"publicKey":{"challenge":"AAAA"}}`), nil)
	wantJSON(t, "an unknown credential", s.ceremony(t, console.PasskeySignInFinishPath, url.Values{"credential": {string(answer)}}, "", ceremony), 404)

	// Registration: a malformed answer, a name too long; neither stores anything.
	r := s.ceremony(t, console.PasskeyRegisterBeginPath, url.Values{"csrf": {csrf}}, session, "")
	wantJSON(t, "register malformed", s.ceremony(t, console.PasskeyRegisterFinishPath,
		url.Values{"csrf": {csrf}, "credential": {"[]"}}, session, ceremonyCookie(t, r)), 400)
	r = s.ceremony(t, console.PasskeyRegisterBeginPath, url.Values{"csrf": {csrf}}, session, "")
	created, _, _ := passkeytest.New(s.url).Create([]byte(r.body))
	wantJSON(t, "register a long name", s.ceremony(t, console.PasskeyRegisterFinishPath,
		url.Values{"csrf": {csrf}, "name": {strings.Repeat("n", 61)}, "credential": {string(created)}}, session, ceremonyCookie(t, r)), 422)
	if keys, _ := s.store.Passkeys(context.Background(), "ada@example.com"); len(keys) != 1 {
		t.Fatalf("%d passkeys after bad answers, want 1", len(keys))
	}
	if n := s.items(t, "console_sessions"); n != 1 {
		t.Fatalf("%d sessions after refused sign-ins, want only the first", n)
	}

	// Begins count against the per-IP limit of sign-in requests (7 here: 5 so far).
	for range 2 {
		wantJSON(t, "a begin within the limit", s.ceremony(t, console.PasskeySignInBeginPath, url.Values{}, "", ""), 200)
	}
	limited := s.ceremony(t, console.PasskeySignInBeginPath, url.Values{}, "", "")
	wantJSON(t, "a begin over the limit", limited, 429)
	if limited.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

func TestPasskeysWhereTheAddressCannotCarryThem(t *testing.T) {
	s := newSite(t) // at http://127.0.0.1:<port>
	session := s.signIn(t, "ada@example.com")
	want(t, "passkeys page", s.get(t, console.PasskeysPath, session), 200, "Passkeys cannot be used at this console's address", "is an IP address")
	if got := wantJSON(t, "sign-in begin", s.post(t, console.PasskeySignInBeginPath, url.Values{}, ""), 503); got["error"] != leadgate.ErrPasskeysUnavailable.Message {
		t.Fatalf("sign-in begin: %v", got)
	}
	wantJSON(t, "register begin", s.post(t, console.PasskeyRegisterBeginPath, url.Values{"csrf": {s.csrf(t, session)}}, session), 503)
	if r := s.get(t, console.SignInPath, ""); strings.Contains(r.body, "passkey-sign-in") {
		t.Fatal("the sign-in page offers passkeys where they cannot work")
	}
}
