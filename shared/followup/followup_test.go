package followup_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/followup"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/signing"
)

// fakeMailer records what it is asked to send; fail decides an answer per call.
type fakeMailer struct {
	mu    sync.Mutex
	sent  []leadgate.Message
	calls int
	fail  func(call int, m leadgate.Message) error
	delay time.Duration
}

func (f *fakeMailer) Send(ctx context.Context, m leadgate.Message) (string, error) {
	f.mu.Lock()
	f.calls++
	call := f.calls
	f.mu.Unlock()
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	if f.fail != nil {
		if err := f.fail(call, m); err != nil {
			return "", err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, m)
	return fmt.Sprintf("msg-%d", call), nil
}

func (f *fakeMailer) messages() []leadgate.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]leadgate.Message(nil), f.sent...)
}

type harness struct {
	store  *bolt.Store
	mailer *fakeMailer
	svc    *followup.Service
	links  *followup.Links
	key    *signing.Key
	now    time.Time
	mu     sync.Mutex
}

func (h *harness) clock() time.Time { h.mu.Lock(); defer h.mu.Unlock(); return h.now }
func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.now = h.now.Add(d)
	h.mu.Unlock()
}

func newHarness(tb testing.TB, pages ...leadgate.Page) *harness {
	tb.Helper()
	store, err := bolt.Open(filepath.Join(tb.TempDir(), "leads.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	key, _ := signing.NewKey([]byte(strings.Repeat("k", 32)))
	h := &harness{store: store, mailer: &fakeMailer{}, key: key, now: storetest.T0}
	ctx := context.Background()
	if err := store.PutMagnet(ctx, storetest.Magnet()); err != nil {
		tb.Fatal(err)
	}
	for _, p := range pages {
		if err := store.PutPage(ctx, p); err != nil {
			tb.Fatal(err)
		}
	}
	cfg := followup.DefaultConfig()
	cfg.BaseURL, cfg.From, cfg.SendRate = "https://api.example.com", "hello@example.com", 0
	h.svc = followup.New(store, h.mailer, key, cfg, h.clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.links = followup.NewLinks(store, key, h.clock)
	return h
}

func singlePage() leadgate.Page {
	p := storetest.Page("single")
	p.FollowUp.Nurture = []leadgate.NurtureStep{
		{ID: "day-5", After: 5 * 24 * time.Hour, EmailTemplate: leadgate.EmailTemplate{Subject: "Day five", Text: "Five days in."}},
		{ID: "day-2", After: 2 * 24 * time.Hour, EmailTemplate: leadgate.EmailTemplate{Subject: "Day two", Text: "Two days in."}},
	}
	return p
}

func doublePage() leadgate.Page {
	p := singlePage()
	p.Slug, p.OptIn = "double", leadgate.OptInDouble
	return p
}

// capture records a submission as the capture route would, and returns the changes
// it added to the feed.
func (h *harness) capture(t testing.TB, page leadgate.Page, email string, consent bool) []leadgate.Change {
	t.Helper()
	ctx := context.Background()
	before, _ := h.store.Changes(0, 1<<20)
	c := storetest.Capture(page, email, h.clock(), "x")
	c.Submission.Consent.Given = consent
	if page.OptIn == leadgate.OptInSingle {
		g := leadgate.NewGrant(h.key.GrantToken(c.Submission.ID), c.Submission, page, storetest.Magnet())
		c.Grant = &g
	}
	if _, err := h.store.Capture(ctx, c); err != nil {
		t.Fatal(err)
	}
	after, _ := h.store.Changes(uint64(len(before)), 1<<20)
	return after
}

func (h *harness) handle(t testing.TB, changes []leadgate.Change) {
	t.Helper()
	for _, ch := range changes {
		if err := h.svc.HandleChange(context.Background(), ch); err != nil {
			t.Fatalf("%s: %v", ch.Kind, err)
		}
	}
}

func subjects(ms []leadgate.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Subject
	}
	return out
}

func TestSingleOptInDeliversOnceThenNurturesInOrder(t *testing.T) {
	h := newHarness(t, singlePage())
	changes := h.capture(t, singlePage(), "ada@example.com", true)
	h.handle(t, changes)
	h.handle(t, changes) // the same batch delivered twice
	got := h.mailer.messages()
	if len(got) != 1 || got[0].Subject != "Your copy of The playbook" || got[0].To != "ada@example.com" {
		t.Fatalf("sent %v, want one delivery email", subjects(got))
	}
	m := got[0]
	wantLink := "https://api.example.com/v1/downloads/" + h.key.GrantToken(changes[1].Submission.ID)
	if !strings.Contains(m.Text, wantLink) || !strings.Contains(m.HTML, wantLink) {
		t.Fatalf("delivery lacks the download link %s", wantLink)
	}
	unsub := "https://api.example.com/v1/unsubscribe/" + h.key.UnsubscribeToken(changes[0].Lead.ID)
	if len(m.Headers) != 2 || m.Headers[0].Value != "<"+unsub+">" || m.Headers[1].Value != "List-Unsubscribe=One-Click" || !strings.Contains(m.HTML, unsub) {
		t.Fatalf("headers %+v", m.Headers)
	}
	// Moving the clock: day-2 then day-5, each once.
	for _, d := range []time.Duration{24 * time.Hour, 24 * time.Hour, 3 * 24 * time.Hour, 24 * time.Hour} {
		h.advance(d)
		if _, err := h.svc.Dispatch(context.Background(), 100); err != nil {
			t.Fatal(err)
		}
	}
	if got := subjects(h.mailer.messages()); strings.Join(got, "|") != "Your copy of The playbook|Day two|Day five" {
		t.Fatalf("sent %v, want delivery, day two, day five", got)
	}
}

func TestNoConsentNoNurture(t *testing.T) {
	h := newHarness(t, singlePage())
	h.handle(t, h.capture(t, singlePage(), "quiet@example.com", false))
	h.advance(10 * 24 * time.Hour)
	if _, err := h.svc.Dispatch(context.Background(), 100); err != nil {
		t.Fatal(err)
	}
	if got := subjects(h.mailer.messages()); len(got) != 1 {
		t.Fatalf("sent %v, want the delivery email only", got)
	}
}

func TestUnsubscribedLeadGetsNoLaterStep(t *testing.T) {
	h := newHarness(t, singlePage())
	changes := h.capture(t, singlePage(), "leave@example.com", true)
	h.handle(t, changes)
	if err := h.links.Unsubscribe(context.Background(), h.key.UnsubscribeToken(changes[0].Lead.ID)); err != nil {
		t.Fatal(err)
	}
	h.advance(10 * 24 * time.Hour)
	res, err := h.svc.Dispatch(context.Background(), 100)
	if err != nil || res.Skipped != 2 || res.Sent != 0 {
		t.Fatalf("dispatch %+v %v, want both steps skipped", res, err)
	}
	if got := subjects(h.mailer.messages()); len(got) != 1 {
		t.Fatalf("sent %v after unsubscribing", got)
	}
}

func TestDoubleOptInConfirmsThenDelivers(t *testing.T) {
	h := newHarness(t, doublePage())
	changes := h.capture(t, doublePage(), "grace@example.com", true)
	h.handle(t, changes)
	got := h.mailer.messages()
	if len(got) != 1 || !strings.HasPrefix(got[0].Subject, "Confirm your address") {
		t.Fatalf("sent %v, want the confirmation email", subjects(got))
	}
	confirmToken := h.key.ConfirmToken(changes[1].Submission.ID)
	if !strings.Contains(got[0].Text, "https://api.example.com/v1/confirm/"+confirmToken) {
		t.Fatal("no confirm link")
	}
	// No download link exists before confirmation.
	if _, err := h.store.Grant(context.Background(), leadgate.GrantID(h.key.GrantToken(changes[1].Submission.ID))); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("a grant exists before confirmation: %v", err)
	}
	h.advance(time.Hour)
	before, _ := h.store.Changes(0, 1<<20)
	link, err := h.links.Confirm(context.Background(), confirmToken)
	if err != nil || !strings.HasPrefix(link, "/v1/downloads/") {
		t.Fatalf("confirm: %q %v", link, err)
	}
	after, _ := h.store.Changes(uint64(len(before)), 100)
	h.handle(t, after)
	h.handle(t, after)
	got = h.mailer.messages()
	if len(got) != 2 || got[1].Subject != "Your copy of The playbook" || !strings.Contains(got[1].Text, "https://api.example.com"+link) {
		t.Fatalf("sent %v, want the delivery email with %s", subjects(got), link)
	}
	// The reminder is skipped: the lead confirmed.
	h.advance(2 * 24 * time.Hour)
	res, _ := h.svc.Dispatch(context.Background(), 100)
	if res.Skipped != 1 || res.Sent != 1 { // reminder skipped; day-2 (from confirmation) sent
		t.Fatalf("dispatch %+v", res)
	}
}

func TestUnconfirmedLeadIsRemindedOnce(t *testing.T) {
	h := newHarness(t, doublePage())
	h.handle(t, h.capture(t, doublePage(), "slow@example.com", true))
	for range 5 {
		h.advance(12 * time.Hour)
		if _, err := h.svc.Dispatch(context.Background(), 100); err != nil {
			t.Fatal(err)
		}
	}
	got := subjects(h.mailer.messages())
	if len(got) != 2 || !strings.HasPrefix(got[1], "Still want") {
		t.Fatalf("sent %v, want the confirmation then one reminder (and no nurture before confirming)", got)
	}
}

// TestThrottledSendIsHandedBack: a send the mailer could not make, after its own
// retries (the SES client's, see shared/ses), is handed back at once: the service
// adds no retries of its own to a throttled account's load, and releases its claim
// so that the record's retry sends the email.
func TestThrottledSendIsHandedBack(t *testing.T) {
	h := newHarness(t, singlePage())
	h.mailer.fail = func(int, leadgate.Message) error {
		return leadgate.Unavailable("send", fmt.Errorf("TooManyRequestsException"))
	}
	changes := h.capture(t, singlePage(), "later@example.com", false)
	var failed error
	for _, ch := range changes {
		if err := h.svc.HandleChange(context.Background(), ch); err != nil {
			failed = err
		}
	}
	if leadgate.ErrorCode(failed) != leadgate.EUNAVAILABLE {
		t.Fatalf("error %v, want EUNAVAILABLE so the record is retried", failed)
	}
	if h.mailer.calls != 1 {
		t.Fatalf("%d calls to the mailer, want 1: the mailer retries, the service does not", h.mailer.calls)
	}
	h.mailer.fail = nil
	h.handle(t, changes) // the retry: the claim was released, so it sends now
	if got := h.mailer.messages(); len(got) != 1 || h.mailer.calls != 2 {
		t.Fatalf("sent %d after %d calls, want 1 after 2", len(got), h.mailer.calls)
	}
}

func TestRejectedSendFailsAloneAndForGood(t *testing.T) {
	h := newHarness(t, singlePage())
	h.mailer.fail = func(_ int, m leadgate.Message) error {
		if m.To == "rejected@example.com" {
			return &leadgate.Error{Code: leadgate.EREJECTED, Message: "message rejected"}
		}
		return nil
	}
	bad := h.capture(t, singlePage(), "rejected@example.com", false)
	good := h.capture(t, singlePage(), "fine@example.com", false)
	h.handle(t, append(bad, good...)) // no error: the refusal does not block the batch
	h.handle(t, bad)                  // and it is not retried
	if got := h.mailer.messages(); len(got) != 1 || got[0].To != "fine@example.com" {
		t.Fatalf("sent %v", subjects(got))
	}
	if h.mailer.calls != 2 {
		t.Fatalf("%d provider calls, want 2 (the refusal is not retried)", h.mailer.calls)
	}
}

func TestActiveLeadMustStillConfirmOnADoubleOptInPage(t *testing.T) {
	h := newHarness(t, singlePage(), doublePage())
	h.handle(t, h.capture(t, singlePage(), "victim@example.com", false))
	h.advance(time.Minute)
	changes := h.capture(t, doublePage(), "victim@example.com", true)
	h.handle(t, changes)
	got := subjects(h.mailer.messages())
	if len(got) != 2 || !strings.HasPrefix(got[1], "Confirm your address") {
		t.Fatalf("sent %v: an address made active by a single opt-in page must still confirm on a double opt-in page", got)
	}
	h.advance(10 * 24 * time.Hour)
	if _, err := h.svc.Dispatch(context.Background(), 100); err != nil {
		t.Fatal(err)
	}
	for _, s := range subjects(h.mailer.messages()) {
		if strings.HasPrefix(s, "Day") {
			t.Fatalf("sent %v: nurture went out before the address was confirmed", subjects(h.mailer.messages()))
		}
	}
}

func TestConfirmingOnePageDeliversTheOtherPendingOne(t *testing.T) {
	other := doublePage()
	other.Slug = "double-two"
	h := newHarness(t, doublePage(), other)
	h.handle(t, h.capture(t, doublePage(), "both@example.com", false))
	h.advance(time.Minute)
	second := h.capture(t, other, "both@example.com", false)
	h.handle(t, second)
	first := h.mailer.messages()[0]
	link := regexp.MustCompile(`/v1/confirm/([A-Za-z0-9_-]+)`).FindStringSubmatch(first.Text)
	if _, err := h.links.Confirm(context.Background(), link[1]); err != nil {
		t.Fatal(err)
	}
	// The second page's reminder comes due: the address is proven, so it delivers.
	h.advance(2 * 24 * time.Hour)
	if _, err := h.svc.Dispatch(context.Background(), 100); err != nil {
		t.Fatal(err)
	}
	var deliveries int
	for _, m := range h.mailer.messages() {
		if strings.HasPrefix(m.Subject, "Your copy of") && strings.Contains(m.Text, h.key.GrantToken(second[1].Submission.ID)) {
			deliveries++
		}
	}
	if deliveries != 1 {
		t.Fatalf("sent %v: the second page's download never went out", subjects(h.mailer.messages()))
	}
}

func TestBrokenTemplateFailsTheSendNotTheStream(t *testing.T) {
	p := singlePage()
	p.FollowUp.Delivery.Subject = "{{.Nmae}}"
	h := newHarness(t, p)
	changes := h.capture(t, p, "broken@example.com", false)
	for _, ch := range changes {
		if err := h.svc.HandleChange(context.Background(), ch); err != nil {
			t.Fatalf("a template that does not render blocked the stream: %v", err)
		}
	}
	if len(h.mailer.messages()) != 0 {
		t.Fatal("something was sent")
	}
	send, ok, _ := h.store.ClaimSend(context.Background(), "broken@example.com", "delivery#"+changes[1].Submission.ID, h.clock(), time.Minute)
	if ok || send.Status != leadgate.SendFailed {
		t.Fatalf("the send is %+v, want recorded as failed", send)
	}
}

func TestADeadWorkersClaimIsTakenOverAfterItsLease(t *testing.T) {
	h := newHarness(t, singlePage())
	changes := h.capture(t, singlePage(), "orphan@example.com", false)
	// A worker claimed the delivery and died before sending.
	key := "delivery#" + changes[1].Submission.ID
	if _, ok, err := h.store.ClaimSend(context.Background(), "orphan@example.com", key, time.Now(), 300*time.Millisecond); err != nil || !ok {
		t.Fatal(err)
	}
	cfg := followup.DefaultConfig()
	cfg.BaseURL, cfg.From, cfg.SendRate, cfg.ClaimLease = "https://api.example.com", "hello@example.com", 0, 300*time.Millisecond
	svc := followup.New(h.store, h.mailer, h.key, cfg, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, ch := range changes {
		if err := svc.HandleChange(context.Background(), ch); err != nil {
			t.Fatal(err)
		}
	}
	if got := h.mailer.messages(); len(got) != 1 {
		t.Fatalf("%d sent, want the delivery once the dead worker's lease ran out", len(got))
	}
}

func TestAmbiguousFailureKeepsTheClaim(t *testing.T) {
	h := newHarness(t, singlePage())
	h.mailer.fail = func(int, leadgate.Message) error {
		return leadgate.Unavailable("send", context.DeadlineExceeded)
	}
	changes := h.capture(t, singlePage(), "maybe@example.com", false)
	var failed error
	for _, ch := range changes {
		if err := h.svc.HandleChange(context.Background(), ch); err != nil {
			failed = err
		}
	}
	if failed == nil {
		t.Fatal("no error handed back")
	}
	send, ok, _ := h.store.ClaimSend(context.Background(), "maybe@example.com", "delivery#"+changes[1].Submission.ID, h.clock(), time.Minute)
	if ok || send.Status != leadgate.SendSending {
		t.Fatalf("claim %+v: a send that may have gone out must keep its claim until the lease ends", send)
	}
}
