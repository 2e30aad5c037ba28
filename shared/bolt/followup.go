package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

var (
	bucketSends         = []byte("sends")         // email NUL key → send
	bucketSteps         = []byte("steps")         // email NUL key → step
	bucketDue           = []byte("due")           // due time NUL email NUL key → nothing: the due index
	bucketConfirmations = []byte("confirmations") // id → confirmation
	bucketUnsubscribes  = []byte("unsubscribes")  // id → unsubscribe
	bucketMailEvents    = []byte("mail_events")   // message id NUL kind → counted mark
)

func pairKey(a, b string) []byte { return append(append([]byte(a), 0), b...) }

func dueKey(s leadgate.Step) []byte {
	k := binary.BigEndian.AppendUint64(nil, uint64(s.DueAt.UnixNano()))
	return append(append(k, 0), pairKey(s.Email, s.Key)...)
}

// ClaimSend claims a send before the email goes out. The follower's reactions claim
// many sends at once: their claims share commits (batch).
func (s *Store) ClaimSend(_ context.Context, email, key string, now time.Time, lease time.Duration) (leadgate.Send, bool, error) {
	var (
		send    leadgate.Send
		claimed bool
	)
	err := s.batch(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketSends)
		k := pairKey(email, key)
		send, claimed = leadgate.Send{}, false
		if raw := b.Get(k); raw != nil {
			if err := decodeSend(k, raw, &send); err != nil {
				return err
			}
			if send.Status != leadgate.SendSending || now.Sub(send.ClaimedAt) < lease {
				return nil
			}
		} else {
			send = leadgate.Send{Email: email, Key: key}
		}
		send.Status, send.ClaimedAt = leadgate.SendSending, now
		send.Attempts++
		claimed = true
		return putSend(b, k, send)
	})
	return send, claimed, storeError("claim send", err)
}

// ownClaim checks that the stored send is still the claim the caller holds.
func ownClaim(b *bbolt.Bucket, k []byte, claim leadgate.Send) error {
	raw := b.Get(k)
	if raw == nil {
		return leadgate.ErrClaimLost
	}
	var stored leadgate.Send
	if err := decode(raw, &stored); err != nil {
		return err
	}
	if stored.Status != leadgate.SendSending || !stored.ClaimedAt.Equal(claim.ClaimedAt) {
		return leadgate.ErrClaimLost
	}
	return nil
}

// FinishSend records a send's outcome, if the claim is still the caller's, and
// counts it into its day's mail counts in the same transaction.
func (s *Store) FinishSend(_ context.Context, send leadgate.Send) error {
	err := s.batch(func(tx *bbolt.Tx) error {
		b, k := tx.Bucket(bucketSends), pairKey(send.Email, send.Key)
		if err := ownClaim(b, k, send); err != nil {
			return err
		}
		if err := putSend(b, k, send); err != nil {
			return err
		}
		return countFinished(tx, send)
	})
	return storeError("finish send", err)
}

// ReleaseSend drops a claim, if it is still the caller's.
func (s *Store) ReleaseSend(_ context.Context, send leadgate.Send) error {
	err := s.batch(func(tx *bbolt.Tx) error {
		b, k := tx.Bucket(bucketSends), pairKey(send.Email, send.Key)
		if err := ownClaim(b, k, send); err != nil {
			return err
		}
		return b.Delete(k)
	})
	return storeError("release send", err)
}

// sendingMark is how a claimed send's status reads in its stored JSON: a quick test
// before decoding it.
var sendingMark = []byte(`"status":"` + leadgate.SendSending + `"`)

// releaseDeadClaims drops every claim of a send, as ReleaseSend would, when the store
// opens. bbolt locks the file for one process at a time, so a claim found then was
// left by a process that stopped between ClaimSend and FinishSend (killed, or
// crashed): waiting out its lease would hold that email back for a whole lease for
// nothing, so the next try sends it at once.
//
// The dead process may have sent it: the mailer took the email and the process died
// before FinishSend recorded it, the crash window package followup documents. Locally
// the outbox writes the message file before that record, so the outbox may hold the
// email already, and the retry adds a second copy of it there. The outbox is not
// searched for it: a claim holds no message id (the mailer makes one as it sends),
// the store does not know its mailer, and SES keeps no copy to search on AWS; so the
// rule stays the same everywhere: a send is retried unless its outcome was recorded.
// The window is one commit wide, and locally its copy lands in a folder, not in
// anyone's mailbox.
func releaseDeadClaims(tx *bbolt.Tx) error {
	b := tx.Bucket(bucketSends)
	var dead [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v, err := decodeValue(v); err != nil || !bytes.Contains(v, sendingMark) {
			if err != nil {
				return fmt.Errorf("decode a send: %w", err)
			}
			continue
		}
		var send leadgate.Send
		if err := decode(v, &send); err != nil {
			return fmt.Errorf("decode a send: %w", err)
		}
		if send.Status == leadgate.SendSending {
			dead = append(dead, bytes.Clone(k))
		}
	}
	for _, k := range dead {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// ScheduleSteps stores the steps not stored yet, and indexes them by due time.
func (s *Store) ScheduleSteps(_ context.Context, steps []leadgate.Step) error {
	err := s.batch(func(tx *bbolt.Tx) error {
		b, due := tx.Bucket(bucketSteps), tx.Bucket(bucketDue)
		for _, st := range steps {
			k := pairKey(st.Email, st.Key)
			if b.Get(k) != nil {
				continue
			}
			st.Status = leadgate.StepDue
			if err := putStep(b, k, st); err != nil {
				return err
			}
			if err := due.Put(dueKey(st), nil); err != nil {
				return err
			}
		}
		return nil
	})
	return storeError("schedule steps", err)
}

// DueSteps returns the steps due at now, oldest due first.
func (s *Store) DueSteps(_ context.Context, now time.Time, limit int) ([]leadgate.Step, error) {
	var out []leadgate.Step
	end := binary.BigEndian.AppendUint64(nil, uint64(now.UnixNano()))
	err := s.db.View(func(tx *bbolt.Tx) error {
		steps := tx.Bucket(bucketSteps)
		c := tx.Bucket(bucketDue).Cursor()
		for k, _ := c.First(); k != nil && len(out) < limit && bytes.Compare(k[:8], end) <= 0; k, _ = c.Next() {
			var st leadgate.Step
			if err := decodeStep(k[9:], steps.Get(k[9:]), &st); err != nil {
				return err
			}
			out = append(out, st)
		}
		return nil
	})
	return out, storeError("due steps", err)
}

// FinishStep records a step's outcome and takes it out of the due index.
func (s *Store) FinishStep(_ context.Context, st leadgate.Step) error {
	err := s.batch(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketSteps)
		k := pairKey(st.Email, st.Key)
		var stored leadgate.Step
		raw := b.Get(k)
		if raw == nil {
			return leadgate.ErrStepNotFound
		}
		if err := decodeStep(k, raw, &stored); err != nil {
			return err
		}
		if err := tx.Bucket(bucketDue).Delete(dueKey(stored)); err != nil {
			return err
		}
		stored.Status, stored.DoneAt, stored.Reason = st.Status, st.DoneAt, st.Reason
		return putStep(b, k, stored)
	})
	return storeError("finish step", err)
}

// PutConfirmation stores a confirmation unless it exists.
func (s *Store) PutConfirmation(_ context.Context, c leadgate.Confirmation) error {
	err := s.batch(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketConfirmations)
		if b.Get([]byte(c.ID)) != nil {
			return nil
		}
		return putJSON(b, []byte(c.ID), c)
	})
	return storeError("put confirmation", err)
}

// Confirmation returns a confirmation.
func (s *Store) Confirmation(_ context.Context, id string) (leadgate.Confirmation, error) {
	var c leadgate.Confirmation
	err := s.getJSON("get confirmation", bucketConfirmations, []byte(id), &c)
	if errors.Is(err, errMissing) {
		return c, leadgate.ErrConfirmationNotFound
	}
	return c, err
}

// Confirm confirms a lead's address.
func (s *Store) Confirm(_ context.Context, id string, now time.Time) (leadgate.Confirmation, error) {
	var c leadgate.Confirmation
	changed := false
	err := s.update(func(tx *bbolt.Tx) error {
		changed = false
		b := tx.Bucket(bucketConfirmations)
		raw := b.Get([]byte(id))
		if raw == nil {
			return leadgate.ErrConfirmationNotFound
		}
		if err := decode(raw, &c); err != nil {
			return err
		}
		if !c.ConfirmedAt.IsZero() {
			return nil
		}
		if !now.Before(c.ExpiresAt) {
			return leadgate.ErrConfirmationExpired
		}
		if err := s.deferred.catchUpIn(tx, c.Email); err != nil {
			return err
		}
		leads := tx.Bucket(bucketLeads)
		var old leadgate.Lead
		rawLead := leads.Get([]byte(c.Email))
		if rawLead == nil {
			return leadgate.ErrConfirmationGone
		}
		if err := decode(rawLead, &old); err != nil {
			return err
		}
		lead, leadChanged, err := old.Confirm(now)
		if err != nil {
			return err
		}
		c.ConfirmedAt = now
		if err := putJSON(b, []byte(id), c); err != nil {
			return err
		}
		var changes []leadgate.Change
		if leadChanged {
			if err := putLead(tx, lead); err != nil {
				return err
			}
			changes = append(changes, leadgate.Change{Kind: leadgate.LeadUpdated, At: now, Lead: &lead, OldLead: &old})
		}
		confirmed := c
		changes = append(changes, leadgate.Change{Kind: leadgate.LeadConfirmed, At: now, Confirmation: &confirmed})
		changed = true
		return appendChanges(tx, changes...)
	})
	if err != nil {
		return c, storeError("confirm", err)
	}
	if changed {
		s.notify()
	}
	return c, nil
}

// PutUnsubscribe stores an unsubscribe mapping unless it exists.
func (s *Store) PutUnsubscribe(_ context.Context, u leadgate.Unsubscribe) error {
	err := s.batch(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketUnsubscribes)
		if b.Get([]byte(u.ID)) != nil {
			return nil
		}
		return putUnsubscribe(b, u)
	})
	return storeError("put unsubscribe", err)
}

// Unsubscribe withdraws a lead's consent for good.
func (s *Store) Unsubscribe(_ context.Context, id string, now time.Time) error {
	return s.changeLead("unsubscribe", func(tx *bbolt.Tx) (string, error) {
		var u leadgate.Unsubscribe
		raw := tx.Bucket(bucketUnsubscribes).Get([]byte(id))
		if raw == nil {
			return "", leadgate.ErrUnsubscribeNotFound
		}
		err := decodeUnsubscribe([]byte(id), raw, &u)
		return u.Email, err
	}, func(l *leadgate.Lead) {
		l.Consent.Given = false
		if l.Status == leadgate.StatusActive || l.Status == leadgate.StatusUnconfirmed {
			l.Status = leadgate.StatusUnsubscribed
			l.SuppressedAt = now
		}
	}, now)
}

// RecordMailEvent applies a bounce or a complaint.
func (s *Store) RecordMailEvent(_ context.Context, e leadgate.MailEvent) error {
	return s.changeLead("record mail event", func(tx *bbolt.Tx) (string, error) {
		if e.Kind != "soft_bounce" {
			return e.Email, nil
		}
		marks := tx.Bucket(bucketMailEvents)
		k := pairKey(e.MessageID, e.Kind)
		if marks.Get(k) != nil {
			return "", nil // counted already
		}
		return e.Email, marks.Put(k, []byte{1})
	}, func(l *leadgate.Lead) {
		switch e.Kind {
		case "bounce":
			if l.Status != leadgate.StatusErased && l.Status != leadgate.StatusComplained && l.Status != leadgate.StatusBounced {
				l.Status = leadgate.StatusBounced
				l.SuppressedAt = e.At
			}
		case "complaint":
			if l.Status != leadgate.StatusErased && l.Status != leadgate.StatusComplained {
				l.Status = leadgate.StatusComplained
				l.SuppressedAt = e.At
			}
			l.Consent.Given = false
		case "soft_bounce":
			l.SoftBounces++
		}
	}, e.At)
}

// changeLead finds a lead's address with find, applies edit to the lead, and stores
// it with a LeadUpdated change if edit changed it, all in one transaction. An address
// "" or without a lead changes nothing.
func (s *Store) changeLead(op string, find func(*bbolt.Tx) (string, error), edit func(*leadgate.Lead), now time.Time) error {
	changed := false
	err := s.update(func(tx *bbolt.Tx) error {
		changed = false
		email, err := find(tx)
		if err != nil || email == "" {
			return err
		}
		if err := s.deferred.catchUpIn(tx, email); err != nil {
			return err
		}
		leads := tx.Bucket(bucketLeads)
		raw := leads.Get([]byte(email))
		if raw == nil {
			return nil
		}
		var old leadgate.Lead
		if err := decode(raw, &old); err != nil {
			return err
		}
		lead := old
		edit(&lead)
		if lead.Status == old.Status && lead.Consent == old.Consent && lead.SoftBounces == old.SoftBounces {
			return nil
		}
		lead.UpdatedAt = now
		lead.Version++
		if err := putLead(tx, lead); err != nil {
			return err
		}
		changed = true
		return appendChanges(tx, leadgate.Change{Kind: leadgate.LeadUpdated, At: now, Lead: &lead, OldLead: &old})
	})
	if err != nil {
		return storeError(op, err)
	}
	if changed {
		s.notify()
	}
	return nil
}
