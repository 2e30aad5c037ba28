package bolt

import (
	"errors"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

// batchDelay is how long a batched write waits for others to share its commit
// (bbolt's MaxBatchDelay, 10 ms by default). The follower's reactions write in waves,
// one per step of a lead's handling, for all its leads at once, and the calls of a
// wave come spread over the CPU time the reactions take in between: the longer the
// wait, the more of a wave one commit takes, and the fewer commits hold up the
// captures (measured by BenchmarkSoak in shared/localdev: 0.25 commits a lead at
// 3 ms, 0.1 at 10 ms, 0.05 at 25 ms). A lone write, such as one lead's follow-up on a
// quiet server, waits this long: unnoticed in an email that goes out in well under a
// second.
const batchDelay = 20 * time.Millisecond

// batch runs fn in a write transaction that concurrent batch calls share (bbolt's
// DB.Batch, a group commit): the writes the change follower makes for many leads at
// once cost one commit, and its two syncs, instead of one each. Captures and the
// other writes a visitor waits on use update: one transaction each, never delayed.
//
// fn may run more than once (bbolt retries a batch without a call that failed), so
// it must set every variable it reports from, and have no effect outside tx. A domain
// error (*leadgate.Error) from fn ends its call only: fn must return it before it
// writes anything, and it comes back to the caller while the other calls commit. Any
// other error rolls the shared transaction back, and bbolt runs that call alone.
func (s *Store) batch(fn func(*bbolt.Tx) error) error {
	var refused error
	err := s.db.Batch(func(tx *bbolt.Tx) error {
		if s.batchTx.Swap(tx) != tx {
			s.writeTxs.Add(1) // the first call of this transaction
		}
		refused = nil
		err := fn(tx)
		if de := (*leadgate.Error)(nil); errors.As(err, &de) {
			refused = err
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return refused
}
