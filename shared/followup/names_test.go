package followup_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// A lead stored with a web address for a name (capture now refuses one, but leads
// stored before may hold it) is greeted neutrally, in the text, the HTML and a
// nurture subject that names the first name: never "Hi https://evil.example/...".
func TestNameWithAnAddressIsNotMailed(t *testing.T) {
	page := singlePage()
	page.FollowUp.Nurture = []leadgate.NurtureStep{{ID: "day-2", After: 2 * 24 * time.Hour,
		EmailTemplate: leadgate.EmailTemplate{Subject: "{{.FirstName}}, two days in", Text: "Hi {{.FirstName}}."}}}
	h := newHarness(t, page)
	c := storetest.Capture(page, "target@example.com", h.clock(), "x")
	c.Submission.Values["name"] = "https://evil.example/verify-your-account"
	g := leadgate.NewGrant(h.key.GrantToken(c.Submission.ID), c.Submission, page, storetest.Magnet())
	c.Grant = &g
	before, _ := h.store.Changes(0, 1<<20)
	if _, err := h.store.Capture(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	changes, _ := h.store.Changes(uint64(len(before)), 1<<20)
	h.handle(t, changes)
	h.advance(3 * 24 * time.Hour)
	if _, err := h.svc.Dispatch(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	got := h.mailer.messages()
	if len(got) != 2 {
		t.Fatalf("sent %v, want the delivery and the nurture step", subjects(got))
	}
	for _, m := range got {
		for _, part := range []string{m.Subject, m.Text, m.HTML} {
			if strings.Contains(part, "evil.example") {
				t.Fatalf("the name went out as typed: %q", part)
			}
		}
	}
	if !strings.HasPrefix(got[0].Text, "Hi there,") || got[1].Subject != "there, two days in" {
		t.Fatalf("delivery %q, nurture subject %q; want the neutral greeting", got[0].Text[:20], got[1].Subject)
	}
}
