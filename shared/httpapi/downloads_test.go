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
	svc := downloads.New(store, linkObjects{}, func() time.Time { return h.now })
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
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, httptest.NewRequest(method, "/v1/downloads/"+token, nil))
	return w
}

func token(c byte) string { return strings.Repeat(string(c), 32) }

func TestDownloadRedirectsAndCounts(t *testing.T) {
	h := newDownloadHarness(t)
	g := h.grant(t, token('a'), nil)
	w := h.get("GET", token('a'))
	if w.Code != http.StatusFound {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if loc := w.Header().Get("Location"); loc != "https://objects.example/magnets/playbook.pdf?file=The+Playbook.pdf&ttl=5m0s" {
		t.Fatalf("Location %q", loc)
	}
	if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("headers %v", w.Header())
	}
	if got, _ := h.store.Grant(context.Background(), g.ID); got.Downloads != 1 {
		t.Fatalf("%d downloads counted, want 1", got.Downloads)
	}
	// HEAD, as link checkers send, answers alike and counts nothing.
	w = h.get("HEAD", token('a'))
	if w.Code != http.StatusFound || w.Body.Len() != 0 {
		t.Fatalf("HEAD: %d %q", w.Code, w.Body)
	}
	if got, _ := h.store.Grant(context.Background(), g.ID); got.Downloads != 1 {
		t.Fatalf("HEAD counted: %d downloads", got.Downloads)
	}
	if strings.Contains(h.logs.String(), token('a')) {
		t.Fatalf("the token reached the log: %s", h.logs)
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
		{"POST", "POST", token('r'), 405, "Not allowed"},
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
			if tc.status == 410 && tc.method == "GET" && !strings.Contains(w.Body.String(), `href="https://example.com/playbook"`) {
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
			codes[i] = h.get("GET", token('c')).Code
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusFound {
			t.Fatalf("click %d: %d", i, c)
		}
	}
	if got, _ := h.store.Grant(context.Background(), g.ID); got.Downloads != n {
		t.Fatalf("%d downloads counted, want %d", got.Downloads, n)
	}
}
