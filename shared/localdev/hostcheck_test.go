package localdev_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"leadgate/shared/browsertest"
	"leadgate/shared/capture"
	"leadgate/shared/consoleauth"
	"leadgate/shared/followup"
	"leadgate/shared/localdev"
)

const (
	guardToken = "guarded-admin-token-0123456789"
	// misdirected is the whole answer to a request for another host.
	misdirected = "Misdirected request: this server answers only at its own address.\n"
)

// startGuarded runs the local server as leadgate-dev does: on 127.0.0.1, told the
// address it listens on, its change feed followed, the admin API on.
func startGuarded(t *testing.T) *followupRun {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fu := followup.DefaultConfig()
	fu.BaseURL, fu.From, fu.SendRate = "http://"+ln.Addr().String(), "hello@example.com", 0
	clock := localdev.NewClock(0)
	srv, err := localdev.Open(context.Background(), localdev.Config{DataDir: t.TempDir(), Capture: capture.DefaultConfig(),
		FollowUp: fu, Clock: clock, AdminToken: guardToken, Addr: ln.Addr().String(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	ctx, stop := context.WithCancel(context.Background())
	r := &followupRun{srv: srv, ts: ts, clock: clock, stop: stop, done: make(chan struct{})}
	go func() { srv.FollowChanges(ctx); close(r.done) }()
	t.Cleanup(func() { stop(); <-r.done; ts.Close(); srv.Close() })
	return r
}

// hostRequest is a request to the server under test, whatever Host it names.
type hostRequest struct {
	method, path, body string
	header             map[string]string
}

// sendAs sends req to the server at addr with the Host line host ("": an empty one),
// over a connection of its own, and returns the answer.
func sendAs(t *testing.T, addr, host string, req hostRequest) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", req.method, req.path, host)
	for k, v := range req.header {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	if req.body != "" {
		fmt.Fprintf(&b, "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n", len(req.body))
	}
	b.WriteString("\r\n" + req.body)
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s %s as %q: %v", req.method, req.path, host, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// A page on another site whose name resolves to 127.0.0.1 (DNS rebinding) reaches
// the server with its own name as Host: every route refuses it, and says nothing,
// while the server's own names are answered.
func TestOtherHostsAreRefused(t *testing.T) {
	r := startGuarded(t)
	r.submit(t, localdev.SampleSlug, "rebound@example.com", true)
	r.waitMail(t, "rebound@example.com", "")
	before := r.clock.Offset()
	addr := r.ts.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	otherPort := "8080"
	if port == otherPort {
		otherPort = "8081"
	}
	bearer := map[string]string{"Authorization": "Bearer " + guardToken}
	routes := []hostRequest{
		{method: "GET", path: "/"},
		{method: "GET", path: "/dev/leads", header: map[string]string{"Accept": "application/json"}},
		{method: "GET", path: "/dev/outbox/"},
		{method: "GET", path: "/dev/bucket/"},
		{method: "GET", path: "/dev/dashboard?page=" + localdev.SampleSlug},
		{method: "GET", path: "/p/" + localdev.SampleSlug},
		{method: "GET", path: "/v1/pages/" + localdev.SampleSlug + "/form-token"},
		{method: "GET", path: "/v1/admin/pages", header: bearer},
		{method: "GET", path: "/v1/admin/leads?page=" + localdev.SampleSlug, header: bearer},
		{method: "GET", path: "/nowhere"},
		{method: "POST", path: "/dev/clock", body: "advance=8760h"},
		{method: "POST", path: "/v1/pages/" + localdev.SampleSlug + "/leads", body: "email=mallory%40example.com&consent=on"},
	}
	foreign := []string{"evil.example", "evil.example:" + port, "evil.example:8080", "127.0.0.1.evil.example",
		"127.0.0.1.evil.example:" + port, "localhost.evil.example:" + port, "EVIL.example:" + port,
		"127.0.0.1:" + otherPort, "localhost:" + otherPort, "[::1]:" + otherPort, "127.0.0.1", "localhost", ""}
	for _, host := range foreign {
		for _, req := range routes {
			t.Run(fmt.Sprintf("%s %s as %q", req.method, req.path, host), func(t *testing.T) {
				code, body := sendAs(t, addr, host, req)
				if code != http.StatusMisdirectedRequest || body != misdirected {
					t.Fatalf("got %d %q, want 421 %q", code, body, misdirected)
				}
			})
		}
	}
	// An HTTP/1.0 request may name no host at all.
	if code, body := sendRaw(t, addr, "GET /dev/leads HTTP/1.0\r\n\r\n"); code != http.StatusMisdirectedRequest || body != misdirected {
		t.Errorf("HTTP/1.0 with no Host: %d %q, want 421", code, body)
	}
	if off := r.clock.Offset(); off != before {
		t.Errorf("refused requests moved the clock from %s to %s ahead", before, off)
	}
	if _, err := r.srv.Store.LeadByEmail(context.Background(), "mallory@example.com"); err == nil {
		t.Error("a refused capture stored its lead")
	}

	// The server's own names.
	for _, host := range []string{addr, "localhost:" + port, "LocalHost:" + port, "[::1]:" + port} {
		t.Run("own "+host, func(t *testing.T) {
			code, body := sendAs(t, addr, host, hostRequest{method: "GET", path: "/dev/leads", header: map[string]string{"Accept": "application/json"}})
			if code != http.StatusOK || !strings.Contains(body, "rebound@example.com") {
				t.Fatalf("/dev/leads: %d %.200s", code, body)
			}
			if code, body = sendAs(t, addr, host, hostRequest{method: "GET", path: "/dev/outbox/"}); code != http.StatusOK || !strings.Contains(body, "rebound@example.com") {
				t.Fatalf("/dev/outbox/: %d %.200s", code, body)
			}
			if code, body = sendAs(t, addr, host, hostRequest{method: "GET", path: "/v1/admin/pages", header: bearer}); code != http.StatusOK || !strings.Contains(body, localdev.SampleSlug) {
				t.Fatalf("/v1/admin/pages: %d %.200s", code, body)
			}
		})
	}
}

func sendRaw(t *testing.T, addr, request string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// The names a server answers to follow the address it listens on: every interface
// answers any IP address on its port (an address cannot be rebound), port 80 names
// without a port too, and the public base URL's host is one of its names.
func TestAllowedHostsFollowTheListenAddress(t *testing.T) {
	cases := []struct {
		addr, base  string
		ok, refused []string
	}{
		{addr: "0.0.0.0:8080",
			ok:      []string{"192.0.2.7:8080", "[2001:db8::1]:8080", "localhost:8080", "0.0.0.0:8080"},
			refused: []string{"192.0.2.7:8081", "192.0.2.7", "evil.example:8080", "192.0.2.7.evil.example:8080"}},
		{addr: "[::]:8080", ok: []string{"[::1]:8080", "10.0.0.2:8080"}, refused: []string{"evil.example:8080"}},
		{addr: "127.0.0.1:80",
			ok:      []string{"localhost", "127.0.0.1", "[::1]", "localhost:80"},
			refused: []string{"evil.example", "192.0.2.7", "localhost:8080"}},
		{addr: "localhost:8080", ok: []string{"localhost:8080", "127.0.0.1:8080"}, refused: []string{"192.0.2.7:8080"}},
		// make dev: listening on 127.0.0.1, its links and console at localhost.
		{addr: "127.0.0.1:8080", base: "http://localhost:8080",
			ok:      []string{"localhost:8080", "127.0.0.1:8080", "[::1]:8080"},
			refused: []string{"evil.example:8080", "localhost.evil.example:8080", "localhost:8081", "localhost"}},
		{addr: "127.0.0.1:8080", base: "https://leads.test.example",
			ok:      []string{"leads.test.example", "127.0.0.1:8080"},
			refused: []string{"other.test.example", "leads.test.example:8080"}},
	}
	for _, c := range cases {
		t.Run(c.addr, func(t *testing.T) {
			fu := followup.DefaultConfig()
			fu.BaseURL = c.base
			srv, err := localdev.Open(context.Background(), localdev.Config{DataDir: t.TempDir(), Capture: capture.DefaultConfig(),
				FollowUp: fu, Addr: c.addr, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			serve := func(host string) int {
				req := httptest.NewRequest("GET", "/dev/leads", nil)
				req.Header.Set("Accept", "application/json")
				req.Host = host
				w := httptest.NewRecorder()
				srv.Handler().ServeHTTP(w, req)
				return w.Code
			}
			for _, host := range c.ok {
				if got := serve(host); got != http.StatusOK {
					t.Errorf("Host %q: %d, want 200", host, got)
				}
			}
			for _, host := range c.refused {
				if got := serve(host); got != http.StatusMisdirectedRequest {
					t.Errorf("Host %q: %d, want 421", host, got)
				}
			}
		})
	}
	if _, err := localdev.Open(context.Background(), localdev.Config{DataDir: t.TempDir(), Capture: capture.DefaultConfig(), Addr: "8080"}); err == nil {
		t.Error("Addr 8080 (no host:port) was accepted")
	}
}

// A web page on any site may post a form to the local server. The dev tools take
// changes from their own pages only: moving the clock a year sends every nurture
// email and expires every link. Requests with no browser headers (curl) pass.
func TestDevToolsRefuseCrossSitePosts(t *testing.T) {
	r := startGuarded(t)
	own := r.ts.URL
	post := func(path string, header map[string]string) (int, string) {
		t.Helper()
		req, err := http.NewRequest("POST", r.ts.URL+path, strings.NewReader("advance=24h"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	refused := []map[string]string{
		{"Origin": "https://evil.example"},
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		{"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:3000"},
		{"Origin": "null"},
		{"Origin": "http://localhost:3000"},
	}
	for _, h := range refused {
		if code, body := post("/dev/clock", h); code != http.StatusForbidden {
			t.Errorf("POST /dev/clock with %v: %d %q, want 403", h, code, body)
		}
	}
	if off := r.clock.Offset(); off != 0 {
		t.Fatalf("cross-site posts moved the clock %s", off)
	}
	for _, path := range []string{"/dev/outbox/", "/dev/leads", "/dev/bucket/x"} {
		if code, _ := post(path, map[string]string{"Sec-Fetch-Site": "cross-site"}); code != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d, want 403", path, code)
		}
	}

	accepted := []map[string]string{
		{"Sec-Fetch-Site": "same-origin", "Origin": own},
		{"Sec-Fetch-Site": "none"},
		{"Origin": own}, // a browser too old to send Sec-Fetch-Site
		nil,             // curl
	}
	for i, h := range accepted {
		code, _ := post("/dev/clock", h)
		if want := time.Duration(i+1) * 24 * time.Hour; code != http.StatusSeeOther || r.clock.Offset() != want {
			t.Fatalf("POST /dev/clock with %v: %d, clock %s ahead, want 303 and %s", h, code, r.clock.Offset(), want)
		}
	}
}

// The public routes are posted to from other sites by design: a marketer's own
// site's form, a mail client's one-click unsubscribe. The dev tools' rule leaves
// them alone.
func TestPublicRoutesTakeCrossSitePosts(t *testing.T) {
	r := startGuarded(t)
	_, form := get(t, r.ts.URL+"/v1/pages/"+localdev.SampleSlug+"/form-token")
	token, ok := strings.CutPrefix(form, `{"form_token":"`)
	token, _, _ = strings.Cut(token, `"`)
	if !ok || token == "" {
		t.Fatalf("form token: %s", form)
	}
	r.clock.Advance(5 * time.Second)
	crossSite := func(req *http.Request) *http.Response {
		t.Helper()
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", "http://localhost:3000") // the sample page's allowed origin
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	v := url.Values{"email": {"cross@example.com"}, "name": {"Cross Site"}, "consent": {"on"}, "form_token": {token}}
	req, _ := http.NewRequest("POST", r.ts.URL+"/v1/pages/"+localdev.SampleSlug+"/leads", strings.NewReader(v.Encode()))
	if res := crossSite(req); res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "/thanks") {
		t.Fatalf("capture posted from the marketer's site: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	m := r.waitMail(t, "cross@example.com", "")
	link := unsubLink.FindStringSubmatch(header(m, "List-Unsubscribe"))
	if link == nil {
		t.Fatalf("List-Unsubscribe %q", header(m, "List-Unsubscribe"))
	}
	req, _ = http.NewRequest("POST", link[1], strings.NewReader("List-Unsubscribe=One-Click"))
	if res := crossSite(req); res.StatusCode != http.StatusOK {
		t.Fatalf("one-click unsubscribe posted from elsewhere: %d", res.StatusCode)
	}
}

// In a real browser the start page's clock buttons work, and a form on another
// site that posts to the clock is refused.
func TestClockButtonsInARealBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("drives Chromium; not in -short mode")
	}
	r := startGuarded(t)
	// The other site: localhost on another port, a site apart from 127.0.0.1.
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><form method="post" action="%s/dev/clock"><input type="hidden" name="advance" value="8760h"></form>`+
			`<script>document.forms[0].submit()</script>`, r.ts.URL)
	}))
	defer attacker.Close()
	_, attackerPort, _ := net.SplitHostPort(attacker.Listener.Addr().String())

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bctx := browsertest.Start(t, ctx)

	if err := chromedp.Do(bctx, chromedp.Navigate(r.ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`form[action="/dev/clock"] button`))); err != nil {
		t.Fatalf("open the start page: %v", err)
	}
	res, err := chromedp.RunResponse(bctx, chromedp.Click(chromedp.CSS(`form[action="/dev/clock"] button`)))
	if err != nil {
		t.Fatalf("click +1 day: %v", err)
	}
	text, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil || res.Status != 200 || !strings.Contains(text, "ahead of this machine") || r.clock.Offset() != 24*time.Hour {
		t.Fatalf("after +1 day: %d %s, clock %s ahead (%v)", res.Status, res.URL, r.clock.Offset(), err)
	}

	if err := chromedp.Do(bctx, chromedp.Navigate("http://localhost:"+attackerPort+"/")); err != nil {
		t.Fatalf("open the other site: %v", err)
	}
	var page string
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		page, err = chromedp.Run(bctx, chromedp.Evaluate[string](`location.href + " " + document.body.innerText`))
		if err == nil && strings.HasPrefix(page, r.ts.URL+"/dev/clock ") || r.clock.Offset() != 24*time.Hour {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other site's form did not post: %q (%v)", page, err)
		}
	}
	if !strings.Contains(page, "cross-origin request detected") || r.clock.Offset() != 24*time.Hour {
		t.Fatalf("the other site's post answered %q; clock %s ahead, want it refused", page, r.clock.Offset())
	}
}

// Locally the links and the console are at localhost, which passkeys accept, when
// the server listens on a loopback IP.
func TestBaseURLIsLocalhostOnLoopback(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080":  "http://localhost:8080",
		"[::1]:9000":      "http://localhost:9000",
		"localhost:8080":  "http://localhost:8080",
		"0.0.0.0:8080":    "http://0.0.0.0:8080",
		"192.0.2.7:8080":  "http://192.0.2.7:8080",
		"leads.test:8080": "http://leads.test:8080",
	} {
		if got := localdev.BaseURL(addr); got != want {
			t.Errorf("BaseURL(%q) = %q, want %q", addr, got, want)
		}
	}
	if _, err := consoleauth.PasskeyOrigin(localdev.BaseURL("127.0.0.1:8080")); err != nil {
		t.Errorf("passkeys refuse the local base URL: %v", err)
	}
}
