// Package bolt is the embedded lead store of the local run: a single bbolt file,
// pure Go, one write transaction per capture, and a durable change feed that plays
// the part the DynamoDB stream plays on AWS.
package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

var (
	bucketPages   = []byte("pages")
	bucketMagnets = []byte("magnets")
	bucketLeads   = []byte("leads")       // normalised email → lead
	bucketSubs    = []byte("submissions") // email NUL time NUL id → submission
	bucketDedupe  = []byte("dedupe")      // email NUL page → last recorded submission
	bucketRate    = []byte("rate")        // limit key NUL window start → count
	bucketChanges = []byte("changes")     // sequence → change
	bucketCursors = []byte("cursors")     // subscriber name → last handled sequence
)

// allBuckets lists every bucket, each declared in the file of its records; Open
// creates them.
var allBuckets = [][]byte{
	bucketPages, bucketMagnets, bucketLeads, bucketSubs, bucketDedupe, bucketRate, bucketChanges, bucketCursors,
	bucketGrants, bucketCounters, bucketDownloaded, // grants.go
	bucketSourceCounters, bucketCounted, bucketSpend, // stats.go
	bucketSends, bucketSteps, bucketDue, bucketConfirmations, bucketUnsubscribes, bucketMailEvents, // followup.go
}

// Store is a leadgate.Store in one bbolt file.
type Store struct {
	db       *bbolt.DB
	writeTxs atomic.Uint64

	mu      sync.Mutex
	changed chan struct{} // closed and replaced after each commit that adds changes
}

var _ leadgate.Store = (*Store)(nil)

// Open opens (creating if needed) the store file at path.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create store folder: %w", err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, changed: make(chan struct{})}
	err = s.update(func(tx *bbolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare store %s: %w", path, err)
	}
	return s, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// WriteTransactions returns how many write transactions the store has committed or
// tried since it was opened.
func (s *Store) WriteTransactions() uint64 { return s.writeTxs.Load() }

func (s *Store) update(fn func(*bbolt.Tx) error) error {
	s.writeTxs.Add(1)
	return s.db.Update(fn)
}

// PutPage creates or replaces a page.
func (s *Store) PutPage(_ context.Context, p leadgate.Page) error {
	return s.putJSON("put page", bucketPages, []byte(p.Slug), p)
}

// Page returns the page with that slug.
func (s *Store) Page(_ context.Context, slug string) (leadgate.Page, error) {
	var p leadgate.Page
	err := s.getJSON("get page", bucketPages, []byte(slug), &p)
	if errors.Is(err, errMissing) {
		return p, leadgate.ErrPageNotFound
	}
	return p, err
}

// Pages returns every page, by slug (bbolt keeps keys in byte order).
func (s *Store) Pages(_ context.Context) ([]leadgate.Page, error) {
	pages := []leadgate.Page{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketPages).ForEach(func(_, v []byte) error {
			var p leadgate.Page
			if err := json.Unmarshal(v, &p); err != nil {
				return err
			}
			pages = append(pages, p)
			return nil
		})
	})
	if err != nil {
		return nil, leadgate.Internal("list pages", err)
	}
	return pages, nil
}

// PutMagnet creates or replaces a magnet.
func (s *Store) PutMagnet(_ context.Context, m leadgate.Magnet) error {
	return s.putJSON("put magnet", bucketMagnets, []byte(m.ID), m)
}

// Magnet returns the magnet with that id.
func (s *Store) Magnet(_ context.Context, id string) (leadgate.Magnet, error) {
	var m leadgate.Magnet
	err := s.getJSON("get magnet", bucketMagnets, []byte(id), &m)
	if errors.Is(err, errMissing) {
		return m, leadgate.ErrMagnetNotFound
	}
	return m, err
}

// Magnets returns every magnet, by id (bbolt keeps keys in byte order).
func (s *Store) Magnets(_ context.Context) ([]leadgate.Magnet, error) {
	magnets := []leadgate.Magnet{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketMagnets).ForEach(func(_, v []byte) error {
			var m leadgate.Magnet
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			magnets = append(magnets, m)
			return nil
		})
	})
	if err != nil {
		return nil, leadgate.Internal("list magnets", err)
	}
	return magnets, nil
}

// LeadByEmail returns the lead with that normalised address.
func (s *Store) LeadByEmail(_ context.Context, email string) (leadgate.Lead, error) {
	var l leadgate.Lead
	err := s.getJSON("get lead", bucketLeads, []byte(email), &l)
	if errors.Is(err, errMissing) {
		return l, leadgate.ErrLeadNotFound
	}
	return l, err
}

// Submissions returns the lead's submissions, oldest first.
func (s *Store) Submissions(_ context.Context, email string) ([]leadgate.Submission, error) {
	var subs []leadgate.Submission
	err := s.db.View(func(tx *bbolt.Tx) error {
		prefix := append([]byte(email), 0)
		c := tx.Bucket(bucketSubs).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var sub leadgate.Submission
			if err := json.Unmarshal(v, &sub); err != nil {
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

// ItemCounts returns how many items each bucket holds, so that a caller can see that
// an operation stored nothing.
func (s *Store) ItemCounts() (map[string]int, error) {
	counts := map[string]int{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		for _, b := range allBuckets {
			counts[string(b)] = tx.Bucket(b).Stats().KeyN
		}
		return nil
	})
	return counts, err
}

var errMissing = errors.New("missing")

func (s *Store) putJSON(op string, bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	if err := s.update(func(tx *bbolt.Tx) error { return tx.Bucket(bucket).Put(key, data) }); err != nil {
		return leadgate.Internal(op, err)
	}
	return nil
}

func (s *Store) getJSON(op string, bucket, key []byte, v any) error {
	err := s.db.View(func(tx *bbolt.Tx) error {
		data := tx.Bucket(bucket).Get(key)
		if data == nil {
			return errMissing
		}
		return json.Unmarshal(data, v)
	})
	if err != nil && !errors.Is(err, errMissing) {
		return leadgate.Internal(op, err)
	}
	return err
}

func seqKey(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// Leads returns every lead, newest first; the local run's lead list reads it.
func (s *Store) Leads(_ context.Context) ([]leadgate.Lead, error) {
	var leads []leadgate.Lead
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketLeads).ForEach(func(_, v []byte) error {
			var l leadgate.Lead
			if err := json.Unmarshal(v, &l); err != nil {
				return err
			}
			leads = append(leads, l)
			return nil
		})
	})
	if err != nil {
		return nil, leadgate.Internal("list leads", err)
	}
	slices.SortFunc(leads, func(a, b leadgate.Lead) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return leads, nil
}
