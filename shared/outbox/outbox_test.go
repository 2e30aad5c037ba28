package outbox_test

import (
	"bytes"
	"context"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/mailtest"
	"leadgate/shared/outbox"
)

// clock is a fake clock that tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func mustNew(t *testing.T, dir string, c *clock) *outbox.Outbox {
	t.Helper()
	o, err := outbox.New(dir, c.Now)
	if err != nil {
		t.Fatalf("New(%s): %v", dir, err)
	}
	return o
}

func mustGet(t *testing.T, o *outbox.Outbox, id string) outbox.Mail {
	t.Helper()
	m, err := o.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%q): %v", id, err)
	}
	return m
}

// newHarness runs the suite on a clock that never moves: the outbox must keep the
// order of sends all the same.
func newHarness(t *testing.T) mailtest.Harness {
	o := mustNew(t, t.TempDir(), newClock())
	return mailtest.Harness{
		Mailer: o,
		Sent: func(t *testing.T) [][]byte {
			t.Helper()
			list, err := o.List(context.Background())
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			var sent [][]byte
			for i := len(list) - 1; i >= 0; i-- {
				sent = append(sent, mustGet(t, o, list[i].ID).Raw)
			}
			return sent
		},
		Message: func(t *testing.T, id string) []byte {
			t.Helper()
			return mustGet(t, o, id).Raw
		},
	}
}

func TestConformance(t *testing.T) {
	mailtest.RunConformanceTests(t, newHarness)
}

var fileName = regexp.MustCompile(`^20260302T093000\.000000000Z-([0-9a-f]{32})\.eml$`)

// TestFile checks the file Send writes: named by time and id, private, complete,
// 7-bit, with lines within 78 characters, its tags as X-Leadgate-Tag- headers.
func TestFile(t *testing.T) {
	dir := t.TempDir()
	o := mustNew(t, dir, newClock())
	id, err := o.Send(context.Background(), mailtest.FullMessage())
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("folder holds %d entries (a temporary file left behind?), want 1", len(entries))
	}
	name := entries[0].Name()
	if m := fileName.FindStringSubmatch(name); m == nil || m[1] != id {
		t.Fatalf("file %q, want <20260302T093000.000000000Z>-<%s>.eml", name, id)
	}
	st, err := os.Stat(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600: it holds a lead's address", st.Mode().Perm())
	}
	raw, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range raw {
		if b >= 0x80 {
			t.Fatalf("byte %d is %#x: the message must be 7-bit (encoded-words and quoted-printable)", i, b)
		}
	}
	mailtest.CheckHeaderLines(t, raw, 78)
	p := mailtest.Parse(t, raw)
	for name, want := range map[string]string{
		"Date":                  "Mon, 02 Mar 2026 09:30:00 +0000",
		"Message-Id":            "<" + id + "@example.com>",
		"X-Leadgate-Tag-kind":   "delivery",
		"X-Leadgate-Tag-page":   "spring-playbook",
		"List-Unsubscribe":      mailtest.Unsubscribe,
		"List-Unsubscribe-Post": mailtest.OneClick,
	} {
		if got := p.Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if !bytes.Contains(raw, []byte("Content-Transfer-Encoding: quoted-printable\r\n")) ||
		bytes.Contains(raw, []byte("base64")) {
		t.Errorf("parts are not quoted-printable:\n%s", raw)
	}
	if !bytes.Contains(raw, []byte("Subject: =?utf-8?b?")) || !bytes.Contains(raw, []byte("\r\n =?utf-8?b?")) {
		t.Errorf("the long non-ASCII subject is not folded encoded-words:\n%s", raw)
	}
}

// TestHeaderEncoding checks values that need encoded-words or folding: each reads
// back exactly, and every line keeps within 78 characters where a space allows.
func TestHeaderEncoding(t *testing.T) {
	o := mustNew(t, t.TempDir(), newClock())
	long := strings.Repeat("lead magnets that convert ", 12) + "end"
	for _, c := range []struct{ name, subject, from, tag string }{
		{"long ASCII subject", long, "Leadgate <hello@example.com>", "plain"},
		{"double spaces and edges", "  two  spaces  ", "hello@example.com", " padded  tag "},
		{"looks encoded", "=?utf-8?q?not_really?=", "hello@example.com", "=?x?"},
		{"long non-ASCII name", "Prêt", strings.Repeat("Équipe de l’accueil ", 8) + "<hello@example.com>", "été ✓"},
		{"ASCII specials in name", "Subject", `"Leadgate, Inc. (Sales)" <hello@example.com>`, "a:b"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := leadgate.Message{From: c.from, To: "ada@example.com", Subject: c.subject, Text: "x",
				Tags: map[string]string{"ké y": c.tag}}
			id, err := o.Send(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			raw := mustGet(t, o, id).Raw
			mailtest.CheckHeaderLines(t, raw, 78)
			p := mailtest.Parse(t, raw)
			if p.Subject != c.subject {
				t.Errorf("subject %q, want %q", p.Subject, c.subject)
			}
			got := mailtest.Address(t, p.Header, "From")
			wantAddr := mailtest.Address(t, mail.Header{"From": {c.from}}, "From")
			if got.Name != wantAddr.Name || got.Address != wantAddr.Address {
				t.Errorf("From reads %q %q, want %q %q", got.Name, got.Address, wantAddr.Name, wantAddr.Address)
			}
			// The tag's name is kept to SES's characters; its value is decoded back.
			tag, err := new(mime.WordDecoder).DecodeHeader(p.Header.Get("X-Leadgate-Tag-k__y"))
			if err != nil || tag != c.tag {
				t.Errorf("tag %q (%v), want %q", tag, err, c.tag)
			}
		})
	}
}

// TestOrderAndSummary checks that List gives the newest message first, dated by the
// clock, with its headers decoded, even when several come within one tick.
func TestOrderAndSummary(t *testing.T) {
	c := newClock()
	o := mustNew(t, t.TempDir(), c)
	ctx := context.Background()
	first, err := o.Send(ctx, leadgate.Message{From: mailtest.FromName + " <" + mailtest.FromAddress + ">", To: "ada@example.com", Subject: "Prêt ✓", Text: "1"})
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(90 * time.Second)
	second, _ := o.Send(ctx, leadgate.Message{From: "hello@example.com", To: "bob@example.com", Subject: "second", Text: "2"})
	third, _ := o.Send(ctx, leadgate.Message{From: "hello@example.com", To: "bob@example.com", Subject: "third", Text: "3"})
	list, err := o.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range list {
		ids = append(ids, s.ID)
	}
	if strings.Join(ids, ",") != strings.Join([]string{third, second, first}, ",") {
		t.Fatalf("List ids %v, want third, second, first", ids)
	}
	oldest := list[2]
	if !oldest.Time.Equal(time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("time %v, want the clock's", oldest.Time)
	}
	if oldest.From != "Équipe Leadgate <hello@example.com>" || oldest.To != "ada@example.com" || oldest.Subject != "Prêt ✓" {
		t.Errorf("summary from %q to %q subject %q", oldest.From, oldest.To, oldest.Subject)
	}
	if !list[0].Time.After(list[1].Time) {
		t.Errorf("two sends within one tick are dated %v and %v: the later must sort first", list[1].Time, list[0].Time)
	}
}

// TestGetRefusesOtherIDs checks that Get looks up nothing but Send's own ids:
// paths, file names and unknown ids are ENOTFOUND, and a link planted in the folder
// leads nowhere outside it.
func TestGetRefusesOtherIDs(t *testing.T) {
	dir := t.TempDir()
	o := mustNew(t, dir, newClock())
	id, err := o.Send(context.Background(), leadgate.Message{From: "hello@example.com", To: "ada@example.com", Subject: "s", Text: "t"})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	stored := entries[0].Name()

	secret := filepath.Join(t.TempDir(), "secret.eml")
	if err := os.WriteFile(secret, []byte("From: a@example.com\r\nSubject: secret\r\nContent-Type: text/plain\r\n\r\nsecret\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	planted := strings.Repeat("a", 32)
	if err := os.Symlink(secret, filepath.Join(dir, "20260101T000000.000000000Z-"+planted+".eml")); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		"", "..", "../" + id, id + "/..", strings.ToUpper(id), id[:31], id + "0", stored,
		strings.TrimSuffix(stored, ".eml"), "../../etc/passwd", id + "\x00", strings.Repeat("0", 32), planted,
	} {
		_, err := o.Get(context.Background(), bad)
		if leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
			t.Errorf("Get(%q): %v, want %s", bad, err, leadgate.ENOTFOUND)
		}
	}
	list, err := o.List(context.Background())
	if err != nil || len(list) != 1 || list[0].ID != id {
		t.Errorf("List: %+v %v, want only the message sent (no planted link)", list, err)
	}
}

func TestNewMakesPrivateFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "outbox")
	o, err := outbox.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v, want 0700", st.Mode().Perm())
	}
	if o.Dir() != dir {
		t.Errorf("Dir %q, want %q", o.Dir(), dir)
	}
	// nil means the real clock.
	before := time.Now().Add(-time.Second)
	id, err := o.Send(context.Background(), leadgate.Message{From: "hello@example.com", To: "ada@example.com", Subject: "s", Text: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if m := mustGet(t, o, id); m.Time.Before(before) || m.Time.After(time.Now()) {
		t.Errorf("sent at %v, want now", m.Time)
	}
}

func TestCanceledContext(t *testing.T) {
	o := mustNew(t, t.TempDir(), newClock())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := o.Send(ctx, mailtest.FullMessage())
	if leadgate.ErrorCode(err) != leadgate.EUNAVAILABLE {
		t.Errorf("Send on a canceled context: %v, want %s", err, leadgate.EUNAVAILABLE)
	}
}
