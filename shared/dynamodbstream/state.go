package dynamodbstream

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// State keeps what a poller must not forget across restarts: its position in each
// shard, and the records it set aside. Positions are sequence numbers of the last
// record handled, by shard id; the poller resumes AFTER_SEQUENCE_NUMBER of each.
type State interface {
	Positions(stream string) (map[string]string, error)
	// SavePositions replaces the stream's positions; it returns once they are durable.
	SavePositions(stream string, positions map[string]string) error
	// SetAside keeps a record the poller gives up on; it returns once it is durable.
	SetAside(DeadLetter) error
}

// DeadLetter is a record set aside after its retries, with enough to replay it: the
// record in Lambda's event shape (Event, ready for the stream handler or
// `sam local invoke FollowupFunction -e`), or, for a record the SDK could not read,
// its position, to read it again while the stream still holds it (24 hours).
type DeadLetter struct {
	At             time.Time `json:"at"`
	Stream         string    `json:"stream"`
	Shard          string    `json:"shard"`
	SequenceNumber string    `json:"sequence_number"`
	EventID        string    `json:"event_id"`
	EventName      string    `json:"event_name"`
	Deliveries     int       `json:"deliveries"`
	// Error is the last failure; it stays in this file and is never logged.
	Error string                `json:"error"`
	Event *events.DynamoDBEvent `json:"event,omitempty"`
}

// File names in a FileState's folder.
const (
	PositionsFile = "positions.json"
	SetAsideFile  = "set-aside.jsonl"
	lockFile      = "lock"
)

// FileState is a State in a folder of its own: positions.json, replaced atomically
// (written to a temporary file, synced, renamed, the folder synced) on every save,
// and set-aside.jsonl, one DeadLetter a line, appended and synced. The files are
// readable by their owner only, since set-aside records hold personal data.
//
// One poller at a time: OpenFileState locks the folder (where the system has file
// locks), and a second one fails rather than interleave its positions.
type FileState struct {
	dir    string
	unlock func() error

	mu  sync.Mutex
	all map[string]map[string]string // stream ARN → shard id → sequence number
}

var _ State = (*FileState)(nil)

// OpenFileState opens (creating it) the state folder dir and locks it.
func OpenFileState(dir string) (*FileState, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("stream state: %w", err)
	}
	unlock, err := lockDir(filepath.Join(dir, lockFile))
	if err != nil {
		return nil, fmt.Errorf("stream state %s: %w", dir, err)
	}
	s := &FileState{dir: dir, unlock: unlock, all: map[string]map[string]string{}}
	data, err := os.ReadFile(filepath.Join(dir, PositionsFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		unlock()
		return nil, fmt.Errorf("stream state: %w", err)
	default:
		if err := json.Unmarshal(data, &s.all); err != nil {
			unlock()
			return nil, fmt.Errorf("stream state %s: %w", filepath.Join(dir, PositionsFile), err)
		}
	}
	return s, nil
}

// Close releases the folder's lock.
func (s *FileState) Close() error { return s.unlock() }

// Positions returns a copy of the stream's saved positions.
func (s *FileState) Positions(stream string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.all[stream]))
	for k, v := range s.all[stream] {
		out[k] = v
	}
	return out, nil
}

// SavePositions replaces the stream's positions and writes the file durably.
func (s *FileState) SavePositions(stream string, positions map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	copied := make(map[string]string, len(positions))
	for k, v := range positions {
		copied[k] = v
	}
	s.all[stream] = copied
	data, err := json.MarshalIndent(s.all, "", "  ")
	if err != nil {
		return fmt.Errorf("stream state: %w", err)
	}
	return writeFileSynced(filepath.Join(s.dir, PositionsFile), data)
}

// SetAside appends d to set-aside.jsonl and syncs it.
func (s *FileState) SetAside(d DeadLetter) error {
	line, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("set aside: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.OpenFile(filepath.Join(s.dir, SetAsideFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("set aside: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("set aside: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("set aside: %w", err)
	}
	return f.Close()
}

// SetAsideRecords returns the records set aside, oldest first.
func (s *FileState) SetAsideRecords() ([]DeadLetter, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ReadSetAside(s.dir)
}

// ReplaceSetAside replaces the set-aside records with keep, atomically: after a
// replay, the records that still fail.
func (s *FileState) ReplaceSetAside(keep []DeadLetter) error {
	var data []byte
	for _, d := range keep {
		line, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("set aside: %w", err)
		}
		data = append(append(data, line...), '\n')
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return writeFileSynced(filepath.Join(s.dir, SetAsideFile), data)
}

// ReadSetAside returns the records set aside in the state folder dir, oldest first.
func ReadSetAside(dir string) ([]DeadLetter, error) {
	f, err := os.Open(filepath.Join(dir, SetAsideFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []DeadLetter
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20) // a record is at most 400 KB, twice
	for sc.Scan() {
		var d DeadLetter
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			return out, fmt.Errorf("%s: %w", f.Name(), err)
		}
		out = append(out, d)
	}
	return out, sc.Err()
}

// writeFileSynced replaces path with data so that a crash leaves the old file or the
// new one, never a part: a synced temporary file renamed over it, the folder synced.
func writeFileSynced(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
