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
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

var (
	bucketPages   = []byte("pages")
	bucketMagnets = []byte("magnets")
	bucketLeads   = []byte("leads")   // each address's lead, submissions and dedupe markers (leads.go)
	bucketChanges = []byte("changes") // sequence → change
	bucketCursors = []byte("cursors") // subscriber name → last handled sequence
)

// allBuckets lists every bucket, each declared in the file of its records; Open
// creates them.
var allBuckets = [][]byte{
	bucketPages, bucketMagnets, bucketLeads, bucketChanges, bucketCursors,
	bucketGrants, bucketCounters, bucketDownloaded, // grants.go
	bucketSourceCounters, bucketCounted, bucketSpend, // stats.go
	bucketSends, bucketSteps, bucketDue, bucketConfirmations, bucketUnsubscribes, bucketMailEvents, // followup.go
	bucketMailDays,                                                   // maildays.go
	bucketConsoleLinks, bucketConsoleSessions, bucketConsolePasskeys, // console.go
	bucketConsoleCeremonies,                                                                             // passkeys.go
	bucketLeadIndex,                                                                                     // leadlist.go
	bucketStages,                                                                                        // overview.go
	bucketWebhooks, bucketDeliveries, bucketDeliveriesDue, bucketDeliveriesLead, bucketDeliveriesByHook, // webhooks.go
}

// Store is a leadgate.Store in one bbolt file.
type Store struct {
	db       *bbolt.DB
	writeTxs atomic.Uint64
	batchTx  atomic.Pointer[bbolt.Tx] // the last transaction a batch call ran in (batch.go)
	rates    rateCounts
	captures captureQueue  // captures waiting for a commit (groupcommit.go)
	deferred deferredLeads // new addresses whose writes are in the feed (leadlist.go)
	pages    decodings[leadgate.Page]
	magnets  decodings[leadgate.Magnet]

	mu      sync.Mutex
	changed chan struct{} // closed and replaced after each commit that adds changes

	opts    Options        // what is pruned, and when (prune.go, compact.go)
	stop    chan struct{}  // closed by Close: the pruning goroutine ends
	closing sync.Once      // closes stop
	upkeep  sync.WaitGroup // the pruning goroutine
}

var _ leadgate.Store = (*Store)(nil)

// Open opens (creating if needed) the store file at path, with DefaultOptions.
func Open(path string) (*Store, error) { return OpenWith(path, DefaultOptions()) }

// Options say what the store prunes and when it compacts its file (prune.go,
// compact.go).
type Options struct {
	// FeedTail is how many changes the feed keeps that every subscriber has
	// handled; negative: all of them.
	FeedTail int
	// DedupeWindow is the longest dedupe window captures use: a dedupe marker older
	// than it is pruned, as TTL removes it on DynamoDB; 0: none is.
	DedupeWindow time.Duration
	// PruneEvery is how often an open store prunes its feed; Open prunes once
	// before it returns, and 0 prunes only then.
	PruneEvery time.Duration
	// CompactFreeShare: Open compacts a file whose free pages are at least this
	// share of it, once it holds a megabyte or more; 0: never.
	CompactFreeShare float64
}

// DefaultOptions keeps DefaultFeedTail handled changes and dedupe markers for
// DefaultDedupeRetention, prunes every DefaultPruneEvery, and compacts on open a file
// a quarter free.
func DefaultOptions() Options {
	return Options{FeedTail: DefaultFeedTail, DedupeWindow: DefaultDedupeRetention, PruneEvery: DefaultPruneEvery, CompactFreeShare: 0.25}
}

// OpenWith opens (creating if needed) the store file at path: it prunes and, if
// opts say so, compacts the file before it returns, and prunes it while open.
func OpenWith(path string, opts Options) (*Store, error) { return open(path, opts, OpenOptions()) }

func open(path string, opts Options, o *bbolt.Options) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create store folder: %w", err)
	}
	db, err := openFile(path, o)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db.MaxBatchDelay = batchDelay
	s := &Store{db: db, changed: make(chan struct{}), opts: opts, stop: make(chan struct{})}
	err = s.update(func(tx *bbolt.Tx) error {
		newStages := tx.Bucket(bucketStages) == nil
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if err := releaseDeadClaims(tx); err != nil {
			return err
		}
		if err := moveOldBuckets(tx); err != nil {
			return err
		}
		if err := buildLeadIndex(tx); err != nil {
			return err
		}
		// No address's writes are left in the feed: the list of them is empty.
		if err := applyFeed(tx); err != nil {
			return err
		}
		if newStages {
			return buildStages(tx)
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare store %s: %w", path, err)
	}
	if err := removeStaleCopy(path); err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare store %s: %w", path, err)
	}
	if err := s.prune(true); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("prune store %s: %w", path, err)
	}
	if err := s.compactIfFree(path, opts.CompactFreeShare, o); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("compact store %s: %w", path, err)
	}
	if opts.PruneEvery > 0 {
		s.upkeep.Add(1)
		go s.pruneEvery(opts.PruneEvery)
	}
	return s, nil
}

// OpenOptions returns the bbolt options of every store file: the defaults, which sync
// each commit to disk, a bounded wait for the file lock, and a map of the file 1 GiB
// wide from the start. bbolt otherwise maps the file anew at each doubling of its
// size, every commit waiting meanwhile, and grows the file to each new map with a
// sync of its own: the remaps of a growing file made one run of the capture
// benchmark a tenth slower than the next. The map is address space, not memory: only
// the pages read take any (as etcd, whose default is 10 GiB). On Windows bbolt
// grows the file to the map's size, so it keeps its default there. Benchmarks open
// bare files with these options, to weigh a capture against one plain write.
func OpenOptions() *bbolt.Options {
	o := &bbolt.Options{Timeout: 2 * time.Second}
	if runtime.GOOS != "windows" {
		o.InitialMmapSize = 1 << 30
	}
	return o
}

// Close stops the pruning and closes the file.
func (s *Store) Close() error {
	s.closing.Do(func() { close(s.stop) })
	s.upkeep.Wait()
	return s.db.Close()
}

// WriteTransactions returns how many write transactions the store has committed or
// tried since it was opened: each commit syncs the file twice. Batched writes that
// shared a transaction count once.
func (s *Store) WriteTransactions() uint64 { return s.writeTxs.Load() }

func (s *Store) update(fn func(*bbolt.Tx) error) error {
	s.writeTxs.Add(1)
	return s.db.Update(fn)
}

// PutPage creates or replaces a page.
func (s *Store) PutPage(_ context.Context, p leadgate.Page) error {
	return s.putJSON("put page", bucketPages, []byte(p.Slug), p)
}

// Page returns the page with that slug. Its slices may be shared with other reads of
// the same page (decodings), as with configcache on AWS: a page read is read-only.
func (s *Store) Page(_ context.Context, slug string) (leadgate.Page, error) {
	p, err := getDecoded(s, "get page", bucketPages, slug, &s.pages)
	if errors.Is(err, errMissing) {
		return p, leadgate.ErrPageNotFound
	}
	return p, err
}

// DeletePage deletes the page's configuration; what was captured on it stays.
func (s *Store) DeletePage(_ context.Context, slug string) error {
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketPages)
		if b.Get([]byte(slug)) == nil {
			return errMissing
		}
		return b.Delete([]byte(slug))
	})
	if errors.Is(err, errMissing) {
		return leadgate.ErrPageNotFound
	}
	if err != nil {
		return leadgate.Internal("delete page "+slug, err)
	}
	return nil
}

// Pages returns every page, by slug (bbolt keeps keys in byte order).
func (s *Store) Pages(_ context.Context) ([]leadgate.Page, error) {
	pages := []leadgate.Page{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketPages).ForEach(func(_, v []byte) error {
			var p leadgate.Page
			if err := decode(v, &p); err != nil {
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
	m, err := getDecoded(s, "get magnet", bucketMagnets, id, &s.magnets)
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
			if err := decode(v, &m); err != nil {
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

// ItemCounts returns how many items each bucket holds, the leads bucket's by kind
// ("leads", "submissions", "dedupe"), so that a caller can see that an operation
// stored nothing.
func (s *Store) ItemCounts() (map[string]int, error) {
	if err := s.catchUp(); err != nil {
		return nil, err
	}
	return s.storedCounts()
}

// storedCounts is ItemCounts without catching up: what the file holds now.
func (s *Store) storedCounts() (map[string]int, error) {
	counts := map[string]int{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		for _, b := range allBuckets {
			if !bytes.Equal(b, bucketLeads) {
				counts[string(b)] = tx.Bucket(b).Stats().KeyN
			}
		}
		countLeadItems(tx.Bucket(bucketLeads), counts)
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
		return decode(data, v)
	})
	if err != nil && !errors.Is(err, errMissing) {
		return leadgate.Internal(op, err)
	}
	return err
}

// decodings keeps the last decoding of each page or magnet with the bytes it came
// from, since every capture reads its page and magnet: a read that finds the same
// bytes stored uses it instead of decoding them again, so it is never stale.
type decodings[T any] struct {
	mu    sync.Mutex
	items map[string]decoding[T]
}

type decoding[T any] struct {
	stored []byte
	value  T
}

// getDecoded reads the item under key, decoding it unless d has it from the same
// bytes.
func getDecoded[T any](s *Store, op string, bucket []byte, key string, d *decodings[T]) (T, error) {
	var v T
	err := s.db.View(func(tx *bbolt.Tx) error {
		data := tx.Bucket(bucket).Get([]byte(key))
		if data == nil {
			return errMissing
		}
		d.mu.Lock()
		last, ok := d.items[key]
		d.mu.Unlock()
		if ok && bytes.Equal(last.stored, data) {
			v = last.value
			return nil
		}
		if err := decode(data, &v); err != nil {
			return err
		}
		d.mu.Lock()
		if d.items == nil {
			d.items = map[string]decoding[T]{}
		}
		d.items[key] = decoding[T]{stored: bytes.Clone(data), value: v}
		d.mu.Unlock()
		return nil
	})
	if err != nil && !errors.Is(err, errMissing) {
		return v, leadgate.Internal(op, err)
	}
	return v, err
}

func seqKey(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }
