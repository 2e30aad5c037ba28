package bolt

import (
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

// DB is the store's bbolt file, for benchmarks that count the pages commits write.
func DB(s *Store) *bbolt.DB { return s.db }

// ChangeJSON encodes a change of a capture from its images' encodings.
func ChangeJSON(seq uint64, kind string, at time.Time, lead, oldLead, submission []byte) ([]byte, error) {
	return encodedChange{kind: leadgate.ChangeKind(kind), at: at, lead: lead, oldLead: oldLead, submission: submission}.encode(seq)
}

// CaptureQueue returns how many captures wait for a commit, and whether one is
// committing.
func CaptureQueue(s *Store) (waiting int, leading bool) {
	s.captures.mu.Lock()
	defer s.captures.mu.Unlock()
	return len(s.captures.waiting), s.captures.leading
}

// StoredCounts is ItemCounts without catching up first: what the file holds, less
// what the captures left to the feed.
func StoredCounts(s *Store) (map[string]int, error) { return s.storedCounts() }

// DecodeValue returns the JSON of a stored value, compressed or not.
func DecodeValue(value []byte) ([]byte, error) { return decodeValue(value) }
