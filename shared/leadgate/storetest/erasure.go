package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// ItemScanner is what a harness's store also implements so that the erasure case
// can look at every item it holds, raw: the embedded store's buckets, or a Scan of
// the DynamoDB test table. fn gets each item's bytes (keys included).
type ItemScanner interface {
	ScanItems(ctx context.Context, fn func(where string, item []byte) error) error
}

func testPageLeads(t *testing.T, s leadgate.Store) {
	p, other := Page("export"), Page("export-other")
	mustPutPage(t, s, p)
	mustPutPage(t, s, other)
	mustCapture(t, s, Capture(p, "old@example.com", T0.Add(-48*time.Hour), "old"))
	var want []string // submission ids, newest first
	for i, email := range []string{"a@example.com", "b@example.com", "c@example.com", "a@example.com", "d@example.com"} {
		res := mustCapture(t, s, Capture(p, email, T0.Add(time.Duration(i)*2*time.Hour), "x"))
		want = append([]string{res.Submission.ID}, want...)
	}
	mustCapture(t, s, Capture(other, "b@example.com", T0.Add(time.Hour), "x"))

	var got []string
	cursor, pages := "", 0
	for {
		page, err := s.PageLeads(ctx(t), p.Slug, T0.Add(-time.Hour), cursor, 2)
		if err != nil {
			t.Fatalf("PageLeads(cursor %q): %v", cursor, err)
		}
		pages++
		for _, pl := range page.Leads {
			if pl.Submission.Page != p.Slug || pl.Lead.Email != pl.Submission.Email || pl.Lead.Name != "Ada Lovelace" {
				t.Fatalf("row %+v", pl)
			}
			got = append(got, pl.Submission.ID)
		}
		if page.Next == "" {
			break
		}
		if len(page.Leads) != 2 || pages > 5 {
			t.Fatalf("page %d has %d rows and a next cursor", pages, len(page.Leads))
		}
		cursor = page.Next
	}
	if err := equalJSON(got, want); err != nil || pages != 3 {
		t.Fatalf("exported %v in %d pages, want %v in 3: %v", got, pages, want, err)
	}
	all, err := s.PageLeads(ctx(t), p.Slug, time.Time{}, "", 0)
	if err != nil || len(all.Leads) != 6 || all.Next != "" {
		t.Fatalf("the whole export since ever: %d rows, next %q, %v; want 6", len(all.Leads), all.Next, err)
	}
	none, err := s.PageLeads(ctx(t), "no-such-page", time.Time{}, "", 10)
	if err != nil || len(none.Leads) != 0 || none.Next != "" {
		t.Fatalf("export of an unknown page: %+v, %v", none, err)
	}
	for _, bad := range []string{"junk", "!!", leadgate.EncodeLeadsCursor(T0, "a|b")} {
		_, err := s.PageLeads(ctx(t), p.Slug, time.Time{}, bad, 2)
		wantCode(t, "PageLeads with cursor "+bad, err, leadgate.EINVALID)
	}
}

// testEraseLead erases one of two leads that have everything a lead can have, and
// checks that nothing with the address is left in the store while the other lead,
// the counters and the erased lead's grant (without its address) stay.
func testEraseLead(t *testing.T, s leadgate.Store) {
	const email, keep = "erase.me@example.com", "keep@example.com"
	p := Page("erasure")
	mustPutPage(t, s, p)
	day := leadgate.Day(T0)

	type made struct {
		lead                   leadgate.Lead
		subs, grants, confirms []string
		unsub                  string
	}
	capture := func(addr string) made {
		var m made
		for i := range 2 {
			c := Capture(p, addr, T0.Add(time.Duration(i)*2*time.Hour), "spring")
			c.Submission.Values["email"] = "Erase.Me+typed@Example.COM"
			c.Submission.Values["name"] = "Erin Erasable"
			if addr == keep {
				c.Submission.Values["email"], c.Submission.Values["name"] = addr, "Kim Kept"
			}
			g := leadgate.NewGrant("grant-"+c.Submission.ID, c.Submission, p, Magnet())
			c.Grant = &g
			res := mustCapture(t, s, c)
			m.lead = res.Lead
			m.subs = append(m.subs, res.Submission.ID)
			m.grants = append(m.grants, g.ID)
			conf := leadgate.Confirmation{ID: leadgate.GrantID("confirm-" + res.Submission.ID), Email: addr, LeadID: res.Lead.ID,
				Page: p.Slug, SubmissionID: res.Submission.ID, CreatedAt: T0, ExpiresAt: T0.Add(leadgate.ConfirmationTTL)}
			if err := s.PutConfirmation(ctx(t), conf); err != nil {
				t.Fatal(err)
			}
			m.confirms = append(m.confirms, conf.ID)
		}
		m.unsub = leadgate.GrantID("unsub-" + m.lead.ID)
		if err := s.PutUnsubscribe(ctx(t), leadgate.Unsubscribe{ID: m.unsub, Email: addr, LeadID: m.lead.ID}); err != nil {
			t.Fatal(err)
		}
		g, err := s.UseGrant(ctx(t), m.grants[0], T0.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CountDownload(ctx(t), leadgate.Download{GrantID: g.ID, N: g.Downloads, Page: p.Slug, Email: addr, At: T0.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		send, _, err := s.ClaimSend(ctx(t), addr, "delivery#"+m.subs[0], T0, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		send.Status, send.SentAt, send.MessageID = leadgate.SendSent, T0, "msg-"+m.subs[0]
		if err := s.FinishSend(ctx(t), send); err != nil {
			t.Fatal(err)
		}
		step := leadgate.Step{Email: addr, Key: leadgate.NurtureKey(p.Slug, "day-2"), Kind: leadgate.StepNurture, LeadID: m.lead.ID,
			Page: p.Slug, StepID: "day-2", SubmissionID: m.subs[0], DueAt: T0.Add(48 * time.Hour), Status: leadgate.StepDue}
		if err := s.ScheduleSteps(ctx(t), []leadgate.Step{step}); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordMailEvent(ctx(t), leadgate.MailEvent{Kind: "soft_bounce", Email: addr, MessageID: "msg-" + m.subs[0], At: T0}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	gone, kept := capture(email), capture(keep)
	if err := s.CountView(ctx(t), p.Slug, day, leadgate.Source{}); err != nil {
		t.Fatal(err)
	}
	before, err := s.DailyCounts(ctx(t), p.Slug, day)
	if err != nil || before.Downloads != 2 || before.Views != 1 {
		t.Fatalf("counts before: %+v %v", before, err)
	}

	e := leadgate.Erasure{Email: email, GrantIDs: gone.grants, ConfirmationIDs: gone.confirms, UnsubscribeID: gone.unsub}
	// A grant of another lead named by mistake is left alone.
	e.GrantIDs = append(e.GrantIDs, kept.grants[1])
	erased, err := s.EraseLead(ctx(t), e)
	if err != nil {
		t.Fatalf("EraseLead: %v", err)
	}
	if erased.LeadID != gone.lead.ID || erased.Submissions != 2 || erased.Grants != 2 || erased.Confirmations != 2 || erased.UnsubscribeLinks != 1 || erased.Items < 6 {
		t.Fatalf("erased %+v", erased)
	}

	_, err = s.LeadByEmail(ctx(t), email)
	wantCode(t, "LeadByEmail after erasure", err, leadgate.ENOTFOUND)
	if subs := mustSubmissions(t, s, email); len(subs) != 0 {
		t.Fatalf("%d submissions left", len(subs))
	}
	for _, id := range gone.grants {
		g := mustGrant(t, s, id)
		if !g.Erased || g.Email != "" || g.Page != p.Slug {
			t.Fatalf("erased lead's grant %+v, want erased without the address", g)
		}
		_, err := s.UseGrant(ctx(t), id, T0.Add(time.Hour))
		wantCode(t, "UseGrant of an erased grant", err, leadgate.EGONE)
	}
	if g := mustGrant(t, s, gone.grants[0]); g.Downloads != 1 {
		t.Fatalf("erased grant's downloads %d, want 1 kept", g.Downloads)
	}
	for _, id := range gone.confirms {
		_, err := s.Confirmation(ctx(t), id)
		wantCode(t, "Confirmation after erasure", err, leadgate.ENOTFOUND)
	}
	wantCode(t, "Unsubscribe after erasure", s.Unsubscribe(ctx(t), gone.unsub, T0), leadgate.ENOTFOUND)
	due, err := s.DueSteps(ctx(t), T0.Add(72*time.Hour), 10)
	if err != nil || len(due) != 1 || due[0].Email != keep {
		t.Fatalf("due steps after erasure: %+v %v, want only the kept lead's", due, err)
	}
	after, err := s.DailyCounts(ctx(t), p.Slug, day)
	if err != nil || after != before {
		t.Fatalf("counts after: %+v %v, want %+v", after, err, before)
	}

	// The other lead has all it had.
	l := mustLead(t, s, keep)
	if l.ID != kept.lead.ID || l.Name != "Kim Kept" || len(mustSubmissions(t, s, keep)) != 2 {
		t.Fatalf("kept lead %+v", l)
	}
	for _, id := range kept.grants {
		if g := mustGrant(t, s, id); g.Erased || g.Email != keep {
			t.Fatalf("kept lead's grant %+v", g)
		}
	}
	for _, id := range kept.confirms {
		if _, err := s.Confirmation(ctx(t), id); err != nil {
			t.Fatalf("kept lead's confirmation: %v", err)
		}
	}
	export, err := s.PageLeads(ctx(t), p.Slug, time.Time{}, "", 10)
	if err != nil || len(export.Leads) != 2 || export.Leads[0].Lead.Email != keep || export.Leads[1].Lead.Email != keep {
		t.Fatalf("export after erasure: %+v %v", export, err)
	}

	_, err = s.EraseLead(ctx(t), e)
	wantCode(t, "second EraseLead", err, leadgate.ENOTFOUND)
}

// testErasedLeadLeavesNoTrace erases a lead and then reads every item of the store,
// raw, for its address in any case and the name it gave.
func testErasedLeadLeavesNoTrace(t *testing.T, s leadgate.Store) {
	scanner, ok := s.(ItemScanner)
	if !ok {
		t.Fatalf("%T: the harness must give a store that implements storetest.ItemScanner", s)
	}
	const email = "trace@example.com"
	p := Page("traces")
	mustPutPage(t, s, p)
	c := Capture(p, email, T0, "x")
	c.Submission.Values["email"] = "Trace@Example.com"
	c.Submission.Values["name"] = "Tracy Tracewell"
	g := leadgate.NewGrant("trace-grant", c.Submission, p, Magnet())
	c.Grant = &g
	res := mustCapture(t, s, c)
	conf := leadgate.Confirmation{ID: "trace-confirm", Email: email, LeadID: res.Lead.ID, Page: p.Slug, SubmissionID: res.Submission.ID, CreatedAt: T0, ExpiresAt: T0.Add(time.Hour)}
	if err := s.PutConfirmation(ctx(t), conf); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Confirm(ctx(t), conf.ID, T0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutUnsubscribe(ctx(t), leadgate.Unsubscribe{ID: "trace-unsub", Email: email, LeadID: res.Lead.ID}); err != nil {
		t.Fatal(err)
	}
	used, err := s.UseGrant(ctx(t), g.ID, T0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CountDownload(ctx(t), leadgate.Download{GrantID: g.ID, N: used.Downloads, Page: p.Slug, Email: email, At: T0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	send, _, err := s.ClaimSend(ctx(t), email, "delivery#"+res.Submission.ID, T0, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseSend(ctx(t), send); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ClaimSend(ctx(t), email, "confirm#"+res.Submission.ID, T0, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.ScheduleSteps(ctx(t), []leadgate.Step{{Email: email, Key: leadgate.ReminderKey(res.Submission.ID), Kind: leadgate.StepReminder,
		LeadID: res.Lead.ID, Page: p.Slug, SubmissionID: res.Submission.ID, DueAt: T0.Add(time.Hour), Status: leadgate.StepDue}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordMailEvent(ctx(t), leadgate.MailEvent{Kind: "complaint", Email: email, MessageID: "m1", At: T0}); err != nil {
		t.Fatal(err)
	}
	traces := func() []string {
		var hits []string
		err := scanner.ScanItems(ctx(t), func(where string, item []byte) error {
			low := bytes.ToLower(item)
			if bytes.Contains(low, []byte(email)) || bytes.Contains(low, []byte("tracewell")) {
				hits = append(hits, where+": "+string(item))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("ScanItems: %v", err)
		}
		return hits
	}
	if len(traces()) == 0 {
		t.Fatal("the scan finds no trace of the lead before erasure: it does not see the items")
	}
	_, err = s.EraseLead(ctx(t), leadgate.Erasure{Email: email, GrantIDs: []string{g.ID}, ConfirmationIDs: []string{conf.ID}, UnsubscribeID: "trace-unsub"})
	if err != nil {
		t.Fatal(err)
	}
	for _, hit := range traces() {
		t.Errorf("left after erasure: %s", hit)
	}
}

// testUnsubscribeAfterErasure: an erasure deletes the lead's unsubscribe link, and
// a link put again afterwards, with the same ID, is stored again: a store that
// remembers the links it put must forget the erased ones.
func testUnsubscribeAfterErasure(t *testing.T, s leadgate.Store) {
	p := Page("unsub-erased")
	mustPutPage(t, s, p)
	res := mustCapture(t, s, Capture(p, "rosalind@example.com", T0, "x"))
	u := leadgate.Unsubscribe{ID: leadgate.GrantID("unsub-erased-token"), Email: "rosalind@example.com", LeadID: res.Lead.ID}
	for range 2 { // every email puts its link
		if err := s.PutUnsubscribe(ctx(t), u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.EraseLead(ctx(t), leadgate.Erasure{Email: u.Email, UnsubscribeID: u.ID}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "unsubscribe link of an erased lead", s.Unsubscribe(ctx(t), u.ID, T0.Add(time.Hour)), leadgate.ENOTFOUND)

	back := mustCapture(t, s, Capture(p, "rosalind@example.com", T0.Add(48*time.Hour), "y"))
	u.LeadID = back.Lead.ID
	if err := s.PutUnsubscribe(ctx(t), u); err != nil {
		t.Fatal(err)
	}
	if err := s.Unsubscribe(ctx(t), u.ID, T0.Add(49*time.Hour)); err != nil {
		t.Fatalf("unsubscribe with the link put again: %v", err)
	}
	if l := mustLead(t, s, "rosalind@example.com"); l.Status != leadgate.StatusUnsubscribed {
		t.Fatalf("lead after unsubscribing: %s, want unsubscribed", l.Status)
	}
}
