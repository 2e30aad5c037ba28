package bolt

import (
	"bytes"
	"context"
	"slices"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

// PageLeads returns a page of the page's submissions, newest first. The embedded
// store has no index by page: it reads every submission, which suits a laptop's
// few thousand leads (DynamoDB answers the same from GSI1).
func (s *Store) PageLeads(_ context.Context, page string, since time.Time, cursor string, limit int) (leadgate.PageLeads, error) {
	limit = leadgate.PageLeadsLimit(limit)
	var afterAt time.Time
	var afterID string
	if cursor != "" {
		var err error
		if afterAt, afterID, err = leadgate.ParseLeadsCursor(cursor); err != nil {
			return leadgate.PageLeads{}, err
		}
	}
	res := leadgate.PageLeads{Leads: []leadgate.PageLead{}}
	if err := s.catchUp(); err != nil {
		return leadgate.PageLeads{}, leadgate.Internal("list page leads", err)
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		var subs []leadgate.Submission
		err := tx.Bucket(bucketLeads).ForEach(func(k, v []byte) error {
			if kindOf(k) != itemSubmission {
				return nil
			}
			var sub leadgate.Submission
			if err := decode(v, &sub); err != nil {
				return err
			}
			if sub.Page != page || sub.At.Before(since) {
				return nil
			}
			if cursor != "" && !leadgate.Before(afterAt, afterID, sub.At, sub.ID) {
				return nil
			}
			subs = append(subs, sub)
			return nil
		})
		if err != nil {
			return err
		}
		slices.SortFunc(subs, func(a, b leadgate.Submission) int {
			if leadgate.Before(a.At, a.ID, b.At, b.ID) {
				return -1
			}
			return 1
		})
		more := len(subs) > limit
		subs = subs[:min(len(subs), limit)]
		leads := tx.Bucket(bucketLeads)
		for _, sub := range subs {
			raw := leads.Get([]byte(sub.Email))
			if raw == nil {
				continue
			}
			var l leadgate.Lead
			if err := decode(raw, &l); err != nil {
				return err
			}
			res.Leads = append(res.Leads, leadgate.PageLead{Submission: sub, Lead: l})
		}
		if more {
			last := subs[len(subs)-1]
			res.Next = leadgate.EncodeLeadsCursor(last.At, last.ID)
		}
		return nil
	})
	if err != nil {
		return leadgate.PageLeads{}, leadgate.Internal("list page leads", err)
	}
	return res, nil
}

// EraseLead erases a lead in one write transaction: every item keyed by the
// address (lead, submissions, dedupe markers, sends, steps and their due index),
// the confirmations and unsubscribe link, the changes of the feed that carry the
// lead, and the address on its grants, which are kept marked erased. Besides the
// ids e names, it looks for links and changes of the address itself: locally a scan
// costs nothing, and nothing with the address must be left.
func (s *Store) EraseLead(_ context.Context, e leadgate.Erasure) (leadgate.Erased, error) {
	var res leadgate.Erased
	err := s.update(func(tx *bbolt.Tx) error {
		res = leadgate.Erased{}
		// The grants the feed holds are written first: the changes of the lead go
		// below, and its grants are kept, marked erased.
		if err := applyFeed(tx); err != nil {
			return err
		}
		raw := tx.Bucket(bucketLeads).Get([]byte(e.Email))
		if raw == nil {
			return leadgate.ErrLeadNotFound
		}
		var lead leadgate.Lead
		if err := decode(raw, &lead); err != nil {
			return err
		}
		res.LeadID = lead.ID
		if err := tx.Bucket(bucketLeads).Delete([]byte(e.Email)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketLeadIndex).Delete(indexKey(lead.CreatedAt, lead.ID)); err != nil {
			return err
		}
		if err := moveStages(tx, &lead, nil); err != nil {
			return err
		}
		res.Items++
		prefix := addressPrefix(e.Email)
		n, err := deleteWhere(tx.Bucket(bucketLeads), func(k, _ []byte) bool {
			if !bytes.HasPrefix(k, prefix) {
				return false
			}
			if kindOf(k) == itemSubmission {
				res.Submissions++
			}
			return true
		})
		if err != nil {
			return err
		}
		res.Items += n
		for _, b := range [][]byte{bucketSends, bucketSteps} {
			n, err := deleteWhere(tx.Bucket(b), func(k, _ []byte) bool { return bytes.HasPrefix(k, prefix) })
			if err != nil {
				return err
			}
			res.Items += n
		}
		// Due index keys: due time NUL email NUL step key.
		infix := append(append([]byte{0}, e.Email...), 0)
		if _, err := deleteWhere(tx.Bucket(bucketDue), func(k, _ []byte) bool { return bytes.Contains(k, infix) }); err != nil {
			return err
		}

		grants := tx.Bucket(bucketGrants)
		ids := map[string]bool{}
		for _, id := range e.GrantIDs {
			ids[id] = true
		}
		var erased []leadgate.Grant
		err = grants.ForEach(func(k, v []byte) error {
			var g leadgate.Grant
			if err := decodeGrant(k, v, &g); err != nil {
				return err
			}
			if g.Email == e.Email || ids[string(k)] && g.LeadID == lead.ID {
				erased = append(erased, g)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, g := range erased {
			g.Email, g.Erased = "", true
			if err := putGrant(grants, g); err != nil {
				return err
			}
		}
		res.Grants = len(erased)
		links := []struct {
			bucket []byte
			ids    []string
			count  *int
			email  func([]byte) (string, error)
		}{
			{bucketConfirmations, e.ConfirmationIDs, &res.Confirmations, func(v []byte) (string, error) {
				var c leadgate.Confirmation
				err := decode(v, &c)
				return c.Email, err
			}},
			{bucketUnsubscribes, []string{e.UnsubscribeID}, &res.UnsubscribeLinks, func(v []byte) (string, error) {
				var u leadgate.Unsubscribe
				err := decode(v, &u)
				return u.Email, err
			}},
		}
		for _, l := range links {
			var bad error
			n, err := deleteWhere(tx.Bucket(l.bucket), func(k, v []byte) bool {
				email, err := l.email(v)
				if err != nil {
					bad = err
				}
				return email == e.Email || slices.Contains(l.ids, string(k))
			})
			if err != nil {
				return err
			}
			if bad != nil {
				return bad
			}
			*l.count = n
		}

		// The feed's changes carry the lead's images and submissions: those not
		// handed out yet would mail an erased address, and the others are history
		// the address must not stay in. A download keeps its change, without the
		// address, so that it is still counted.
		return eraseChanges(tx.Bucket(bucketChanges), e.Email, lead.ID)
	})
	if err != nil {
		return leadgate.Erased{}, storeError("erase lead", err)
	}
	return res, nil
}

// changeOf reports whether a change carries the lead's data.
func changeOf(ch leadgate.Change, email, leadID string) bool {
	switch {
	case ch.Lead != nil && (ch.Lead.Email == email || ch.Lead.ID == leadID),
		ch.OldLead != nil && (ch.OldLead.Email == email || ch.OldLead.ID == leadID),
		ch.Submission != nil && (ch.Submission.Email == email || ch.Submission.LeadID == leadID),
		ch.Confirmation != nil && (ch.Confirmation.Email == email || ch.Confirmation.LeadID == leadID):
		return true
	}
	return false
}

func eraseChanges(b *bbolt.Bucket, email, leadID string) error {
	var drop [][]byte
	keep := map[string]leadgate.Change{}
	err := b.ForEach(func(k, v []byte) error {
		var ch leadgate.Change
		if err := decode(v, &ch); err != nil {
			return err
		}
		switch {
		case changeOf(ch, email, leadID):
			drop = append(drop, bytes.Clone(k))
		case ch.Download != nil && ch.Download.Email == email:
			ch.Download.Email = ""
			keep[string(k)] = ch
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range drop {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	for k, ch := range keep {
		if err := putJSON(b, []byte(k), ch); err != nil {
			return err
		}
	}
	return nil
}

// deleteWhere deletes the items of b that match, and returns how many.
func deleteWhere(b *bbolt.Bucket, match func(k, v []byte) bool) (int, error) {
	var keys [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if match(k, v) {
			keys = append(keys, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

// ScanItems hands every item of every bucket to fn, as its key, a NUL and its
// value, for tests that look at all the store holds (storetest.ItemScanner).
func (s *Store) ScanItems(_ context.Context, fn func(where string, item []byte) error) error {
	return s.db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				// Deflated values as their JSON, so that a search finds what they hold.
				if data, err := decodeValue(v); err == nil {
					v = data
				}
				return fn(string(name), append(append(bytes.Clone(k), 0), v...))
			})
		})
	})
}
