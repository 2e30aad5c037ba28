package followup_test

import (
	"context"
	"strings"
	"testing"

	"leadgate/shared/leadgate"
)

// A German double opt-in page's emails are German, their confirm and unsubscribe
// links name the locale for their pages (shared/httpapi speaks it), and the footer
// carries the page's own postal address.
func TestEmailsFollowThePageLocale(t *testing.T) {
	p := doublePage()
	p.Locale = "de"
	p.FollowUp.PostalAddress = "Marke Zwei GmbH, Hauptstraße 1, 10115 Berlin"
	h := newHarness(t, p)
	h.handle(t, h.capture(t, p, "ada@example.com", true))
	if len(h.mailer.sent) != 1 {
		t.Fatalf("sent %d emails, want the confirmation", len(h.mailer.sent))
	}
	m := h.mailer.sent[0]
	if !strings.HasPrefix(m.Subject, "Bestätigen Sie Ihre Adresse") {
		t.Errorf("subject %q, want German", m.Subject)
	}
	for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
		if !strings.Contains(body, "/v1/confirm/") || !strings.Contains(body, "?lang=de") ||
			!strings.Contains(body, "Marke Zwei GmbH, Hauptstraße 1, 10115 Berlin") || !strings.Contains(body, "Mit einem Klick abmelden") {
			t.Errorf("%s part lacks the German links or the page's address: %s", part, body)
		}
	}
	var unsubscribe string
	for _, hd := range m.Headers {
		if hd.Name == "List-Unsubscribe" {
			unsubscribe = hd.Value
		}
	}
	if !strings.HasSuffix(unsubscribe, "?lang=de>") {
		t.Errorf("List-Unsubscribe %q, want the link in the page's locale", unsubscribe)
	}
	// The confirmation the link names is stored: its page is German.
	confirm := h.key.ConfirmToken(h.mustSubmission(t, "ada@example.com").ID)
	if _, err := h.links.Confirmation(context.Background(), confirm); err != nil {
		t.Fatalf("the emailed confirmation: %v", err)
	}
	if !strings.Contains(m.Text, leadgate.InLocale(leadgate.ConfirmPath(confirm), "de")) {
		t.Errorf("the text does not carry the confirm link %s", leadgate.InLocale(leadgate.ConfirmPath(confirm), "de"))
	}
}

func (h *harness) mustSubmission(t *testing.T, email string) leadgate.Submission {
	t.Helper()
	subs, err := h.store.Submissions(context.Background(), email)
	if err != nil || len(subs) != 1 {
		t.Fatalf("submissions of %s: %d, %v", email, len(subs), err)
	}
	return subs[0]
}
