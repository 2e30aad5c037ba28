package captcha_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"

	"leadgate/shared/captcha"
	"leadgate/shared/leadgate"
)

// provider is a local siteverify endpoint answering with reply (and status).
type provider struct {
	srv   *httptest.Server
	calls atomic.Int32
	last  atomic.Value // the last form posted
}

func newProvider(t *testing.T, status int, reply string) *provider {
	t.Helper()
	p := &provider{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.calls.Add(1)
		if err := r.ParseForm(); err == nil {
			p.last.Store(r.PostForm)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(reply))
	}))
	p.srv.Listener = l
	p.srv.Start()
	t.Cleanup(p.srv.Close)
	return p
}

var page = leadgate.Page{Slug: "guarded", Captcha: leadgate.Captcha{Provider: leadgate.CaptchaTurnstile, SiteKey: "0x4AAA-site"}}

func verifier(p *provider) *captcha.Verifier {
	return captcha.NewWithClient(p.srv.Client(),
		map[leadgate.CaptchaProvider]string{leadgate.CaptchaTurnstile: p.srv.URL + "/siteverify"},
		map[leadgate.CaptchaProvider]string{leadgate.CaptchaTurnstile: "the-secret"})
}

func TestVerify(t *testing.T) {
	cases := []struct {
		name   string
		status int
		reply  string
		want   leadgate.Code // "" is success
	}{
		{"a person", 200, `{"success":true,"hostname":"example.com"}`, ""},
		{"not a person", 200, `{"success":false,"error-codes":["invalid-input-response"]}`, leadgate.EINVALID},
		{"an answer used twice", 200, `{"success":false,"error-codes":["timeout-or-duplicate"]}`, leadgate.EINVALID},
		// Fail closed: whenever the provider cannot say, the post is not taken.
		{"our secret refused", 200, `{"success":false,"error-codes":["invalid-input-secret"]}`, leadgate.EUNAVAILABLE},
		{"provider error", 500, `{"success":true}`, leadgate.EUNAVAILABLE},
		{"not JSON", 200, `<html>maintenance</html>`, leadgate.EUNAVAILABLE},
		{"no verdict", 200, `{}`, leadgate.EUNAVAILABLE},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newProvider(t, tc.status, tc.reply)
			err := verifier(p).Verify(context.Background(), page, "answer-token", "203.0.113.9")
			if got := leadgate.ErrorCode(err); (err == nil) != (tc.want == "") || (err != nil && got != tc.want) {
				t.Fatalf("Verify: %v, want %q", err, tc.want)
			}
			form, _ := p.last.Load().(url.Values)
			if form.Get("secret") != "the-secret" || form.Get("response") != "answer-token" || form.Get("remoteip") != "203.0.113.9" {
				t.Errorf("posted %v", form)
			}
		})
	}
}

func TestVerifyWithoutAnAnswerAsksNobody(t *testing.T) {
	p := newProvider(t, 200, `{"success":true}`)
	for _, answer := range []string{"", "   "} {
		if err := verifier(p).Verify(context.Background(), page, answer, ""); leadgate.ErrorCode(err) != leadgate.EINVALID {
			t.Errorf("answer %q: %v, want EINVALID", answer, err)
		}
	}
	if n := p.calls.Load(); n != 0 {
		t.Errorf("%d calls to the provider", n)
	}
	if err := verifier(p).Verify(context.Background(), leadgate.Page{}, "", ""); err != nil {
		t.Errorf("a page without a captcha: %v", err)
	}
}

func TestVerifyUnreachable(t *testing.T) {
	p := newProvider(t, 200, `{"success":true}`)
	v := verifier(p)
	p.srv.Close()
	if err := v.Verify(context.Background(), page, "answer", ""); leadgate.ErrorCode(err) != leadgate.EUNAVAILABLE {
		t.Fatalf("closed provider: %v, want EUNAVAILABLE", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := verifier(newProvider(t, 200, `{"success":true}`)).Verify(ctx, page, "answer", ""); leadgate.ErrorCode(err) != leadgate.EUNAVAILABLE {
		t.Fatalf("request given up: %v, want EUNAVAILABLE", err)
	}
	noSecret := captcha.NewWithClient(http.DefaultClient, captcha.Endpoints, nil)
	if err := noSecret.Verify(context.Background(), page, "answer", ""); leadgate.ErrorCode(err) != leadgate.EUNAVAILABLE {
		t.Fatalf("no secret: %v, want EUNAVAILABLE", err)
	}
}

// The production client never reaches a private address: not the local provider,
// whatever URL it is given.
func TestPublicClientRefusesPrivateAddresses(t *testing.T) {
	p := newProvider(t, 200, `{"success":true}`)
	v := captcha.NewWithClient(captcha.PublicClient(),
		map[leadgate.CaptchaProvider]string{leadgate.CaptchaTurnstile: p.srv.URL + "/siteverify"},
		map[leadgate.CaptchaProvider]string{leadgate.CaptchaTurnstile: "the-secret"})
	if err := v.Verify(context.Background(), page, "answer", ""); leadgate.ErrorCode(err) != leadgate.EUNAVAILABLE {
		t.Fatalf("Verify: %v, want EUNAVAILABLE", err)
	}
	if n := p.calls.Load(); n != 0 {
		t.Fatalf("the public client reached 127.0.0.1 (%d calls)", n)
	}
	for addr, public := range map[string]bool{
		"1.1.1.1": true, "104.16.0.1": true, "2606:4700::1": true,
		"127.0.0.1": false, "10.0.0.5": false, "172.16.0.1": false, "192.168.1.1": false, "169.254.169.254": false,
		"100.64.0.1": false, "0.0.0.0": false, "::1": false, "fc00::1": false, "fe80::1": false, "::ffff:127.0.0.1": false,
		"::ffff:10.0.0.1": false, "224.0.0.1": false, "255.255.255.255": false,
	} {
		if got := captcha.Public(netip.MustParseAddr(addr)); got != public {
			t.Errorf("Public(%s) = %v, want %v", addr, got, public)
		}
	}
}
