package localbucket

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTraversalRefusedEvenWhenSigned signs paths that DownloadURL would never sign,
// as if the secret had leaked into a link: the handler still serves nothing outside
// the folder.
func TestTraversalRefusedEvenWhenSigned(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "bucket")
	if err := os.WriteFile(filepath.Join(parent, "secret.txt"), []byte("not yours"), 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	b, err := New(dir, []byte(strings.Repeat("k", 32)), "http://127.0.0.1:8080", func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	expires := strconv.FormatInt(now.Add(time.Minute).Unix(), 10)
	for _, key := range []string{"../secret.txt", "magnets/../../secret.txt", "/secret.txt", filepath.Join(parent, "secret.txt")} {
		q := url.Values{
			"expires":     {expires},
			"disposition": {"attachment"},
			"type":        {"text/plain"},
			"signature":   {b.sign(http.MethodGet, key, expires, "attachment", "text/plain")},
		}
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/", nil)
		req.URL.Path = Prefix + key
		req.URL.RawQuery = q.Encode()
		rec := httptest.NewRecorder()
		b.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "not yours") {
			t.Errorf("%s: %d %q, want 403", key, rec.Code, rec.Body)
		}
	}
}
