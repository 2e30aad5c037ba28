package bolt

import (
	"context"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

// SetScore sets a lead's score and stage if its version is still version, with a
// LeadUpdated change when anything changed. The follower scores many leads at once:
// their scores share commits (batch).
func (s *Store) SetScore(ctx context.Context, email string, score int, stage leadgate.Stage, at time.Time, version int64) error {
	return s.ScoreDownload(ctx, email, time.Time{}, score, stage, at, version)
}

// ScoreDownload is SetScore that also sets the lead's first download time to
// downloadedAt (zero: none) where it has none or a later one.
func (s *Store) ScoreDownload(_ context.Context, email string, downloadedAt time.Time, score int, stage leadgate.Stage, at time.Time, version int64) error {
	changed := false
	err := s.batch(func(tx *bbolt.Tx) error {
		changed = false
		if err := s.deferred.catchUpIn(tx, email); err != nil {
			return err
		}
		leads := tx.Bucket(bucketLeads)
		raw := leads.Get([]byte(email))
		if raw == nil {
			return leadgate.ErrLeadNotFound
		}
		var old leadgate.Lead
		if err := decode(raw, &old); err != nil {
			return err
		}
		if old.Version != version {
			return leadgate.ErrLeadChanged
		}
		downloaded, first := old.Downloaded(downloadedAt)
		lead, scored := downloaded.WithScore(score, stage, at)
		if !scored && !first {
			return nil
		}
		lead.Version++
		if err := putLead(tx, lead); err != nil {
			return err
		}
		if err := moveStages(tx, &old, &lead); err != nil {
			return err
		}
		changed = true
		return appendChanges(tx, leadgate.Change{Kind: leadgate.LeadUpdated, At: at, Lead: &lead, OldLead: &old})
	})
	if err != nil {
		return storeError("set score", err)
	}
	if changed {
		s.notify()
	}
	return nil
}
