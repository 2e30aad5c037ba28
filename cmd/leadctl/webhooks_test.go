package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// TestWebhooksCommands adds an endpoint through the dev server, tests it against a
// local receiver (the local run allows http and loopback), shows, changes and
// deletes it.
func TestWebhooksCommands(t *testing.T) {
	srv, ts, _ := devServer(t)
	var hits atomic.Int32
	rx := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("webhook-signature") == "" {
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	t.Cleanup(rx.Close)
	api := []string{"-api", ts.URL, "-token", testToken}
	out, err := leadctl(t, append([]string{"webhooks", "add", "-url", rx.URL, "-events", "lead.created, lead.erased", "-description", "CRM"}, api...)...)
	m := regexp.MustCompile(`added webhook (wh_[0-9a-f]+) .*\nsecret: (whsec_\S+)`).FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	id := m[1]
	if out, err := leadctl(t, append([]string{"webhooks", "list"}, api...)...); err != nil || !strings.Contains(out, id) || strings.Contains(out, "whsec_") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	out, err = leadctl(t, append([]string{"webhooks", "test", id}, api...)...)
	if err != nil || !strings.Contains(out, ": delivered (answered 200)") || hits.Load() != 1 {
		t.Fatalf("test: %v\n%s", err, out)
	}
	delivery := regexp.MustCompile(`delivery (msg_\S+):`).FindStringSubmatch(out)[1]
	if out, err := leadctl(t, append([]string{"webhooks", "redeliver", id, delivery}, api...)...); err != nil || hits.Load() != 2 {
		t.Fatalf("redeliver: %v\n%s", err, out)
	}
	if out, err := leadctl(t, append([]string{"webhooks", "show", id}, api...)...); err != nil || !strings.Contains(out, delivery) {
		t.Fatalf("show: %v\n%s", err, out)
	}
	out, err = leadctl(t, append([]string{"webhooks", "update", id, "-disable", "-rotate-secret", "-events", "lead.confirmed"}, api...)...)
	if err != nil || !strings.Contains(out, "(off)") || !strings.Contains(out, "new secret: whsec_") {
		t.Fatalf("update: %v\n%s", err, out)
	}
	e, err := srv.Store.WebhookEndpoint(context.Background(), id)
	if err != nil || e.Enabled || len(e.Events) != 1 || e.Events[0] != "lead.confirmed" || len(e.Secrets) != 2 {
		t.Fatalf("stored after update: %+v %v", e, err)
	}
	if _, err := leadctl(t, append([]string{"webhooks", "add", "-url", "ftp://x", "-events", "lead.created"}, api...)...); err == nil || !strings.Contains(err.Error(), "url") {
		t.Fatalf("bad add: %v", err)
	}
	if out, err := leadctl(t, append([]string{"webhooks", "delete", id}, api...)...); err != nil || !strings.Contains(out, "deleted webhook "+id) {
		t.Fatalf("delete: %v\n%s", err, out)
	}
	if _, err := leadctl(t, append([]string{"webhooks", "show", id}, api...)...); err == nil {
		t.Fatal("show after delete")
	}
}
