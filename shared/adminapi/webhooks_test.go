package adminapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"leadgate/shared/admin"
	"leadgate/shared/adminapi"
	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/webhooks"
)

func TestAdminWebhooksLifecycle(t *testing.T) {
	h := newAdminHarness(t)
	var hits atomic.Int32
	var secret atomic.Value
	rx := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		wh, err := standardwebhooks.NewWebhook(secret.Load().(string))
		if err != nil || wh.VerifyIgnoringTimestamp(body, r.Header) != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rx.Close)

	w := h.do(t, "POST", "/v1/admin/webhooks", "application/json",
		`{"url":"`+rx.URL+`","events":["lead.created","lead.erased"],"pages":["guide"],"description":"CRM"}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	var created admin.Webhook
	if err := json.Unmarshal(w.Body.Bytes(), &created); err != nil || !strings.HasPrefix(created.Secret, "whsec_") || created.ID == "" || !created.Enabled {
		t.Fatalf("created: %s", w.Body)
	}
	secret.Store(created.Secret)

	w = h.do(t, "GET", "/v1/admin/webhooks", "", "")
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "whsec_") || !strings.Contains(w.Body.String(), created.ID) {
		t.Fatalf("list: %d %s (secrets must not be listed)", w.Code, w.Body)
	}

	w = h.do(t, "POST", "/v1/admin/webhooks/"+created.ID+"/test", "", "")
	var d leadgate.WebhookDelivery
	if err := json.Unmarshal(w.Body.Bytes(), &d); w.Code != http.StatusOK || err != nil || d.Status != leadgate.DeliveryDelivered {
		t.Fatalf("test: %d %s", w.Code, w.Body)
	}
	w = h.do(t, "POST", "/v1/admin/webhooks/"+created.ID+"/deliveries/"+d.ID+"/redeliver", "", "")
	if w.Code != http.StatusOK || hits.Load() != 2 {
		t.Fatalf("redeliver: %d %s, hits %d", w.Code, w.Body, hits.Load())
	}
	w = h.do(t, "GET", "/v1/admin/webhooks/"+created.ID, "", "")
	var one admin.Webhook
	if err := json.Unmarshal(w.Body.Bytes(), &one); err != nil || len(one.Deliveries) != 1 || len(one.Deliveries[0].Attempts) != 2 || one.Secret != "" {
		t.Fatalf("get: %s", w.Body)
	}

	// Rotation: the answer carries the new secret; both sign for a day.
	w = h.do(t, "PATCH", "/v1/admin/webhooks/"+created.ID, "application/json", `{"events":["lead.confirmed"],"enabled":false,"rotate_secret":true}`)
	var patched admin.Webhook
	if err := json.Unmarshal(w.Body.Bytes(), &patched); w.Code != http.StatusOK || err != nil || patched.Enabled ||
		len(patched.Events) != 1 || !strings.HasPrefix(patched.Secret, "whsec_") || patched.Secret == created.Secret {
		t.Fatalf("patch: %d %s", w.Code, w.Body)
	}
	stored, _ := h.store.WebhookEndpoint(t.Context(), created.ID)
	if len(stored.SigningSecrets(h.now)) != 2 {
		t.Fatalf("secrets signing after rotation: %d, want 2", len(stored.SigningSecrets(h.now)))
	}

	w = h.do(t, "PATCH", "/v1/admin/webhooks/"+created.ID, "application/json", `{"events":["lead.nope"]}`)
	if w.Code != http.StatusUnprocessableEntity || strings.Join(fieldNames(decodeError(t, w)), ",") != "events" {
		t.Fatalf("bad patch: %d %s", w.Code, w.Body)
	}
	if w := h.do(t, "DELETE", "/v1/admin/webhooks/"+created.ID, "", ""); w.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", w.Code, w.Body)
	}
	for _, path := range []string{"/v1/admin/webhooks/" + created.ID, "/v1/admin/webhooks/" + created.ID + "/deliveries/" + d.ID + "/redeliver"} {
		method := "GET"
		if strings.HasSuffix(path, "redeliver") {
			method = "POST"
		}
		if w := h.do(t, method, path, "", ""); w.Code != http.StatusNotFound {
			t.Fatalf("%s %s after delete: %d %s", method, path, w.Code, w.Body)
		}
	}
}

func TestAdminWebhookInputRefused(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The AWS policy: https only, no private addresses.
	hooks := webhooks.New(store, webhooks.NewSender(webhooks.AWSPolicy), func() time.Time { return storetest.T0 }, nil)
	handler := adminapi.New(admin.New(store, nil, nil, func() time.Time { return storetest.T0 }).WithWebhooks(hooks), log).Handler()
	for _, tc := range []struct{ body, field string }{
		{`{"url":"http://hooks.example.com/x","events":["lead.created"]}`, "url"},
		{`{"url":"https://169.254.169.254/","events":["lead.created"]}`, "url"},
		{`{"url":"https://10.0.0.1/","events":["lead.created"]}`, "url"},
		{`{"url":"https://hooks.example.com/x","events":[]}`, "events"},
		{`{"url":"https://hooks.example.com/x","events":["lead.created"],"kind":"fax"}`, "kind"},
	} {
		r := httptest.NewRequest("POST", "/v1/admin/webhooks", strings.NewReader(tc.body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(strings.Join(fieldNames(decodeError(t, w)), ","), tc.field) {
			t.Errorf("%s: %d %s, want 422 on %s", tc.body, w.Code, w.Body, tc.field)
		}
	}
	if all, _ := store.WebhookEndpoints(t.Context()); len(all) != 0 {
		t.Fatalf("refused endpoints stored: %+v", all)
	}
}

func TestAdminEraseLeadForgetsItsDeliveries(t *testing.T) {
	h := newAdminHarness(t)
	p := storetest.Page("guide")
	if err := h.store.PutPage(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	emails := h.captureLeads(t, p, "gone")
	e := storetest.Endpoint("crm")
	e.Events = []string{leadgate.EventLeadCreated, leadgate.EventLeadErased}
	if err := h.store.PutWebhookEndpoint(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	d := storetest.Delivery("crm", "ev-1", emails[0], storetest.T0)
	if _, err := h.store.CreateDelivery(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	if w := h.do(t, "DELETE", "/v1/admin/leads/"+emails[0], "", ""); w.Code != http.StatusNoContent {
		t.Fatalf("erase: %d %s", w.Code, w.Body)
	}
	got, err := h.store.Delivery(t.Context(), "crm", d.ID)
	if err != nil || got.Status != leadgate.DeliveryCancelled || got.Email != "" || got.Payload != "" {
		t.Fatalf("the lead's delivery after erasure: %+v %v", got, err)
	}
	due, _ := h.store.DueDeliveries(t.Context(), storetest.T0.Add(time.Hour), 10)
	if len(due) != 1 || due[0].EventType != leadgate.EventLeadErased || due[0].Email != "" || strings.Contains(due[0].Payload, "@") {
		t.Fatalf("queued after erasure: %+v", due)
	}
}
