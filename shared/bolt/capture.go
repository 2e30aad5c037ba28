package bolt

import (
	"context"
	"encoding/json"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"leadgate/shared/leadgate"
)

// Capture records a submission in one write transaction: lead, submission, dedupe
// marker, grant and the change feed entries commit together or not at all, with the
// captures that arrive meanwhile (groupcommit.go). A commit costs the pages it writes
// and syncs, a path from the root of each B+tree it touches: so the lead, submission
// and marker share the leads bucket (leads.go), the lead's index record and the
// grant are written from the feed later (leadlist.go), the rate limits are counted
// in memory (rates.go), and each record is encoded once.
func (s *Store) Capture(_ context.Context, c leadgate.Capture) (leadgate.CaptureResult, error) {
	return s.capture(c)
}

// record writes a capture inside tx: nothing for a repeat; otherwise the two
// changes, the second holding the grant, and for a returning lead its lead, the
// submission and its dedupe marker. A new address's are written from the feed, as
// its grant is, and the address is listed in deferred meanwhile: those would be
// a third B+tree's pages in the commit. check is asked first whether the rate limits
// allow the capture, a repeat's too.
func record(tx *bbolt.Tx, c leadgate.Capture, check func() error, deferred *deferredLeads) (leadgate.CaptureResult, error) {
	var res leadgate.CaptureResult
	sub := c.Submission
	// The address's last capture may be in the feed still: its writes come first.
	if err := deferred.catchUpIn(tx, sub.Email); err != nil {
		return res, err
	}
	leads := tx.Bucket(bucketLeads)
	prefix := addressPrefix(sub.Email)
	email := prefix[:len(sub.Email)] // the lead's key
	marker := dedupeKey(prefix, sub.Page)
	if last := markedKey(prefix, leads.Get(marker)); last != nil {
		if at, ok := submissionTime(last, prefix); ok && sub.At.Sub(at).Abs() < c.DedupeWindow {
			if err := check(); err != nil {
				return res, err
			}
			if err := decode(leads.Get(last), &res.Submission); err != nil {
				return res, err
			}
			res.Repeat = true
			return res, decode(leads.Get(email), &res.Lead)
		}
	}
	if err := check(); err != nil {
		return res, err
	}

	oldJSON, err := decodeValue(leads.Get(email))
	if err != nil {
		return res, err
	}
	var old *leadgate.Lead
	if oldJSON != nil {
		old = new(leadgate.Lead)
		if err := decode(oldJSON, old); err != nil {
			return res, err
		}
		res.Lead = old.Apply(sub, c.Page)
	} else {
		res.Lead = c.NewLead(sub)
		res.LeadCreated = true
		sub.NewLeadStage = res.Lead.CurrentStage()
	}
	sub.LeadID = res.Lead.ID
	res.Submission = sub

	leadJSON, err := marshalLead(res.Lead)
	if err != nil {
		return res, err
	}
	subJSON, err := marshalSubmission(sub)
	if err != nil {
		return res, err
	}
	subKey := submissionKey(prefix, sub)
	// The lead's index record and the grant are written from the feed
	// (leadlist.go), as they are encoded here.
	pending := pendingWrites{IndexKey: indexKey(res.Lead.CreatedAt, res.Lead.ID), IndexRecord: recordOf(res.Lead).encode()}
	if old == nil {
		// A new lead enters the stage counters when its submission is counted
		// (CountLead), as on DynamoDB.
		if err := storableKeys(email, subKey, marker); err != nil {
			return res, err
		}
		pending.SubmissionKey, pending.Page = subKey, sub.Page
	} else {
		if err := leads.Put(email, leadJSON); err != nil {
			return res, err
		}
		if err := moveStages(tx, old, &res.Lead); err != nil {
			return res, err
		}
		if err := leads.Put(subKey, subJSON); err != nil {
			return res, err
		}
		if err := leads.Put(marker, subKey[len(prefix):]); err != nil {
			return res, err
		}
	}
	if c.Grant != nil {
		g := *c.Grant
		g.LeadID = res.Lead.ID
		pending.GrantID, g.ID = g.ID, "" // as putGrant stores it
		if pending.Grant, err = json.Marshal(g); err != nil {
			return res, err
		}
	}
	subChange := encodedChange{kind: leadgate.SubmissionCreated, at: sub.At, submission: subJSON}
	subChange.pending = pending.encode()
	leadChange := encodedChange{kind: leadgate.LeadCreated, at: sub.At, lead: leadJSON}
	if oldJSON != nil {
		// The old image as stored: what encoding the decoded lead again would give.
		leadChange.kind, leadChange.oldLead = leadgate.LeadUpdated, oldJSON
	}
	if err := appendEncodedChanges(tx, leadChange, subChange); err != nil {
		return res, err
	}
	if old == nil {
		deferred.add(sub.Email, tx.Bucket(bucketChanges).Sequence())
	}
	return res, nil
}

// storableKeys returns the error bbolt would give a write of any of keys: the
// capture that leaves its writes to the feed is refused, not the catch-up. Their
// values are in the feed's change already, and as storable.
func storableKeys(keys ...[]byte) error {
	for _, k := range keys {
		switch {
		case len(k) == 0:
			return berrors.ErrKeyRequired
		case len(k) > bbolt.MaxKeySize:
			return berrors.ErrKeyTooLarge
		}
	}
	return nil
}

func putJSON(b *bbolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}
