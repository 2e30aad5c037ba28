package alerts_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"leadgate/shared/alerts"
	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

type mailbox struct {
	mu   sync.Mutex
	sent []leadgate.Message
}

func (b *mailbox) Send(_ context.Context, m leadgate.Message) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, m)
	return "msg", nil
}

func open(t *testing.T) *bolt.Store {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// capture stores a submission and returns its change.
func capture(t *testing.T, store *bolt.Store, p leadgate.Page, email string, at time.Time) leadgate.Change {
	t.Helper()
	c := storetest.Capture(p, email, at, "newsletter")
	c.Submission.Values["name"] = "Ada"
	res, err := store.Capture(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	sub := res.Submission
	return leadgate.Change{Kind: leadgate.SubmissionCreated, Submission: &sub}
}

func TestImmediateAlertOncePerNewLead(t *testing.T) {
	store := open(t)
	box := &mailbox{}
	now := storetest.T0
	svc := alerts.New(store, box, "alerts@example.com", func() time.Time { return now })
	p := storetest.Page("guide")
	p.Alerts = leadgate.LeadAlerts{To: []string{"sales@example.com", "ceo@example.com"}}
	other := storetest.Page("other")
	for _, pg := range []leadgate.Page{p, other} {
		if err := store.PutPage(context.Background(), pg); err != nil {
			t.Fatal(err)
		}
	}
	first := capture(t, store, p, "ada@example.com", storetest.T0)
	// The same lead on another page, then again on this one after the dedupe
	// window: known by then, it alerts nobody.
	capture(t, store, other, "bob@example.com", storetest.T0)
	known := capture(t, store, p, "bob@example.com", storetest.T0.Add(48*time.Hour))
	for range 2 { // a replayed batch
		for _, ch := range []leadgate.Change{first, known} {
			if err := svc.HandleChange(context.Background(), ch); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(box.sent) != 2 {
		t.Fatalf("alerts sent: %d, want one to each of 2 addresses", len(box.sent))
	}
	for _, m := range box.sent {
		if !strings.Contains(m.Subject, "ada@example.com") || !strings.Contains(m.Text, "Source: newsletter") || m.From != "alerts@example.com" {
			t.Errorf("alert: %+v", m)
		}
	}
}

func TestDailyDigestOnce(t *testing.T) {
	store := open(t)
	box := &mailbox{}
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	now := day.Add(10 * time.Hour)
	svc := alerts.New(store, box, "alerts@example.com", func() time.Time { return now })
	p := storetest.Page("guide")
	p.Alerts = leadgate.LeadAlerts{To: []string{"sales@example.com"}, Digest: true}
	if err := store.PutPage(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	for i, email := range []string{"a@example.com", "b@example.com"} {
		ch := capture(t, store, p, email, day.Add(time.Duration(9+i)*time.Hour))
		// A digest page sends no alert of its own.
		if err := svc.HandleChange(context.Background(), ch); err != nil {
			t.Fatal(err)
		}
	}
	capture(t, store, p, "today@example.com", day.Add(24*time.Hour+5*time.Minute))
	for _, at := range []time.Duration{10 * time.Hour, 24*time.Hour + 10*time.Minute, 24*time.Hour + 11*time.Minute, 26 * time.Hour} {
		now = day.Add(at)
		if err := svc.SendDigests(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(box.sent) != 1 {
		t.Fatalf("digests sent: %d, want 1", len(box.sent))
	}
	m := box.sent[0]
	if m.Subject != "2 new lead(s) on The guide playbook, 2026-03-02" || !strings.Contains(m.Text, "a@example.com") ||
		!strings.Contains(m.Text, "b@example.com") || strings.Contains(m.Text, "today@") {
		t.Fatalf("digest: %q\n%s", m.Subject, m.Text)
	}
}

func TestAlertAddressesValidated(t *testing.T) {
	p := storetest.Page("guide")
	p.Alerts = leadgate.LeadAlerts{To: []string{"not an address"}}
	if e := leadgate.AsError(p.Validate()); e == nil || e.Fields[0].Field != "alerts.to" {
		t.Fatalf("bad address: %v", p.Validate())
	}
	p.Alerts = leadgate.LeadAlerts{Digest: true}
	if p.Validate() == nil {
		t.Fatal("a digest to nobody")
	}
}
