package bolt

import (
	"bytes"
	"context"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

// bucketStages holds each page's stage counters (leadgate.PageStages), by slug.
var bucketStages = []byte("stages")

// moveStages adds to the stage counters what writing a lead as after, where it was
// before, moves (leadgate.StageMoves), within the caller's transaction.
func moveStages(tx *bbolt.Tx, before, after *leadgate.Lead) error {
	return addStages(tx, leadgate.StageMoves(before, after))
}

// addStages adds the moves to the stage counters within the caller's transaction.
func addStages(tx *bbolt.Tx, moves []leadgate.PageStages) error {
	b := tx.Bucket(bucketStages)
	for _, m := range moves {
		var p leadgate.PageStages
		if raw := b.Get([]byte(m.Page)); raw != nil {
			if err := decode(raw, &p); err != nil {
				return err
			}
		}
		p.Page = m.Page
		p.Add(m)
		if err := putJSON(b, []byte(m.Page), p); err != nil {
			return err
		}
	}
	return nil
}

// buildStages fills the stage bucket, new in a store written before it kept
// stage counters, from the leads. It counts each lead by its own Pages, as the
// moves that follow will (a lead stored before leads kept their pages counts once
// it submits again). Their submissions say no NewLeadStage, so counting one
// later counts no lead twice. A bucket that exists is never rebuilt, empty or
// not: its new leads are counted when their submissions are.
func buildStages(tx *bbolt.Tx) error {
	return tx.Bucket(bucketLeads).ForEach(func(k, v []byte) error {
		if kindOf(k) != itemLead {
			return nil
		}
		var l leadgate.Lead
		if err := decode(v, &l); err != nil {
			return err
		}
		return moveStages(tx, nil, &l)
	})
}

// AllPageStats returns every page's per-source rows of the days from from to to:
// for each page, a seek to its first day and a scan to its last.
func (s *Store) AllPageStats(_ context.Context, from, to string) ([]leadgate.SourceDayCounts, error) {
	rows := []leadgate.SourceDayCounts{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketSourceCounters).Cursor()
		for k, _ := c.First(); k != nil; {
			page, _, _ := bytes.Cut(k, []byte{0})
			prefix := append(bytes.Clone(page), 0)
			var v []byte
			for k, v = c.Seek(append(bytes.Clone(prefix), from...)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
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
			// The next page's keys start after every key of this one.
			k, _ = c.Seek(append(bytes.Clone(page), 1))
		}
		return nil
	})
	if err != nil {
		return nil, leadgate.Internal("every page's stats", err)
	}
	return rows, nil
}

// Overview returns every page's spends and stage counters: one scan of each
// bucket.
func (s *Store) Overview(_ context.Context) (leadgate.Overview, error) {
	var spends []leadgate.Spend
	var stages []leadgate.PageStages
	err := s.db.View(func(tx *bbolt.Tx) error {
		err := tx.Bucket(bucketSpend).ForEach(func(_, v []byte) error {
			var sp leadgate.Spend
			if err := decode(v, &sp); err != nil {
				return err
			}
			spends = append(spends, sp)
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketStages).ForEach(func(_, v []byte) error {
			var p leadgate.PageStages
			if err := decode(v, &p); err != nil {
				return err
			}
			stages = append(stages, p)
			return nil
		})
	})
	if err != nil {
		return leadgate.Overview{}, leadgate.Internal("overview", err)
	}
	return leadgate.NewOverview(spends, stages), nil
}
