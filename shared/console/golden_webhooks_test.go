package console_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"leadgate/shared/console"
	"leadgate/shared/golden"
	"leadgate/shared/leadgate"
)

// webhookMarks are the marks of the webhooks area's renderers (see
// TestGoldenCoversEveryRenderer).
var webhookMarks = map[string]string{
	"writeWebhooksPage":  `<caption>The endpoints, and whether their last deliveries went through.</caption>`,
	"writeWebhookState":  `<span class="error">Failing since 2026-03-01 08:00 UTC</span>`,
	"writeWebhookErrors": `<li>kind: webhook or slack</li>`,
	"writeWebhookFields": `<input type="checkbox" name="events" value="lead.created" checked>`,
	"writeWebhookPage":   `<h2 id="actions-title">Test or delete</h2>`,
	"writeDeliveries":    `<button type="submit" class="link">Send again</button>`,
}

// putGoldenWebhooks stores three endpoints (on, failing, turned off after failing)
// and deliveries of the first: delivered, failed, pending, and one erased.
func putGoldenWebhooks(t *testing.T, s *goldenSite) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	secret := []leadgate.WebhookSecret{{Secret: "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", CreatedAt: at}}
	for _, e := range []leadgate.WebhookEndpoint{
		{ID: "wh_crm", URL: "https://crm.example.com/hooks/leadgate?team=<a&b>", Kind: leadgate.EndpointWebhook, Description: `CRM "sync"`,
			Events: []string{leadgate.EventLeadCreated, leadgate.EventLeadErased}, Pages: []string{"spring-guide"}, Enabled: true, Secrets: secret, CreatedAt: at},
		{ID: "wh_failing", URL: "https://down.example.com/", Kind: leadgate.EndpointWebhook, Events: leadgate.WebhookEvents,
			Enabled: true, Secrets: secret, CreatedAt: at, FailingSince: at},
		{ID: "wh_slack", URL: "https://hooks.slack.com/services/T0/B0/x", Kind: leadgate.EndpointSlack, Events: []string{leadgate.EventLeadCreated},
			CreatedAt: at, FailingSince: at.Add(-5 * 24 * time.Hour), DisabledAt: at},
	} {
		if err := s.store.PutWebhookEndpoint(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for i, d := range []struct {
		status  leadgate.DeliveryStatus
		attempt leadgate.DeliveryAttempt
	}{
		{leadgate.DeliveryDelivered, leadgate.DeliveryAttempt{StatusCode: 204, Duration: 80 * time.Millisecond}},
		{leadgate.DeliveryFailed, leadgate.DeliveryAttempt{StatusCode: 0, Error: "timed out", Duration: 10 * time.Second}},
		{leadgate.DeliveryPending, leadgate.DeliveryAttempt{StatusCode: 503, Error: "answered 503", Duration: time.Second}},
	} {
		created := at.Add(time.Duration(i) * time.Hour)
		del := leadgate.WebhookDelivery{ID: leadgate.DeliveryID("ev"+string(rune('a'+i)), "wh_crm"), EndpointID: "wh_crm", EventID: "ev",
			EventType: leadgate.EventLeadCreated, Email: "ada@example.com", Payload: `{"type":"lead.created"}`, Status: leadgate.DeliveryPending,
			CreatedAt: created, NextAttemptAt: created, KeepUntil: created.Add(leadgate.WebhookLogRetention)}
		if _, err := s.store.CreateDelivery(ctx, del); err != nil {
			t.Fatal(err)
		}
		c, _, err := s.store.ClaimDelivery(ctx, "wh_crm", del.ID, created, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		d.attempt.At = created
		c.Record(d.attempt)
		c.Status = d.status
		if d.status == leadgate.DeliveryPending {
			c.NextAttemptAt = created.Add(2 * time.Hour)
		}
		if err := s.store.FinishDelivery(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGoldenWebhookPages(t *testing.T) {
	s := newGoldenSite(t, false)
	putGoldenWebhooks(t, s)
	cases := []struct {
		name, method, target string
		body                 url.Values
		status               int
	}{
		{name: "webhooks", method: "GET", target: console.WebhooksPath, status: 200},
		{name: "webhooks-add-invalid", method: "POST", target: console.WebhooksPath, status: 422,
			body: url.Values{"url": {"ftp://x"}, "kind": {"fax"}, "description": {"<b>CRM</b>"}}},
		{name: "webhook", method: "GET", target: console.WebhookPath("wh_crm") + "?done=tested", status: 200},
		{name: "webhook-edit-invalid", method: "POST", target: console.WebhookPath("wh_crm"), status: 422,
			body: url.Values{"url": {"https://crm.example.com/x"}, "events": {"lead.nope"}, "pages": {"Not A Slug"}, "enabled": {"on"}}},
		{name: "webhook-not-found", method: "GET", target: console.WebhookPath("wh_nobody"), status: 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.body != nil {
				tc.body.Set("csrf", goldenCSRF(t))
			}
			golden.Check(t, tc.name+".html", s.page(t, tc.method, tc.target, tc.body, true, tc.status))
		})
	}
	if all, _ := s.store.WebhookEndpoints(context.Background()); len(all) != 3 {
		t.Fatalf("a refused form stored something: %d endpoints", len(all))
	}
	if e, _ := s.store.WebhookEndpoint(context.Background(), "wh_crm"); len(e.Events) != 2 {
		t.Fatalf("a refused edit changed the endpoint: %+v", e)
	}
}

func TestGoldenEmptyWebhooks(t *testing.T) {
	s := newGoldenSite(t, true)
	golden.Check(t, "webhooks-empty.html", s.page(t, "GET", console.WebhooksPath, nil, true, 200))
}
