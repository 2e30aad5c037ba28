// Package outbox is the leadgate.Mailer of the local run: instead of sending, it
// keeps each message as a real RFC 5322 / MIME file (.eml) in a folder, and its
// Handler shows them on the dev server at /dev/outbox/, so that a newcomer can read
// the delivery email, and follow its links, without an AWS account. It passes the
// same conformance suite as the SES mailer.
package outbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"leadgate/shared/leadgate"
)

// Prefix is the path the Handler is mounted at.
const Prefix = "/dev/outbox/"

// stampLayout names a file by the time it was sent, to the nanosecond and of fixed
// width, so that file names sort by time.
const stampLayout = "20060102T150405.000000000Z"

var (
	idPattern   = regexp.MustCompile(`^[0-9a-f]{32}$`)
	filePattern = regexp.MustCompile(`^([0-9]{8}T[0-9]{6}\.[0-9]{9}Z)-([0-9a-f]{32})\.eml$`)
)

// A message is written to a temporary file named tempPrefix…tempSuffix, then renamed
// into place. One that is still there is a send that did not finish: never shown,
// never delivered.
const (
	tempPrefix = ".tmp-"
	tempSuffix = ".eml"
)

// afterTempWrite, when set (by tests only), runs once a message's temporary file is
// written and synced, just before it is renamed into place: where a crash leaves one.
var afterTempWrite func()

// Outbox is a leadgate.Mailer that keeps messages in a folder.
type Outbox struct {
	dir string
	now func() time.Time

	mu   sync.Mutex
	last time.Time // the newest stamp handed out

	// writing is held shared by each Send while it writes its file, and exclusively
	// by EraseAddress, so that an erasure never misses a message being written.
	writing sync.RWMutex
}

var _ leadgate.Mailer = (*Outbox)(nil)

// New returns an outbox keeping its messages under dir (created if missing, readable
// by the owner only: the messages hold leads' addresses). now is the clock messages
// are dated by; nil means time.Now.
//
// New removes the temporary files a crash left in dir: each is a message that was
// never delivered, whose send was not recorded as done, so the follow-up service
// sends it again; left there, it would keep a lead's address that an erasure of the
// lead is expected to remove. One process owns the folder (the local run's data
// folder); were another one writing into it, its send would fail and be retried.
func New(dir string, now func() time.Time) (*Outbox, error) {
	if now == nil {
		now = time.Now
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("outbox: folder %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("outbox: create folder: %w", err)
	}
	temps, err := tempNames(abs)
	if err != nil {
		return nil, fmt.Errorf("outbox: read folder: %w", err)
	}
	for _, name := range temps {
		if err := os.Remove(filepath.Join(abs, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("outbox: remove unfinished message %s: %w", name, err)
		}
	}
	if len(temps) > 0 {
		slog.Warn("outbox: removed unfinished messages left by a crash; they will be sent again", "count", len(temps), "folder", abs)
	}
	return &Outbox{dir: abs, now: now}, nil
}

// tempNames returns the names of the temporary files in dir.
func tempNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, tempPrefix) && strings.HasSuffix(n, tempSuffix) {
			names = append(names, n)
		}
	}
	return names, nil
}

// Dir returns the folder the messages are kept in.
func (o *Outbox) Dir() string { return o.dir }

// stamp returns the time to file the next message under: now, or just after the
// previous message when the clock has not moved on, so that order is kept.
func (o *Outbox) stamp() time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.now().UTC()
	if !t.After(o.last) {
		t = o.last.Add(time.Nanosecond)
	}
	o.last = t
	return t
}

// Send validates m and writes it to <dir>/<time>-<id>.eml, atomically (a temporary
// file renamed into place), and returns its id.
func (o *Outbox) Send(ctx context.Context, m leadgate.Message) (string, error) {
	if err := m.Validate(); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", leadgate.Unavailable("outbox: send", err)
	}
	var random [16]byte
	_, _ = rand.Read(random[:]) // never fails (crypto/rand)
	id := hex.EncodeToString(random[:])
	at := o.stamp()
	domain := "leadgate.localhost"
	if _, d, ok := strings.Cut(mustAddress(m.From), "@"); ok {
		domain = d
	}
	raw, err := buildMIME(m, "<"+id+"@"+domain+">", at)
	if err != nil {
		return "", leadgate.Internal("outbox: build message", err)
	}
	name := at.Format(stampLayout) + "-" + id + ".eml"
	o.writing.RLock()
	defer o.writing.RUnlock()
	if err := writeAtomic(o.dir, name, raw); err != nil {
		return "", leadgate.Internal("outbox: write "+name, err)
	}
	return id, nil
}

func mustAddress(s string) string {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return ""
	}
	return a.Address
}

// writeAtomic writes data to dir/name through a temporary file in the same folder,
// so that a reader never sees half a message, and syncs the file and then the folder,
// so that a message reported sent is still there after a power cut.
func writeAtomic(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, tempPrefix+"*"+tempSuffix)
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if afterTempWrite != nil {
		afterTempWrite()
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes the renames and removals in dir durable.
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

// Summary is what the list of messages shows of one.
type Summary struct {
	ID      string
	Time    time.Time
	From    string // decoded from encoded-words, as a mail client shows it
	To      string
	Subject string
}

// HeaderField is one header of a message, in the order it came, its value unfolded
// and decoded from encoded-words.
type HeaderField struct {
	Name  string
	Value string
}

// Mail is one message: its raw MIME, and what a mail client reads from it.
type Mail struct {
	Summary
	FileName string
	Raw      []byte
	Header   []HeaderField
	Text     string // the text/plain part, transfer-decoded; "" if none
	HTML     string // the text/html part, transfer-decoded; "" if none
}

// List returns the messages, newest first. A file that does not read as a message
// is left out (and logged).
func (o *Outbox) List(ctx context.Context) ([]Summary, error) {
	names, err := o.fileNames()
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(o.dir)
	if err != nil {
		return nil, leadgate.Internal("outbox: open folder", err)
	}
	defer root.Close()
	list := make([]Summary, 0, len(names))
	for _, name := range slices.Backward(names) {
		if err := ctx.Err(); err != nil {
			return nil, leadgate.Unavailable("outbox: list", err)
		}
		m, err := readMail(root, name)
		if err != nil {
			slog.Warn("outbox: unreadable message left out", "file", name, "err", err)
			continue
		}
		list = append(list, m.Summary)
	}
	return list, nil
}

// fileNames returns the names of the message files, oldest first.
func (o *Outbox) fileNames() ([]string, error) {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return nil, leadgate.Internal("outbox: read folder", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && filePattern.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// Get returns the message Send returned id for: ENOTFOUND for an id that is not
// one, and for one that Send never returned.
func (o *Outbox) Get(ctx context.Context, id string) (Mail, error) {
	notFound := leadgate.Errorf(leadgate.ENOTFOUND, "no such message")
	// Only ids of Send's own shape are looked up: no path, no pattern.
	if !idPattern.MatchString(id) {
		return Mail{}, notFound
	}
	if err := ctx.Err(); err != nil {
		return Mail{}, leadgate.Unavailable("outbox: get", err)
	}
	names, err := o.fileNames()
	if err != nil {
		return Mail{}, err
	}
	i := slices.IndexFunc(names, func(n string) bool { return strings.HasSuffix(n, "-"+id+".eml") })
	if i < 0 {
		return Mail{}, notFound
	}
	// Through an os.Root, so that no symlink in the folder leads out of it.
	root, err := os.OpenRoot(o.dir)
	if err != nil {
		return Mail{}, leadgate.Internal("outbox: open folder", err)
	}
	defer root.Close()
	m, err := readMail(root, names[i])
	if errors.Is(err, fs.ErrNotExist) {
		return Mail{}, notFound
	}
	if err != nil {
		return Mail{}, leadgate.Internal("outbox: read message "+names[i], err)
	}
	return m, nil
}

func readMail(root *os.Root, name string) (Mail, error) {
	match := filePattern.FindStringSubmatch(name)
	if match == nil {
		return Mail{}, fs.ErrNotExist
	}
	raw, err := root.ReadFile(name)
	if err != nil {
		return Mail{}, err
	}
	at, err := time.Parse(stampLayout, match[1])
	if err != nil {
		return Mail{}, err
	}
	m, err := parseMIME(raw)
	if err != nil {
		return Mail{}, err
	}
	m.ID, m.Time, m.FileName = match[2], at, name
	return m, nil
}

// EraseAddress deletes every message that holds the address email (case aside):
// those sent to it, and any other that names it. It returns how many it deleted.
// The local run's admin API calls it when a lead is erased, for the outbox is the
// local mailbox; SES keeps no copy of what it sends.
//
// Sends wait while it runs, so a message being written is erased once it is in
// place. A temporary file still there is then one a crash (or another process) left:
// never delivered, its send to be retried, and perhaps cut short in the middle of an
// address. Every such file is removed, as New does; those naming email count as
// deleted.
func (o *Outbox) EraseAddress(ctx context.Context, email string) (int, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return 0, nil
	}
	o.writing.Lock()
	defer o.writing.Unlock()
	names, err := o.fileNames()
	if err != nil {
		return 0, err
	}
	temps, err := tempNames(o.dir)
	if err != nil {
		return 0, leadgate.Internal("outbox: read folder", err)
	}
	root, err := os.OpenRoot(o.dir)
	if err != nil {
		return 0, leadgate.Internal("outbox: open folder", err)
	}
	defer root.Close()
	deleted, removed := 0, 0
	for _, name := range append(names, temps...) {
		if err := ctx.Err(); err != nil {
			return deleted, leadgate.Unavailable("outbox: erase address", err)
		}
		temp := !filePattern.MatchString(name)
		raw, err := root.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return deleted, leadgate.Internal("outbox: read "+name, err)
		}
		holds := holdsAddress(raw, email)
		if !holds && !temp {
			continue
		}
		if err := root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return deleted, leadgate.Internal("outbox: delete "+name, err)
		}
		removed++
		if holds {
			deleted++
		}
	}
	// An erasure undone by a power cut would bring the messages back.
	if removed > 0 {
		if err := syncDir(o.dir); err != nil {
			return deleted, leadgate.Internal("outbox: sync folder", err)
		}
	}
	return deleted, nil
}

// holdsAddress reports whether a message names email: in its raw bytes, or among
// its recipients once headers are decoded.
func holdsAddress(raw []byte, email string) bool {
	if bytes.Contains(bytes.ToLower(raw), []byte(email)) {
		return true
	}
	m, err := parseMIME(raw)
	if err != nil {
		return false
	}
	for _, h := range m.Header {
		if strings.Contains(strings.ToLower(h.Value), email) {
			return true
		}
	}
	return strings.Contains(strings.ToLower(m.Text+m.HTML), email)
}
