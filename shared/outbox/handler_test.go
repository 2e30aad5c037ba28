package outbox_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/mailtest"
	"leadgate/shared/outbox"
)

// server serves an outbox at its Prefix on 127.0.0.1, as the dev server mounts it.
func server(t *testing.T, o *outbox.Outbox) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(outbox.Prefix, o.Handler())
	srv := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

type response struct {
	status int
	header http.Header
	body   string
}

func fetch(t *testing.T, method, url string) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

// hostile is a message whose every field tries to break out of the page.
func hostile() leadgate.Message {
	m := mailtest.FullMessage()
	m.Subject = `<script>alert("subject")</script> & more`
	m.Text = "</pre><script>alert('text')</script>\r\n"
	m.HTML = `<p title="x">Hi</p>"></iframe><script>alert('html')</script><img src=x onerror="alert('img')">`
	return m
}

func checkPage(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'none'") {
		t.Errorf("Content-Security-Policy %q does not forbid scripts", csp)
	}
	if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v, want nosniff and no-store", r.header)
	}
	if strings.Contains(r.body, "<script") {
		t.Errorf("the page has a script element:\n%s", r.body)
	}
}

func TestListPage(t *testing.T) {
	c := newClock()
	o := mustNew(t, t.TempDir(), c)
	srv := server(t, o)

	empty := fetch(t, http.MethodGet, srv.URL+outbox.Prefix)
	checkPage(t, empty, http.StatusOK)
	if !strings.Contains(empty.body, "No messages yet.") {
		t.Errorf("the empty outbox does not say so:\n%s", empty.body)
	}

	older := mailtest.MustSend(t, o, mailtest.FullMessage())
	c.Advance(time.Minute)
	newer := mailtest.MustSend(t, o, hostile())
	r := fetch(t, http.MethodGet, srv.URL+outbox.Prefix)
	checkPage(t, r, http.StatusOK)
	iNewer := strings.Index(r.body, `href="`+outbox.Prefix+newer+`"`)
	iOlder := strings.Index(r.body, `href="`+outbox.Prefix+older+`"`)
	if iNewer < 0 || iOlder < 0 || iNewer > iOlder {
		t.Errorf("links at %d (newer) and %d (older), want both, newest first:\n%s", iNewer, iOlder, r.body)
	}
	for _, want := range []string{
		html.EscapeString(mailtest.Subject),
		"Équipe Leadgate &lt;hello@example.com&gt;",
		`&lt;script&gt;alert(&#34;subject&#34;)&lt;/script&gt; &amp; more`,
		`<th scope="col">Subject</th>`,
		"<caption>2 messages, newest first</caption>",
		`<time datetime="2026-03-02T09:31:00.000Z">2026-03-02 09:31:00</time>`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the list does not show %q:\n%s", want, r.body)
		}
	}
}

// srcdoc returns the decoded srcdoc attribute of the page's iframe element, and
// the element's start tag.
func srcdoc(t *testing.T, page string) (string, string) {
	t.Helper()
	start := strings.Index(page, "<iframe ")
	if start < 0 {
		t.Fatalf("no iframe:\n%s", page)
	}
	// Quotes inside the attribute are escaped, so the first one ends it.
	_, after, ok := strings.Cut(page[start:], `srcdoc="`)
	value, _, closed := strings.Cut(after, `"`)
	if !ok || !closed {
		t.Fatalf("no quoted srcdoc attribute:\n%s", page[start:])
	}
	end := strings.Index(page[start:], ">")
	tag := page[start : start+end+1]
	if strings.ContainsAny(value, "<>") {
		t.Errorf("srcdoc holds raw angle brackets: %q", value)
	}
	return html.UnescapeString(value), tag
}

func TestMessagePage(t *testing.T) {
	o := mustNew(t, t.TempDir(), newClock())
	srv := server(t, o)
	id := mailtest.MustSend(t, o, mailtest.FullMessage())
	r := fetch(t, http.MethodGet, srv.URL+outbox.Prefix+id)
	checkPage(t, r, http.StatusOK)
	for _, want := range []string{
		html.EscapeString(mailtest.Subject),
		`<th scope="row">List-Unsubscribe</th><td>&lt;https://api.example.com/v1/unsubscribe/TOKEN&gt;</td>`,
		`<th scope="row">List-Unsubscribe-Post</th><td>List-Unsubscribe=One-Click</td>`,
		`<th scope="row">X-Leadgate-Tag-kind</th><td>delivery</td>`,
		`<th scope="row">Subject</th><td>` + html.EscapeString(mailtest.Subject) + `</td>`,
		`<th scope="row">From</th><td>Équipe Leadgate &lt;hello@example.com&gt;</td>`,
		`<th scope="row">Content-Type</th><td>multipart/alternative; boundary=`,
		"<pre>" + html.EscapeString(mailtest.Text) + "</pre>",
		`href="` + outbox.Prefix + id + `.eml"`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the page does not show %q", want)
		}
	}
	doc, tag := srcdoc(t, r.body)
	if doc != `<base target="_blank">`+mailtest.HTML {
		t.Errorf("srcdoc decodes to\n%q\nwant the HTML part after a base element", doc)
	}
	if !strings.Contains(tag, ` sandbox="`) || strings.Contains(tag, "allow-scripts") || strings.Contains(tag, "allow-same-origin") {
		t.Errorf("iframe %s: want a sandbox without scripts or same origin", tag)
	}
}

// TestMessagePageEscapes checks that no part of a hostile message runs or breaks
// out of its place: the HTML part only as the sandboxed frame's document.
func TestMessagePageEscapes(t *testing.T) {
	o := mustNew(t, t.TempDir(), newClock())
	srv := server(t, o)
	m := hostile()
	id := mailtest.MustSend(t, o, m)
	r := fetch(t, http.MethodGet, srv.URL+outbox.Prefix+id)
	checkPage(t, r, http.StatusOK)
	if strings.Count(r.body, "<iframe") != 1 || strings.Count(r.body, "</iframe>") != 1 {
		t.Errorf("the HTML part broke out of its frame:\n%s", r.body)
	}
	if strings.Contains(r.body, "</pre><script") || !strings.Contains(r.body, "&lt;/pre&gt;&lt;script&gt;") {
		t.Errorf("the text part is not escaped:\n%s", r.body)
	}
	if doc, _ := srcdoc(t, r.body); doc != `<base target="_blank">`+m.HTML {
		t.Errorf("srcdoc decodes to %q, want the HTML part as sent", doc)
	}
}

func TestRawMessage(t *testing.T) {
	o := mustNew(t, t.TempDir(), newClock())
	srv := server(t, o)
	id := mailtest.MustSend(t, o, mailtest.FullMessage())
	r := fetch(t, http.MethodGet, srv.URL+outbox.Prefix+id+".eml")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "message/rfc822" {
		t.Fatalf("status %d type %q, want 200 message/rfc822", r.status, r.header.Get("Content-Type"))
	}
	if r.body != string(mustGet(t, o, id).Raw) {
		t.Errorf("the raw message differs from the file")
	}
	if d := r.header.Get("Content-Disposition"); !strings.HasPrefix(d, `attachment; filename="20260302T093000.000000000Z-`+id+`.eml"`) {
		t.Errorf("Content-Disposition %q", d)
	}
	mailtest.Parse(t, []byte(r.body))
	head := fetch(t, http.MethodHead, srv.URL+outbox.Prefix+id+".eml")
	if head.status != http.StatusOK || head.body != "" {
		t.Errorf("HEAD: status %d with %d bytes of body, want 200 and none", head.status, len(head.body))
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	o := mustNew(t, t.TempDir(), newClock())
	srv := server(t, o)
	id := mailtest.MustSend(t, o, mailtest.FullMessage())
	for _, path := range []string{
		outbox.Prefix + strings.Repeat("0", 32),
		outbox.Prefix + strings.Repeat("0", 32) + ".eml",
		outbox.Prefix + "nope",
		outbox.Prefix + id + "/",
		outbox.Prefix + id + ".eml.eml",
		outbox.Prefix + "..%2F..%2Fetc%2Fpasswd",
		outbox.Prefix + "%2e%2e%2f" + id,
	} {
		r := fetch(t, http.MethodGet, srv.URL+path)
		checkPage(t, r, http.StatusNotFound)
	}
	// Paths outside the prefix, as a handler mounted elsewhere would see them.
	rec := httptest.NewRecorder()
	o.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/elsewhere/"+id, nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("a path outside %s: status %d, want 404", outbox.Prefix, rec.Code)
	}
	for _, method := range []string{http.MethodPost, http.MethodDelete, http.MethodPut} {
		r := fetch(t, method, srv.URL+outbox.Prefix+id)
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: status %d Allow %q, want 405 GET, HEAD", method, r.status, r.header.Get("Allow"))
		}
	}
}
