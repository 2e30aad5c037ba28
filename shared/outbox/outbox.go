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

// Outbox is a leadgate.Mailer that keeps messages in a folder.
type Outbox struct {
	dir string
	now func() time.Time

	mu   sync.Mutex
	last time.Time // the newest stamp handed out
}

var _ leadgate.Mailer = (*Outbox)(nil)

// New returns an outbox keeping its messages under dir (created if missing, readable
// by the owner only: the messages hold leads' addresses). now is the clock messages
// are dated by; nil means time.Now.
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
	return &Outbox{dir: abs, now: now}, nil
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
// so that a reader never sees half a message.
func writeAtomic(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, ".tmp-*.eml")
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
	return os.Rename(tmp, filepath.Join(dir, name))
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
func (o *Outbox) EraseAddress(ctx context.Context, email string) (int, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return 0, nil
	}
	names, err := o.fileNames()
	if err != nil {
		return 0, err
	}
	root, err := os.OpenRoot(o.dir)
	if err != nil {
		return 0, leadgate.Internal("outbox: open folder", err)
	}
	defer root.Close()
	deleted := 0
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return deleted, leadgate.Unavailable("outbox: erase address", err)
		}
		raw, err := root.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return deleted, leadgate.Internal("outbox: read "+name, err)
		}
		if !holdsAddress(raw, email) {
			continue
		}
		if err := root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return deleted, leadgate.Internal("outbox: delete "+name, err)
		}
		deleted++
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
