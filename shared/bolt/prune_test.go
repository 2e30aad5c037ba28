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

// openWith opens a store at path with opts, closed at the end of the test.
func openWith(tb testing.TB, path string, opts bolt.Options) *bolt.Store {
	tb.Helper()
	s, err := bolt.OpenWith(path, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// manualOptions prune only when the test says so.
func manualOptions() bolt.Options {
	return bolt.Options{FeedTail: -1}
}

// captureLeads captures n new addresses on p, from the i-th on, a second apart from
// start: two changes each.
func captureLeads(tb testing.TB, s *bolt.Store, p leadgate.Page, from, n int, start time.Time) {
	tb.Helper()
	for i := from; i < from+n; i++ {
		c := storetest.Capture(p, fmt.Sprintf("lead%06d@example.com", i), start.Add(time.Duration(i)*time.Second), "a")
		if _, err := s.Capture(context.Background(), c); err != nil {
			tb.Fatal(err)
		}
	}
}

var errStop = errors.New("stop here")

// followTo runs subscriber over the feed until it has handled the change at
// sequence number last, and returns the sequence numbers it was handed.
func followTo(tb testing.TB, s *bolt.Store, subscriber string, last uint64) []uint64 {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var seqs []uint64
	err := s.Follow(ctx, subscriber, func(_ context.Context, ch leadgate.Change) error {
		if ch.Seq > last {
			return errStop
		}
		seqs = append(seqs, ch.Seq)
		if ch.Seq == last {
			cancel() // Follow saves its position, then stops waiting for more
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		tb.Fatalf("follow %s to %d: %v", subscriber, last, err)
	}
	if len(seqs) == 0 || seqs[len(seqs)-1] != last {
		tb.Fatalf("follow %s: handed %d changes, not up to %d", subscriber, len(seqs), last)
	}
	return seqs
}

func feedSize(tb testing.TB, s *bolt.Store) int {
	tb.Helper()
	counts, err := s.ItemCounts()
	if err != nil {
		tb.Fatal(err)
	}
	return counts["changes"]
}

func TestPruneFeedKeepsWhatASlowSubscriberNeeds(t *testing.T) {
	s := openWith(t, filepath.Join(t.TempDir(), "leads.db"), manualOptions())
	p := storetest.Page("feed")
	if err := s.PutPage(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	captureLeads(t, s, p, 0, 50, storetest.T0) // changes 1 to 100

	if n, err := s.PruneFeed(0); err != nil || n != 0 {
		t.Fatalf("prune with no subscriber: %d deleted, %v; want none", n, err)
	}
	followTo(t, s, "fast", 100)
	followTo(t, s, "slow", 30)
	n, err := s.PruneFeed(5)
	if err != nil {
		t.Fatal(err)
	}
	if n != 25 || feedSize(t, s) != 75 {
		t.Fatalf("pruned %d, %d left; want 25 pruned (up to 30 - 5), 75 left", n, feedSize(t, s))
	}
	if seqs := followTo(t, s, "slow", 100); len(seqs) != 70 || seqs[0] != 31 || seqs[69] != 100 {
		t.Fatalf("slow subscriber got %d changes from %v, want 31 to 100", len(seqs), seqs[:min(3, len(seqs))])
	}

	if n, err = s.PruneFeed(5); err != nil || n != 70 || feedSize(t, s) != 5 {
		t.Fatalf("pruned %d (%v), %d left; want 70 pruned, 5 left", n, err, feedSize(t, s))
	}
	recent, err := s.RecentChanges(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 5 || recent[0].Seq != 96 || recent[4].Seq != 100 {
		t.Fatalf("recent changes %d from %v, want 96 to 100", len(recent), recent)
	}
	// A new subscriber starts from the oldest change kept.
	if seqs := followTo(t, s, "new", 100); len(seqs) != 5 || seqs[0] != 96 {
		t.Fatalf("new subscriber got %v, want 96 to 100", seqs)
	}
}

func TestPruneFeedBoundsItsSize(t *testing.T) {
	s := openWith(t, filepath.Join(t.TempDir(), "leads.db"), manualOptions())
	bolt.DB(s).NoSync = true // the file's size, not its durability, is under test
	p := storetest.Page("bounded")
	if err := s.PutPage(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	const tail, round = 100, 1200 // 2,400 changes a round: more than one batch of deletes
	for r := range 3 {
		captureLeads(t, s, p, r*round, round, storetest.T0)
		followTo(t, s, "dev-log", uint64(2*round*(r+1)))
		if _, err := s.PruneFeed(tail); err != nil {
			t.Fatal(err)
		}
		if got := feedSize(t, s); got != tail {
			t.Fatalf("round %d: %d changes after pruning, want %d", r, got, tail)
		}
	}
	recent, err := s.RecentChanges(10)
	if err != nil {
		t.Fatal(err)
	}
	if last := recent[len(recent)-1]; last.Seq != 3*2*round {
		t.Fatalf("newest change %d, want %d", last.Seq, 3*2*round)
	}
}

func TestPruneDedupeMarkers(t *testing.T) {
	s := openWith(t, filepath.Join(t.TempDir(), "leads.db"), manualOptions())
	ctx := context.Background()
	p := storetest.Page("markers")
	if err := s.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	captureLeads(t, s, p, 0, 30, storetest.T0) // leads 0 to 29, a second apart
	n, err := s.PruneDedupeMarkers(storetest.T0.Add(10 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	counts, err := s.ItemCounts()
	if err != nil {
		t.Fatal(err)
	}
	if n != 10 || counts["dedupe"] != 20 || counts["leads"] != 30 || counts["submissions"] != 30 {
		t.Fatalf("pruned %d; left %v; want 10 pruned, 20 markers, every lead and submission", n, counts)
	}
	// A pruned address captures anew; a kept one still repeats.
	res, err := s.Capture(ctx, storetest.Capture(p, "lead000000@example.com", storetest.T0.Add(time.Minute), "a"))
	if err != nil || res.Repeat {
		t.Fatalf("pruned address: repeat %v, %v; want a new submission", res.Repeat, err)
	}
	res, err = s.Capture(ctx, storetest.Capture(p, "lead000020@example.com", storetest.T0.Add(time.Minute), "a"))
	if err != nil || !res.Repeat {
		t.Fatalf("kept address: repeat %v, %v; want a repeat", res.Repeat, err)
	}
}

// TestOpenPrunes checks the schedule's first pass: Open prunes the feed behind its
// subscriber, and the markers whose window has passed by the run's clock: the time
// of the newest change, or the wall clock if that is earlier.
func TestOpenPrunes(t *testing.T) {
	cases := []struct {
		name        string
		newest      time.Time // the run's clock: the last capture's time
		wantMarkers int
	}{
		{"run's clock behind the wall", storetest.T0, 5},
		{"run's clock ahead of the wall", time.Now().Add(30 * 24 * time.Hour), 10},
		{"run's clock at the wall", time.Now().Add(-10 * time.Second), 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "leads.db")
			s, err := bolt.OpenWith(path, manualOptions())
			if err != nil {
				t.Fatal(err)
			}
			p := storetest.Page("open")
			if err := s.PutPage(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			newest := tc.newest.UTC().Truncate(time.Millisecond)
			captureLeads(t, s, p, 0, 5, newest.Add(-3*time.Hour)) // older than the window
			captureLeads(t, s, p, 5, 5, newest.Add(-9*time.Second))
			followTo(t, s, "dev-log", 20)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			s = openWith(t, path, bolt.Options{FeedTail: 3, DedupeWindow: time.Hour})
			counts, err := s.ItemCounts()
			if err != nil {
				t.Fatal(err)
			}
			if counts["changes"] != 3 || counts["dedupe"] != tc.wantMarkers || counts["leads"] != 10 {
				t.Fatalf("after open: %v; want 3 changes, %d markers, 10 leads", counts, tc.wantMarkers)
			}
		})
	}
}

// TestPruningWhileCapturing runs the scheduled pruning against captures and a
// follower, and checks that Close stops it and that no change is skipped.
func TestPruningWhileCapturing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.db")
	s, err := bolt.OpenWith(path, bolt.Options{FeedTail: 10, DedupeWindow: time.Hour, PruneEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	bolt.DB(s).NoSync = true
	p := storetest.Page("busy")
	if err := s.PutPage(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var (
		wg   sync.WaitGroup
		next uint64 = 1
		gap  error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.Follow(ctx, "dev-log", func(_ context.Context, ch leadgate.Change) error {
			if ch.Seq != next && gap == nil {
				gap = fmt.Errorf("change %d after %d", ch.Seq, next-1)
			}
			next = ch.Seq + 1
			return nil
		})
	}()
	captureLeads(t, s, p, 0, 400, storetest.T0)
	for deadline := time.Now().Add(10 * time.Second); feedSize(t, s) > 10+100 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if gap != nil {
		t.Fatal(gap)
	}
	if next != 801 {
		t.Fatalf("follower reached %d, want 800", next-1)
	}
	if got := feedSize(t, s); got > 10+100 {
		t.Fatalf("%d changes kept, want at most the tail and one unsaved batch", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
