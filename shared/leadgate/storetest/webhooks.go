package storetest

import (
	"errors"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// RunWebhookConformance checks the webhook endpoints and deliveries of a store.
func RunWebhookConformance(t *testing.T, newStore NewStore) {
	t.Run("EndpointRoundTrip", func(t *testing.T) { testWebhookEndpoints(t, newStore(t)) })
	t.Run("DeliveryCreatedOnceClaimedOnce", func(t *testing.T) { testDeliveryClaims(t, newStore(t)) })
	t.Run("DeliveryLogNewestFirst", func(t *testing.T) { testDeliveryLog(t, newStore(t)) })
	t.Run("ErasureCancelsAndForgets", func(t *testing.T) { testEraseDeliveries(t, newStore(t)) })
	t.Run("DeletedEndpointCancelsPending", func(t *testing.T) { testDeleteEndpointCancels(t, newStore(t)) })
}

// Endpoint returns a valid endpoint for tests.
func Endpoint(id string) leadgate.WebhookEndpoint {
	return leadgate.WebhookEndpoint{
		ID: id, URL: "https://hooks.example.com/" + id, Kind: leadgate.EndpointWebhook,
		Events: []string{leadgate.EventLeadCreated}, Pages: []string{"guide"}, Description: "CRM",
		Enabled: true, CreatedAt: T0,
		Secrets: []leadgate.WebhookSecret{{Secret: "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", CreatedAt: T0}},
	}
}

// Delivery returns a new pending delivery of event to endpoint, about email.
func Delivery(endpoint, event, email string, at time.Time) leadgate.WebhookDelivery {
	return leadgate.WebhookDelivery{
		ID: leadgate.DeliveryID(event, endpoint), EndpointID: endpoint, EventID: event,
		EventType: leadgate.EventLeadCreated, Page: "guide", Email: email,
		Payload: `{"type":"lead.created","data":{"email":"` + email + `"}}`,
		Status:  leadgate.DeliveryPending, CreatedAt: at, NextAttemptAt: at,
		KeepUntil: at.Add(leadgate.WebhookLogRetention),
	}
}

func testWebhookEndpoints(t *testing.T, s leadgate.Store) {
	if _, err := s.WebhookEndpoint(ctx(t), "nope"); !errors.Is(err, leadgate.ErrWebhookNotFound) {
		t.Fatalf("unknown endpoint: %v", err)
	}
	if got, err := s.WebhookEndpoints(ctx(t)); err != nil || len(got) != 0 {
		t.Fatalf("empty list: %v %v", got, err)
	}
	a, b := Endpoint("b-hook"), Endpoint("a-hook")
	b.Kind, b.Secrets, b.Enabled = leadgate.EndpointSlack, nil, false
	for _, e := range []leadgate.WebhookEndpoint{a, b} {
		if err := s.PutWebhookEndpoint(ctx(t), e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.WebhookEndpoint(ctx(t), "b-hook")
	if err != nil || equalJSON(got, a) != nil {
		t.Fatalf("round trip: %+v %v, want %+v", got, err, a)
	}
	a.FailingSince, a.Events = T0.Add(time.Hour), []string{leadgate.EventLeadCreated, leadgate.EventLeadErased}
	if err := s.PutWebhookEndpoint(ctx(t), a); err != nil {
		t.Fatal(err)
	}
	list, err := s.WebhookEndpoints(ctx(t))
	if err != nil || len(list) != 2 || list[0].ID != "a-hook" || equalJSON(list[1], a) != nil {
		t.Fatalf("list: %+v %v", list, err)
	}
	if err := s.DeleteWebhookEndpoint(ctx(t), "a-hook"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteWebhookEndpoint(ctx(t), "a-hook"); !errors.Is(err, leadgate.ErrWebhookNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if list, _ := s.WebhookEndpoints(ctx(t)); len(list) != 1 {
		t.Fatalf("after delete: %+v", list)
	}
}

func testDeliveryClaims(t *testing.T, s leadgate.Store) {
	const lease = time.Minute
	d := Delivery("hook", "ev-1", "a@example.com", T0)
	d.NextAttemptAt = T0.Add(time.Minute)
	for i, want := range []bool{true, false} {
		if created, err := s.CreateDelivery(ctx(t), d); err != nil || created != want {
			t.Fatalf("create %d: %v %v, want %v", i, created, err, want)
		}
	}
	if _, _, err := s.ClaimDelivery(ctx(t), "hook", "msg_nope", T0, lease); !errors.Is(err, leadgate.ErrDeliveryNotFound) {
		t.Fatalf("claim of none: %v", err)
	}
	if due, _ := s.DueDeliveries(ctx(t), T0, 10); len(due) != 0 {
		t.Fatalf("due before its time: %+v", due)
	}
	if _, ok, err := s.ClaimDelivery(ctx(t), "hook", d.ID, T0, lease); err != nil || ok {
		t.Fatalf("claim before due: %v %v", ok, err)
	}
	now := T0.Add(time.Minute)
	due, err := s.DueDeliveries(ctx(t), now, 10)
	if err != nil || len(due) != 1 || due[0].ID != d.ID || due[0].Payload != d.Payload {
		t.Fatalf("due: %+v %v", due, err)
	}
	c, ok, err := s.ClaimDelivery(ctx(t), "hook", d.ID, now, lease)
	if err != nil || !ok || c.Status != leadgate.DeliverySending || !c.ClaimedAt.Equal(now) {
		t.Fatalf("claim: %+v %v %v", c, ok, err)
	}
	if due, _ := s.DueDeliveries(ctx(t), now.Add(time.Hour), 10); len(due) != 0 {
		t.Fatalf("claimed delivery still due: %+v", due)
	}
	if _, ok, _ := s.ClaimDelivery(ctx(t), "hook", d.ID, now.Add(30*time.Second), lease); ok {
		t.Fatal("second claim within the lease")
	}
	// The first worker crashed: past the lease the delivery is claimed again, and
	// the first worker's finish is refused.
	c2, ok, err := s.ClaimDelivery(ctx(t), "hook", d.ID, now.Add(2*time.Minute), lease)
	if err != nil || !ok {
		t.Fatalf("claim after the lease: %v %v", ok, err)
	}
	c.Status = leadgate.DeliveryDelivered
	if err := s.FinishDelivery(ctx(t), c); !errors.Is(err, leadgate.ErrDeliveryClaimLost) {
		t.Fatalf("finish of a lost claim: %v", err)
	}
	// A failed attempt: pending again, due later.
	retryAt := now.Add(time.Hour)
	c2.Status, c2.NextAttemptAt = leadgate.DeliveryPending, retryAt
	c2.Record(leadgate.DeliveryAttempt{At: now.Add(2 * time.Minute), StatusCode: 500, Duration: time.Second})
	if err := s.FinishDelivery(ctx(t), c2); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueDeliveries(ctx(t), retryAt.Add(-time.Second), 10); len(due) != 0 {
		t.Fatalf("due before the retry: %+v", due)
	}
	c3, ok, err := s.ClaimDelivery(ctx(t), "hook", d.ID, retryAt, lease)
	if err != nil || !ok || len(c3.Attempts) != 1 || c3.Attempts[0].StatusCode != 500 {
		t.Fatalf("claim of the retry: %+v %v %v", c3, ok, err)
	}
	c3.Status, c3.DeliveredAt = leadgate.DeliveryDelivered, retryAt
	if err := s.FinishDelivery(ctx(t), c3); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.ClaimDelivery(ctx(t), "hook", d.ID, retryAt.Add(time.Hour), lease)
	if err != nil || ok || got.Status != leadgate.DeliveryDelivered {
		t.Fatalf("claim of a delivered one: %+v %v %v", got, ok, err)
	}
	// Redelivery makes it pending again, due at once, with the same id.
	r, err := s.RedeliverDelivery(ctx(t), "hook", d.ID, retryAt.Add(2*time.Hour))
	if err != nil || r.Status != leadgate.DeliveryPending || r.ID != d.ID {
		t.Fatalf("redeliver: %+v %v", r, err)
	}
	if due, _ := s.DueDeliveries(ctx(t), retryAt.Add(2*time.Hour), 10); len(due) != 1 {
		t.Fatalf("redelivery not due: %+v", due)
	}
	if _, err := s.RedeliverDelivery(ctx(t), "hook", "msg_nope", T0); !errors.Is(err, leadgate.ErrDeliveryNotFound) {
		t.Fatalf("redeliver none: %v", err)
	}
}

func testDeliveryLog(t *testing.T, s leadgate.Store) {
	for i, ev := range []string{"ev-1", "ev-2", "ev-3"} {
		if _, err := s.CreateDelivery(ctx(t), Delivery("hook", ev, "a@example.com", T0.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateDelivery(ctx(t), Delivery("hook-2", "ev-1", "a@example.com", T0)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Deliveries(ctx(t), "hook", 2)
	if err != nil || len(got) != 2 || got[0].EventID != "ev-3" || got[1].EventID != "ev-2" {
		t.Fatalf("log: %+v %v", got, err)
	}
	if all, _ := s.Deliveries(ctx(t), "hook", 10); len(all) != 3 {
		t.Fatalf("whole log: %d, want 3", len(all))
	}
	due, err := s.DueDeliveries(ctx(t), T0.Add(time.Hour), 3)
	if err != nil || len(due) != 3 || due[2].NextAttemptAt.Before(due[0].NextAttemptAt) {
		t.Fatalf("due, oldest first: %+v %v", due, err)
	}
}

func testEraseDeliveries(t *testing.T, s leadgate.Store) {
	pending := Delivery("hook", "ev-1", "gone@example.com", T0)
	done := Delivery("hook", "ev-2", "gone@example.com", T0)
	other := Delivery("hook", "ev-3", "kept@example.com", T0)
	for _, d := range []leadgate.WebhookDelivery{pending, done, other} {
		if _, err := s.CreateDelivery(ctx(t), d); err != nil {
			t.Fatal(err)
		}
	}
	c, _, _ := s.ClaimDelivery(ctx(t), "hook", done.ID, T0, time.Minute)
	c.Status, c.DeliveredAt = leadgate.DeliveryDelivered, T0
	if err := s.FinishDelivery(ctx(t), c); err != nil {
		t.Fatal(err)
	}
	n, err := s.EraseDeliveries(ctx(t), "gone@example.com")
	if err != nil || n != 2 {
		t.Fatalf("erase: %d %v, want 2", n, err)
	}
	for _, want := range []struct {
		id     string
		status leadgate.DeliveryStatus
	}{{pending.ID, leadgate.DeliveryCancelled}, {done.ID, leadgate.DeliveryDelivered}} {
		d, err := s.Delivery(ctx(t), "hook", want.id)
		if err != nil || d.Status != want.status || d.Email != "" || d.Payload != "" || d.EventType == "" {
			t.Fatalf("erased delivery: %+v %v, want %s without address or payload", d, err, want.status)
		}
	}
	due, _ := s.DueDeliveries(ctx(t), T0.Add(time.Hour), 10)
	if len(due) != 1 || due[0].ID != other.ID || due[0].Payload == "" {
		t.Fatalf("due after erasure: %+v", due)
	}
	if _, err := s.RedeliverDelivery(ctx(t), "hook", done.ID, T0.Add(time.Hour)); !errors.Is(err, leadgate.ErrWebhookDeliveryNoPayload) {
		t.Fatalf("redeliver erased: %v", err)
	}
	if n, err := s.EraseDeliveries(ctx(t), "gone@example.com"); err != nil || n != 0 {
		t.Fatalf("erase again: %d %v", n, err)
	}
}

func testDeleteEndpointCancels(t *testing.T, s leadgate.Store) {
	if err := s.PutWebhookEndpoint(ctx(t), Endpoint("hook")); err != nil {
		t.Fatal(err)
	}
	d := Delivery("hook", "ev-1", "a@example.com", T0)
	if _, err := s.CreateDelivery(ctx(t), d); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteWebhookEndpoint(ctx(t), "hook"); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueDeliveries(ctx(t), T0.Add(time.Hour), 10); len(due) != 0 {
		t.Fatalf("due after delete: %+v", due)
	}
	if got, err := s.Delivery(ctx(t), "hook", d.ID); err != nil || got.Status != leadgate.DeliveryCancelled {
		t.Fatalf("delivery of a deleted endpoint: %+v %v", got, err)
	}
}
