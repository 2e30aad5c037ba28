package bolt

import (
	"sync"
	"time"

	"leadgate/shared/leadgate"
)

// rateCounts counts captures per rate limit key in the key's current window, in
// memory. The store file is locked by the one process that writes it, so the counts
// are exact while it runs; keeping them out of the file spares every capture the
// pages of one more B+tree in its commit. A restart forgets them, which lets at most
// one more window's worth through: the limits stop bursts, they are not budgets.
type rateCounts struct {
	// mu is held across a whole commit of captures (check, write, count), so that
	// captures racing for the last place under a limit take it one at a time.
	mu      sync.Mutex
	windows map[string]rateWindow // limit key → its latest window
	sweepAt int                   // size at which ended windows are dropped
}

type rateWindow struct {
	start, end time.Time
	n          int
}

// minRateSweep is the fewest keys worth a sweep for ended windows.
const minRateSweep = 1024

// check refuses a capture at t when one of the limits is reached.
func (r *rateCounts) check(limits []leadgate.RateLimit, t time.Time) error {
	for _, rl := range limits {
		n := 0
		if w, ok := r.windows[rl.Key]; ok && w.start.Equal(rl.WindowStart(t)) {
			n = w.n
		}
		if n >= rl.Limit {
			return rl.Exceeded(t)
		}
	}
	return nil
}

// count adds a capture at t under each limit. A key keeps only the window it was
// last counted in, as a capture's clock only moves on.
func (r *rateCounts) count(limits []leadgate.RateLimit, t time.Time) {
	if r.windows == nil {
		r.windows, r.sweepAt = map[string]rateWindow{}, minRateSweep
	}
	for _, rl := range limits {
		start := rl.WindowStart(t)
		w, ok := r.windows[rl.Key]
		if !ok || !w.start.Equal(start) {
			w = rateWindow{start: start, end: start.Add(rl.Window)}
		}
		w.n++
		r.windows[rl.Key] = w
	}
	if len(r.windows) >= r.sweepAt {
		for k, w := range r.windows {
			if !t.Before(w.end) {
				delete(r.windows, k)
			}
		}
		r.sweepAt = max(minRateSweep, 2*len(r.windows))
	}
}
