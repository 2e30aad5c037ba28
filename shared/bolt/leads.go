package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

// The leads bucket keeps each address's items together, like the address's partition
// on DynamoDB, so that a returning lead's capture (or the catch-up of a new one,
// leadlist.go) writes its lead, submission and dedupe marker on one page of the
// tree, usually:
//
//	email                     → lead
//	email NUL time(8) NUL id  → submission (time: big-endian Unix nanoseconds)
//	email NUL 0xFF page slug  → dedupe marker: the key of the last submission
//	                            recorded on the page, less the email NUL its keys
//	                            share (older files: the whole key; markedKey)
//
// Markers sort after the address's submissions; neither an id nor a slug holds a NUL.
const dedupeMark = 0xff

// itemKind tells what a key of the leads bucket holds.
type itemKind int

const (
	itemLead itemKind = iota
	itemSubmission
	itemDedupeMarker
)

func kindOf(k []byte) itemKind {
	i := bytes.IndexByte(k, 0)
	switch {
	case i < 0:
		return itemLead
	case bytes.IndexByte(k[i+1:], 0) < 0:
		return itemDedupeMarker // a submission key has a NUL after its time
	default:
		return itemSubmission
	}
}

// addressPrefix is what the keys of an address's submissions and markers start with.
func addressPrefix(email string) []byte { return append([]byte(email), 0) }

// submissionKey is the key of sub, whose address's keys start with prefix.
func submissionKey(prefix []byte, sub leadgate.Submission) []byte {
	k := make([]byte, 0, len(prefix)+9+len(sub.ID))
	k = append(k, prefix...)
	k = binary.BigEndian.AppendUint64(k, uint64(sub.At.UnixNano()))
	k = append(k, 0)
	return append(k, sub.ID...)
}

// submissionTime reads the time out of a submission key.
func submissionTime(key, prefix []byte) (time.Time, bool) {
	if len(key) < len(prefix)+8 || !bytes.HasPrefix(key, prefix) {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(key[len(prefix):]))).UTC(), true
}

// markedKey returns the submission key that a dedupe marker's value v names, nil
// for no marker: v is the key less its prefix, or the whole key in older files.
// The rest of a key starts with its big-endian time, not with the address and NUL.
func markedKey(prefix, v []byte) []byte {
	if v == nil || bytes.HasPrefix(v, prefix) {
		return v
	}
	return append(bytes.Clone(prefix), v...)
}

// dedupeKey is the key of the address's dedupe marker on page.
func dedupeKey(prefix []byte, page string) []byte {
	k := make([]byte, 0, len(prefix)+1+len(page))
	return append(append(append(k, prefix...), dedupeMark), page...)
}

// LeadByEmail returns the lead with that normalised address.
func (s *Store) LeadByEmail(_ context.Context, email string) (leadgate.Lead, error) {
	var l leadgate.Lead
	if err := s.catchUpFor(email); err != nil {
		return l, leadgate.Internal("get lead", err)
	}
	err := s.getJSON("get lead", bucketLeads, []byte(email), &l)
	if errors.Is(err, errMissing) {
		return l, leadgate.ErrLeadNotFound
	}
	return l, err
}

// Submissions returns the lead's submissions, oldest first.
func (s *Store) Submissions(_ context.Context, email string) ([]leadgate.Submission, error) {
	var subs []leadgate.Submission
	if err := s.catchUpFor(email); err != nil {
		return nil, leadgate.Internal("list submissions", err)
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		prefix := addressPrefix(email)
		c := tx.Bucket(bucketLeads).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if kindOf(k) != itemSubmission {
				continue
			}
			var sub leadgate.Submission
			if err := decode(v, &sub); err != nil {
				return err
			}
			subs = append(subs, sub)
		}
		return nil
	})
	if err != nil {
		return nil, leadgate.Internal("list submissions", err)
	}
	return subs, nil
}

// countLeadItems counts the leads bucket's items by kind, under the names of the
// buckets that held them before.
func countLeadItems(b *bbolt.Bucket, counts map[string]int) {
	names := [...]string{itemLead: "leads", itemSubmission: "submissions", itemDedupeMarker: "dedupe"}
	for _, name := range names {
		counts[name] = 0
	}
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		counts[names[kindOf(k)]]++
	}
}

// Buckets of older files, which Open empties into the leads bucket: their rate
// counters are dropped, as they are kept in memory now (rates.go).
var (
	bucketOldSubs   = []byte("submissions") // email NUL time NUL id → submission
	bucketOldDedupe = []byte("dedupe")      // email NUL page → {submission_key, at}
	bucketOldRate   = []byte("rate")
)

// moveOldBuckets moves an older file's submissions and dedupe markers into the leads
// bucket, and drops its rate counters.
func moveOldBuckets(tx *bbolt.Tx) error {
	leads := tx.Bucket(bucketLeads)
	if subs := tx.Bucket(bucketOldSubs); subs != nil {
		// Submission keys are the same in both.
		err := subs.ForEach(func(k, v []byte) error { return leads.Put(k, bytes.Clone(v)) })
		if err != nil {
			return err
		}
	}
	if dedupe := tx.Bucket(bucketOldDedupe); dedupe != nil {
		err := dedupe.ForEach(func(k, v []byte) error {
			i := bytes.IndexByte(k, 0)
			var m struct {
				SubmissionKey []byte `json:"submission_key"`
			}
			if i < 0 || decode(v, &m) != nil || len(m.SubmissionKey) == 0 {
				return nil // not a marker: nothing to keep
			}
			return leads.Put(dedupeKey(k[:i+1], string(k[i+1:])), m.SubmissionKey)
		})
		if err != nil {
			return err
		}
	}
	for _, b := range [][]byte{bucketOldSubs, bucketOldDedupe, bucketOldRate} {
		if tx.Bucket(b) == nil {
			continue
		}
		if err := tx.DeleteBucket(b); err != nil {
			return err
		}
	}
	return nil
}
