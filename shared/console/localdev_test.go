package console_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"leadgate/shared/capture"
	"leadgate/shared/console"
	"leadgate/shared/followup"
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
)

// openLocal runs the local server, as make dev does, on 127.0.0.1 with the console's
// users, and returns it with its address.
func openLocal(t *testing.T, users string) (*localdev.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	list, err := leadgate.ParseConsoleUsers(users)
	if err != nil {
		t.Fatal(err)
	}
	fu := followup.DefaultConfig()
	fu.BaseURL, fu.From = "http://"+ln.Addr().String(), "hello@example.com"
	srv, err := localdev.Open(context.Background(), localdev.Config{DataDir: t.TempDir(), Capture: capture.DefaultConfig(),
		FollowUp: fu, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Addr: ln.Addr().String(), ConsoleUsers: list})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	return srv, fu.BaseURL
}

func send(t *testing.T, method, target, cookie string) *http.Response {
	t.Helper()
	r, err := http.NewRequest(method, target, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	if method == "POST" {
		r.Header.Set("Origin", target[:strings.Index(target, "/console/")])
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: console.CookieName, Value: cookie})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// TestLocalRunServesTheConsole: make dev's server mounts the console for its users
// and makes the link it prints at start, which signs in once.
func TestLocalRunServesTheConsole(t *testing.T) {
	srv, base := openLocal(t, "you@localhost.test, other@example.com")
	link, email, err := srv.ConsoleSignInURL(context.Background())
	if err != nil || email != "you@localhost.test" || !strings.HasPrefix(link, base+"/console/sign-in/") {
		t.Fatalf("ConsoleSignInURL = %q, %q, %v", link, email, err)
	}
	if res := send(t, "GET", base+console.HomePath, ""); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != console.SignInPath {
		t.Fatalf("console without a session: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res := send(t, "POST", link, "")
	var session string
	for _, c := range res.Cookies() {
		if c.Name == console.CookieName {
			session = c.Value
		}
	}
	if res.StatusCode != http.StatusSeeOther || session == "" {
		t.Fatalf("the printed link: %d, cookie %q", res.StatusCode, session)
	}
	if res := send(t, "POST", link, ""); res.StatusCode != http.StatusGone {
		t.Fatalf("the printed link again: %d, want 410", res.StatusCode)
	}
	res = send(t, "GET", base+console.HomePath, session)
	body, _ := io.ReadAll(res.Body)
	for _, want := range []string{localdev.SampleSlug, `href="/dev/outbox/"`, `href="/"`, "you@localhost.test"} {
		if res.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Fatalf("pages list (%d) does not show %q: %.3000s", res.StatusCode, want, body)
		}
	}

	// A link asked for on the sign-in page lands in the outbox.
	form := url.Values{"email": {"other@example.com"}}
	r, _ := http.NewRequest("POST", base+console.SignInPath, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", base)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err = http.DefaultClient.Do(r)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("sign-in request: %v, %v", res, err)
	}
	res.Body.Close()
	mails, err := srv.Outbox.List(context.Background())
	if err != nil || len(mails) != 1 || !strings.Contains(mails[0].To, "other@example.com") {
		t.Fatalf("outbox: %+v, %v", mails, err)
	}
}

func TestLocalRunWithoutConsoleUsers(t *testing.T) {
	srv, base := openLocal(t, "")
	if link, _, err := srv.ConsoleSignInURL(context.Background()); link != "" || err != nil {
		t.Fatalf("ConsoleSignInURL = %q, %v; want none", link, err)
	}
	if res := send(t, "GET", base+console.SignInPath, ""); res.StatusCode != http.StatusNotFound {
		t.Fatalf("sign-in page with no console users: %d, want 404", res.StatusCode)
	}
}
