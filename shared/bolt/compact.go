package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bbolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// bbolt never shrinks its file: pages that deletes free are reused by later writes,
// so a running store stays within its largest size, but only a copy into a fresh
// file gives the space back. Compaction makes that copy, path+".compact", with every
// page full, and renames it over the file. Open compacts when free pages are at
// least Options.CompactFreeShare of a file of compactMinSize or more (after a burst
// whose changes were pruned, or many erasures); CompactFile does it on command
// (leadgate-dev -compact). Either holds the file's lock throughout, so no write is
// lost; and the copy drops the bytes of erased leads that free pages still held.

// ErrInUse is returned when another process holds the store file, such as a running
// local server.
var ErrInUse = errors.New("the store file is open in another process")

const (
	compactSuffix  = ".compact"
	compactMinSize = 1 << 20 // smaller files are not worth a copy
	compactTxMax   = 8 << 20 // bytes copied per write transaction of the copy
	// compactLockWait is how long CompactFile waits for the file's lock: a server
	// holds it as long as it runs, so a short wait tells.
	compactLockWait = 200 * time.Millisecond
)

// CompactFile prunes the store file at path as Open does, compacts it whatever its
// free pages, and closes it, returning its size before and after. It refuses with
// ErrInUse while another process has the file open.
func CompactFile(path string, opts Options) (before, after int64, err error) {
	info, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("compact store: %w", err)
	}
	before = info.Size()
	o := OpenOptions()
	o.Timeout = compactLockWait
	opts.PruneEvery, opts.CompactFreeShare = 0, 0
	s, err := open(path, opts, o)
	if err != nil {
		return before, 0, err
	}
	err = s.compact(path, o)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return before, 0, fmt.Errorf("compact store %s: %w", path, err)
	}
	if info, err = os.Stat(path); err != nil {
		return before, 0, fmt.Errorf("compact store: %w", err)
	}
	return before, info.Size(), nil
}

// openFile opens the bbolt file at path and checks, once it holds the lock, that it
// is still the file at path: a compaction in another process may have renamed a
// fresh file over it meanwhile, and writes to the old one would be lost.
func openFile(path string, o *bbolt.Options) (*bbolt.DB, error) {
	for range 3 {
		// The file at path before the open and after the lock: if they are the same,
		// so is the one opened in between, as a rename brings a new file.
		before, err := os.Stat(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		db, err := bbolt.Open(path, 0o600, o)
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, ErrInUse
		}
		if err != nil {
			return nil, err
		}
		if before == nil {
			return db, nil // a new file: nothing to compact yet
		}
		after, err := os.Stat(path)
		if err == nil && os.SameFile(before, after) {
			return db, nil
		}
		db.Close()
	}
	return nil, errors.New("the file was replaced while being opened, three times")
}

// compactIfFree compacts the file when its free pages are at least share of it.
// Only pages below the high-water mark count: bbolt grows a file ahead of its data,
// and that room is used again as soon as the store writes.
func (s *Store) compactIfFree(path string, share float64, o *bbolt.Options) error {
	if share <= 0 {
		return nil
	}
	var size int64
	if err := s.db.View(func(tx *bbolt.Tx) error { size = tx.Size(); return nil }); err != nil {
		return err
	}
	st := s.db.Stats()
	pages := size / int64(s.db.Info().PageSize)
	if size < compactMinSize || float64(st.FreePageN+st.PendingPageN) < share*float64(pages) {
		return nil
	}
	return s.compact(path, o)
}

// compact copies the store's file into path+".compact", cut to its high-water mark
// and synced, renames the copy over path and syncs the folder, then reopens the
// store on it with o. The store must have nothing else running. Until the rename the
// original is untouched; a crash before it leaves a stale copy, which Open deletes.
func (s *Store) compact(path string, o *bbolt.Options) error {
	tmp := path + compactSuffix
	if err := copyCompacted(s.db, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return err
	}
	// The old file is unlinked; closing it lets go of its lock only now, after
	// the rename, so a process waiting for it finds the file replaced (openFile).
	old := s.db
	if err := old.Close(); err != nil {
		return err
	}
	db, err := openFile(path, o)
	if err != nil {
		return fmt.Errorf("reopen after compaction: %w", err)
	}
	db.MaxBatchDelay, db.MaxBatchSize, db.AllocSize, db.NoSync = old.MaxBatchDelay, old.MaxBatchSize, old.AllocSize, old.NoSync
	s.db = db
	return nil
}

// copyCompacted writes a compacted copy of src to the file dst.
func copyCompacted(src *bbolt.DB, dst string) error {
	if err := os.Remove(dst); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	// Unsynced commits: the copy is synced once, whole, before it replaces anything.
	db, err := bbolt.Open(dst, 0o600, &bbolt.Options{Timeout: compactLockWait, NoSync: true})
	if err != nil {
		return err
	}
	err = copyInto(db, src, compactTxMax)
	var size int64
	if err == nil {
		err = db.View(func(tx *bbolt.Tx) error { size = tx.Size(); return nil })
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// bbolt grows its file ahead of its data; the copy needs its pages only.
	f, err := os.OpenFile(dst, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Truncate(size)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// removeStaleCopy deletes a compacted copy that a crash left behind: it holds a
// whole copy of the store, erased leads included. The caller holds the file's lock,
// so no compaction is under way.
func removeStaleCopy(path string) error {
	if err := os.Remove(path + compactSuffix); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// copyInto copies every bucket of src into dst, as bbolt.Compact does, with each
// page filled, committing every txMax bytes; and compresses the JSON records of
// every bucket but the change feed (codec.go). Compressing them there, not as they
// are written, keeps it off the captures' path: a capture answers as fast as it
// did, and the file a compaction leaves holds each lead in about 2 KB.
func copyInto(dst, src *bbolt.DB, txMax int64) error {
	tx, err := dst.Begin(true)
	if err != nil {
		return err
	}
	defer func() { tx.Rollback() }()
	var size int64
	var copyBucket func(from *bbolt.Bucket, to func() (*bbolt.Bucket, error), compress bool) error
	copyBucket = func(from *bbolt.Bucket, to func() (*bbolt.Bucket, error), compress bool) error {
		return from.ForEach(func(k, v []byte) error {
			if compress && len(v) > 0 && v[0] == '{' {
				v = encodeValue(v)
			}
			if size += int64(len(k) + len(v)); size > txMax {
				if err := tx.Commit(); err != nil {
					return err
				}
				if tx, err = dst.Begin(true); err != nil {
					return err
				}
				size = 0
			}
			b, err := to()
			if err != nil {
				return err
			}
			b.FillPercent = 1
			if v != nil {
				return b.Put(k, v)
			}
			inner := from.Bucket(k)
			created, err := b.CreateBucket(k)
			if err != nil {
				return err
			}
			if err := created.SetSequence(inner.Sequence()); err != nil {
				return err
			}
			return copyBucket(inner, func() (*bbolt.Bucket, error) {
				parent, err := to()
				if err != nil {
					return nil, err
				}
				return parent.Bucket(k), nil
			}, compress)
		})
	}
	err = src.View(func(stx *bbolt.Tx) error {
		return stx.ForEach(func(name []byte, from *bbolt.Bucket) error {
			name = bytes.Clone(name)
			b, err := tx.CreateBucket(name)
			if err != nil {
				return err
			}
			if err := b.SetSequence(from.Sequence()); err != nil {
				return err
			}
			// The bucket as seen by the transaction under way, which commits
			// change.
			to := func() (*bbolt.Bucket, error) { return tx.Bucket(name), nil }
			return copyBucket(from, to, !bytes.Equal(name, bucketChanges))
		})
	})
	if err != nil {
		return err
	}
	return tx.Commit()
}
