package bolt_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// MustOpen opens a store in a fresh temporary folder, closed at the end of the test.
func MustOpen(tb testing.TB) *bolt.Store {
	tb.Helper()
	s, err := bolt.Open(filepath.Join(tb.TempDir(), "leads.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.RunConformanceTests(t, func(t *testing.T) leadgate.Store { return MustOpen(t) })
}

func TestOneWriteTransactionPerCapture(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	p := storetest.Page("tx")
	if err := s.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		c    leadgate.Capture
	}{
		{"new lead", storetest.Capture(p, "tx@example.com", storetest.T0, "a")},
		{"repeat", storetest.Capture(p, "tx@example.com", storetest.T0.Add(time.Minute), "a")},
		{"returning lead", storetest.Capture(p, "tx@example.com", storetest.T0.Add(48*time.Hour), "b")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.RateLimits = []leadgate.RateLimit{{Key: "email:x", Limit: 10, Window: time.Hour}, {Key: "ip:y", Limit: 10, Window: time.Hour}}
			before := s.WriteTransactions()
			if _, err := s.Capture(ctx, tc.c); err != nil {
				t.Fatal(err)
			}
			if got := s.WriteTransactions() - before; got != 1 {
				t.Fatalf("%d write transactions, want 1", got)
			}
		})
	}
}

func TestLeadsSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := storetest.Page("durable")
	if err := s.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	res, err := s.Capture(ctx, storetest.Capture(p, "durable@example.com", storetest.T0, "a"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.LeadByEmail(ctx, "durable@example.com")
	if err != nil {
		t.Fatalf("lead after reopen: %v", err)
	}
	if got.ID != res.Lead.ID {
		t.Fatalf("lead id %q after reopen, want %q", got.ID, res.Lead.ID)
	}
	if _, err := s.Page(ctx, "durable"); err != nil {
		t.Fatalf("page after reopen: %v", err)
	}
}

func TestChangeFeed(t *testing.T) {
	s := MustOpen(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p := storetest.Page("feed")
	if err := s.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	got := make(chan leadgate.Change, 16)
	done := make(chan error, 1)
	go func() {
		done <- s.Follow(ctx, "test", func(_ context.Context, ch leadgate.Change) error { got <- ch; return nil })
	}()

	if _, err := s.Capture(ctx, storetest.Capture(p, "feed@example.com", storetest.T0, "a")); err != nil {
		t.Fatal(err)
	}
	// A repeat writes no lead or submission, so it adds nothing to the feed.
	if _, err := s.Capture(ctx, storetest.Capture(p, "feed@example.com", storetest.T0.Add(time.Second), "a")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Capture(ctx, storetest.Capture(p, "feed@example.com", storetest.T0.Add(48*time.Hour), "b")); err != nil {
		t.Fatal(err)
	}
	want := []leadgate.ChangeKind{leadgate.LeadCreated, leadgate.SubmissionCreated, leadgate.LeadUpdated, leadgate.SubmissionCreated}
	for i, kind := range want {
		select {
		case ch := <-got:
			if ch.Kind != kind || ch.Seq != uint64(i+1) {
				t.Fatalf("change %d: %s seq %d, want %s seq %d", i, ch.Kind, ch.Seq, kind, i+1)
			}
			email := ""
			if kind == leadgate.SubmissionCreated {
				if ch.Lead != nil || ch.Submission == nil {
					t.Fatalf("submission change %d carries lead %v submission %v", i, ch.Lead, ch.Submission)
				}
				email = ch.Submission.Email
			} else if ch.Lead != nil {
				email = ch.Lead.Email
			}
			if email != "feed@example.com" || ch.ID != strconv.Itoa(i+1) {
				t.Fatalf("change %d (id %q) is about %q", i, ch.ID, email)
			}
			if kind == leadgate.LeadUpdated && (ch.OldLead == nil || ch.OldLead.LastTouch.UTMSource != "a" || ch.Lead.LastTouch.UTMSource != "b") {
				t.Fatalf("lead_updated carries old %+v new %+v", ch.OldLead, ch.Lead)
			}
		case <-ctx.Done():
			t.Fatalf("change %d (%s) never came", i, kind)
		}
	}
	select {
	case ch := <-got:
		t.Fatalf("unexpected change %+v", ch)
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// A restarted subscriber resumes after the last change it handled.
	if _, err := s.Capture(context.Background(), storetest.Capture(p, "other@example.com", storetest.T0, "c")); err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	var seqs []uint64
	go s.Follow(ctx2, "test", func(_ context.Context, ch leadgate.Change) error {
		seqs = append(seqs, ch.Seq)
		if len(seqs) == 2 {
			cancel2()
		}
		return nil
	})
	<-ctx2.Done()
	if len(seqs) != 2 || seqs[0] != 5 || seqs[1] != 6 {
		t.Fatalf("resumed subscriber got %v, want [5 6]", seqs)
	}
}
