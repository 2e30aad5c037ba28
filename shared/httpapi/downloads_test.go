package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/downloads"
	"leadgate/shared/httpapi"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/signing"
)

// linkObjects mints recognisable URLs; the adapters' own suites check real links.
type linkObjects struct{}

func (linkObjects) Put(context.Context, string, io.Reader, int64, string) error { return nil }
func (linkObjects) UploadURL(_ context.Context, key, contentType string, _ int64, ttl time.Duration) (string, error) {
	return fmt.Sprintf("https://objects.example/%s?upload=1&ttl=%s", key, ttl), nil
}
func (linkObjects) Stat(context.Context, string) (leadgate.ObjectInfo, error) {
	return leadgate.ObjectInfo{}, leadgate.ErrObjectNotFound
}
func (linkObjects) DownloadURL(_ context.Context, key, fileName, contentType string, ttl time.Duration) (string, error) {
	return fmt.Sprintf("https://objects.example/%s?file=%s&ttl=%s", key, strings.ReplaceAll(fileName, " ", "+"), ttl), nil
}

type downloadHarness struct {
	key     *signing.Key
	store   *bolt.Store
	now     time.Time
	handler http.Handler
	logs    *bytes.Buffer
}

func newDownloadHarness(t *testing.T) *downloadHarness {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h := &downloadHarness{store: store, now: storetest.T0.Add(time.Hour), logs: &bytes.Buffer{}}
	page := storetest.Page("downloads")
	page.FormURL = "https://example.com/playbook"
	if err := store.PutPage(context.Background(), page); err != nil {
		t.Fatal(err)
	}
	h.key, err = signing.NewKey([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	svc := downloads.New(store, linkObjects{}, h.key, func() time.Time { return h.now })
	h.handler = httpapi.NewDownloadAPI(svc, slog.New(slog.NewTextHandler(h.logs, nil))).Handler()
	return h
}

// grant stores a grant whose token is token (32 URL-safe characters).
func (h *downloadHarness) grant(t *testing.T, token string, edit func(*leadgate.Grant)) leadgate.Grant {
	t.Helper()
	g := storetest.Grant(token, storetest.Page("downloads"), "reader@example.com")
	if edit != nil {
		edit(&g)
	}
	if err := h.store.PutGrant(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	return g
}

func (h *downloadHarness) get(method, token string) *httptest.ResponseRecorder {
	return h.do(method, token, nil)
}

func (h *downloadHarness) do(method, token string, header http.Header) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(method, "/v1/downloads/"+token, nil)
	for k, vs := range header {
		r.Header[k] = vs
	}
	h.handler.ServeHTTP(w, r)
	return w
}

func token(c byte) string { return strings.Repeat(string(c), 32) }

// scanners are requests that fetch a link with no person behind them: mail
// scanners, link previewers, a browser's prefetch, link checkers' HEAD.
var scanners = []struct {
	name, method string
	header       http.Header
}{
	{"mail scanner", "GET", http.Header{"User-Agent": {"Mozilla/5.0 (compatible; SafeLinks scanner)"}}},
	{"link previewer", "GET", http.Header{"User-Agent": {"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"}}},
	{"prefetch", "GET", http.Header{"Sec-Purpose": {"prefetch"}, "Purpose": {"prefetch"}}},
	{"link checker", "HEAD", nil},
	{"browser that looks like a person", "GET", http.Header{"User-Agent": {"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}}},
}

func TestDownloadPageThenButtonCounts(t *testing.T) {
	h := newDownloadHarness(t)
	g := h.grant(t, token('a'), nil)
	// Every fetch of the link itself gets its page and counts nothing.
	for _, sc := range scanners {
		w := h.do(sc.method, token('a'), sc.header)
		if w.Code != http.StatusOK || w.Header().Get("Location") != "" {
			t.Fatalf("%s: %d %v, want the link's page", sc.name, w.Code, w.Header())
		}
		if sc.method == "GET" && !strings.Contains(w.Body.String(), `<form method="post" action="/v1/downloads/`+token('a')+`">`) {
			t.Fatalf("%s: the page has no button that POSTs to the link: %s", sc.name, w.Body)
		}
		if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("headers %v", w.Header())
		}
	}
	if got, _ := h.store.Grant(context.Background(), g.ID); got.Downloads != 0 {
		t.Fatalf("fetches of the link counted %d downloads, want none", got.Downloads)
	}
	// The button: one POST, counted, sent on to the file.
	w := h.do("POST", token('a'), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("POST: status %d: %s", w.Code, w.Body)
	}
	if loc := w.Header().Get("Location"); loc != "https://objects.example/magnets/playbook.pdf?file=The+Playbook.pdf&ttl=5m0s" {
		t.Fatalf("Location %q", loc)
	}
	if got, _ := h.store.Grant(context.Background(), g.ID); got.Downloads != 1 {
		t.Fatalf("%d downloads counted, want 1", got.Downloads)
	}
	if strings.Contains(h.logs.String(), token('a')) {
		t.Fatalf("the token reached the log: %s", h.logs)
	}
}

// A bot's fake success carries a decoy link: it must answer as a real one does, in
// status and shape, without handing out the file.
func TestDecoyLinkAnswersLikeARealOne(t *testing.T) {
	h := newDownloadHarness(t)
	h.grant(t, token('a'), nil)
	decoy := h.key.DecoyGrantToken()
	for _, method := range []string{"GET", "HEAD", "POST"} {
		real, fake := h.do(method, token('a'), nil), h.do(method, decoy, nil)
		if real.Code != fake.Code {
			t.Fatalf("%s: a real link answers %d, a decoy %d", method, real.Code, fake.Code)
		}
		if method == "GET" && strings.ReplaceAll(real.Body.String(), token('a'), decoy) != fake.Body.String() {
			t.Fatalf("the decoy's page differs from a real one's:\n%s\n%s", real.Body, fake.Body)
		}
		if method == "POST" {
			loc := fake.Header().Get("Location")
			if !strings.HasPrefix(loc, "https://objects.example/magnets/") || strings.Contains(loc, "playbook") {
				t.Fatalf("decoy's file URL %q: want one of the usual kind, not the magnet's", loc)
			}
		}
	}
	if strings.Contains(h.logs.String(), "msg=download") && strings.Count(h.logs.String(), "msg=download") != 1 {
		t.Fatalf("the decoy was logged as a download: %s", h.logs)
	}
}

func TestDownloadRefusals(t *testing.T) {
	h := newDownloadHarness(t)
	h.grant(t, token('e'), func(g *leadgate.Grant) { g.ExpiresAt = storetest.T0.Add(30 * time.Minute) })
	h.grant(t, token('r'), nil)
	if err := h.store.RevokeGrant(context.Background(), leadgate.GrantID(token('r'))); err != nil {
		t.Fatal(err)
	}
	h.grant(t, token('x'), func(g *leadgate.Grant) { g.Erased, g.Email = true, "" })
	cases := []struct {
		name, method, token string
		status              int
		want                string
	}{
		{"unknown", "GET", token('u'), 404, "Link not found"},
		{"malformed", "GET", "short", 404, "Link not found"},
		{"hostile", "GET", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", 404, "Link not found"},
		{"expired", "GET", token('e'), 410, "has expired"},
		{"expired HEAD", "HEAD", token('e'), 410, ""},
		{"revoked", "GET", token('r'), 410, "was withdrawn"},
		{"erased lead", "GET", token('x'), 410, "no longer works"},
		{"unknown POST", "POST", token('u'), 404, "Link not found"},
		{"expired POST", "POST", token('e'), 410, "has expired"},
		{"revoked POST", "POST", token('r'), 410, "was withdrawn"},
		{"PUT", "PUT", token('r'), 405, "Not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := h.get(tc.method, tc.token)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || !strings.Contains(w.Body.String(), tc.want) {
				t.Fatalf("a person got %q: %.300s", w.Header().Get("Content-Type"), w.Body)
			}
			if strings.Contains(w.Body.String(), "<script>") {
				t.Fatal("page echoes markup")
			}
			if w.Header().Get("Referrer-Policy") != "no-referrer" || w.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("headers %v", w.Header())
			}
			if tc.status == 410 && tc.method != "HEAD" && !strings.Contains(w.Body.String(), `href="https://example.com/playbook"`) {
				t.Fatalf("the expired-link page does not offer the form again: %s", w.Body)
			}
		})
	}
	for _, c := range []byte{'e', 'r', 'x'} {
		if g, _ := h.store.Grant(context.Background(), leadgate.GrantID(token(c))); g.Downloads != 0 {
			t.Fatalf("a refused download was counted on %c", c)
		}
	}
}

func TestConcurrentClicksAllCounted(t *testing.T) {
	h := newDownloadHarness(t)
	g := h.grant(t, token('c'), nil)
	const n = 20
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = h.get("POST", token('c')).Code
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusSeeOther {
			t.Fatalf("click %d: %d", i, c)
		}
	}
	if got, _ := h.store.Grant(context.Background(), g.ID); got.Downloads != n {
		t.Fatalf("%d downloads counted, want %d", got.Downloads, n)
	}
}
