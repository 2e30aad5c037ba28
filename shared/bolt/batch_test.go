package bolt_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// The follower's writes go through bbolt's group commit: concurrent calls share one
// transaction, and one call's refusal does not undo the others.
func TestConcurrentFollowerWritesShareCommits(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	p := storetest.Page("batched")
	if err := s.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	lost, ok, err := s.ClaimSend(ctx, "lost@example.com", "delivery#x", storetest.T0, time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	// Another worker takes the send over once the lease ran out: the first claim is lost.
	if _, ok, err := s.ClaimSend(ctx, "lost@example.com", "delivery#x", storetest.T0.Add(2*time.Minute), time.Minute); err != nil || !ok {
		t.Fatalf("take over: %v %v", ok, err)
	}

	const n = 40
	before := s.WriteTransactions()
	var wg sync.WaitGroup
	errs := make(chan error, n+1)
	for i := range n {
		wg.Go(func() {
			sub := leadgate.Submission{ID: fmt.Sprintf("sub-%02d", i), Email: fmt.Sprintf("l%02d@example.com", i), Page: p.Slug, At: storetest.T0}
			errs <- s.CountLead(ctx, sub)
		})
	}
	wg.Go(func() {
		lost.Status = leadgate.SendSent
		if err := s.FinishSend(ctx, lost); leadgate.ErrorCode(err) != leadgate.ECONFLICT {
			errs <- fmt.Errorf("finish a lost claim: %v, want ECONFLICT", err)
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	commits := s.WriteTransactions() - before
	if commits < 1 || commits > 4 {
		t.Errorf("%d concurrent writes made %d commits, want 1 to 4", n+1, commits)
	}
	c, err := s.DailyCounts(ctx, p.Slug, leadgate.Day(storetest.T0))
	if err != nil {
		t.Fatal(err)
	}
	if c.Leads != n {
		t.Errorf("%d leads counted, want %d", c.Leads, n)
	}
}

// Every claim in the file when it opens was left by a process that died: bbolt lets
// one process at a time open it. The next try sends at once, not after the lease.
func TestClaimsOfADeadProcessAreReleasedOnOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const lease = time.Minute
	if _, ok, err := s.ClaimSend(ctx, "dead@example.com", "delivery#a", storetest.T0, lease); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	sent, ok, err := s.ClaimSend(ctx, "done@example.com", "delivery#b", storetest.T0, lease)
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	sent.Status, sent.SentAt, sent.MessageID = leadgate.SendSent, storetest.T0, "m1"
	if err := s.FinishSend(ctx, sent); err != nil {
		t.Fatal(err)
	}
	// While the store is open, the claim holds for its lease.
	if _, ok, err := s.ClaimSend(ctx, "dead@example.com", "delivery#a", storetest.T0.Add(time.Second), lease); err != nil || ok {
		t.Fatalf("claimed again within the lease: %v %v", ok, err)
	}
	// The process dies: the store closes without FinishSend or ReleaseSend.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	claim, ok, err := s.ClaimSend(ctx, "dead@example.com", "delivery#a", storetest.T0.Add(time.Second), lease)
	if err != nil || !ok {
		t.Fatalf("claim after reopening: %v %v, want it at once", ok, err)
	}
	if claim.Status != leadgate.SendSending || !claim.ClaimedAt.Equal(storetest.T0.Add(time.Second)) {
		t.Errorf("claim %+v", claim)
	}
	// A recorded send stays recorded: it is not sent again.
	got, ok, err := s.ClaimSend(ctx, "done@example.com", "delivery#b", storetest.T0.Add(time.Second), lease)
	if err != nil || ok || got.Status != leadgate.SendSent || got.MessageID != "m1" {
		t.Fatalf("sent send after reopening: %+v %v %v", got, ok, err)
	}
}

// The follower saves its position once per batch, and a batch handled in part
// resumes at the change that failed.
func TestFollowBatchesSavesItsPositionOncePerBatch(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	p := storetest.Page("batches")
	if err := s.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	const leads = 30 // two changes each: lead_created, submission_created
	for i := range leads {
		if _, err := s.Capture(ctx, storetest.Capture(p, fmt.Sprintf("b%02d@example.com", i), storetest.T0, "a")); err != nil {
			t.Fatal(err)
		}
	}

	// The first run fails at the 11th change of its first batch of 25.
	errFail := errors.New("reaction failed")
	var sizes []int
	err := s.FollowBatches(ctx, "test", bolt.FollowOptions{BatchSize: 25}, func(_ context.Context, batch []leadgate.Change) (int, error) {
		sizes = append(sizes, len(batch))
		return 10, errFail
	})
	if !errors.Is(err, errFail) || len(sizes) != 1 || sizes[0] != 25 {
		t.Fatalf("first run: %v after batches %v", err, sizes)
	}

	// The next run starts there, and saves once per batch.
	follow, stop := context.WithCancel(ctx)
	defer stop()
	var (
		seqs   []uint64
		before = s.WriteTransactions()
		done   = make(chan error, 1)
	)
	go func() {
		done <- s.FollowBatches(follow, "test", bolt.FollowOptions{BatchSize: 25}, func(_ context.Context, batch []leadgate.Change) (int, error) {
			for _, ch := range batch {
				seqs = append(seqs, ch.Seq)
			}
			if seqs[len(seqs)-1] == 2*leads {
				stop()
			}
			return len(batch), nil
		})
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 2*leads-10 || seqs[0] != 11 {
		t.Fatalf("second run handed changes %d to %d (%d), want 11 to %d", seqs[0], seqs[len(seqs)-1], len(seqs), 2*leads)
	}
	if commits := s.WriteTransactions() - before; commits != 2 {
		t.Errorf("%d commits for %d changes in batches of 25, want 2", commits, len(seqs))
	}

	// A third run finds nothing left.
	follow, stop = context.WithTimeout(ctx, 100*time.Millisecond)
	defer stop()
	err = s.FollowBatches(follow, "test", bolt.FollowOptions{}, func(_ context.Context, batch []leadgate.Change) (int, error) {
		t.Errorf("handed %d changes again, from %d", len(batch), batch[0].Seq)
		return len(batch), nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
