package outbox_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"leadgate/shared/golden"
	"leadgate/shared/leadgate"
	"leadgate/shared/outbox"
)

// The golden files under testdata/golden/ are the outbox's pages as they are
// rendered now: the list (empty and not), each kind of message page, and the page
// for an unknown message. A change to how the pages are rendered must leave them as
// they are, or change them on purpose (go test -update).
//
// Messages are dated by a fixed clock. Their ids and MIME boundaries are random:
// each is replaced by a fixed one of the same shape before the comparison.

var goldenMessages = []struct {
	name string
	msg  leadgate.Message
}{
	{"delivery", leadgate.Message{
		From: "The Leadgate team <hello@example.com>", To: "ada@example.com", ReplyTo: "sales@example.com",
		Subject: "Your copy of The Lead Magnet Playbook",
		Text:    "Hi Ada,\n\nYour ebook is ready:\n\nhttps://api.example.com/v1/downloads/Zx3vQm8LrT2nWc5yKp7dHs4fJb9gNa6E\n\nThe Leadgate team\n",
		HTML: "<!doctype html>\n<html lang=\"en\"><body>\n<p>Hi Ada,</p>\n" +
			"<p><a href=\"https://api.example.com/v1/downloads/Zx3vQm8LrT2nWc5yKp7dHs4fJb9gNa6E?a=1&amp;b=2\">Download the playbook</a></p>\n</body></html>\n",
		Headers: []leadgate.Header{
			{Name: "List-Unsubscribe", Value: "<https://api.example.com/v1/unsubscribe/Mn4bVc7xZa2sDf9gHj5kLq8wEr3tYu6I>"},
			{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
		},
		Tags: map[string]string{"kind": "delivery", "page": "lead-gen-playbook"},
	}},
	// Every part tries to break out of the page; the names are not ASCII.
	{"hostile", leadgate.Message{
		From: "Équipe Leadgate <equipe@example.com>", To: "Zoë Ünal <zoe@example.com>",
		Subject: `<script>alert("subject")</script> & « more » ✓`,
		Text:    "</pre><script>alert('text')</script>\r\nSecond line & <b>more</b>\r\n",
		HTML:    `<p title="x">Hi</p>"></iframe><script>alert('html')</script><img src=x onerror="alert('img')"><a href="https://example.com/?a=1&amp;b='2'">link</a>`,
	}},
	{"text-only", leadgate.Message{
		From: "hello@example.com", To: "bob@example.com", Subject: "Confirm your address",
		Text: "Hi Bob,\n\nConfirm here: https://api.example.com/v1/confirm/Qw8eRt5yUi2oPa7sDf4gHj9kLz3xCv6B\n",
	}},
	{"html-only", leadgate.Message{
		From: "hello@example.com", To: "cleo@example.com", Subject: "More on the playbook",
		HTML: "<p>Hi Cleo,</p>\n<p>We hope the playbook has been useful.</p>\n",
	}},
}

// boundary matches a multipart boundary as a page shows it.
var boundary = regexp.MustCompile(`(boundary=(?:&#34;)?)[0-9a-f]{60}`)

// noSubject is a message file without a Subject header, which Send never writes but
// another program may leave in the folder.
const (
	noSubjectID   = "0000000000000000000000000000000f"
	noSubjectFile = "20260302T080000.000000000Z-" + noSubjectID + ".eml"
	noSubjectMIME = "Date: Mon, 02 Mar 2026 08:00:00 +0000\r\nMessage-ID: <" + noSubjectID + "@example.com>\r\n" +
		"MIME-Version: 1.0\r\nFrom: hello@example.com\r\nTo: dan@example.com\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nA message without a subject.\r\n"
)

func TestGoldenPages(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 3, 2, 9, 15, 30, 0, time.UTC)
	o, err := outbox.New(dir, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	page := func(t *testing.T, path string, status int) string {
		t.Helper()
		w := httptest.NewRecorder()
		o.Handler().ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != status {
			t.Fatalf("GET %s: %d, want %d: %s", path, w.Code, status, w.Body)
		}
		return w.Body.String()
	}

	t.Run("empty list", func(t *testing.T) {
		golden.Check(t, "list-empty.html", []byte(page(t, outbox.Prefix, 200)))
	})

	var pairs []string
	sent := map[string]string{}
	for i, m := range goldenMessages {
		id, err := o.Send(context.Background(), m.msg)
		if err != nil {
			t.Fatalf("Send(%s): %v", m.name, err)
		}
		sent[m.name] = id
		pairs = append(pairs, id, strings.Repeat("0", 31)+string("123456789abcdef"[i]))
		at = at.Add(90 * time.Second)
	}
	// fixed turns each random id into one of the same shape (000…1, 000…2, and so
	// on) and each boundary into zeros.
	ids := strings.NewReplacer(pairs...)
	fixed := func(page string) string {
		return boundary.ReplaceAllString(ids.Replace(page), "${1}"+strings.Repeat("0", 60))
	}
	if err := os.WriteFile(filepath.Join(dir, noSubjectFile), []byte(noSubjectMIME), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("list", func(t *testing.T) {
		golden.Check(t, "list.html", []byte(fixed(page(t, outbox.Prefix, 200))))
	})
	for _, m := range goldenMessages {
		t.Run("message "+m.name, func(t *testing.T) {
			golden.Check(t, "message-"+m.name+".html", []byte(fixed(page(t, outbox.Prefix+sent[m.name], 200))))
		})
	}
	t.Run("message without a subject", func(t *testing.T) {
		golden.Check(t, "message-no-subject.html", []byte(page(t, outbox.Prefix+noSubjectID, 200)))
	})
	t.Run("unknown message", func(t *testing.T) {
		golden.Check(t, "notfound.html", []byte(page(t, outbox.Prefix+strings.Repeat("a", 32), 404)))
	})
}

// TestGoldenCoversEveryTemplate guards the goldens' purpose: every template file
// renders into at least one of them.
func TestGoldenCoversEveryTemplate(t *testing.T) {
	// A mark of each template that a page rendered from it carries.
	marks := map[string]string{
		"layout.html":   "— Leadgate local</title>",
		"list.html":     "<h1>Outbox</h1>",
		"message.html":  `<h2 id="headers">Headers</h2>`,
		"notfound.html": "<h1>No such message</h1>",
	}
	checkMarks(t, marks)
}

func checkMarks(t *testing.T, marks map[string]string) {
	t.Helper()
	templates, err := filepath.Glob(filepath.Join("templates", "*.html"))
	if err != nil || len(templates) == 0 {
		t.Fatalf("no templates (%v)", err)
	}
	pages, err := filepath.Glob(filepath.Join(golden.Dir, "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tmpl := range templates {
		name := filepath.Base(tmpl)
		mark, ok := marks[name]
		if !ok {
			t.Errorf("templates/%s has no golden page: add a case that renders it, and its mark here", name)
			continue
		}
		found := false
		for _, p := range pages {
			if data, err := os.ReadFile(p); err == nil && strings.Contains(string(data), mark) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no golden page carries %q, the mark of templates/%s", mark, name)
		}
	}
}
