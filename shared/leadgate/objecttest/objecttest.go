// Package objecttest is the conformance suite of leadgate.ObjectStore: every
// implementation (the S3 store against MinIO, the local bucket) runs
// RunConformanceTests, so that a link that works on the laptop works the same on AWS:
// the same bytes and headers, the same refusals of tampered and expired links.
package objecttest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// Harness is what one test needs from an implementation.
type Harness struct {
	// Store is a fresh, empty store.
	Store leadgate.ObjectStore
	// Client fetches the links.
	Client *http.Client
	// Advance lets d pass on the clock the store's links expire by: a fake clock
	// moves, a real server is waited for.
	Advance func(d time.Duration)
}

// NewHarness returns the harness of one test; it registers its own cleanup.
type NewHarness func(t *testing.T) Harness

// ShortTTL is the life of the links the expiry cases wait out: short, because a
// real server is waited for, and whole seconds, because SigV4 counts in seconds.
const ShortTTL = 2 * time.Second

// LongTTL is the life of the other links, the product's 5 minutes.
const LongTTL = 5 * time.Minute

// RunConformanceTests checks the behaviour callers rely on from any ObjectStore.
func RunConformanceTests(t *testing.T, newHarness NewHarness) {
	t.Run("TextRoundTrip", func(t *testing.T) {
		testRoundTrip(t, newHarness(t), "magnets/spring-playbook.txt", "Spring playbook.txt", "text/plain; charset=utf-8", []byte("The spring playbook: 12 plays.\n"))
	})
	t.Run("BinaryRoundTrip", func(t *testing.T) {
		all := make([]byte, 256)
		for i := range all {
			all[i] = byte(i)
		}
		testRoundTrip(t, newHarness(t), "magnets/all-bytes.bin", "all bytes.bin", "application/octet-stream", all)
	})
	t.Run("LargeRoundTrip", func(t *testing.T) {
		body := make([]byte, 1<<20+123)
		r := rand.New(rand.NewPCG(1, 2))
		for i := range body {
			body[i] = byte(r.Uint32())
		}
		testRoundTrip(t, newHarness(t), "magnets/2026/Frühjahr playbook.pdf", "Frühjahr Playbook 2026 (final).pdf", "application/pdf", body)
	})
	t.Run("EmptyRoundTrip", func(t *testing.T) {
		testRoundTrip(t, newHarness(t), "magnets/empty.txt", "empty.txt", "text/plain", nil)
	})
	t.Run("OverwriteServesNewBytes", func(t *testing.T) { testOverwrite(t, newHarness(t)) })
	t.Run("ExpiredLinkRefused", func(t *testing.T) { testExpired(t, newHarness(t)) })
	t.Run("TamperedSignatureRefused", func(t *testing.T) { testTamperedSignature(t, newHarness(t)) })
	t.Run("ChangedParameterRefused", func(t *testing.T) { testChangedParameter(t, newHarness(t)) })
	t.Run("SignatureMovedToOtherKeyRefused", func(t *testing.T) { testSignatureMoved(t, newHarness(t)) })
	t.Run("MissingObjectNotServed", func(t *testing.T) { testMissing(t, newHarness(t)) })
	t.Run("InvalidFileNameRefused", func(t *testing.T) { testInvalidFileName(t, newHarness(t)) })
	t.Run("InvalidKeyRefused", func(t *testing.T) { testInvalidKey(t, newHarness(t)) })
	t.Run("InvalidContentTypeOrTTLRefused", func(t *testing.T) { testInvalidContentTypeOrTTL(t, newHarness(t)) })
	t.Run("UploadThenDownload", func(t *testing.T) { testUpload(t, newHarness(t)) })
	t.Run("UploadTamperedRefused", func(t *testing.T) { testUploadTampered(t, newHarness(t)) })
	t.Run("UploadExpiredRefused", func(t *testing.T) { testUploadExpired(t, newHarness(t)) })
	t.Run("UploadInvalidRefused", func(t *testing.T) { testUploadInvalid(t, newHarness(t)) })
	t.Run("UploadOtherSizeRefused", func(t *testing.T) { testUploadOtherSize(t, newHarness(t)) })
	t.Run("StatTellsSizeAndTime", func(t *testing.T) { testStat(t, newHarness(t)) })
	t.Run("StatMissingNotFound", func(t *testing.T) { testStatMissing(t, newHarness(t)) })
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// onlyReader hides every method but Read, as a request body does.
type onlyReader struct{ io.Reader }

// MustPut stores body at key.
func MustPut(t *testing.T, s leadgate.ObjectStore, key, contentType string, body []byte) {
	t.Helper()
	if err := s.Put(ctx(t), key, bytes.NewReader(body), int64(len(body)), contentType); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

// MustURL mints a link.
func MustURL(t *testing.T, s leadgate.ObjectStore, key, fileName, contentType string, ttl time.Duration) string {
	t.Helper()
	u, err := s.DownloadURL(ctx(t), key, fileName, contentType, ttl)
	if err != nil {
		t.Fatalf("DownloadURL(%q): %v", key, err)
	}
	return u
}

// Response is a fetched link.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Fetch GETs u.
func Fetch(t *testing.T, c *http.Client, u string) Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodGet, u, nil)
	if err != nil {
		t.Fatalf("request for %s: %v", u, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", u, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// CheckDisposition checks that a Content-Disposition saves the download as fileName:
// attachment, with the exact name in filename* and a printable ASCII fallback.
func CheckDisposition(t *testing.T, header, fileName string) {
	t.Helper()
	disposition, params, err := mime.ParseMediaType(header)
	if err != nil {
		t.Fatalf("Content-Disposition %q does not parse: %v", header, err)
	}
	if disposition != "attachment" || params["filename"] != fileName {
		t.Errorf("Content-Disposition %q means %s of %q, want attachment of %q", header, disposition, params["filename"], fileName)
	}
	_, fallback, ok := strings.Cut(header, `filename="`)
	fallback, _, closed := strings.Cut(fallback, `"`)
	if !ok || !closed {
		t.Errorf("Content-Disposition %q has no quoted filename fallback", header)
	}
	for _, r := range fallback {
		if r < 0x20 || r > 0x7e {
			t.Errorf("Content-Disposition fallback %q is not printable ASCII", fallback)
			break
		}
	}
	if !strings.Contains(header, "filename*=UTF-8''") {
		t.Errorf("Content-Disposition %q has no RFC 5987 filename*", header)
	}
}

func testRoundTrip(t *testing.T, h Harness, key, fileName, contentType string, body []byte) {
	var r io.Reader = bytes.NewReader(body)
	if len(body) > 64<<10 {
		// A large file comes as an upload's request body: a stream, not seekable.
		r = onlyReader{r}
	}
	if err := h.Store.Put(ctx(t), key, r, int64(len(body)), contentType); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	got := Fetch(t, h.Client, MustURL(t, h.Store, key, fileName, contentType, LongTTL))
	if got.Status != http.StatusOK {
		t.Fatalf("GET: status %d (%s), want 200", got.Status, snippet(got.Body))
	}
	if !bytes.Equal(got.Body, body) {
		t.Errorf("GET: %d bytes that differ from the %d put (first bytes %q)", len(got.Body), len(body), snippet(got.Body))
	}
	if ct := got.Header.Get("Content-Type"); ct != contentType {
		t.Errorf("Content-Type %q, want %q", ct, contentType)
	}
	CheckDisposition(t, got.Header.Get("Content-Disposition"), fileName)
}

func testOverwrite(t *testing.T, h Harness) {
	MustPut(t, h.Store, "magnets/guide.txt", "text/plain", []byte("first edition"))
	MustPut(t, h.Store, "magnets/guide.txt", "text/plain", []byte("second edition"))
	got := Fetch(t, h.Client, MustURL(t, h.Store, "magnets/guide.txt", "guide.txt", "text/plain", LongTTL))
	if got.Status != http.StatusOK || string(got.Body) != "second edition" {
		t.Fatalf("GET after overwrite: %d %q, want 200 %q", got.Status, snippet(got.Body), "second edition")
	}
}

func testExpired(t *testing.T, h Harness) {
	MustPut(t, h.Store, "magnets/guide.txt", "text/plain", []byte("for a short while"))
	u := MustURL(t, h.Store, "magnets/guide.txt", "guide.txt", "text/plain", ShortTTL)
	if got := Fetch(t, h.Client, u); got.Status != http.StatusOK {
		t.Fatalf("GET before expiry: status %d (%s), want 200", got.Status, snippet(got.Body))
	}
	h.Advance(ShortTTL + time.Second)
	if got := Fetch(t, h.Client, u); got.Status != http.StatusForbidden {
		t.Fatalf("GET after expiry: status %d (%s), want 403", got.Status, snippet(got.Body))
	}
}

// signatureParam returns the name of the link's signature parameter.
func signatureParam(t *testing.T, u *url.URL) string {
	t.Helper()
	for name := range u.Query() {
		if strings.Contains(strings.ToLower(name), "signature") {
			return name
		}
	}
	t.Fatalf("link %s has no signature parameter", u)
	return ""
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("link %q does not parse: %v", raw, err)
	}
	return u
}

// withParam returns u with query parameter name set to value.
func withParam(u *url.URL, name, value string) string {
	c := *u
	q := c.Query()
	q.Set(name, value)
	c.RawQuery = q.Encode()
	return c.String()
}

// flip changes one character of s, keeping it in the same alphabet.
func flip(s string) string {
	if s == "" {
		return "0"
	}
	b := []byte(s)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else if b[i] >= '0' && b[i] <= '9' {
		b[i] = '0' + (b[i]-'0'+1)%10
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func testTamperedSignature(t *testing.T, h Harness) {
	MustPut(t, h.Store, "magnets/guide.txt", "text/plain", []byte("guarded"))
	u := mustParse(t, MustURL(t, h.Store, "magnets/guide.txt", "guide.txt", "text/plain", LongTTL))
	sig := signatureParam(t, u)
	if got := Fetch(t, h.Client, withParam(u, sig, flip(u.Query().Get(sig)))); got.Status != http.StatusForbidden {
		t.Errorf("flipped signature: status %d (%s), want 403", got.Status, snippet(got.Body))
	}
	// S3 (and MinIO) answer a link without its signature as a malformed request.
	c := *u
	q := c.Query()
	q.Del(sig)
	c.RawQuery = q.Encode()
	for name, tampered := range map[string]string{"empty": withParam(u, sig, ""), "no": c.String()} {
		got := Fetch(t, h.Client, tampered)
		if got.Status != http.StatusForbidden && got.Status != http.StatusBadRequest {
			t.Errorf("%s signature: status %d (%s), want 403 (or 400)", name, got.Status, snippet(got.Body))
		}
	}
}

// testChangedParameter changes each signed parameter in turn: above all, a link must
// not be turned into one that serves the file as text/html, or inline.
func testChangedParameter(t *testing.T, h Harness) {
	MustPut(t, h.Store, "magnets/guide.txt", "text/plain", []byte("<script>alert(1)</script>"))
	u := mustParse(t, MustURL(t, h.Store, "magnets/guide.txt", "guide.txt", "text/plain", LongTTL))
	sig := signatureParam(t, u)
	for name, values := range u.Query() {
		if name == sig {
			continue
		}
		value := values[0]
		changed := flip(value)
		lower := strings.ToLower(value)
		switch {
		case strings.HasPrefix(lower, "text/plain"):
			changed = "text/html"
		case strings.HasPrefix(lower, "attachment"):
			changed = "inline"
		}
		got := Fetch(t, h.Client, withParam(u, name, changed))
		if got.Status != http.StatusForbidden && got.Status != http.StatusBadRequest {
			t.Errorf("%s changed from %q to %q: status %d (%s), want 403 (or 400)", name, value, changed, got.Status, snippet(got.Body))
		}
	}
	got := Fetch(t, h.Client, withParam(u, "extra", "1"))
	if got.Status != http.StatusForbidden && got.Status != http.StatusBadRequest {
		t.Errorf("unsigned parameter added: status %d (%s), want 403 (or 400)", got.Status, snippet(got.Body))
	}
}

func testSignatureMoved(t *testing.T, h Harness) {
	MustPut(t, h.Store, "magnets/free.txt", "text/plain", []byte("free"))
	MustPut(t, h.Store, "magnets/gated.txt", "text/plain", []byte("gated"))
	free := mustParse(t, MustURL(t, h.Store, "magnets/free.txt", "guide.txt", "text/plain", LongTTL))
	gated := mustParse(t, MustURL(t, h.Store, "magnets/gated.txt", "guide.txt", "text/plain", LongTTL))

	// The free link's parameters on the gated object's path.
	moved := *free
	moved.Path, moved.RawPath = gated.Path, gated.RawPath
	if got := Fetch(t, h.Client, moved.String()); got.Status != http.StatusForbidden {
		t.Errorf("free link moved to the gated key: status %d (%s), want 403", got.Status, snippet(got.Body))
	}
	// The gated link with the free link's signature.
	sig := signatureParam(t, free)
	if got := Fetch(t, h.Client, withParam(gated, sig, free.Query().Get(sig))); got.Status != http.StatusForbidden {
		t.Errorf("free link's signature on the gated link: status %d (%s), want 403", got.Status, snippet(got.Body))
	}
	// Both links still work as minted.
	for _, u := range []*url.URL{free, gated} {
		if got := Fetch(t, h.Client, u.String()); got.Status != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", u.Path, got.Status)
		}
	}
}

func testMissing(t *testing.T, h Harness) {
	got := Fetch(t, h.Client, MustURL(t, h.Store, "magnets/never-put.pdf", "never.pdf", "application/pdf", LongTTL))
	switch got.Status {
	case http.StatusNotFound, http.StatusForbidden:
		// S3 answers 404 when the signer may list the bucket, 403 otherwise.
		t.Logf("a link to a missing object answers %d", got.Status)
	default:
		t.Errorf("link to a missing object: status %d (%s), want 404 or 403", got.Status, snippet(got.Body))
	}
}

func wantInvalid(t *testing.T, what string, err error, field string) {
	t.Helper()
	e := leadgate.AsError(err)
	if err == nil || e.Code != leadgate.EINVALID {
		t.Errorf("%s: error %v, want %s", what, err, leadgate.EINVALID)
		return
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return
		}
	}
	t.Errorf("%s: fields %+v, want one on %q", what, e.Fields, field)
}

func testInvalidFileName(t *testing.T, h Harness) {
	for _, name := range []string{
		"", `say "hi".pdf`, "../guide.pdf", "a/b.pdf", `a\b.pdf`, "guide.pdf\r\nSet-Cookie: x=y",
		"line\nbreak.pdf", "nul\x00.pdf", "tab\t.pdf", "bad-utf8-\xff.pdf",
	} {
		_, err := h.Store.DownloadURL(ctx(t), "magnets/guide.pdf", name, "application/pdf", LongTTL)
		wantInvalid(t, "file name "+quote(name), err, "file_name")
	}
	// What the fallback cannot carry is still fine in filename*.
	for _, name := range []string{"100% growth.pdf", "plan; v2, final.pdf", "naïve — guide 📘.pdf", "'quoted'.pdf"} {
		MustPut(t, h.Store, "magnets/odd-name.pdf", "application/pdf", []byte("%PDF-1.4"))
		got := Fetch(t, h.Client, MustURL(t, h.Store, "magnets/odd-name.pdf", name, "application/pdf", LongTTL))
		if got.Status != http.StatusOK {
			t.Errorf("file name %q: status %d (%s), want 200", name, got.Status, snippet(got.Body))
			continue
		}
		CheckDisposition(t, got.Header.Get("Content-Disposition"), name)
	}
}

func testInvalidKey(t *testing.T, h Harness) {
	for _, key := range []string{
		"", "/magnets/guide.pdf", "../guide.pdf", "magnets/../../etc/passwd", "magnets/..", "..",
		"magnets//guide.pdf", "magnets/./guide.pdf", "magnets/", `magnets\guide.pdf`,
		"magnets/guide\x00.pdf", "magnets/guide\n.pdf", "magnets/\x7f.pdf", "bad-utf8-\xff", strings.Repeat("k", 1025),
	} {
		err := h.Store.Put(ctx(t), key, strings.NewReader("x"), 1, "text/plain")
		wantInvalid(t, "Put key "+quote(key), err, "key")
		_, err = h.Store.DownloadURL(ctx(t), key, "guide.pdf", "application/pdf", LongTTL)
		wantInvalid(t, "DownloadURL key "+quote(key), err, "key")
	}
}

func testInvalidContentTypeOrTTL(t *testing.T, h Harness) {
	for _, ct := range []string{"", "pdf", "text/html\r\nX-Injected: 1"} {
		_, err := h.Store.DownloadURL(ctx(t), "magnets/guide.pdf", "guide.pdf", ct, LongTTL)
		wantInvalid(t, "content type "+quote(ct), err, "content_type")
	}
	for _, ttl := range []time.Duration{0, -time.Minute, 8 * 24 * time.Hour} {
		_, err := h.Store.DownloadURL(ctx(t), "magnets/guide.pdf", "guide.pdf", "application/pdf", ttl)
		wantInvalid(t, "ttl "+ttl.String(), err, "ttl")
	}
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strconv.Quote(s)
}

// snippet shortens a body for a failure message.
func snippet(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// MustUploadURL mints an upload link for size bytes.
func MustUploadURL(t *testing.T, s leadgate.ObjectStore, key, contentType string, size int64, ttl time.Duration) string {
	t.Helper()
	u, err := s.UploadURL(ctx(t), key, contentType, size, ttl)
	if err != nil {
		t.Fatalf("UploadURL(%q): %v", key, err)
	}
	return u
}

// Upload PUTs body to u with Content-Type contentType.
func Upload(t *testing.T, c *http.Client, u, contentType string, body []byte) Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPut, u, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("request for %s: %v", u, err)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("PUT %s: %v", u, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("PUT %s: reading body: %v", u, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: got}
}

func testUpload(t *testing.T, h Harness) {
	body := []byte("%PDF-1.4 uploaded through a link")
	key := "magnets/uploaded guide.pdf"
	if got := Upload(t, h.Client, MustUploadURL(t, h.Store, key, "application/pdf", int64(len(body)), LongTTL), "application/pdf", body); got.Status != http.StatusOK {
		t.Fatalf("PUT: status %d (%s), want 200", got.Status, snippet(got.Body))
	}
	got := Fetch(t, h.Client, MustURL(t, h.Store, key, "guide.pdf", "application/pdf", LongTTL))
	if got.Status != http.StatusOK || !bytes.Equal(got.Body, body) {
		t.Fatalf("GET after the upload: %d %q, want 200 %q", got.Status, snippet(got.Body), body)
	}
	// The same link replaces the file while it lives.
	u := MustUploadURL(t, h.Store, key, "application/pdf", int64(len("third edition")), LongTTL)
	for _, b := range [][]byte{[]byte("3rd edition!!"), []byte("third edition")} {
		if got := Upload(t, h.Client, u, "application/pdf", b); got.Status != http.StatusOK {
			t.Fatalf("PUT again: status %d (%s)", got.Status, snippet(got.Body))
		}
	}
	if got := Fetch(t, h.Client, MustURL(t, h.Store, key, "guide.pdf", "application/pdf", LongTTL)); string(got.Body) != "third edition" {
		t.Fatalf("GET after the second upload: %q", snippet(got.Body))
	}
}

// testUploadTampered changes the signature, the key, a signed parameter or the
// Content-Type of an upload: each is refused, and no file appears.
func testUploadTampered(t *testing.T, h Harness) {
	MustPut(t, h.Store, "magnets/gated.pdf", "application/pdf", []byte("original"))
	u := mustParse(t, MustUploadURL(t, h.Store, "magnets/free.pdf", "application/pdf", int64(len("<script>alert(1)</script>")), LongTTL))
	sig := signatureParam(t, u)
	moved := *u
	moved.Path = strings.Replace(u.Path, "free.pdf", "gated.pdf", 1)
	moved.RawPath = ""
	cases := map[string]struct{ url, contentType string }{
		"flipped signature":  {withParam(u, sig, flip(u.Query().Get(sig))), "application/pdf"},
		"moved to other key": {moved.String(), "application/pdf"},
		"other content type": {u.String(), "text/html"},
		"unsigned parameter": {withParam(u, "extra", "1"), "application/pdf"},
	}
	for name, tc := range cases {
		got := Upload(t, h.Client, tc.url, tc.contentType, []byte("<script>alert(1)</script>"))
		if got.Status != http.StatusForbidden {
			t.Errorf("%s: status %d (%s), want 403", name, got.Status, snippet(got.Body))
		}
	}
	if got := Fetch(t, h.Client, MustURL(t, h.Store, "magnets/gated.pdf", "g.pdf", "application/pdf", LongTTL)); string(got.Body) != "original" {
		t.Errorf("the gated file changed: %q", snippet(got.Body))
	}
	if got := Fetch(t, h.Client, MustURL(t, h.Store, "magnets/free.pdf", "f.pdf", "application/pdf", LongTTL)); got.Status == http.StatusOK {
		t.Errorf("a refused upload stored a file: %q", snippet(got.Body))
	}
}

func testUploadExpired(t *testing.T, h Harness) {
	u := MustUploadURL(t, h.Store, "magnets/late.pdf", "application/pdf", 4, ShortTTL)
	h.Advance(ShortTTL + time.Second)
	if got := Upload(t, h.Client, u, "application/pdf", []byte("late")); got.Status != http.StatusForbidden {
		t.Fatalf("PUT after expiry: status %d (%s), want 403", got.Status, snippet(got.Body))
	}
}

func testUploadInvalid(t *testing.T, h Harness) {
	_, err := h.Store.UploadURL(ctx(t), "../escape.pdf", "application/pdf", 1, LongTTL)
	wantInvalid(t, "UploadURL key", err, "key")
	_, err = h.Store.UploadURL(ctx(t), "magnets/a.pdf", "pdf", 1, LongTTL)
	wantInvalid(t, "UploadURL content type", err, "content_type")
	_, err = h.Store.UploadURL(ctx(t), "magnets/a.pdf", "application/pdf", 1, 8*24*time.Hour)
	wantInvalid(t, "UploadURL ttl", err, "ttl")
	_, err = h.Store.UploadURL(ctx(t), "magnets/a.pdf", "application/pdf", 0, LongTTL)
	wantInvalid(t, "UploadURL size", err, "size")
	_, err = h.Store.Stat(ctx(t), "../escape.pdf")
	wantInvalid(t, "Stat key", err, "key")
}

// testUploadOtherSize sends more and fewer bytes than the link was minted for, as a
// browser does when a script asked for one file's link and sends another: the size
// is part of the signature, so both are refused and nothing is stored.
func testUploadOtherSize(t *testing.T, h Harness) {
	u := MustUploadURL(t, h.Store, "magnets/sized.pdf", "application/pdf", 10, LongTTL)
	for _, body := range []string{"%PDF-1.4 and a lot more than ten bytes", "%PDF"} {
		if got := Upload(t, h.Client, u, "application/pdf", []byte(body)); got.Status != http.StatusForbidden {
			t.Errorf("PUT of %d bytes on a link for 10: status %d (%s), want 403", len(body), got.Status, snippet(got.Body))
		}
	}
	if _, err := h.Store.Stat(ctx(t), "magnets/sized.pdf"); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Errorf("Stat after refused uploads: %v, want %s", err, leadgate.ENOTFOUND)
	}
	if got := Upload(t, h.Client, u, "application/pdf", []byte("%PDF-1.4 !")); got.Status != http.StatusOK {
		t.Errorf("PUT of the signed 10 bytes: status %d (%s), want 200", got.Status, snippet(got.Body))
	}
}

func testStat(t *testing.T, h Harness) {
	before := time.Now().Add(-time.Minute)
	body := []byte("%PDF-1.4 a file to stat")
	if got := Upload(t, h.Client, MustUploadURL(t, h.Store, "magnets/stat.pdf", "application/pdf", int64(len(body)), LongTTL), "application/pdf", body); got.Status != http.StatusOK {
		t.Fatalf("PUT: status %d (%s)", got.Status, snippet(got.Body))
	}
	info, err := h.Store.Stat(ctx(t), "magnets/stat.pdf")
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if info.Size != int64(len(body)) {
		t.Errorf("Stat size %d, want %d", info.Size, len(body))
	}
	if info.LastModified.Before(before) || info.LastModified.After(time.Now().Add(time.Minute)) {
		t.Errorf("Stat last modified %v, want about now", info.LastModified)
	}
	MustPut(t, h.Store, "magnets/stat.pdf", "application/pdf", []byte("shorter"))
	if info, err := h.Store.Stat(ctx(t), "magnets/stat.pdf"); err != nil || info.Size != 7 {
		t.Errorf("Stat after Put: %+v, %v; want size 7", info, err)
	}
}

func testStatMissing(t *testing.T, h Harness) {
	_, err := h.Store.Stat(ctx(t), "magnets/never-put.pdf")
	if !errors.Is(err, leadgate.ErrObjectNotFound) {
		t.Errorf("Stat of a missing object: %v, want %v", err, leadgate.ErrObjectNotFound)
	}
}
