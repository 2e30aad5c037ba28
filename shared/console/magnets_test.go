package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"leadgate/shared/admin"
	"leadgate/shared/bolt"
	"leadgate/shared/console"
	"leadgate/shared/consoleauth"
	"leadgate/shared/leadgate"
	"leadgate/shared/localbucket"
	"leadgate/shared/outbox"
	"leadgate/shared/richtext"
	"leadgate/shared/signing"
)

// magnetSite is the console as the local run serves it: with the local bucket
// mounted on the same server, so an upload link is a real one.
type magnetSite struct {
	*site
	bucket *localbucket.Bucket
}

func newMagnetSite(t *testing.T) *magnetSite {
	t.Helper()
	dir := t.TempDir()
	store, err := bolt.Open(filepath.Join(dir, "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	s := &magnetSite{site: &site{store: store, clock: &clock{t: t0}}}
	if s.box, err = outbox.New(filepath.Join(dir, "outbox"), s.clock.now); err != nil {
		t.Fatal(err)
	}
	key, err := signing.NewKey([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	if s.bucket, err = localbucket.New(filepath.Join(dir, "bucket"), []byte(strings.Repeat("b", 32)), "", s.clock.now); err != nil {
		t.Fatal(err)
	}
	list, err := leadgate.ParseConsoleUsers(users)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	c, err := console.New(console.Config{
		Auth: consoleauth.New(store, key, consoleauth.DefaultConfig(list), s.clock.now), Admin: admin.New(store, s.bucket, key, s.clock.now).WithMarkdown(richtext.HTML),
		Store: store, Key: key, Mailer: s.box, BaseURL: srv.URL, From: "console@example.com",
		Now: s.clock.now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(console.Prefix, c.Handler())
	mux.Handle(localbucket.Prefix, s.bucket.Handler())
	return s
}

// answer is the upload script's view of a JSON answer.
type answer struct {
	status int
	body   struct {
		URL, Method, Message string
		ContentType          string `json:"content_type"`
		Size                 int64
		Fields               []leadgate.FieldError
	}
}

func (s *magnetSite) ask(t *testing.T, path string, form url.Values, session string) answer {
	t.Helper()
	r := s.post(t, path, form, session)
	var a answer
	a.status = r.status
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		return a // the console's HTML refusals (403 without a session or token)
	}
	if err := json.Unmarshal([]byte(r.body), &a.body); err != nil {
		t.Fatalf("%s: %v: %s", path, err, r.body)
	}
	return a
}

// putFile PUTs body to the link as a browser's XMLHttpRequest does: the signed
// Content-Type, and a Content-Length the browser sets from the body.
func (s *magnetSite) putFile(t *testing.T, link, contentType string, body []byte) int {
	t.Helper()
	u, err := url.Parse(s.url)
	if err != nil {
		t.Fatal(err)
	}
	target, err := u.Parse(link) // the local bucket's links are relative to the console's origin
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPut, target.String(), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Origin", s.url)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func magnetForm(csrf string, kv ...string) url.Values {
	f := url.Values{"csrf": {csrf}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

func TestMagnetsListAndForms(t *testing.T) {
	s := newMagnetSite(t)
	session := s.signIn(t, "ada@example.com")
	csrf := s.csrf(t, session)

	r := s.get(t, console.MagnetsPath, session)
	want(t, "empty list", r, 200, "No magnets yet", `href="/console/magnets/new">New magnet</a>`, `aria-current="page">Magnets</a>`)
	want(t, "new form", s.get(t, console.NewMagnetPath, session), 200, `<input id="id" name="id"`, `value="application/pdf"`)

	// Refused: each message beside its field, a 422, nothing stored.
	r = s.post(t, console.NewMagnetPath, magnetForm(csrf, "id", "Spring Guide", "title", "", "file_name", "a/b.pdf", "content_type", "pdf"), session)
	want(t, "invalid create", r, 422, `id="id-error"`, `id="title-error"`, `id="file_name-error"`, `id="content_type-error"`, `value="Spring Guide"`)
	if ms, _ := s.store.Magnets(context.Background()); len(ms) != 0 {
		t.Fatalf("a refused create stored %+v", ms)
	}

	good := magnetForm(csrf, "id", "spring-guide", "title", "The spring guide", "kind", "ebook", "file_name", "Spring Guide.pdf", "content_type", "application/pdf")
	wantRedirect(t, "create", s.post(t, console.NewMagnetPath, good, session), console.MagnetPath("spring-guide")+"?saved=1")
	m, err := s.store.Magnet(context.Background(), "spring-guide")
	if err != nil || m.Title != "The spring guide" || m.ObjectKey != "magnets/spring-guide.pdf" || !m.CreatedAt.Equal(t0) {
		t.Fatalf("created %+v, %v", m, err)
	}
	// The same id again is refused, not replaced; so is the id the form's path has.
	good.Set("title", "Another")
	want(t, "id in use", s.post(t, console.NewMagnetPath, good, session), 422, "a magnet with this id exists")
	good.Set("id", "new")
	want(t, "reserved id", s.post(t, console.NewMagnetPath, good, session), 422, "taken by the console")
	if m, _ := s.store.Magnet(context.Background(), "spring-guide"); m.Title != "The spring guide" {
		t.Fatalf("a refused create replaced the magnet: %+v", m)
	}

	s.seedPage(t) // gates magnet "m"
	page := leadgate.Page{Slug: "spring", Title: "Spring <landing>", MagnetID: "spring-guide", OptIn: leadgate.OptInSingle, ThankYouURL: "/t",
		Fields: []leadgate.Field{{Name: "email", Label: "Email", Type: leadgate.FieldEmail, Required: true}}}
	if err := s.store.PutPage(context.Background(), page); err != nil {
		t.Fatal(err)
	}
	r = s.get(t, console.MagnetsPath, session)
	want(t, "list", r, 200, `<a href="/console/magnets/spring-guide">The spring guide</a>`, "Spring Guide.pdf", "application/pdf",
		`<a href="/p/spring">Spring &lt;landing&gt;</a>`, "not confirmed")

	r = s.get(t, console.MagnetPath("spring-guide")+"?saved=1", session)
	want(t, "edit page", r, 200, "Saved.", `<span class="fixed">spring-guide</span>`, `id="upload-form"`, `<a href="/p/spring">`,
		`data-finished="/console/magnets/spring-guide/upload-finished"`, "go run ./cmd/leadctl magnets put -id spring-guide")
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self'") || !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("edit page policy %q: want scripts and requests to the console's origin", csp)
	}

	// Edit: settings change, the file stays where it is.
	edit := magnetForm(csrf, "title", "The spring guide, 2nd ed.", "kind", "guide", "file_name", "Spring Guide 2.pdf", "content_type", "application/pdf")
	wantRedirect(t, "edit", s.post(t, console.MagnetPath("spring-guide"), edit, session), console.MagnetPath("spring-guide")+"?saved=1")
	m, _ = s.store.Magnet(context.Background(), "spring-guide")
	if m.Title != "The spring guide, 2nd ed." || m.Kind != "guide" || m.FileName != "Spring Guide 2.pdf" || m.ObjectKey != "magnets/spring-guide.pdf" {
		t.Fatalf("edited %+v", m)
	}
	edit.Set("title", " ")
	want(t, "invalid edit", s.post(t, console.MagnetPath("spring-guide"), edit, session), 422, `id="title-error"`, "Nothing was saved")
	if m2, _ := s.store.Magnet(context.Background(), "spring-guide"); m2.Title != m.Title {
		t.Fatalf("a refused edit changed the magnet: %+v", m2)
	}

	want(t, "unknown magnet", s.get(t, console.MagnetPath("nobody"), session), 404, "No such magnet")
	want(t, "unknown magnet post", s.post(t, console.MagnetPath("nobody"), edit, session), 404, "No such magnet")
	wantRedirect(t, "list without session", s.get(t, console.MagnetsPath, ""), console.SignInPath)
	want(t, "edit without session", s.post(t, console.MagnetPath("spring-guide"), edit, ""), 403)
	edit.Set("csrf", "forged")
	edit.Set("title", "Forged")
	want(t, "forged CSRF", s.post(t, console.MagnetPath("spring-guide"), edit, session), 403)
	if m2, _ := s.store.Magnet(context.Background(), "spring-guide"); m2.Title == "Forged" {
		t.Fatal("a forged form changed the magnet")
	}
}

// TestMagnetUpload uploads a file as the upload script does, through the local
// bucket: link, PUT, finished; and checks each refusal.
func TestMagnetUpload(t *testing.T) {
	s := newMagnetSite(t)
	session := s.signIn(t, "ada@example.com")
	csrf := s.csrf(t, session)
	good := magnetForm(csrf, "id", "playbook", "title", "Playbook", "file_name", "Playbook.pdf", "content_type", "application/pdf")
	wantRedirect(t, "create", s.post(t, console.NewMagnetPath, good, session), console.MagnetPath("playbook")+"?saved=1")

	pdf := []byte("%PDF-1.4\n% a small playbook\n%%EOF\n")
	file := magnetForm(csrf, "file_name", "Spring Playbook 2026.PDF", "content_type", "application/pdf", "size", strconv.Itoa(len(pdf)))
	linkPath, finishPath := console.MagnetUploadLinkPath("playbook"), console.MagnetUploadFinishPath("playbook")

	// Refused before any link: no session, a forged token, an unknown magnet, a
	// file too large or empty.
	if a := s.ask(t, linkPath, file, ""); a.status != http.StatusForbidden || a.body.URL != "" {
		t.Fatalf("link without session: %d %+v", a.status, a.body)
	}
	forged := magnetForm("forged", "file_name", "x.pdf", "content_type", "application/pdf", "size", "10")
	if a := s.ask(t, linkPath, forged, session); a.status != http.StatusForbidden || a.body.URL != "" {
		t.Fatalf("link with a forged token: %d %+v", a.status, a.body)
	}
	if a := s.ask(t, console.MagnetUploadLinkPath("nobody"), file, session); a.status != http.StatusNotFound {
		t.Fatalf("link for an unknown magnet: %d %+v", a.status, a.body)
	}
	for _, size := range []string{"0", strconv.Itoa(leadgate.MaxMagnetBytes + 1), "many"} {
		big := magnetForm(csrf, "file_name", "x.pdf", "content_type", "application/pdf", "size", size)
		if a := s.ask(t, linkPath, big, session); a.status != http.StatusUnprocessableEntity || len(a.body.Fields) != 1 || a.body.Fields[0].Field != "size" {
			t.Fatalf("link for size %s: %d %+v", size, a.status, a.body)
		}
	}
	if r := s.get(t, linkPath, session); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("GET of the link: %d", r.status)
	}

	// Finished before anything arrived: refused, nothing changes.
	if a := s.ask(t, finishPath, file, session); a.status != http.StatusUnprocessableEntity || a.body.Fields[0].Field != "file" {
		t.Fatalf("finished with nothing uploaded: %d %+v", a.status, a.body)
	}

	a := s.ask(t, linkPath, file, session)
	if a.status != 200 || a.body.Method != "PUT" || a.body.ContentType != "application/pdf" || a.body.Size != int64(len(pdf)) ||
		!strings.HasPrefix(a.body.URL, localbucket.Prefix+"magnets/playbook.pdf?") {
		t.Fatalf("upload link: %d %+v", a.status, a.body)
	}
	// The link holds the browser to the stated size and type.
	if got := s.putFile(t, a.body.URL, "application/pdf", append(pdf, "more"...)); got != http.StatusForbidden {
		t.Fatalf("PUT of more bytes than stated: %d, want 403", got)
	}
	if got := s.putFile(t, a.body.URL, "text/html", pdf); got != http.StatusForbidden {
		t.Fatalf("PUT of another type: %d, want 403", got)
	}
	if got := s.putFile(t, a.body.URL, "application/pdf", pdf); got != http.StatusOK {
		t.Fatalf("PUT: %d", got)
	}

	// Finished with another size than the bucket holds: refused.
	wrong := magnetForm(csrf, "file_name", "Spring Playbook 2026.PDF", "content_type", "application/pdf", "size", strconv.Itoa(len(pdf)+1))
	if a := s.ask(t, finishPath, wrong, session); a.status != http.StatusUnprocessableEntity || a.body.Fields[0].Field != "file" {
		t.Fatalf("finished with the wrong size: %d %+v", a.status, a.body)
	}
	if m, _ := s.store.Magnet(context.Background(), "playbook"); !m.UploadedAt.IsZero() {
		t.Fatalf("a refused finish recorded the file: %+v", m)
	}
	if a := s.ask(t, finishPath, file, ""); a.status != http.StatusForbidden {
		t.Fatalf("finished without session: %d", a.status)
	}

	a = s.ask(t, finishPath, file, session)
	if a.status != 200 || !strings.Contains(a.body.Message, "Uploaded Spring Playbook 2026.PDF") {
		t.Fatalf("finished: %d %+v", a.status, a.body)
	}
	m, err := s.store.Magnet(context.Background(), "playbook")
	if err != nil || m.ObjectKey != "magnets/playbook.pdf" || m.FileName != "Spring Playbook 2026.PDF" || m.Size != int64(len(pdf)) || m.UploadedAt.IsZero() {
		t.Fatalf("magnet after the upload: %+v, %v", m, err)
	}
	stored, err := os.ReadFile(filepath.Join(s.bucket.Dir(), "magnets", "playbook.pdf"))
	if err != nil || !bytes.Equal(stored, pdf) {
		t.Fatalf("the bucket holds %q, %v", stored, err)
	}
	want(t, "list after the upload", s.get(t, console.MagnetsPath, session), 200, "<td class=\"n\">"+strconv.Itoa(len(pdf))+" bytes</td>", "<time datetime=")
	want(t, "page after the upload", s.get(t, console.MagnetPath("playbook"), session), 200, "Replace the file")
}

func TestUploadScriptServed(t *testing.T) {
	s := newMagnetSite(t)
	r := s.get(t, console.UploadScriptPath, "") // no session needed: it holds no data
	want(t, "script", r, 200, "XMLHttpRequest", "upload.onprogress", "upload-progress")
	if ct, cc := r.header.Get("Content-Type"), r.header.Get("Cache-Control"); ct != "text/javascript; charset=utf-8" || !strings.Contains(cc, "max-age=") {
		t.Fatalf("script served as %q, cached %q", ct, cc)
	}
	if r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatal("script without nosniff")
	}
}
