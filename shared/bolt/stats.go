package bolt

import (
	"bytes"
	"context"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

var (
	bucketSourceCounters = []byte("sourcecounters") // page NUL day NUL source key → per-source counts
	bucketCounted        = []byte("counted")        // "sub" or "confirm" NUL id → counted mark
	bucketSpend          = []byte("spend")          // page NUL campaign → spend
)

// counter names the funnel step a count adds to.
type counter int

const (
	countViews counter = iota
	countLeads
	countConfirmations
	countDownloads
)

// bump adds one to the step's counter of the page's day, in its total and in its
// source's row (the arm's row of the source, for a visit of an A/B test's arm),
// within the caller's transaction.
func bump(tx *bbolt.Tx, page, day string, src leadgate.Source, variant string, step counter) error {
	src = src.Normal()
	totals := tx.Bucket(bucketCounters)
	key := append(append([]byte(page), 0), day...)
	c := leadgate.DailyCounts{Page: page, Day: day}
	if raw := totals.Get(key); raw != nil {
		if err := decode(raw, &c); err != nil {
			return err
		}
	}
	rows := tx.Bucket(bucketSourceCounters)
	rowKey := append(append(bytes.Clone(key), 0), src.Key()...)
	if variant != "" {
		rowKey = append(append(rowKey, 0), variant...)
	}
	row := leadgate.SourceDayCounts{Page: page, Day: day, Source: src, Variant: variant}
	if raw := rows.Get(rowKey); raw != nil {
		if err := decode(raw, &row); err != nil {
			return err
		}
	}
	switch step {
	case countViews:
		c.Views++
		row.Views++
	case countLeads:
		c.Leads++
		row.Leads++
	case countConfirmations:
		c.Confirmations++
		row.Confirmations++
	case countDownloads:
		c.Downloads++
		row.Downloads++
	}
	if err := putJSON(totals, key, c); err != nil {
		return err
	}
	return putJSON(rows, rowKey, row)
}

// countOnce runs bump, and adds the stage moves, unless the mark exists, and sets
// the mark. The follower counts many leads at once: their counts share commits
// (batch).
func (s *Store) countOnce(op string, mark []byte, page, day string, src leadgate.Source, variant string, step counter, stages ...leadgate.PageStages) error {
	err := s.batch(func(tx *bbolt.Tx) error {
		marks := tx.Bucket(bucketCounted)
		if marks.Get(mark) != nil {
			return nil
		}
		if err := marks.Put(mark, []byte{1}); err != nil {
			return err
		}
		if err := addStages(tx, stages); err != nil {
			return err
		}
		return bump(tx, page, day, src, variant, step)
	})
	return storeError(op, err)
}

// CountLead counts a new submission once, and the lead it created into the
// stage counters in the same transaction.
func (s *Store) CountLead(_ context.Context, sub leadgate.Submission) error {
	mark := append([]byte("sub\x00"), sub.ID...)
	return s.countOnce("count lead", mark, sub.Page, leadgate.Day(sub.At), leadgate.SourceOf(sub.Attribution), sub.Variant, countLeads, leadgate.NewLeadMoves(sub)...)
}

// CountConfirmation counts a first confirmation once, under the source of the
// submission it confirms.
func (s *Store) CountConfirmation(ctx context.Context, c leadgate.Confirmation) error {
	subs, err := s.Submissions(ctx, c.Email)
	if err != nil {
		return err
	}
	var src leadgate.Source
	variant := ""
	for _, sub := range subs {
		if sub.ID == c.SubmissionID {
			src, variant = leadgate.SourceOf(sub.Attribution), sub.Variant
		}
	}
	mark := append([]byte("confirm\x00"), c.ID...)
	return s.countOnce("count confirmation", mark, c.Page, leadgate.Day(c.ConfirmedAt), src, variant, countConfirmations)
}

// PageStats returns the per-source rows of the page's days from from to to: one
// cursor scan, in key order (day, then source key).
func (s *Store) PageStats(_ context.Context, page, from, to string) ([]leadgate.SourceDayCounts, error) {
	rows := []leadgate.SourceDayCounts{}
	prefix := append([]byte(page), 0)
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketSourceCounters).Cursor()
		for k, v := c.Seek(append(bytes.Clone(prefix), from...)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			day, _, _ := bytes.Cut(k[len(prefix):], []byte{0})
			if string(day) > to {
				break
			}
			var row leadgate.SourceDayCounts
			if err := decode(v, &row); err != nil {
				return err
			}
			rows = append(rows, row)
		}
		return nil
	})
	if err != nil {
		return nil, leadgate.Internal("page stats", err)
	}
	return rows, nil
}

// PutSpend creates or replaces a campaign's spend.
func (s *Store) PutSpend(_ context.Context, sp leadgate.Spend) error {
	key := append(append([]byte(sp.Page), 0), sp.Campaign...)
	return s.putJSON("put spend", bucketSpend, key, sp)
}

// Spends returns the page's spends, by campaign.
func (s *Store) Spends(_ context.Context, page string) ([]leadgate.Spend, error) {
	spends := []leadgate.Spend{}
	prefix := append([]byte(page), 0)
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketSpend).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var sp leadgate.Spend
			if err := decode(v, &sp); err != nil {
				return err
			}
			spends = append(spends, sp)
		}
		return nil
	})
	if err != nil {
		return nil, leadgate.Internal("list spends", err)
	}
	return spends, nil
}
