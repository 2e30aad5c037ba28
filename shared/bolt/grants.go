package bolt

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

var (
	bucketGrants     = []byte("grants")     // grant ID → grant
	bucketCounters   = []byte("counters")   // page NUL day → daily counts (totals)
	bucketDownloaded = []byte("downloaded") // grant ID NUL n → counted mark
)

// PutGrant creates a grant. The follower makes them (a confirmed submission's):
// many share a commit (batch).
func (s *Store) PutGrant(_ context.Context, g leadgate.Grant) error {
	err := s.batch(func(tx *bbolt.Tx) error {
		raw, err := grantFor(tx, g.ID) // a capture's grant may wait in the feed
		if err != nil {
			return err
		}
		if raw != nil {
			return leadgate.ErrGrantExists
		}
		return putGrant(tx.Bucket(bucketGrants), g)
	})
	return storeError("put grant", err)
}

// Grant returns a grant. One not found is looked for again once the grants the
// feed holds are written (leadlist.go).
func (s *Store) Grant(_ context.Context, id string) (leadgate.Grant, error) {
	var g leadgate.Grant
	get := func(tx *bbolt.Tx) error {
		raw := tx.Bucket(bucketGrants).Get([]byte(id))
		if raw == nil {
			return leadgate.ErrGrantNotFound
		}
		return decodeGrant([]byte(id), raw, &g)
	}
	err := s.db.View(get)
	if errors.Is(err, leadgate.ErrGrantNotFound) {
		if err = s.catchUp(); err == nil {
			err = s.db.View(get)
		}
	}
	return g, storeError("get grant", err)
}

// grantFor returns the raw grant id names in the write transaction tx, writing the
// grants the feed holds first if it is missing (leadlist.go); nil if there is none.
func grantFor(tx *bbolt.Tx, id string) ([]byte, error) {
	b := tx.Bucket(bucketGrants)
	if raw := b.Get([]byte(id)); raw != nil || !feedBehind(tx) {
		return raw, nil
	}
	if err := applyFeed(tx); err != nil {
		return nil, err
	}
	return b.Get([]byte(id)), nil
}

// UseGrant checks and counts one download in one write transaction.
func (s *Store) UseGrant(_ context.Context, id string, t time.Time) (leadgate.Grant, error) {
	var g leadgate.Grant
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketGrants)
		raw, err := grantFor(tx, id)
		if err != nil {
			return err
		}
		if raw == nil {
			return leadgate.ErrGrantNotFound
		}
		if err := decodeGrant([]byte(id), raw, &g); err != nil {
			return err
		}
		if err := g.Usable(t); err != nil {
			return err
		}
		g.Downloads++
		if g.FirstDownloadAt.IsZero() {
			g.FirstDownloadAt = t
		}
		g.LastDownloadAt = t
		if err := putGrant(b, g); err != nil {
			return err
		}
		d := leadgate.Download{GrantID: g.ID, N: g.Downloads, Page: g.Page, Email: g.Email, At: t, Source: g.Source, Variant: g.Variant}
		return appendChanges(tx, leadgate.Change{Kind: leadgate.DownloadMade, At: t, Download: &d})
	})
	if err != nil {
		return g, storeError("use grant", err)
	}
	s.notify()
	return g, nil
}

// RevokeGrant marks a grant revoked and, while its submission is the last of its
// address on its page, deletes that dedupe marker.
func (s *Store) RevokeGrant(_ context.Context, id string) error {
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketGrants)
		var g leadgate.Grant
		raw, err := grantFor(tx, id)
		if err != nil {
			return err
		}
		if raw == nil {
			return leadgate.ErrGrantNotFound
		}
		if err := decodeGrant([]byte(id), raw, &g); err != nil {
			return err
		}
		g.Revoked = true
		if err := putGrant(b, g); err != nil {
			return err
		}
		if g.Email == "" { // erased: no marker left
			return nil
		}
		// The form sent again, as the revoked link's page says, is then a new
		// submission with a new link, not a repeat handed the revoked one.
		if err := s.deferred.catchUpIn(tx, g.Email); err != nil {
			return err
		}
		leads := tx.Bucket(bucketLeads)
		prefix := addressPrefix(g.Email)
		marker := dedupeKey(prefix, g.Page)
		if bytes.Equal(markedKey(prefix, leads.Get(marker)), submissionKey(prefix, leadgate.Submission{ID: g.SubmissionID, At: g.CreatedAt})) {
			return leads.Delete(marker)
		}
		return nil
	})
	return storeError("revoke grant", err)
}

// CountDownload counts a download once into its page's day, in a commit shared
// with the follower's other writes (batch). The lead's first download time is set
// by the download's rescoring (ScoreDownload), as on DynamoDB.
func (s *Store) CountDownload(_ context.Context, d leadgate.Download) error {
	err := s.batch(func(tx *bbolt.Tx) error {
		marks := tx.Bucket(bucketDownloaded)
		mark := append(append([]byte(d.GrantID), 0), strconv.AppendInt(nil, int64(d.N), 10)...)
		if marks.Get(mark) != nil {
			return nil
		}
		if err := marks.Put(mark, []byte{1}); err != nil {
			return err
		}
		return bump(tx, d.Page, leadgate.Day(d.At), d.Source, d.Variant, countDownloads)
	})
	return storeError("count download", err)
}

// CountView adds one view to the page's counters of day, its total and its
// source's, in one write transaction.
func (s *Store) CountView(_ context.Context, page, day string, src leadgate.Source) error {
	err := s.update(func(tx *bbolt.Tx) error { return bump(tx, page, day, src, "", countViews) })
	return storeError("count view", err)
}

// CountArmView adds one view to the page's counters of day, its total and the
// arm's row of its source, in one write transaction.
func (s *Store) CountArmView(_ context.Context, page, day string, src leadgate.Source, arm string) error {
	err := s.update(func(tx *bbolt.Tx) error { return bump(tx, page, day, src, arm, countViews) })
	return storeError("count view", err)
}

// DailyCounts returns a page's counters for one day.
func (s *Store) DailyCounts(_ context.Context, page, day string) (leadgate.DailyCounts, error) {
	c := leadgate.DailyCounts{Page: page, Day: day}
	key := append(append([]byte(page), 0), day...)
	err := s.getJSON("get daily counts", bucketCounters, key, &c)
	if errors.Is(err, errMissing) {
		return c, nil
	}
	return c, err
}

// storeError passes domain errors through and wraps any other as internal.
func storeError(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *leadgate.Error
	if errors.As(err, &de) {
		return de
	}
	return leadgate.Internal(op, err)
}
