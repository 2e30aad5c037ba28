package console_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"leadgate/shared/browsertest"
	"leadgate/shared/capture"
	"leadgate/shared/console"
	"leadgate/shared/followup"
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
)

// consoleBrowser is a Chromium signed in to the console of a local server.
type consoleBrowser struct {
	Srv   *localdev.Server
	Base  string          // the console's origin: http://localhost:<port>
	Ctx   context.Context // the browser's tab, signed in
	Email string
}

// openSignedInConsoleBrowser runs the local server, as make dev does, bound to
// 127.0.0.1 with email as its one console user, starts Chromium, and signs in as a
// person does: the sign-in form, the link from the outbox, its button. The console's
// base URL is http://localhost:<port>, the same server: browsers take passkeys at
// localhost but not at an IP address. The run, the browser included, ends within
// two minutes; the browser is closed at the test's end.
func openSignedInConsoleBrowser(t *testing.T, email string) *consoleBrowser {
	t.Helper()
	if testing.Short() {
		t.Skip("drives Chromium; not in -short mode")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	users, err := leadgate.ParseConsoleUsers(email)
	if err != nil {
		t.Fatal(err)
	}
	fu := followup.DefaultConfig()
	fu.BaseURL, fu.From = "http://localhost:"+port, "hello@example.com"
	srv, err := localdev.Open(context.Background(), localdev.Config{DataDir: t.TempDir(), Capture: capture.DefaultConfig(),
		FollowUp: fu, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Addr: ln.Addr().String(), ConsoleUsers: users})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	// The change feed is followed, as make dev does: counters, emails, scores.
	followCtx, stopFollowing := context.WithCancel(context.Background())
	followed := make(chan struct{})
	go func() { _ = srv.FollowChanges(followCtx); close(followed) }()
	t.Cleanup(func() { stopFollowing(); <-followed })
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	bctx := browsertest.Start(t, ctx)

	b := &consoleBrowser{Srv: srv, Base: fu.BaseURL, Ctx: bctx, Email: email}
	if err := chromedp.Do(bctx,
		chromedp.Navigate(b.Base+console.SignInPath),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.Click(chromedp.CSS(`form[action="/console/sign-in"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`div[role="status"] strong`)),
	); err != nil {
		t.Fatalf("ask for a sign-in link: %v", err)
	}
	link := b.emailedLink(t)
	if err := chromedp.Do(bctx,
		chromedp.Navigate(link),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".who")),
	); err != nil {
		t.Fatalf("sign in with the link: %v", err)
	}
	b.wantSignedIn(t, console.HomePath)
	return b
}

var emailedLinkPattern = regexp.MustCompile(`http://localhost:[0-9]+/console/sign-in/[A-Za-z0-9_-]{43}`)

// emailedLink reads the newest sign-in link in the outbox.
func (b *consoleBrowser) emailedLink(t *testing.T) string {
	t.Helper()
	list, err := b.Srv.Outbox.List(context.Background())
	if err != nil || len(list) == 0 {
		t.Fatalf("outbox: %d mails, %v", len(list), err)
	}
	m, err := b.Srv.Outbox.Get(context.Background(), list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	link := emailedLinkPattern.FindString(m.Text)
	if link == "" || !strings.Contains(m.To, b.Email) {
		t.Fatalf("no sign-in link to %s in the newest mail (to %s):\n%s", b.Email, m.To, m.Text)
	}
	return link
}

// wantSignedIn checks that the tab shows path signed in as the browser's user.
func (b *consoleBrowser) wantSignedIn(t *testing.T, path string) {
	t.Helper()
	loc, err := chromedp.Run(b.Ctx, chromedp.Location())
	if err != nil || loc != b.Base+path {
		t.Fatalf("at %q (%v), want %s", loc, err, b.Base+path)
	}
	who, err := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(".who .muted")))
	if err != nil || who != b.Email {
		t.Fatalf("signed in as %q (%v), want %s", who, err, b.Email)
	}
}

// passkeyRoundTrip: the person signed in by email adds a passkey with the device's
// authenticator (Chromium's virtual one: CTAP2, internal, resident keys, user
// verification), signs out, and signs in again with the passkey alone.
func (b *consoleBrowser) passkeyRoundTrip(t *testing.T) {
	t.Helper()
	if _, err := chromedp.Call(b.Ctx, webauthn.Enable, webauthn.EnableParams{EnableUI: new(false)}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	if _, err := chromedp.Call(b.Ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
			Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
			IsUserVerified: true, AutomaticPresenceSimulation: true,
		},
	}); err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}

	// The script shows the form only where it runs and WebAuthn is there.
	if err := chromedp.Do(b.Ctx,
		chromedp.Navigate(b.Base+console.PasskeysPath),
		chromedp.WaitVisible(chromedp.ID("passkey-add")),
		chromedp.SendKeys(chromedp.ID("passkey-name"), "Chromium's authenticator"),
		chromedp.Click(chromedp.CSS(`#passkey-add button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table tbody th[scope="row"]`)),
	); err != nil {
		status, _ := chromedp.Run(b.Ctx, chromedp.Text(chromedp.ID("passkey-status")))
		t.Fatalf("add a passkey: %v (the page says %q)", err, status)
	}
	name, err := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(`table tbody th[scope="row"]`)))
	if err != nil || name != "Chromium's authenticator" {
		t.Fatalf("passkey listed as %q (%v)", name, err)
	}
	if hidden, _ := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](`document.getElementById("passkey-nojs").hidden`)); !hidden {
		t.Fatal("the page says passkeys need JavaScript while it runs")
	}
	keys, err := b.Srv.Store.Passkeys(context.Background(), b.Email)
	if err != nil || len(keys) != 1 || keys[0].Attachment != "platform" || keys[0].Flags&0x04 == 0 {
		t.Fatalf("stored passkeys %+v, %v; want one, of the platform, user verified", keys, err)
	}

	if err := chromedp.Do(b.Ctx,
		chromedp.Click(chromedp.CSS(`form[action="/console/sign-out"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`div[role="status"] h1`)),
		chromedp.Navigate(b.Base+console.SignInPath),
		chromedp.WaitVisible(chromedp.CSS(`#passkey-sign-in button`)),
		chromedp.Click(chromedp.CSS(`#passkey-sign-in button`)),
		chromedp.WaitVisible(chromedp.CSS(".who")),
	); err != nil {
		status, _ := chromedp.Run(b.Ctx, chromedp.Text(chromedp.ID("passkey-status")))
		t.Fatalf("sign out, then in with the passkey: %v (the page says %q)", err, status)
	}
	b.wantSignedIn(t, console.HomePath)
	used, err := b.Srv.Store.PasskeyByCredentialID(context.Background(), keys[0].ID)
	if err != nil || used.LastUsedAt.IsZero() {
		t.Fatalf("the passkey's last use: %+v, %v", used, err)
	}
}
