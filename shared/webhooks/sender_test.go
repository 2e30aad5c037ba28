package webhooks_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"leadgate/shared/webhooks"
)

func TestSignatureVerifiesWithReferenceLibrary(t *testing.T) {
	oldSecret, _ := webhooks.NewSecret()
	newSecret, _ := webhooks.NewSecret()
	body := []byte(`{"type":"lead.created","timestamp":"2026-03-02T09:30:00Z","data":{}}`)
	now := time.Now()
	sig, err := webhooks.Sign("msg_abc", now, body, []string{newSecret, oldSecret})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(sig)); n != 2 {
		t.Fatalf("signatures during a rotation: %d, want 2 (%s)", n, sig)
	}
	header := http.Header{}
	header.Set(webhooks.HeaderID, "msg_abc")
	header.Set(webhooks.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	header.Set(webhooks.HeaderSignature, sig)
	// A receiver holding either secret of the rotation verifies the message.
	for _, secret := range []string{oldSecret, newSecret} {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(body, header); err != nil {
			t.Errorf("reference library refused the signature: %v", err)
		}
		if err := wh.Verify(append([]byte(" "), body...), header); err == nil {
			t.Error("reference library accepted a changed body")
		}
	}
	other, _ := webhooks.NewSecret()
	wh, _ := standardwebhooks.NewWebhook(other)
	if wh.Verify(body, header) == nil {
		t.Error("another secret verified the message")
	}
}

// receiverHits starts a receiver on 127.0.0.1 that counts what reaches it.
func receiverHits(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestAWSPolicyRefusesPrivateTargets(t *testing.T) {
	srv, hits := receiverHits(t, func(w http.ResponseWriter, r *http.Request) {})
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	aws := webhooks.NewSenderForTest(webhooks.AWSPolicy, time.Second)
	// The AWS address rules with http allowed: the address is what refuses.
	awsHTTP := webhooks.NewSenderForTest(webhooks.Policy{AllowHTTP: true}, time.Second)
	for _, tc := range []struct {
		name   string
		sender *webhooks.Sender
		url    string
	}{
		{"loopback", aws, "https://127.0.0.1:" + port + "/"},
		{"metadata", aws, "https://169.254.169.254/latest/meta-data/"},
		{"private", aws, "https://10.0.0.1/"},
		{"IPv6 loopback", aws, "https://[::1]:" + port + "/"},
		{"IPv4-mapped loopback", aws, "https://[::ffff:127.0.0.1]:" + port + "/"},
		{"CGNAT", aws, "https://100.64.0.1/"},
		{"unique local", aws, "https://[fd00::1]/"},
		{"name resolving to loopback", aws, "https://localhost:" + port + "/"},
		{"name resolving to loopback, over http", awsHTTP, "http://localhost:" + port + "/"},
		{"plain http", aws, "http://example.com/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.sender.Post(context.Background(), tc.url, []byte("{}"), nil)
			if res.OK() || !res.Refused() || !errors.Is(res.Err, webhooks.ErrRefusedTarget) {
				t.Fatalf("post to %s: %+v, want refused", tc.url, res)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the receiver on loopback got %d requests", n)
	}
	// The local run reaches the same receiver.
	local := webhooks.NewSenderForTest(webhooks.LocalPolicy, time.Second)
	if res := local.Post(context.Background(), "http://localhost:"+port+"/", []byte("{}"), nil); !res.OK() {
		t.Fatalf("local post: %+v", res)
	}
}

func TestRedirectToPrivateAddressNotFollowed(t *testing.T) {
	target, targetHits := receiverHits(t, func(w http.ResponseWriter, r *http.Request) {})
	srv, hits := receiverHits(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/inside", http.StatusTemporaryRedirect)
	})
	addr := netip.MustParseAddrPort(strings.TrimPrefix(srv.URL, "http://"))
	// The AWS address rules, letting only the redirecting server through.
	s := webhooks.NewSenderForTest(webhooks.Exempt(webhooks.Policy{AllowHTTP: true}, addr), time.Second)
	res := s.Post(context.Background(), srv.URL, []byte("{}"), nil)
	if res.OK() || res.StatusCode != http.StatusTemporaryRedirect || hits.Load() != 1 || targetHits.Load() != 0 {
		t.Fatalf("redirect: %+v, hits %d, target hits %d; want the 307 kept, the private target untouched", res, hits.Load(), targetHits.Load())
	}
	for _, u := range []string{"http://10.0.0.1/", target.URL} {
		if res := s.Post(context.Background(), u, []byte("{}"), nil); !res.Refused() {
			t.Errorf("direct post to %s: %+v, want refused", u, res)
		}
	}
}

func TestResponseReadIsBounded(t *testing.T) {
	srv, _ := receiverHits(t, func(w http.ResponseWriter, r *http.Request) {
		chunk := strings.Repeat("x", 1<<16)
		for range 64 { // 4 MiB, of which the sender reads 64 KiB
			if _, err := w.Write([]byte(chunk)); err != nil {
				return
			}
		}
	})
	s := webhooks.NewSenderForTest(webhooks.LocalPolicy, 5*time.Second)
	if res := s.Post(context.Background(), srv.URL, []byte("{}"), nil); !res.OK() {
		t.Fatalf("post: %+v", res)
	}
}
