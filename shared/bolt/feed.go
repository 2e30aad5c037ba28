package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

// appendChanges adds changes to the feed inside the writing transaction, so a change
// is in the feed exactly when the write it describes is in the store.
func appendChanges(tx *bbolt.Tx, changes ...leadgate.Change) error {
	b := changesBucket(tx)
	for _, ch := range changes {
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		ch.Seq, ch.ID = seq, strconv.FormatUint(seq, 10)
		if err := putJSON(b, seqKey(seq), ch); err != nil {
			return err
		}
	}
	return nil
}

// encodedChange is a change whose lead and submission images are encoded already,
// as a capture has them from writing its own records.
type encodedChange struct {
	kind                      leadgate.ChangeKind
	at                        time.Time
	lead, oldLead, submission []byte // JSON; nil: none
	// pending is the JSON of the writes the store makes from the feed
	// (pendingWrites, leadlist.go): the last member, pendingMember, which
	// leadgate.Change does not have, so subscribers never see it.
	pending []byte
}

// pendingMember starts the member of a stored change that holds its pending writes.
var pendingMember = []byte(`,"leadgate_pending":`)

// pendingStart is pendingMember and the start of its object (pendingWrites's first
// field): a page's field of that name is a string in an image, never an object
// (its quotes are escaped), so only the member the store wrote matches it.
var pendingStart = []byte(`,"leadgate_pending":{"index_key":`)

// The members of a stored change that an encoded change's header (id, seq, kind,
// at) cannot hold: the first match in a change is the member itself.
var (
	kindMember       = []byte(`,"kind":"`)
	leadMember       = []byte(`,"lead":`)
	submissionMember = []byte(`,"submission":`)
)

// changeKindIs reports whether the stored change v is of that kind.
func changeKindIs(v []byte, kind leadgate.ChangeKind) bool {
	i := bytes.Index(v, kindMember)
	if i < 0 {
		return false
	}
	rest := v[i+len(kindMember):]
	return len(rest) > len(kind) && string(rest[:len(kind)]) == string(kind) && rest[len(kind)] == '"'
}

// imageAfter returns what follows member in the stored change v: its image, and
// whatever the change holds after it.
func imageAfter(v, member []byte) ([]byte, bool) {
	i := bytes.Index(v, member)
	if i < 0 {
		return nil, false
	}
	return v[i+len(member):], true
}

// appendEncodedChanges adds changes as appendChanges does, without encoding their
// images again.
func appendEncodedChanges(tx *bbolt.Tx, changes ...encodedChange) error {
	b := changesBucket(tx)
	for _, ch := range changes {
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		data, err := ch.encode(seq)
		if err != nil {
			return err
		}
		if err := b.Put(seqKey(seq), data); err != nil {
			return err
		}
	}
	return nil
}

// encode returns what json.Marshal gives for the leadgate.Change with sequence number
// seq, built around the images' encodings, and the pending writes if any. Change kinds are plain lowercase words,
// which need no escaping.
func (ch encodedChange) encode(seq uint64) ([]byte, error) {
	buf := make([]byte, 0, 128+len(ch.lead)+len(ch.oldLead)+len(ch.submission)+len(ch.pending))
	buf = append(buf, `{"id":"`...)
	buf = strconv.AppendUint(buf, seq, 10)
	buf = append(buf, `","seq":`...)
	buf = strconv.AppendUint(buf, seq, 10)
	buf = append(buf, `,"kind":"`...)
	buf = append(buf, ch.kind...)
	buf, err := appendTime(append(buf, `","at":`...), ch.at)
	if err != nil {
		return nil, err
	}
	for _, image := range [...]struct {
		member string
		json   []byte
	}{{`,"lead":`, ch.lead}, {`,"old_lead":`, ch.oldLead}, {`,"submission":`, ch.submission}, {string(pendingMember), ch.pending}} {
		if image.json != nil {
			buf = append(append(buf, image.member...), image.json...)
		}
	}
	return append(buf, '}'), nil
}

// changesBucket returns the feed's bucket set to fill its pages (growingBucket).
func changesBucket(tx *bbolt.Tx) *bbolt.Bucket { return growingBucket(tx, bucketChanges) }

// growingBucket returns the bucket name of tx set to fill its pages, for a writer
// whose keys there only ever grow (sequence numbers, creation times): a split that
// leaves the old page half empty, as the default does for random keys, would only
// make each commit write more pages.
func growingBucket(tx *bbolt.Tx, name []byte) *bbolt.Bucket {
	b := tx.Bucket(name)
	b.FillPercent = 1
	return b
}

func (s *Store) notify() {
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

func (s *Store) waitChannel() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// Changes returns up to limit changes after sequence number after, oldest first.
func (s *Store) Changes(after uint64, limit int) ([]leadgate.Change, error) {
	var out []leadgate.Change
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketChanges).Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			var ch leadgate.Change
			if err := decode(v, &ch); err != nil {
				return fmt.Errorf("change %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, ch)
		}
		return nil
	})
	if err != nil {
		return nil, leadgate.Internal("read changes", err)
	}
	return out, nil
}

// Follow hands every change after the subscriber's saved position to handle, in
// order, then waits for more until ctx ends: FollowBatches, one change at a time. An
// error from handle stops Follow and leaves the failed change to be handed again next
// time.
func (s *Store) Follow(ctx context.Context, subscriber string, handle func(context.Context, leadgate.Change) error) error {
	return s.FollowBatches(ctx, subscriber, FollowOptions{}, func(ctx context.Context, batch []leadgate.Change) (int, error) {
		for i, ch := range batch {
			if err := handle(ctx, ch); err != nil {
				return i, err
			}
		}
		return len(batch), nil
	})
}

// FollowOptions shape the batches FollowBatches hands on.
type FollowOptions struct {
	// BatchSize is the most changes handed on at once; 0: DefaultFollowBatchSize.
	BatchSize int
	// Linger is how long a batch smaller than BatchSize waits for more changes
	// before it is handed on: the longer, the fewer commits a subscriber that
	// batches its writes makes for the same changes, and the later it reacts.
	Linger time.Duration
}

// DefaultFollowBatchSize is the most changes FollowBatches hands on at once unless
// told otherwise.
const DefaultFollowBatchSize = 100

// FollowBatches hands the changes after the subscriber's saved position to handle a
// batch at a time (opts), oldest first, then waits for more until ctx ends. handle
// returns how many changes of its batch, from the first, it handled: all of them,
// unless it also returns an error. It may handle them concurrently, as long as the
// count it returns has every change before it handled.
//
// The position is saved once per batch, after the changes handled: one commit for a
// batch instead of one per change. A restarted subscriber resumes there, and a crash
// hands the unsaved batch again: delivery is at least once, as on a DynamoDB stream,
// and every reaction is idempotent. An error from handle stops FollowBatches, and
// the failed change is handed again next time.
func (s *Store) FollowBatches(ctx context.Context, subscriber string, opts FollowOptions, handle func(context.Context, []leadgate.Change) (int, error)) error {
	size := opts.BatchSize
	if size <= 0 {
		size = DefaultFollowBatchSize
	}
	pos, err := s.cursor(subscriber)
	if err != nil {
		return err
	}
	for {
		wake := s.waitChannel()
		batch, err := s.Changes(pos, size)
		if err == nil && len(batch) > 0 && len(batch) < size && opts.Linger > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(opts.Linger):
			}
			batch, err = s.Changes(pos, size)
		}
		if err != nil {
			return err
		}
		if len(batch) > 0 {
			done, err := handle(ctx, batch)
			done = min(max(done, 0), len(batch))
			switch {
			case err == nil && done < len(batch):
				err = errors.New("handled only part of a batch")
			case err != nil && done == len(batch):
				done-- // the failure is the last change's
			}
			if done > 0 {
				pos = batch[done-1].Seq
				if serr := s.setCursor(subscriber, pos); serr != nil {
					return errors.Join(err, serr)
				}
			}
			if err != nil {
				return fmt.Errorf("subscriber %s, change %d: %w", subscriber, batch[done].Seq, err)
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		}
	}
}

func (s *Store) cursor(subscriber string) (uint64, error) {
	var pos uint64
	err := s.db.View(func(tx *bbolt.Tx) error {
		if raw := tx.Bucket(bucketCursors).Get([]byte(subscriber)); raw != nil {
			pos = binary.BigEndian.Uint64(raw)
		}
		return nil
	})
	if err != nil {
		return 0, leadgate.Internal("read feed position", err)
	}
	return pos, nil
}

func (s *Store) setCursor(subscriber string, pos uint64) error {
	err := s.update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketCursors).Put([]byte(subscriber), seqKey(pos))
	})
	if err != nil {
		return leadgate.Internal("save feed position", err)
	}
	return nil
}
