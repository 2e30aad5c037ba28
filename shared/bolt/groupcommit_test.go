package bolt_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// groupedCaptures makes the captures cs share one commit: it holds bbolt's writer
// while a first capture starts its commit, queues cs behind it in order, then lets
// go. It
// returns each capture's result and error, in the order of cs, and the commits made.
func groupedCaptures(t *testing.T, s *bolt.Store, first leadgate.Capture, cs []leadgate.Capture) ([]leadgate.CaptureResult, []error, uint64) {
	t.Helper()
	ctx := context.Background()
	held, err := bolt.DB(s).Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	before := s.WriteTransactions()
	var wg sync.WaitGroup
	var firstErr error
	wg.Go(func() { _, firstErr = s.Capture(ctx, first) })
	waitQueue(t, s, 0)
	res, errs := make([]leadgate.CaptureResult, len(cs)), make([]error, len(cs))
	for i, c := range cs {
		wg.Go(func() { res[i], errs[i] = s.Capture(ctx, c) })
		waitQueue(t, s, i+1) // in the order of cs
	}
	if err := held.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if firstErr != nil {
		t.Fatalf("first capture: %v", firstErr)
	}
	return res, errs, s.WriteTransactions() - before
}

// waitQueue waits until a capture is committing and n wait behind it.
func waitQueue(t *testing.T, s *bolt.Store, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		waiting, leading := bolt.CaptureQueue(s)
		if leading && waiting == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d captures waiting (leading %v), want %d", waiting, leading, n)
		}
	}
}

func groupPage(t *testing.T, s *bolt.Store) leadgate.Page {
	t.Helper()
	p := storetest.Page("grouped")
	if err := s.PutPage(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// Captures that arrive during a commit share the next one, and each is stored as if
// it had been alone.
func TestCapturesShareACommit(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	p := groupPage(t, s)
	first := storetest.Capture(p, "first@example.com", storetest.T0, "a")
	var cs []leadgate.Capture
	for i := range 20 {
		cs = append(cs, storetest.Capture(p, fmt.Sprintf("g%02d@example.com", i), storetest.T0.Add(time.Duration(i)*time.Second), "a"))
	}
	// The same address twice in one commit: the second is a repeat of the first.
	cs = append(cs, storetest.Capture(p, "g00@example.com", storetest.T0.Add(time.Minute), "b"))
	res, errs, commits := groupedCaptures(t, s, first, cs)
	if commits != 2 {
		t.Errorf("%d commits for a capture and %d waiting behind it, want 2", commits, len(cs))
	}
	for i, c := range cs {
		if errs[i] != nil {
			t.Fatalf("capture %d: %v", i, errs[i])
		}
		repeat := i == len(cs)-1
		if res[i].Repeat != repeat || res[i].LeadCreated == repeat {
			t.Errorf("capture %d (%s): repeat %v, created %v", i, c.Submission.Email, res[i].Repeat, res[i].LeadCreated)
		}
		l, err := s.LeadByEmail(ctx, c.Submission.Email)
		if err != nil || l.ID != res[i].Lead.ID {
			t.Errorf("lead %s: %+v %v, want id %s", c.Submission.Email, l, err, res[i].Lead.ID)
		}
	}
	if res[len(cs)-1].Submission.ID != cs[0].Submission.ID {
		t.Errorf("repeat answered with submission %s, want the first's %s", res[len(cs)-1].Submission.ID, cs[0].Submission.ID)
	}
	subs, err := s.Submissions(ctx, "g00@example.com")
	if err != nil || len(subs) != 1 {
		t.Errorf("g00's submissions: %d %v, want 1", len(subs), err)
	}
}

// Rate limits hold inside a shared commit: captures of one commit count against
// each other.
func TestGroupedCapturesCountTowardsLimits(t *testing.T) {
	s := MustOpen(t)
	p := groupPage(t, s)
	limit := leadgate.RateLimit{Key: "ip:one", Limit: 3, Window: time.Hour}
	first := storetest.Capture(p, "first@example.com", storetest.T0, "a")
	first.RateLimits = []leadgate.RateLimit{limit}
	var cs []leadgate.Capture
	for i := range 6 {
		c := storetest.Capture(p, fmt.Sprintf("l%d@example.com", i), storetest.T0.Add(time.Second), "a")
		c.RateLimits = []leadgate.RateLimit{limit}
		cs = append(cs, c)
	}
	_, errs, _ := groupedCaptures(t, s, first, cs)
	stored, limited := 0, 0
	for i, err := range errs {
		switch leadgate.ErrorCode(err) {
		case "":
			stored++
		case leadgate.ERATELIMITED:
			limited++
			if _, err := s.LeadByEmail(context.Background(), cs[i].Submission.Email); !errors.Is(err, leadgate.ErrLeadNotFound) {
				t.Errorf("refused capture %d stored a lead: %v", i, err)
			}
		default:
			t.Errorf("capture %d: %v", i, err)
		}
	}
	if stored != 2 || limited != 4 {
		t.Errorf("%d stored and %d refused after one under a limit of 3, want 2 and 4", stored, limited)
	}
}

// A capture that fails after it wrote part of itself in the shared transaction is
// rolled back alone: the others of its commit are stored, it is not.
func TestFailedCaptureLeavesItsCommitsOthers(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	p := groupPage(t, s)
	first := storetest.Capture(p, "first@example.com", storetest.T0, "a")
	var cs []leadgate.Capture
	for i := range 5 {
		cs = append(cs, storetest.Capture(p, fmt.Sprintf("f%d@example.com", i), storetest.T0, "a"))
	}
	// Its lead is written before its submission, whose key bbolt refuses as too long.
	cs[2].Submission.ID = strings.Repeat("x", 40_000)
	before, err := s.ItemCounts()
	if err != nil {
		t.Fatal(err)
	}
	_, errs, _ := groupedCaptures(t, s, first, cs)
	for i, c := range cs {
		_, lerr := s.LeadByEmail(ctx, c.Submission.Email)
		if i == 2 {
			if leadgate.ErrorCode(errs[i]) != leadgate.EINTERNAL || !errors.Is(lerr, leadgate.ErrLeadNotFound) {
				t.Errorf("failing capture: %v, its lead %v; want EINTERNAL and no lead", errs[i], lerr)
			}
			continue
		}
		if errs[i] != nil || lerr != nil {
			t.Errorf("capture %d beside a failing one: %v, its lead %v", i, errs[i], lerr)
		}
	}
	after, err := s.ItemCounts()
	if err != nil {
		t.Fatal(err)
	}
	if got := after["leads"] - before["leads"]; got != 5 {
		t.Errorf("%d leads more, want 5 (the first and four)", got)
	}
}

// Two captures of one new address in one commit: the second finds the first, whose
// writes are in the feed of the same transaction, and is its repeat.
func TestGroupedCapturesOfANewAddress(t *testing.T) {
	s := MustOpen(t)
	p := groupPage(t, s)
	first := storetest.Capture(p, "first@example.com", storetest.T0, "a")
	cs := []leadgate.Capture{
		storetest.Capture(p, "twice@example.com", storetest.T0, "a"),
		storetest.Capture(p, "twice@example.com", storetest.T0.Add(time.Second), "a"),
	}
	res, errs, commits := groupedCaptures(t, s, first, cs)
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("captures: %v", errs)
	}
	if commits != 2 {
		t.Fatalf("%d commits, want 2: the first capture's, and one for both", commits)
	}
	if !res[0].LeadCreated || !res[1].Repeat || res[1].Submission.ID != res[0].Submission.ID {
		t.Fatalf("second capture %+v, want a repeat of %s", res[1], res[0].Submission.ID)
	}
	subs, err := s.Submissions(context.Background(), "twice@example.com")
	if err != nil || len(subs) != 1 {
		t.Fatalf("submissions: %+v (%v), want one", subs, err)
	}
}
