package webhooks_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/webhooks"
)

type noLeads struct{}

func (noLeads) LeadByEmail(context.Context, string) (leadgate.Lead, error) {
	return leadgate.Lead{}, leadgate.ErrLeadNotFound
}

func TestLeadUpdateEvents(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	old := leadgate.Lead{ID: "l1", Email: "a@example.com", Status: leadgate.StatusActive, Version: 3}
	for _, tc := range []struct {
		name  string
		edit  func(*leadgate.Lead)
		types []string
	}{
		{"unsubscribed", func(l *leadgate.Lead) { l.Status = leadgate.StatusUnsubscribed }, []string{leadgate.EventLeadUnsubscribed}},
		{"bounced", func(l *leadgate.Lead) { l.Status = leadgate.StatusBounced }, []string{leadgate.EventLeadSuppressed}},
		{"complained and staged", func(l *leadgate.Lead) { l.Status, l.Stage = leadgate.StatusComplained, leadgate.StageMQL },
			[]string{leadgate.EventLeadSuppressed, leadgate.EventLeadStageChanged}},
		{"new submission only", func(l *leadgate.Lead) { l.Submissions++ }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := old
			l.Version, l.UpdatedAt = 4, at
			tc.edit(&l)
			ch := leadgate.Change{ID: "r1", Kind: leadgate.LeadUpdated, At: at, Lead: &l, OldLead: &old}
			evs, err := webhooks.EventsOf(context.Background(), noLeads{}, ch)
			if err != nil || len(evs) != len(tc.types) {
				t.Fatalf("events: %+v %v, want %v", evs, err, tc.types)
			}
			again, _ := webhooks.EventsOf(context.Background(), noLeads{}, ch)
			for i, ev := range evs {
				if ev.Type != tc.types[i] || ev.ID != again[i].ID || ev.Email != "a@example.com" {
					t.Errorf("event %d: %+v", i, ev)
				}
			}
		})
	}
	// A submission of a lead erased meanwhile gives no event.
	sub := leadgate.Submission{ID: "s1", Email: "gone@example.com", Page: "guide", At: at}
	if evs, err := webhooks.EventsOf(context.Background(), noLeads{}, leadgate.Change{Kind: leadgate.SubmissionCreated, Submission: &sub}); err != nil || len(evs) != 0 {
		t.Fatalf("erased lead: %+v %v", evs, err)
	}
}

func TestErasedEventHasNoPersonalData(t *testing.T) {
	p, err := webhooks.ErasedEvent("lead-1", time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)).Payload()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"lead.erased","timestamp":"2026-03-02T09:30:00Z","data":{"lead_id":"lead-1","erased_at":"2026-03-02T09:30:00Z"}}`
	if p != want {
		t.Fatalf("payload:\n%s\nwant\n%s", p, want)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(p), &v); err != nil {
		t.Fatal(err)
	}
}

func TestEndpointRules(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	e := leadgate.WebhookEndpoint{ID: "crm", URL: "https://hooks.example.com/x", Kind: leadgate.EndpointWebhook,
		Events: []string{leadgate.EventLeadCreated}, Pages: []string{"guide"}, Enabled: true,
		Secrets: []leadgate.WebhookSecret{{Secret: "whsec_b2xk", CreatedAt: now}}}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	if !e.Wants(leadgate.EventLeadCreated, "guide") || e.Wants(leadgate.EventLeadCreated, "other") ||
		e.Wants(leadgate.EventLeadConfirmed, "guide") || !e.Wants(leadgate.EventLeadCreated, "") {
		t.Fatal("Wants")
	}
	e.Rotate("whsec_bmV3", now, 24*time.Hour)
	if got := e.SigningSecrets(now.Add(time.Hour)); len(got) != 2 || got[0] != "whsec_bmV3" {
		t.Fatalf("during the overlap: %v", got)
	}
	if got := e.SigningSecrets(now.Add(25 * time.Hour)); len(got) != 1 || got[0] != "whsec_bmV3" {
		t.Fatalf("after the overlap: %v", got)
	}
	bad := e
	bad.URL, bad.Events, bad.Kind = "ftp://x", []string{"lead.nope"}, "mail"
	if le := leadgate.AsError(bad.Validate()); le == nil || len(le.Fields) != 3 {
		t.Fatalf("invalid endpoint: %v", bad.Validate())
	}
}
