package storetest

import (
	"sync"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

func testClaimSend(t *testing.T, s leadgate.Store) {
	const lease = time.Minute
	send, ok, err := s.ClaimSend(ctx(t), "a@example.com", "delivery#s1", T0, lease)
	if err != nil || !ok || send.Status != leadgate.SendSending || send.Attempts != 1 {
		t.Fatalf("first claim: %+v %v %v", send, ok, err)
	}
	// Within the lease another worker may be sending: no second claim.
	if _, ok, err := s.ClaimSend(ctx(t), "a@example.com", "delivery#s1", T0.Add(30*time.Second), lease); err != nil || ok {
		t.Fatalf("claim within the lease: %v %v, want refused", ok, err)
	}
	// Past the lease the first worker crashed: the send is claimed again.
	send, ok, err = s.ClaimSend(ctx(t), "a@example.com", "delivery#s1", T0.Add(2*time.Minute), lease)
	if err != nil || !ok || send.Attempts != 2 {
		t.Fatalf("claim after the lease: %+v %v %v", send, ok, err)
	}
	send.Status, send.SentAt, send.MessageID = leadgate.SendSent, T0.Add(2*time.Minute), "msg-1"
	if err := s.FinishSend(ctx(t), send); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.ClaimSend(ctx(t), "a@example.com", "delivery#s1", T0.Add(time.Hour), lease)
	if err != nil || ok || got.Status != leadgate.SendSent || got.MessageID != "msg-1" {
		t.Fatalf("claim of a sent email: %+v %v %v, want refused with the record", got, ok, err)
	}
	// A failed send stays failed; a released one can be claimed again at once.
	f, _, _ := s.ClaimSend(ctx(t), "a@example.com", "confirm#s1", T0, lease)
	f.Status, f.Reason = leadgate.SendFailed, "MessageRejected"
	if err := s.FinishSend(ctx(t), f); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.ClaimSend(ctx(t), "a@example.com", "confirm#s1", T0.Add(time.Hour), lease); ok {
		t.Fatal("a failed send was claimed again")
	}
	claim, ok, _ := s.ClaimSend(ctx(t), "a@example.com", "nurture#p#day-2", T0, lease)
	if !ok {
		t.Fatal("first claim refused")
	}
	if err := s.ReleaseSend(ctx(t), claim); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.ClaimSend(ctx(t), "a@example.com", "nurture#p#day-2", T0.Add(time.Second), lease); !ok {
		t.Fatal("a released send could not be claimed")
	}

	// A worker whose lease ran out cannot finish or release the claim another worker
	// took over: that would undo the other's record and send the email twice.
	slow, _, _ := s.ClaimSend(ctx(t), "a@example.com", "delivery#s2", T0, lease)
	fast, ok, _ := s.ClaimSend(ctx(t), "a@example.com", "delivery#s2", T0.Add(2*time.Minute), lease)
	if !ok {
		t.Fatal("the claim after the lease was refused")
	}
	fast.Status, fast.SentAt, fast.MessageID = leadgate.SendSent, T0.Add(2*time.Minute), "msg-fast"
	if err := s.FinishSend(ctx(t), fast); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "release of a lost claim", s.ReleaseSend(ctx(t), slow), leadgate.ECONFLICT)
	slow.Status, slow.MessageID = leadgate.SendSent, "msg-slow"
	wantCode(t, "finish of a lost claim", s.FinishSend(ctx(t), slow), leadgate.ECONFLICT)
	got, ok, _ = s.ClaimSend(ctx(t), "a@example.com", "delivery#s2", T0.Add(time.Hour), lease)
	if ok || got.MessageID != "msg-fast" {
		t.Fatalf("after a lost claim's finish and release: %+v claimed=%v, want the fast worker's record", got, ok)
	}
}

func testConcurrentClaims(t *testing.T, s leadgate.Store) {
	const n = 8
	var wg sync.WaitGroup
	wins := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, wins[i], errs[i] = s.ClaimSend(ctx(t), "race@example.com", "delivery#s1", T0, time.Minute)
		}()
	}
	wg.Wait()
	won := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if wins[i] {
			won++
		}
	}
	if won != 1 {
		t.Fatalf("%d workers claimed the same send, want 1", won)
	}
}

func step(email, key string, due time.Time) leadgate.Step {
	return leadgate.Step{Email: email, Key: key, Kind: leadgate.StepNurture, LeadID: "lead-" + email, Page: "p",
		StepID: key, SubmissionID: "s1", DueAt: due}
}

func testSteps(t *testing.T, s leadgate.Store) {
	day2 := step("a@example.com", leadgate.NurtureKey("p", "day-2"), T0.Add(48*time.Hour))
	day5 := step("a@example.com", leadgate.NurtureKey("p", "day-5"), T0.Add(120*time.Hour))
	other := step("b@example.com", leadgate.NurtureKey("p", "day-2"), T0.Add(49*time.Hour))
	if err := s.ScheduleSteps(ctx(t), []leadgate.Step{day5, day2, other}); err != nil {
		t.Fatal(err)
	}
	// Scheduling again (a redelivered change) keeps the first schedule.
	moved := day2
	moved.DueAt = T0.Add(time.Hour)
	if err := s.ScheduleSteps(ctx(t), []leadgate.Step{moved}); err != nil {
		t.Fatal(err)
	}
	due, err := s.DueSteps(ctx(t), T0.Add(47*time.Hour), 10)
	if err != nil || len(due) != 0 {
		t.Fatalf("due before day 2: %v %v", due, err)
	}
	due, err = s.DueSteps(ctx(t), T0.Add(200*time.Hour), 10)
	if err != nil || len(due) != 3 || due[0].Key != day2.Key || due[0].Email != "a@example.com" || due[1].Email != "b@example.com" || due[2].Key != day5.Key {
		t.Fatalf("due steps %+v (%v), want day-2 of a, day-2 of b, day-5 of a", due, err)
	}
	if due[0].Status != leadgate.StepDue || !due[0].DueAt.Equal(day2.DueAt) {
		t.Fatalf("step %+v", due[0])
	}
	if got, _ := s.DueSteps(ctx(t), T0.Add(200*time.Hour), 2); len(got) != 2 {
		t.Fatalf("limit 2 gave %d", len(got))
	}
	done := due[0]
	done.Status, done.DoneAt = leadgate.StepSent, T0.Add(48*time.Hour)
	if err := s.FinishStep(ctx(t), done); err != nil {
		t.Fatal(err)
	}
	skipped := due[1]
	skipped.Status, skipped.Reason = leadgate.StepSkipped, "unsubscribed"
	if err := s.FinishStep(ctx(t), skipped); err != nil {
		t.Fatal(err)
	}
	due, err = s.DueSteps(ctx(t), T0.Add(200*time.Hour), 10)
	if err != nil || len(due) != 1 || due[0].Key != day5.Key {
		t.Fatalf("after two finished: %+v %v", due, err)
	}
	// A finished step is not scheduled again.
	if err := s.ScheduleSteps(ctx(t), []leadgate.Step{day2}); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueSteps(ctx(t), T0.Add(200*time.Hour), 10); len(due) != 1 {
		t.Fatalf("a sent step came due again: %+v", due)
	}
	wantCode(t, "finish an unknown step", s.FinishStep(ctx(t), step("x@example.com", "nurture#p#x", T0)), leadgate.ENOTFOUND)
}

func testConfirm(t *testing.T, s leadgate.Store) {
	p := Page("double")
	p.OptIn = leadgate.OptInDouble
	mustPutPage(t, s, p)
	res := mustCapture(t, s, Capture(p, "confirm@example.com", T0, "x"))
	if res.Lead.Status != leadgate.StatusUnconfirmed {
		t.Fatalf("double opt-in lead is %s", res.Lead.Status)
	}
	c := leadgate.Confirmation{ID: leadgate.GrantID("confirm-token"), Email: "confirm@example.com", LeadID: res.Lead.ID, Page: p.Slug,
		SubmissionID: res.Submission.ID, CreatedAt: T0, ExpiresAt: T0.Add(leadgate.ConfirmationTTL)}
	if err := s.PutConfirmation(ctx(t), c); err != nil {
		t.Fatal(err)
	}
	again := c
	again.LeadID = "someone-else"
	if err := s.PutConfirmation(ctx(t), again); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Confirmation(ctx(t), c.ID); err != nil || got.LeadID != res.Lead.ID {
		t.Fatalf("a second put replaced the confirmation: %+v %v", got, err)
	}
	_, err := s.Confirm(ctx(t), leadgate.GrantID("nope"), T0)
	wantCode(t, "unknown confirmation", err, leadgate.ENOTFOUND)
	got, err := s.Confirm(ctx(t), c.ID, T0.Add(time.Hour))
	if err != nil || !got.ConfirmedAt.Equal(T0.Add(time.Hour)) {
		t.Fatalf("confirm: %+v %v", got, err)
	}
	if l := mustLead(t, s, "confirm@example.com"); l.Status != leadgate.StatusActive || !l.MarketingAllowed() || !l.ConfirmedAt.Equal(T0.Add(time.Hour)) {
		t.Fatalf("confirmed lead %+v", l)
	}
	// Confirming again (a second click) keeps the first time.
	got, err = s.Confirm(ctx(t), c.ID, T0.Add(2*time.Hour))
	if err != nil || !got.ConfirmedAt.Equal(T0.Add(time.Hour)) {
		t.Fatalf("second confirm: %+v %v", got, err)
	}
	if l := mustLead(t, s, "confirm@example.com"); !l.ConfirmedAt.Equal(T0.Add(time.Hour)) {
		t.Fatalf("a second click moved ConfirmedAt to %v", l.ConfirmedAt)
	}
	// A lead made active by a single opt-in page has not proved the address: its
	// first confirmation records when it did.
	single := Page("single-first")
	mustPutPage(t, s, single)
	active := mustCapture(t, s, Capture(single, "active@example.com", T0, "x"))
	if active.Lead.Status != leadgate.StatusActive || !active.Lead.ConfirmedAt.IsZero() {
		t.Fatalf("single opt-in lead %+v", active.Lead)
	}
	ac := leadgate.Confirmation{ID: leadgate.GrantID("active-token"), Email: "active@example.com", LeadID: active.Lead.ID, Page: p.Slug,
		SubmissionID: "s-active", CreatedAt: T0, ExpiresAt: T0.Add(leadgate.ConfirmationTTL)}
	if err := s.PutConfirmation(ctx(t), ac); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Confirm(ctx(t), ac.ID, T0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if l := mustLead(t, s, "active@example.com"); l.Status != leadgate.StatusActive || !l.ConfirmedAt.Equal(T0.Add(3*time.Hour)) {
		t.Fatalf("active lead after confirming: %s, confirmed at %v", l.Status, l.ConfirmedAt)
	}

	late := c
	late.ID, late.SubmissionID = leadgate.GrantID("late-token"), "late"
	if err := s.PutConfirmation(ctx(t), late); err != nil {
		t.Fatal(err)
	}
	_, err = s.Confirm(ctx(t), late.ID, late.ExpiresAt)
	wantCode(t, "expired confirmation", err, leadgate.EGONE)
}

func testUnsubscribe(t *testing.T, s leadgate.Store) {
	p := Page("unsub")
	mustPutPage(t, s, p)
	res := mustCapture(t, s, Capture(p, "leave@example.com", T0, "x"))
	u := leadgate.Unsubscribe{ID: leadgate.GrantID("unsub-token"), Email: "leave@example.com", LeadID: res.Lead.ID}
	if err := s.PutUnsubscribe(ctx(t), u); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "unknown unsubscribe link", s.Unsubscribe(ctx(t), leadgate.GrantID("nope"), T0), leadgate.ENOTFOUND)
	for range 2 { // a second click changes nothing
		if err := s.Unsubscribe(ctx(t), u.ID, T0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	l := mustLead(t, s, "leave@example.com")
	if l.Status != leadgate.StatusUnsubscribed || l.Consent.Given || l.MarketingAllowed() || l.Reachable() {
		t.Fatalf("unsubscribed lead %+v", l)
	}
	// Only an explicit new opt-in brings the address back.
	silent := Capture(p, "leave@example.com", T0.Add(48*time.Hour), "y")
	silent.Submission.Consent.Given = false
	mustCapture(t, s, silent)
	if l := mustLead(t, s, "leave@example.com"); l.Status != leadgate.StatusUnsubscribed {
		t.Fatalf("a submission without consent resubscribed the lead: %s", l.Status)
	}
	mustCapture(t, s, Capture(p, "leave@example.com", T0.Add(96*time.Hour), "z"))
	if l := mustLead(t, s, "leave@example.com"); l.Status != leadgate.StatusActive || !l.MarketingAllowed() {
		t.Fatalf("an explicit opt-in left the lead %s", l.Status)
	}
}

func testMailEvents(t *testing.T, s leadgate.Store) {
	p := Page("bounces")
	mustPutPage(t, s, p)
	for _, e := range []string{"hard@example.com", "soft@example.com", "angry@example.com"} {
		mustCapture(t, s, Capture(p, e, T0, "x"))
	}
	events := []leadgate.MailEvent{
		{Kind: "bounce", Email: "hard@example.com", MessageID: "m1", At: T0},
		{Kind: "soft_bounce", Email: "soft@example.com", MessageID: "m2", At: T0},
		{Kind: "soft_bounce", Email: "soft@example.com", MessageID: "m2", At: T0}, // redelivered
		{Kind: "soft_bounce", Email: "soft@example.com", MessageID: "m3", At: T0},
		{Kind: "complaint", Email: "angry@example.com", MessageID: "m4", At: T0},
		{Kind: "bounce", Email: "nobody@example.com", MessageID: "m5", At: T0}, // no such lead
	}
	for _, e := range events {
		if err := s.RecordMailEvent(ctx(t), e); err != nil {
			t.Fatal(err)
		}
	}
	if l := mustLead(t, s, "hard@example.com"); l.Status != leadgate.StatusBounced || l.Reachable() {
		t.Fatalf("hard bounce left %+v", l.Status)
	}
	if l := mustLead(t, s, "soft@example.com"); l.Status != leadgate.StatusActive || l.SoftBounces != 2 {
		t.Fatalf("soft bounces: %s, %d counted, want active and 2", l.Status, l.SoftBounces)
	}
	if l := mustLead(t, s, "angry@example.com"); l.Status != leadgate.StatusComplained || l.Consent.Given || l.Reachable() {
		t.Fatalf("complaint left %+v", l)
	}
	// A later submission does not bring a bounced address back.
	mustCapture(t, s, Capture(p, "hard@example.com", T0.Add(48*time.Hour), "x"))
	if l := mustLead(t, s, "hard@example.com"); l.Status != leadgate.StatusBounced {
		t.Fatalf("a bounced address came back as %s", l.Status)
	}
}
