package bolt

import (
	"bytes"
	"encoding/binary"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

// Pruning keeps the file growing with leads, not with traffic: the change feed keeps
// what its subscribers have not handled yet and a short tail of what they have, and
// a dedupe marker goes once its window has passed, as TTL removes it on DynamoDB.
// Everything else stays: leads, submissions, grants (their downloads stay counted),
// confirmations, unsubscribe links, sends, steps and the counted marks, which
// downloads, confirmations, erasure and counting read. Rate counters live in memory
// (rates.go).
//
// Deletes go in write transactions of at most pruneBatch keys, and the scans that
// find them in read transactions, so a capture waits for one small commit at most.
// Open prunes before it returns; an open store prunes the feed every
// Options.PruneEvery and sweeps the markers at most every markerSweepEvery.

const (
	// DefaultFeedTail is how many handled changes the feed keeps: the start page
	// lists the last ten, and a few hundred leads' changes stay to look back on.
	DefaultFeedTail = 1000
	// DefaultDedupeRetention is how long Open keeps a dedupe marker: a week, longer
	// than the capture service's default dedupe window of a day. A deployment with a
	// longer window opens the store with OpenWith and Options.DedupeWindow set to it.
	DefaultDedupeRetention = 7 * 24 * time.Hour
	// DefaultPruneEvery is how often an open store prunes its feed.
	DefaultPruneEvery = time.Minute
	// catchUpEvery is how often an open store that prunes writes the index records
	// and grants its feed holds (leadlist.go).
	catchUpEvery = 2 * time.Second

	pruneBatch       = 1000  // keys deleted per write transaction
	scanChunk        = 10000 // keys a read transaction scans for dead markers
	markerSweepEvery = time.Hour
)

// PruneFeed deletes the changes that every subscriber has handled, but for the last
// keepTail of them, and returns how many it deleted. The subscribers' saved
// positions (the cursors bucket) say what they handled: a subscriber at position p
// still finds p+1 onwards. A store no subscriber has followed yet keeps its whole
// feed, since its first subscriber starts from the oldest change; a subscriber added
// later starts from the oldest change kept. A subscriber's position stays until it is
// deleted, so a name no longer followed holds the feed back. The lead index and the
// grants are brought up to date first: they are written from the feed (leadlist.go).
func (s *Store) PruneFeed(keepTail int) (int, error) {
	if err := s.catchUp(); err != nil {
		return 0, leadgate.Internal("index leads", err)
	}
	floor, err := s.feedFloor(uint64(max(keepTail, 0)))
	if err != nil {
		return 0, leadgate.Internal("prune change feed", err)
	}
	deleted := 0
	for floor > 0 && !s.stopping() {
		n := 0
		err := s.update(func(tx *bbolt.Tx) error {
			b := changesBucket(tx)
			var keys [][]byte
			c := b.Cursor()
			for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= floor && len(keys) < pruneBatch; k, _ = c.Next() {
				keys = append(keys, bytes.Clone(k))
			}
			for _, k := range keys {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			n = len(keys)
			return nil
		})
		if err != nil {
			return deleted, leadgate.Internal("prune change feed", err)
		}
		deleted += n
		if n < pruneBatch {
			break
		}
	}
	return deleted, nil
}

// feedFloor returns the highest sequence number that PruneFeed may delete, or 0 when
// there is nothing to delete: no subscriber has a saved position, or the oldest
// change is within the tail of the lowest position, the lead index's included.
func (s *Store) feedFloor(keepTail uint64) (uint64, error) {
	var floor uint64
	err := s.db.View(func(tx *bbolt.Tx) error {
		lowest, found := uint64(0), false
		err := tx.Bucket(bucketCursors).ForEach(func(_, v []byte) error {
			if len(v) == 8 {
				if pos := binary.BigEndian.Uint64(v); !found || pos < lowest {
					lowest, found = pos, true
				}
			}
			return nil
		})
		if err != nil || !found {
			return err
		}
		// Nor a change whose index record and grant are not written (leadlist.go).
		lowest = min(lowest, tx.Bucket(bucketLeadIndex).Sequence())
		if lowest <= keepTail {
			return nil
		}
		first, _ := tx.Bucket(bucketChanges).Cursor().First()
		if first != nil && binary.BigEndian.Uint64(first) <= lowest-keepTail {
			floor = lowest - keepTail
		}
		return nil
	})
	return floor, err
}

// PruneDedupeMarkers deletes the dedupe markers of submissions made before before,
// and returns how many it deleted. A capture treats a marker older than its dedupe
// window as absent, so pruning with before at now minus the window changes no
// answer; it only frees the space.
func (s *Store) PruneDedupeMarkers(before time.Time) (int, error) {
	type marker struct{ key, value []byte }
	deleted := 0
	var from []byte                     // the first key not scanned yet; nil: the start
	if err := s.catchUp(); err != nil { // the markers the captures left to the feed
		return 0, leadgate.Internal("prune dedupe markers", err)
	}
	for !s.stopping() {
		var dead []marker
		var next []byte
		err := s.db.View(func(tx *bbolt.Tx) error {
			c := tx.Bucket(bucketLeads).Cursor()
			k, v := c.First()
			if from != nil {
				k, v = c.Seek(from)
			}
			for scanned := 0; k != nil && scanned < scanChunk && len(dead) < pruneBatch; k, v = c.Next() {
				scanned++
				if kindOf(k) != itemDedupeMarker {
					continue
				}
				prefix := k[:bytes.IndexByte(k, 0)+1]
				if at, ok := submissionTime(markedKey(prefix, v), prefix); ok && at.Before(before) {
					dead = append(dead, marker{bytes.Clone(k), bytes.Clone(v)})
				}
			}
			if k != nil {
				next = bytes.Clone(k)
			}
			return nil
		})
		if err != nil {
			return deleted, leadgate.Internal("prune dedupe markers", err)
		}
		if len(dead) > 0 {
			n := 0
			err := s.update(func(tx *bbolt.Tx) error {
				n = 0
				leads := tx.Bucket(bucketLeads)
				for _, m := range dead {
					// A capture since the scan has moved the marker to a new
					// submission: that one is live.
					if !bytes.Equal(leads.Get(m.key), m.value) {
						continue
					}
					if err := leads.Delete(m.key); err != nil {
						return err
					}
					n++
				}
				return nil
			})
			if err != nil {
				return deleted, leadgate.Internal("prune dedupe markers", err)
			}
			deleted += n
		}
		if next == nil {
			break
		}
		from = next
	}
	return deleted, nil
}

// prune runs one pass as the options say: the feed, and the markers too when
// sweepMarkers is set.
func (s *Store) prune(sweepMarkers bool) error {
	if s.opts.FeedTail >= 0 {
		if _, err := s.PruneFeed(s.opts.FeedTail); err != nil {
			return err
		}
	}
	if !sweepMarkers {
		return nil
	}
	if _, err := s.PruneDeliveries(time.Now()); err != nil {
		return err
	}
	if s.opts.DedupeWindow <= 0 {
		return nil
	}
	now, ok, err := s.feedNow(time.Now())
	if err != nil {
		return leadgate.Internal("prune dedupe markers", err)
	}
	if !ok {
		return nil
	}
	_, err = s.PruneDedupeMarkers(now.Add(-s.opts.DedupeWindow))
	return err
}

// feedNow returns the earlier of wall and the time of the newest change, or false
// when the feed is empty. Captures are stamped by the run's clock, which the local
// run can set apart from the wall clock, and each new submission adds a change: the
// earlier of the two never deletes a marker that a capture from now on would still
// find within its window. An empty feed gives no run's clock, and no marker goes.
func (s *Store) feedNow(wall time.Time) (time.Time, bool, error) {
	var newest time.Time
	found := false
	err := s.db.View(func(tx *bbolt.Tx) error {
		_, v := tx.Bucket(bucketChanges).Cursor().Last()
		if v == nil {
			return nil
		}
		var ch struct {
			At time.Time `json:"at"`
		}
		if err := decode(v, &ch); err != nil {
			return err
		}
		newest, found = ch.At, true
		return nil
	})
	if err != nil || !found {
		return time.Time{}, false, err
	}
	if wall.Before(newest) {
		return wall, true, nil
	}
	return newest, true, nil
}

// pruneEvery prunes every interval until the store closes. A pass that fails is
// tried again at the next tick: a write that fails fails the captures too, which
// report it.
func (s *Store) pruneEvery(interval time.Duration) {
	defer s.upkeep.Done()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	// The index records and grants the feed holds are written in between: a
	// batch of a few seconds' captures a commit, ahead of their first reader.
	catchUp := time.NewTicker(min(interval, catchUpEvery))
	defer catchUp.Stop()
	swept := time.Now()
	for {
		select {
		case <-s.stop:
			return
		case <-catchUp.C:
			_ = s.catchUp() // a failure is the next reader's to report
		case now := <-tick.C:
			sweep := now.Sub(swept) >= markerSweepEvery
			if s.prune(sweep) == nil && sweep {
				swept = now
			}
		}
	}
}

// stopping reports whether Close has been called: a long pass stops between its
// transactions.
func (s *Store) stopping() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}

// RecentChanges returns the newest limit changes of the feed, oldest first. Once the
// feed is pruned its sequence numbers no longer start at 1, so its count does not
// say where its end is.
func (s *Store) RecentChanges(limit int) ([]leadgate.Change, error) {
	var after uint64
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketChanges).Cursor()
		k, _ := c.Last()
		for i := 1; k != nil && i < limit; i++ {
			k, _ = c.Prev()
		}
		if k != nil {
			after = binary.BigEndian.Uint64(k) - 1
		}
		return nil
	})
	if err != nil {
		return nil, leadgate.Internal("read changes", err)
	}
	return s.Changes(after, limit)
}
