package followup_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"leadgate/shared/followup"
	"leadgate/shared/leadgate"
)

// slowMailer stands for a provider that answers only after answerAfter: a send
// whose context ends first fails as unknown. It notes the deadline the send had.
type slowMailer struct {
	answerAfter time.Duration
	deadline    chan time.Time
}

func (m slowMailer) Send(ctx context.Context, _ leadgate.Message) (string, error) {
	d, _ := ctx.Deadline()
	m.deadline <- d
	select {
	case <-ctx.Done():
		return "", leadgate.Unavailable("send", ctx.Err())
	case <-time.After(m.answerAfter):
		return "msg-late", nil
	}
}

func TestSendEndsBeforeItsClaimsLease(t *testing.T) {
	if followup.SendTimeout >= followup.ClaimLease || followup.SendTimeout >= followup.ShortestSendingTimeout {
		t.Fatalf("send timeout %v, lease %v, shortest sending function %v: want the send to end before its lease and its function",
			followup.SendTimeout, followup.ClaimLease, followup.ShortestSendingTimeout)
	}
	h := newHarness(t, singlePage())
	changes := h.capture(t, singlePage(), "hang@example.com", false)
	const lease = 600 * time.Millisecond
	cfg := followup.DefaultConfig()
	cfg.BaseURL, cfg.From, cfg.SendRate, cfg.ClaimLease = "https://api.example.com", "hello@example.com", 0, lease
	// The provider would answer after the lease: by then another worker may have
	// taken the send over.
	mailer := slowMailer{answerAfter: 2 * lease, deadline: make(chan time.Time, 1)}
	svc := followup.New(h.store, mailer, h.key, cfg, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))

	// The invocation itself has no deadline, as on the local server.
	var err error
	for _, ch := range changes {
		if e := svc.HandleChange(context.Background(), ch); e != nil {
			err = e
		}
	}
	if err == nil {
		t.Fatal("a send still in flight when its lease ended was taken for sent")
	}
	// The provider may have taken the email: the claim stays until its lease ends.
	key := "delivery#" + changes[1].Submission.ID
	claim, ok, _ := h.store.ClaimSend(context.Background(), "hang@example.com", key, time.Now(), lease)
	if ok || claim.Status != leadgate.SendSending {
		t.Fatalf("claim %+v (claimed again: %v), want kept until the lease ends", claim, ok)
	}
	select {
	case d := <-mailer.deadline:
		if end := claim.ClaimedAt.Add(lease); d.IsZero() || !d.Before(end) {
			t.Fatalf("the send's deadline is %v after its claim, want before the lease of %v ends", d.Sub(claim.ClaimedAt), lease)
		}
	default:
		t.Fatal("nothing was sent")
	}
}
