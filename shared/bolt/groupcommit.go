package bolt

import (
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

// Captures share commits (group commit). bbolt has one writer at a time and each
// commit syncs the file twice, so captures made one transaction each queue up behind
// each other's syncs: the store's capture rate was that of its commits. Instead, the
// captures that arrive while a commit is under way wait for it together, and the
// first of them then writes them all in one transaction, one commit: a lone capture
// commits at once, as before, and a crowd costs a commit per wave, not per capture.
// Each capture is answered only after the commit that holds it is on disk.
//
// Unlike bbolt's DB.Batch (batch.go), which waits for company, nothing waits here
// but for the commit ahead: a visitor waits on a capture.

// captureCall is one capture waiting for its commit.
type captureCall struct {
	c    leadgate.Capture
	res  leadgate.CaptureResult
	err  error
	wake chan bool // true: lead the next commit; false: res and err are set
}

// captureQueue holds the captures waiting for the commit under way.
type captureQueue struct {
	mu      sync.Mutex
	waiting []*captureCall
	leading bool // a call is committing, and will hand the waiting ones on
}

// capture records c, sharing a commit with the captures that arrive meanwhile.
func (s *Store) capture(c leadgate.Capture) (leadgate.CaptureResult, error) {
	call := &captureCall{c: c, wake: make(chan bool, 1)}
	q := &s.captures
	q.mu.Lock()
	q.waiting = append(q.waiting, call)
	lead := !q.leading
	q.leading = true
	q.mu.Unlock()
	if !lead {
		lead = <-call.wake
	}
	if lead {
		q.mu.Lock()
		group := q.waiting
		q.waiting = nil
		q.mu.Unlock()
		s.commitCaptures(group)
		for _, other := range group {
			if other != call {
				other.wake <- false
			}
		}
		// The captures that came during this commit go in the next, led by the
		// first of them.
		q.mu.Lock()
		if len(q.waiting) > 0 {
			q.waiting[0].wake <- true
		} else {
			q.leading = false
		}
		q.mu.Unlock()
	}
	return call.res, call.err
}

// commitCaptures writes the calls in one transaction and sets each one's result.
// A call refused by a rate limit writes nothing and leaves the others be. A call
// that fails otherwise would leave its partial writes in the shared transaction: it
// is rolled back, the failing call is tried alone, and the others again without it,
// so that no capture fails for another's sake.
func (s *Store) commitCaptures(calls []*captureCall) {
	s.rates.mu.Lock()
	defer s.rates.mu.Unlock()
	for len(calls) > 0 {
		failed, err := s.tryCaptures(calls)
		if err == nil {
			return
		}
		if failed < 0 || len(calls) == 1 {
			// The commit itself failed: nothing of any call is stored.
			for _, call := range calls {
				call.res, call.err = leadgate.CaptureResult{}, storeError("capture", err)
			}
			return
		}
		alone := calls[failed]
		calls = append(calls[:failed:failed], calls[failed+1:]...)
		if _, err := s.tryCaptures([]*captureCall{alone}); err != nil {
			alone.res, alone.err = leadgate.CaptureResult{}, storeError("capture", err)
		}
	}
}

// tryCaptures records the calls in one write transaction. On success it counts them
// under their rate limits, tells the feed's followers, and returns -1 and nil. On
// failure it returns the index of the call that failed (-1: the commit did) and the
// error; nothing is stored or counted then.
func (s *Store) tryCaptures(calls []*captureCall) (int, error) {
	failed := -1
	var pending rateCounts // the counts of the calls before, in this transaction
	err := s.update(func(tx *bbolt.Tx) error {
		pending = rateCounts{}
		for i, call := range calls {
			var limited error
			check := func() error {
				limited = s.rates.checkWith(&pending, call.c.RateLimits, call.c.Submission.At)
				return limited
			}
			res, err := record(tx, call.c, check, &s.deferred)
			if limited != nil {
				// record stops before it writes anything.
				call.res, call.err = leadgate.CaptureResult{}, limited
				continue
			}
			if err != nil {
				failed = i
				return err
			}
			call.res, call.err = res, nil
			pending.count(call.c.RateLimits, call.c.Submission.At)
		}
		return nil
	})
	if err != nil {
		return failed, err
	}
	created := false
	for _, call := range calls {
		if call.err == nil {
			s.rates.count(call.c.RateLimits, call.c.Submission.At)
			created = created || !call.res.Repeat
		}
	}
	if created {
		s.notify()
	}
	return -1, nil
}

// checkWith is check with the counts of pending added: captures of the same
// transaction, not committed yet.
func (r *rateCounts) checkWith(pending *rateCounts, limits []leadgate.RateLimit, t time.Time) error {
	for _, rl := range limits {
		if r.countIn(rl, t)+pending.countIn(rl, t) >= rl.Limit {
			return rl.Exceeded(t)
		}
	}
	return nil
}

// countIn returns the captures counted under rl in the window that holds t.
func (r *rateCounts) countIn(rl leadgate.RateLimit, t time.Time) int {
	if w, ok := r.windows[rl.Key]; ok && w.start.Equal(rl.WindowStart(t)) {
		return w.n
	}
	return 0
}
