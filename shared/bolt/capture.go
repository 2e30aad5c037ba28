package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

type dedupeMarker struct {
	SubmissionKey []byte    `json:"submission_key"`
	At            time.Time `json:"at"`
}

// Capture records a submission in one write transaction: rate counters, dedupe
// marker, lead, submission and the change feed entries commit together or not at all.
func (s *Store) Capture(_ context.Context, c leadgate.Capture) (leadgate.CaptureResult, error) {
	var res leadgate.CaptureResult
	var changes int
	err := s.update(func(tx *bbolt.Tx) error {
		res, changes = leadgate.CaptureResult{}, 0
		sub := c.Submission
		if err := countRates(tx.Bucket(bucketRate), c.RateLimits, sub.At); err != nil {
			return err
		}

		leads, subs, dedupe := tx.Bucket(bucketLeads), tx.Bucket(bucketSubs), tx.Bucket(bucketDedupe)
		dedupeKey := append(append([]byte(sub.Email), 0), sub.Page...)
		if raw := dedupe.Get(dedupeKey); raw != nil {
			var m dedupeMarker
			if err := json.Unmarshal(raw, &m); err != nil {
				return err
			}
			if gap := sub.At.Sub(m.At).Abs(); gap < c.DedupeWindow {
				if err := json.Unmarshal(subs.Get(m.SubmissionKey), &res.Submission); err != nil {
					return err
				}
				res.Repeat = true
				return json.Unmarshal(leads.Get([]byte(sub.Email)), &res.Lead)
			}
		}

		var old *leadgate.Lead
		if raw := leads.Get([]byte(sub.Email)); raw != nil {
			old = new(leadgate.Lead)
			if err := json.Unmarshal(raw, old); err != nil {
				return err
			}
			res.Lead = old.Apply(sub, c.Page)
		} else {
			res.Lead = leadgate.NewLead(c.NewLeadID, sub, c.Page)
			res.LeadCreated = true
		}
		sub.LeadID = res.Lead.ID
		res.Submission = sub

		subKey := submissionKey(sub)
		if err := putJSON(subs, subKey, sub); err != nil {
			return err
		}
		if err := putJSON(dedupe, dedupeKey, dedupeMarker{SubmissionKey: subKey, At: sub.At}); err != nil {
			return err
		}
		if err := putJSON(leads, []byte(sub.Email), res.Lead); err != nil {
			return err
		}
		if c.Grant != nil {
			g := *c.Grant
			g.LeadID = res.Lead.ID
			if err := putJSON(tx.Bucket(bucketGrants), []byte(g.ID), g); err != nil {
				return err
			}
		}
		lead := res.Lead
		leadChange := leadgate.Change{Kind: leadgate.LeadCreated, At: sub.At, Lead: &lead}
		if old != nil {
			leadChange.Kind, leadChange.OldLead = leadgate.LeadUpdated, old
		}
		changes = 2
		return appendChanges(tx, leadChange, leadgate.Change{Kind: leadgate.SubmissionCreated, At: sub.At, Submission: &sub})
	})
	if err != nil {
		var de *leadgate.Error
		if errors.As(err, &de) {
			return leadgate.CaptureResult{}, de
		}
		return leadgate.CaptureResult{}, leadgate.Internal("capture", err)
	}
	if changes > 0 {
		s.notify()
	}
	return res, nil
}

// countRates refuses the capture when a limit is reached, counts it otherwise, and
// drops the counters of the key's earlier windows.
func countRates(b *bbolt.Bucket, limits []leadgate.RateLimit, at time.Time) error {
	for _, rl := range limits {
		prefix := append([]byte(rl.Key), 0)
		start := rl.WindowStart(at).Unix()
		key := binary.BigEndian.AppendUint64(bytes.Clone(prefix), uint64(start))
		var count uint64
		if raw := b.Get(key); raw != nil {
			count = binary.BigEndian.Uint64(raw)
		}
		if count >= uint64(rl.Limit) {
			return rl.Exceeded(at)
		}
		if err := b.Put(key, binary.BigEndian.AppendUint64(nil, count+1)); err != nil {
			return err
		}
		var stale [][]byte
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if !bytes.Equal(k, key) {
				stale = append(stale, bytes.Clone(k))
			}
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	return nil
}

func submissionKey(sub leadgate.Submission) []byte {
	k := append([]byte(sub.Email), 0)
	k = binary.BigEndian.AppendUint64(k, uint64(sub.At.UnixNano()))
	k = append(k, 0)
	return append(k, sub.ID...)
}

func putJSON(b *bbolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}
