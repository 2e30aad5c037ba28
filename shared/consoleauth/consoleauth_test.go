package consoleauth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/consoleauth"
	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
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

// harness is a service on an embedded store in a temporary folder.
type harness struct {
	store *bolt.Store
	clock *clock
	svc   *consoleauth.Service
	key   *signing.Key
}

func newHarness(t *testing.T, users string, tune ...func(*consoleauth.Config)) *harness {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	key, err := signing.NewKey([]byte(strings.Repeat("c", 32)))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{store: store, clock: &clock{t: t0}, key: key}
	h.svc = h.service(t, users, tune...)
	return h
}

// service returns another service on the harness's store and clock.
func (h *harness) service(t *testing.T, users string, tune ...func(*consoleauth.Config)) *consoleauth.Service {
	t.Helper()
	list, err := leadgate.ParseConsoleUsers(users)
	if err != nil {
		t.Fatal(err)
	}
	cfg := consoleauth.DefaultConfig(list)
	for _, f := range tune {
		f(&cfg)
	}
	return consoleauth.New(h.store, h.key, cfg, h.clock.now)
}

// signIn asks for a link for email and uses it, returning the session's token.
func (h *harness) signIn(t *testing.T, email string) (string, leadgate.Session) {
	t.Helper()
	link := h.mustLink(t, email)
	token, ses, err := h.svc.UseLink(context.Background(), link.Token)
	if err != nil {
		t.Fatalf("UseLink: %v", err)
	}
	return token, ses
}

func (h *harness) mustLink(t *testing.T, email string) consoleauth.Link {
	t.Helper()
	link, ok, err := h.svc.RequestLink(context.Background(), email, "203.0.113.7")
	if err != nil || !ok {
		t.Fatalf("RequestLink(%s) = %v, %v", email, ok, err)
	}
	return link
}

func (h *harness) items(t *testing.T, bucket string) int {
	t.Helper()
	counts, err := h.store.ItemCounts()
	if err != nil {
		t.Fatal(err)
	}
	return counts[bucket]
}

func wantError(t *testing.T, what string, err error, want *leadgate.Error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: %v, want %q (%s)", what, err, want.Message, want.Code)
	}
}

const users = "ada@example.com, Grace@Example.com"

func TestLinkSignsIn(t *testing.T) {
	h := newHarness(t, users)
	ctx := context.Background()
	link, ok, err := h.svc.RequestLink(ctx, "  GRACE@example.com ", "203.0.113.7")
	if err != nil || !ok {
		t.Fatalf("RequestLink = %v, %v", ok, err)
	}
	if link.Email != "grace@example.com" || !link.ExpiresAt.Equal(t0.Add(15*time.Minute)) {
		t.Fatalf("link %+v", link)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(link.Token); err != nil || len(raw) != 32 {
		t.Fatalf("token %q: %d bytes, %v; want 32 random bytes in base64url", link.Token, len(raw), err)
	}
	if h.items(t, "console_links") != 1 {
		t.Fatal("no link stored")
	}
	h.clock.advance(14 * time.Minute)
	token, ses, err := h.svc.UseLink(ctx, link.Token)
	if err != nil {
		t.Fatalf("UseLink: %v", err)
	}
	if !leadgate.WellFormedConsoleToken(token) || token == link.Token {
		t.Fatalf("session token %q", token)
	}
	if ses.Email != "grace@example.com" || ses.ID != leadgate.SessionID(token) || !ses.CreatedAt.Equal(h.clock.now()) {
		t.Fatalf("session %+v", ses)
	}
	got, err := h.svc.Session(ctx, token)
	if err != nil || got.Email != "grace@example.com" {
		t.Fatalf("Session = %+v, %v", got, err)
	}
}

func TestUsedLinkRefused(t *testing.T) {
	h := newHarness(t, users)
	link := h.mustLink(t, "ada@example.com")
	if _, _, err := h.svc.UseLink(context.Background(), link.Token); err != nil {
		t.Fatal(err)
	}
	_, _, err := h.svc.UseLink(context.Background(), link.Token)
	wantError(t, "second use", err, leadgate.ErrSignInLinkUsed)
	if h.items(t, "console_sessions") != 1 {
		t.Fatal("a refused link opened a session")
	}
}

func TestExpiredLinkRefused(t *testing.T) {
	h := newHarness(t, users)
	link := h.mustLink(t, "ada@example.com")
	h.clock.advance(leadgate.SignInLinkTTL)
	_, _, err := h.svc.UseLink(context.Background(), link.Token)
	wantError(t, "use after 15 minutes", err, leadgate.ErrSignInLinkExpired)
	if h.items(t, "console_sessions") != 0 {
		t.Fatal("an expired link opened a session")
	}
}

func TestUnknownLinkTokenRefused(t *testing.T) {
	h := newHarness(t, users)
	for _, token := range []string{"", "junk", consoleauth.NewToken(), strings.Repeat("!", leadgate.ConsoleTokenLength)} {
		_, _, err := h.svc.UseLink(context.Background(), token)
		wantError(t, "token "+token, err, leadgate.ErrSignInLinkUnknown)
	}
}

func TestUnknownAddressGetsNoLinkAndNoDifferentError(t *testing.T) {
	h := newHarness(t, users, func(c *consoleauth.Config) { c.RatePerEmail = 2 })
	ctx := context.Background()
	link, ok, err := h.svc.RequestLink(ctx, "mallory@example.com", "198.51.100.1")
	if err != nil || ok || link != (consoleauth.Link{}) {
		t.Fatalf("RequestLink(unknown) = %+v, %v, %v; want no link and no error", link, ok, err)
	}
	if n := h.items(t, "console_links"); n != 0 {
		t.Fatalf("%d links stored for an unknown address", n)
	}
	// The rate limits answer alike for an address that may sign in and one that
	// may not.
	for _, email := range []string{"ada@example.com", "mallory@example.com"} {
		for range 2 {
			if _, _, err := h.svc.RequestLink(ctx, email, "198.51.100.2"); err != nil && email == "ada@example.com" {
				t.Fatal(err)
			}
		}
		_, _, err := h.svc.RequestLink(ctx, email, "198.51.100.3")
		wantError(t, "third request for "+email, err, leadgate.ErrSignInRequestsLimited)
	}
	_, _, err = h.svc.RequestLink(ctx, "not an address", "198.51.100.1")
	if leadgate.ErrorCode(err) != leadgate.EINVALID {
		t.Fatalf("malformed address: %v, want %s", err, leadgate.EINVALID)
	}
}

func TestRequestsRateLimited(t *testing.T) {
	h := newHarness(t, users, func(c *consoleauth.Config) { c.RatePerEmail, c.RatePerIP = 3, 4 })
	ctx := context.Background()
	// Per address, from any IP.
	for i := range 3 {
		if _, _, err := h.svc.RequestLink(ctx, "ada@example.com", "198.51.100."+string(rune('1'+i))); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	_, _, err := h.svc.RequestLink(ctx, "Ada@Example.com", "198.51.100.9")
	wantError(t, "fourth request for the address", err, leadgate.ErrSignInRequestsLimited)
	var de *leadgate.Error
	if !errors.As(err, &de) || de.RetryAfter != 30*time.Minute+time.Second {
		t.Fatalf("RetryAfter of %v, want the rest of the window", err)
	}
	// Per IP, for any address: the IP above made one request.
	for _, email := range []string{"grace@example.com", "x@example.com", "y@example.com"} {
		if _, _, err := h.svc.RequestLink(ctx, email, "198.51.100.9"); err != nil {
			t.Fatalf("request for %s: %v", email, err)
		}
	}
	_, _, err = h.svc.RequestLink(ctx, "z@example.com", "198.51.100.9")
	wantError(t, "fifth request from the IP", err, leadgate.ErrSignInRequestsLimited)
	// The next window is open again.
	h.clock.advance(30 * time.Minute)
	h.mustLink(t, "ada@example.com")
}

func TestSessionIdleExpiry(t *testing.T) {
	h := newHarness(t, users)
	ctx := context.Background()
	token, ses := h.signIn(t, "ada@example.com")
	for range 3 {
		h.clock.advance(leadgate.SessionIdleTTL - time.Minute)
		got, err := h.svc.Session(ctx, token)
		if err != nil {
			t.Fatalf("session used within the idle time: %v", err)
		}
		if !got.IdleExpiresAt.Equal(h.clock.now().Add(leadgate.SessionIdleTTL)) || !got.AbsoluteExpiresAt.Equal(ses.AbsoluteExpiresAt) {
			t.Fatalf("touched session %+v", got)
		}
	}
	h.clock.advance(leadgate.SessionIdleTTL)
	_, err := h.svc.Session(ctx, token)
	wantError(t, "session left idle", err, leadgate.ErrSessionExpired)
}

func TestSessionAbsoluteExpiry(t *testing.T) {
	h := newHarness(t, users)
	ctx := context.Background()
	token, ses := h.signIn(t, "ada@example.com")
	for h.clock.now().Add(time.Hour).Before(ses.AbsoluteExpiresAt) {
		h.clock.advance(time.Hour)
		if _, err := h.svc.Session(ctx, token); err != nil {
			t.Fatalf("session in use at %v: %v", h.clock.now(), err)
		}
	}
	h.clock.advance(time.Hour)
	if !h.clock.now().Equal(t0.Add(leadgate.SessionAbsoluteTTL)) {
		t.Fatalf("clock at %v", h.clock.now())
	}
	_, err := h.svc.Session(ctx, token)
	wantError(t, "session in use at its absolute expiry", err, leadgate.ErrSessionExpired)
}

func TestSignOut(t *testing.T) {
	h := newHarness(t, users)
	ctx := context.Background()
	token, _ := h.signIn(t, "ada@example.com")
	other, _ := h.signIn(t, "ada@example.com")
	if err := h.svc.SignOut(ctx, token); err != nil {
		t.Fatal(err)
	}
	_, err := h.svc.Session(ctx, token)
	wantError(t, "session after signing out", err, leadgate.ErrSessionRevoked)
	if _, err := h.svc.Session(ctx, other); err != nil {
		t.Fatalf("another session after signing out of one: %v", err)
	}
	for _, tok := range []string{token, "junk", consoleauth.NewToken()} {
		if err := h.svc.SignOut(ctx, tok); err != nil {
			t.Fatalf("SignOut(%q) = %v, want nil: signed out already", tok, err)
		}
	}
	_, err = h.svc.Session(ctx, "junk")
	wantError(t, "malformed session token", err, leadgate.ErrSessionUnknown)
	_, err = h.svc.Session(ctx, consoleauth.NewToken())
	wantError(t, "unknown session token", err, leadgate.ErrSessionUnknown)
}

func TestSignOutEverywhere(t *testing.T) {
	h := newHarness(t, users)
	ctx := context.Background()
	laptop, _ := h.signIn(t, "ada@example.com")
	phone, _ := h.signIn(t, "ada@example.com")
	grace, _ := h.signIn(t, "grace@example.com")
	h.clock.advance(time.Minute)
	if err := h.svc.SignOutEverywhere(ctx, phone); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{laptop, phone} {
		_, err := h.svc.Session(ctx, tok)
		wantError(t, "session after signing out everywhere", err, leadgate.ErrSessionRevoked)
	}
	if _, err := h.svc.Session(ctx, grace); err != nil {
		t.Fatalf("another user's session: %v", err)
	}
	wantError(t, "signing out everywhere without a session", h.svc.SignOutEverywhere(ctx, phone), leadgate.ErrSessionRevoked)
}

func TestAddressTakenOffTheList(t *testing.T) {
	h := newHarness(t, users)
	ctx := context.Background()
	token, _ := h.signIn(t, "ada@example.com")
	link := h.mustLink(t, "ada@example.com")
	after := h.service(t, "grace@example.com")
	_, _, err := after.UseLink(ctx, link.Token)
	wantError(t, "link of an address taken off the list", err, leadgate.ErrSignInLinkUnknown)
	_, err = after.Session(ctx, token)
	wantError(t, "session of an address taken off the list", err, leadgate.ErrSessionRevoked)
	_, err = h.svc.Session(ctx, token)
	wantError(t, "the same session, listed again", err, leadgate.ErrSessionRevoked)
}
