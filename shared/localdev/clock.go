package localdev

import (
	"net/http"
	"sync"
	"time"
)

// Clock is the local run's clock: the machine's time plus an offset that a person
// (from the start page) or a test moves forward, to see nurture steps come due
// without waiting days.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// NewClock returns a clock offset from the machine's.
func NewClock(offset time.Duration) *Clock { return &Clock{offset: offset} }

// Now is the local run's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d (back to the machine's time when d is 0).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d == 0 {
		c.offset = 0
		return
	}
	c.offset += d
}

// Offset is how far ahead of the machine the clock is.
func (c *Clock) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

// handleClock moves the clock: POST advance=<duration> ("24h"), or advance=0 to
// reset. It answers the start page with a redirect.
func (s *Server) handleClock(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1024)
	d, err := time.ParseDuration(r.PostFormValue("advance"))
	if err != nil || d < 0 || d > 365*24*time.Hour {
		http.Error(w, "advance: a duration such as 24h, from 0 to a year", http.StatusUnprocessableEntity)
		return
	}
	s.clock.Advance(d)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
