package localbucket_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/objecttest"
	"leadgate/shared/localbucket"
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

func newSecret(t *testing.T) []byte {
	t.Helper()
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	return secret
}

// fixture is a bucket in a temporary folder, served on 127.0.0.1.
type fixture struct {
	bucket *localbucket.Bucket
	clock  *clock
	server *httptest.Server
}

func newFixture(t *testing.T, dir string, secret []byte) fixture {
	t.Helper()
	// httptest listens on 127.0.0.1; the bucket needs the server's URL before the
	// server needs the bucket's handler.
	srv := httptest.NewUnstartedServer(nil)
	c := newClock()
	b, err := localbucket.New(dir, secret, "http://"+srv.Listener.Addr().String(), c.Now)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(localbucket.Prefix, b.Handler())
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	return fixture{bucket: b, clock: c, server: srv}
}

func newHarness(t *testing.T) objecttest.Harness {
	f := newFixture(t, t.TempDir(), newSecret(t))
	return objecttest.Harness{Store: f.bucket, Client: f.server.Client(), Advance: f.clock.Advance}
}

func TestConformance(t *testing.T) {
	objecttest.RunConformanceTests(t, newHarness)
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func do(t *testing.T, c *http.Client, method, u string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestNewRefuses(t *testing.T) {
	dir := t.TempDir()
	if _, err := localbucket.New(dir, make([]byte, 31), "http://127.0.0.1:8080", nil); err == nil {
		t.Error("a 31-byte secret was accepted")
	}
	for _, base := range []string{"127.0.0.1:8080", "ftp://127.0.0.1", "http://127.0.0.1:8080/?a=b", "http://user:pw@127.0.0.1"} {
		if _, err := localbucket.New(dir, newSecret(t), base, nil); err == nil {
			t.Errorf("base URL %q was accepted", base)
		}
	}
}

func TestLinkShape(t *testing.T) {
	f := newFixture(t, t.TempDir(), newSecret(t))
	raw, err := f.bucket.DownloadURL(testContext(t), "magnets/Frühjahr playbook.pdf", "Frühjahr playbook.pdf", "application/pdf", 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	prefix := f.server.URL + "/dev/bucket/magnets/Fr%C3%BChjahr%20playbook.pdf?expires="
	if !strings.HasPrefix(raw, prefix) {
		t.Fatalf("link %s, want it to start with %s", raw, prefix)
	}
	u, _ := url.Parse(raw)
	q := u.Query()
	if q.Get("expires") != "1772444100" || q.Get("type") != "application/pdf" || q.Get("signature") == "" ||
		!strings.HasPrefix(q.Get("disposition"), "attachment; ") || len(q) != 4 {
		t.Errorf("query %v, want expires (now + 5m), disposition, type and signature", q)
	}
}

func TestExpiryBoundary(t *testing.T) {
	f := newFixture(t, t.TempDir(), newSecret(t))
	objecttest.MustPut(t, f.bucket, "a.txt", "text/plain", []byte("a"))
	u := objecttest.MustURL(t, f.bucket, "a.txt", "a.txt", "text/plain", time.Minute)
	f.clock.Advance(time.Minute)
	if resp, _ := do(t, f.server.Client(), http.MethodGet, u); resp.StatusCode != http.StatusOK {
		t.Errorf("at the expiry second: status %d, want 200", resp.StatusCode)
	}
	f.clock.Advance(time.Nanosecond)
	if resp, _ := do(t, f.server.Client(), http.MethodGet, u); resp.StatusCode != http.StatusForbidden {
		t.Errorf("just after expiry: status %d, want 403", resp.StatusCode)
	}
}

func TestOtherSecretRefused(t *testing.T) {
	dir := t.TempDir()
	mine, theirs := newFixture(t, dir, newSecret(t)), newFixture(t, dir, newSecret(t))
	objecttest.MustPut(t, mine.bucket, "a.txt", "text/plain", []byte("a"))
	u, _ := url.Parse(objecttest.MustURL(t, theirs.bucket, "a.txt", "a.txt", "text/plain", time.Minute))
	u.Host = mine.server.Listener.Addr().String()
	if resp, _ := do(t, mine.server.Client(), http.MethodGet, u.String()); resp.StatusCode != http.StatusForbidden {
		t.Errorf("link signed with another secret: status %d, want 403", resp.StatusCode)
	}
}

func TestHeadersAndMethods(t *testing.T) {
	f := newFixture(t, t.TempDir(), newSecret(t))
	c := f.server.Client()
	objecttest.MustPut(t, f.bucket, "guide.pdf", "application/pdf", []byte("%PDF-1.4 guide"))
	u := objecttest.MustURL(t, f.bucket, "guide.pdf", "guide.pdf", "application/pdf", time.Minute)

	checkCommon := func(what string, resp *http.Response) {
		t.Helper()
		if cc := resp.Header.Get("Cache-Control"); cc != "private, no-store" {
			t.Errorf("%s: Cache-Control %q, want private, no-store", what, cc)
		}
		if n := resp.Header.Get("X-Content-Type-Options"); n != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q, want nosniff", what, n)
		}
	}

	resp, body := do(t, c, http.MethodHead, u)
	if resp.StatusCode != http.StatusOK || len(body) != 0 || resp.ContentLength != int64(len("%PDF-1.4 guide")) ||
		resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
		t.Errorf("HEAD: %d, %d body bytes, length %d, headers %v", resp.StatusCode, len(body), resp.ContentLength, resp.Header)
	}
	checkCommon("HEAD", resp)

	resp, _ = do(t, c, http.MethodGet, u)
	checkCommon("GET", resp)

	req, _ := http.NewRequestWithContext(testContext(t), http.MethodGet, u, nil)
	req.Header.Set("Range", "bytes=0-3")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(part) != "%PDF" {
		t.Errorf("range: %d %q, want 206 %q", resp.StatusCode, part, "%PDF")
	}

	for _, m := range []string{http.MethodPost, http.MethodDelete, http.MethodPatch} {
		resp, _ := do(t, c, m, u)
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD, PUT" {
			t.Errorf("%s: %d, Allow %q; want 405, GET, HEAD, PUT", m, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	// A download link is signed for GET: a PUT on it fails the signature check.
	if resp, _ := do(t, c, http.MethodPut, u); resp.StatusCode != http.StatusForbidden {
		t.Errorf("PUT on a download link: %d, want 403", resp.StatusCode)
	}

	f.clock.Advance(2 * time.Minute)
	resp, body = do(t, c, http.MethodGet, u)
	if resp.StatusCode != http.StatusForbidden || strings.Contains(string(body), "expire") {
		t.Errorf("expired: %d %q, want 403 without details", resp.StatusCode, body)
	}
	checkCommon("403", resp)
}

// TestNoWayOut checks that symlinks out of the folder lead nowhere, even behind a
// validly signed link, while a symlink within it still works.
func TestNoWayOut(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("not yours"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, dir, newSecret(t))
	objecttest.MustPut(t, f.bucket, "magnets/real.txt", "text/plain", []byte("yours"))
	links := map[string]string{
		"magnets/to-file.txt":  filepath.Join(outside, "secret.txt"),
		"to-dir":               outside,
		"magnets/relative.txt": "../../" + filepath.Base(outside) + "/secret.txt",
		"magnets/inside.txt":   "real.txt",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	for key, want := range map[string]int{
		"magnets/to-file.txt":  http.StatusNotFound,
		"to-dir/secret.txt":    http.StatusNotFound,
		"magnets/relative.txt": http.StatusNotFound,
		"magnets/inside.txt":   http.StatusOK,
		"magnets":              http.StatusNotFound, // a folder is no object
	} {
		resp, body := do(t, f.server.Client(), http.MethodGet, objecttest.MustURL(t, f.bucket, key, "x.txt", "text/plain", time.Minute))
		if resp.StatusCode != want || strings.Contains(string(body), "not yours") {
			t.Errorf("%s: %d %q, want %d", key, resp.StatusCode, body, want)
		}
	}
	// A Put through a symlinked folder does not write outside either.
	err := f.bucket.Put(testContext(t), "to-dir/planted.txt", strings.NewReader("x"), 1, "text/plain")
	if err == nil {
		t.Error("Put through a symlink out of the folder succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "planted.txt")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file was planted outside the folder: %v", err)
	}
}

// failingReader gives some bytes and then fails, as a dropped upload does.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("connection reset")
	}
	n := min(len(p), r.n)
	for i := range n {
		p[i] = 'x'
	}
	r.n -= n
	return n, nil
}

func TestPutIsAtomic(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t, dir, newSecret(t))
	ctx := testContext(t)
	objecttest.MustPut(t, f.bucket, "magnets/guide.txt", "text/plain", []byte("first edition"))

	if err := f.bucket.Put(ctx, "magnets/guide.txt", &failingReader{n: 5}, 100, "text/plain"); leadgate.ErrorCode(err) != leadgate.EINTERNAL {
		t.Errorf("failing body: %v, want EINTERNAL", err)
	}
	err := f.bucket.Put(ctx, "magnets/guide.txt", strings.NewReader("short"), 100, "text/plain")
	if leadgate.ErrorCode(err) != leadgate.EINTERNAL || !strings.Contains(err.Error(), "5 of 100 bytes") {
		t.Errorf("short body: %v, want EINTERNAL saying 5 of 100 bytes", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := f.bucket.Put(cancelled, "magnets/guide.txt", strings.NewReader("second"), 6, "text/plain"); leadgate.ErrorCode(err) != leadgate.EUNAVAILABLE {
		t.Errorf("cancelled: %v, want EUNAVAILABLE", err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "magnets", "guide.txt"))
	if err != nil || string(got) != "first edition" {
		t.Errorf("after failed puts the file holds %q (%v), want the first edition", got, err)
	}
	// A longer body is cut at size, as S3 takes Content-Length bytes.
	objecttest.MustPut(t, f.bucket, "magnets/guide.txt", "text/plain", []byte("second edition"))
	if err := f.bucket.Put(ctx, "magnets/cut.txt", strings.NewReader("abcdef"), 3, "text/plain"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "magnets", "cut.txt")); string(got) != "abc" {
		t.Errorf("cut body %q, want abc", got)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "magnets"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "cut.txt,guide.txt" {
		t.Errorf("folder holds %v, want only cut.txt and guide.txt (no temporary files)", names)
	}
}

func TestConcurrentPutsAndReads(t *testing.T) {
	f := newFixture(t, t.TempDir(), newSecret(t))
	a, b := strings.Repeat("a", 64<<10), strings.Repeat("b", 64<<10)
	objecttest.MustPut(t, f.bucket, "guide.txt", "text/plain", []byte(a))
	u := objecttest.MustURL(t, f.bucket, "guide.txt", "guide.txt", "text/plain", time.Minute)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			body := a
			if i%2 == 1 {
				body = b
			}
			if err := f.bucket.Put(testContext(t), "guide.txt", strings.NewReader(body), int64(len(body)), "text/plain"); err != nil {
				t.Errorf("Put: %v", err)
			}
		})
		wg.Go(func() {
			resp, got := do(t, f.server.Client(), http.MethodGet, u)
			if resp.StatusCode != http.StatusOK || (string(got) != a && string(got) != b) {
				t.Errorf("GET during puts: %d, %d bytes of a torn file", resp.StatusCode, len(got))
			}
		})
	}
	wg.Wait()
}

// TestUploadLimits checks what S3 checks of an upload's size: a body over
// MaxUploadBytes (by its declared length, before anything is read), a body of no
// declared length and one of another length than the link's are refused, and
// nothing is stored.
func TestUploadLimits(t *testing.T) {
	f := newFixture(t, t.TempDir(), newSecret(t))
	link := func(size int64) string {
		u, err := f.bucket.UploadURL(testContext(t), "magnets/big.pdf", "application/pdf", size, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	cases := []struct {
		name   string
		link   string
		length int64
		status int
	}{
		{"over the limit", link(localbucket.MaxUploadBytes + 1), localbucket.MaxUploadBytes + 1, http.StatusRequestEntityTooLarge},
		{"no length", link(1), -1, http.StatusLengthRequired},
		{"other length than signed", link(2), 1, http.StatusForbidden},
	}
	for _, tc := range cases {
		req := httptest.NewRequest(http.MethodPut, tc.link, strings.NewReader("x"))
		req.ContentLength = tc.length
		req.Header.Set("Content-Type", "application/pdf")
		rec := httptest.NewRecorder()
		f.bucket.Handler().ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, rec.Code, rec.Body, tc.status)
		}
	}
	if _, err := os.Stat(filepath.Join(f.bucket.Dir(), "magnets", "big.pdf")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused upload left a file: %v", err)
	}
}
