package storetest

import (
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// DedupePruner is a store that deletes expired dedupe markers itself, as TTL deletes
// them on DynamoDB. PruneDedupeMarkers deletes the markers of submissions made
// before before, and returns how many it deleted.
type DedupePruner interface {
	PruneDedupeMarkers(before time.Time) (int, error)
}

// testDedupeExpiry checks that expiring dedupe markers changes no answer: a repeat
// within the window is still a repeat, and a capture after it is new and starts a
// window of its own. A store that is a DedupePruner is pruned as the clock moves,
// and must delete the marker once, when its window has passed; on any other the
// window alone decides.
func testDedupeExpiry(t *testing.T, s leadgate.Store) {
	p := Page("expiry")
	mustPutPage(t, s, p)
	const email = "expiry@example.com"
	window := Capture(p, email, T0, "a").DedupeWindow
	expire := func(now time.Time, want int) {
		t.Helper()
		pruner, ok := s.(DedupePruner)
		if !ok {
			return
		}
		n, err := pruner.PruneDedupeMarkers(now.Add(-window))
		if err != nil {
			t.Fatalf("prune at %s: %v", now, err)
		}
		if n != want {
			t.Errorf("prune at %s deleted %d markers, want %d", now, n, want)
		}
	}
	capture := func(at time.Time) leadgate.CaptureResult {
		t.Helper()
		res, err := s.Capture(ctx(t), Capture(p, email, at, "a"))
		if err != nil {
			t.Fatalf("capture at %s: %v", at, err)
		}
		return res
	}

	first := capture(T0)
	at := T0.Add(window / 2)
	expire(at, 0)
	if res := capture(at); !res.Repeat || res.Submission.ID != first.Submission.ID {
		t.Fatalf("within the window after pruning: repeat %v of %q, want a repeat of %q", res.Repeat, res.Submission.ID, first.Submission.ID)
	}

	at = T0.Add(window + time.Minute)
	expire(at, 1)
	second := capture(at)
	if second.Repeat || second.Submission.ID == first.Submission.ID {
		t.Fatalf("after the window: repeat %v of %q, want a new submission", second.Repeat, second.Submission.ID)
	}

	at = at.Add(window / 2)
	expire(at, 0)
	if res := capture(at); !res.Repeat || res.Submission.ID != second.Submission.ID {
		t.Fatalf("within the new window: repeat %v of %q, want a repeat of %q", res.Repeat, res.Submission.ID, second.Submission.ID)
	}
	subs, err := s.Submissions(ctx(t), email)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 {
		t.Fatalf("%d submissions, want 2: pruning keeps submissions", len(subs))
	}
	if _, err := s.LeadByEmail(ctx(t), email); err != nil {
		t.Fatalf("lead after pruning: %v", err)
	}
}
