package webhooks_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/webhooks"
)

// countingMailer counts the messages each address gets.
type countingMailer struct {
	mu   sync.Mutex
	sent map[string]int
}

func (m *countingMailer) Send(_ context.Context, msg leadgate.Message) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent[msg.To]++
	return "message", nil
}

// Two workers that both find an endpoint failing for too long (two follow-up
// instances, or a retry) tell each console user once; a later failing spell of
// the same endpoint is told again.
func TestEndpointDisabledEmailedOnce(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	mail := &countingMailer{sent: map[string]int{}}
	now := func() time.Time { return storetest.T0 }
	n := webhooks.MailNotifier{Mailer: mail, Claims: store, From: "hello@example.com", To: []string{"ana@example.com", "li@example.com"}, Now: now}
	e := leadgate.WebhookEndpoint{ID: "wh-1", URL: "https://crm.example.com/hook", FailingSince: storetest.T0.Add(-6 * 24 * time.Hour)}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := n.EndpointDisabled(context.Background(), e); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if mail.sent["ana@example.com"] != 1 || mail.sent["li@example.com"] != 1 {
		t.Fatalf("emails per address %v, want one each", mail.sent)
	}
	e.FailingSince = storetest.T0.Add(-5 * 24 * time.Hour)
	if err := n.EndpointDisabled(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if mail.sent["ana@example.com"] != 2 {
		t.Fatalf("a later failing spell: %v, want a second email", mail.sent)
	}
}
