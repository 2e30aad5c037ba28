package console_test

import (
	"context"
	"testing"
	"time"

	"leadgate/shared/console"
	"leadgate/shared/leadgate"
)

// finish claims a send at and records its outcome, as the follow-up emails do.
func (s *site) finish(t *testing.T, email, key string, at time.Time, status leadgate.SendStatus) leadgate.Send {
	t.Helper()
	send, ok, err := s.store.ClaimSend(context.Background(), email, key, at, time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim %s: %v %v", key, ok, err)
	}
	send.Status = status
	if status == leadgate.SendSent {
		send.SentAt = at
	}
	if err := s.store.FinishSend(context.Background(), send); err != nil {
		t.Fatal(err)
	}
	return send
}

func TestDeliverabilityCountsFinishedSends(t *testing.T) {
	s := newSiteWith(t, nil)
	session := s.signIn(t, "ada@example.com")
	sent := s.finish(t, "a@example.com", "delivery#s1", t0, leadgate.SendSent)
	s.finish(t, "b@example.com", "delivery#s2", t0, leadgate.SendSent)
	s.finish(t, "b@example.com", "confirm#s2", t0.AddDate(0, 0, -1), leadgate.SendFailed)
	// A finish delivered again (a retried batch) is refused and counts nothing.
	if err := s.store.FinishSend(context.Background(), sent); leadgate.ErrorCode(err) != leadgate.ECONFLICT {
		t.Fatalf("repeated finish: %v, want ECONFLICT", err)
	}
	want(t, "deliverability", s.get(t, console.DeliverabilityPath+"?from=2026-02-28&to=2026-03-02", session), 200,
		`<li>Sent<strong>2</strong>`, `<li>Failed<strong>1</strong><span class="muted">33.3% of sends refused for good</span>`,
		`<tr><th scope="row">2026-02-28</th><td class="n">0</td><td class="n">0</td>`,
		`<tr><th scope="row">2026-03-01</th><td class="n">0</td><td class="n">1</td>`,
		`<tr><th scope="row">2026-03-02</th><td class="n">2</td><td class="n">0</td><td class="chart"><span class="meter w20"`,
		"The list of suppressed addresses is not available here.")
	want(t, "reversed range", s.get(t, console.DeliverabilityPath+"?from=2026-03-02&to=2026-02-28", session), 422,
		`<p class="error" id="from-error">from must not be after to</p>`)
}

// fakeLeads answers the lead query as a store would, and keeps the query.
type fakeLeads struct {
	got  []leadgate.LeadQuery
	list leadgate.LeadList
}

func (f *fakeLeads) Leads(_ context.Context, q leadgate.LeadQuery) (leadgate.LeadList, error) {
	f.got = append(f.got, q)
	if q.Cursor == "junk" {
		return leadgate.LeadList{}, leadgate.Invalid(leadgate.FieldError{Field: "cursor", Code: "invalid", Message: "not a cursor"})
	}
	return f.list, nil
}

func TestDeliverabilityListsSuppressed(t *testing.T) {
	leads := &fakeLeads{list: leadgate.LeadList{Next: "c2", Examined: 200, Leads: []leadgate.Lead{
		{Email: "bounced@example.com", Status: leadgate.StatusBounced, SuppressedAt: t0.Add(-time.Hour), UpdatedAt: t0},
		{Email: `"x"<b>@example.com`, Status: leadgate.StatusComplained, SuppressedAt: t0.Add(-2 * time.Hour)},
		// Suppressed before leads kept the time.
		{Email: "left@example.com", Status: leadgate.StatusUnsubscribed, UpdatedAt: t0.Add(-3 * time.Hour)},
	}}}
	s := newSiteWith(t, func(c *console.Config) { c.Leads = leads })
	session := s.signIn(t, "ada@example.com")
	r := s.get(t, console.DeliverabilityPath, session)
	want(t, "suppressed", r, 200,
		`<tr><td>bounced@example.com</td><td>Bounced (the address does not take email)</td><td>2026-03-02 08:30</td></tr>`,
		`<tr><td>&#34;x&#34;&lt;b&gt;@example.com</td><td>Complained (marked an email as spam)</td>`,
		`<tr><td>left@example.com</td><td>Unsubscribed</td><td>not recorded</td></tr>`,
		`<a href="/console/deliverability?from=2026-02-01&amp;to=2026-03-02&amp;cursor=c2">More</a>`)
	q := leads.got[0]
	if len(q.Statuses) != 3 || q.Cursor != "" || q.Limit != 50 {
		t.Fatalf("query %+v, want the three suppressed statuses, first page", q)
	}
	want(t, "next page", s.get(t, console.DeliverabilityPath+"?cursor=c2", session), 200)
	if leads.got[1].Cursor != "c2" {
		t.Fatalf("second query %+v", leads.got[1])
	}
	want(t, "bad cursor", s.get(t, console.DeliverabilityPath+"?cursor=junk", session), 422, "Start again from its first page.")
}
