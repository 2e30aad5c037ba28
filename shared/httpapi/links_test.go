package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/followup"
	"leadgate/shared/httpapi"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/signing"
)

// The follow-up service is what serves the links in every deployment.
var _ httpapi.LinkService = (*followup.Links)(nil)

func TestLinkRefusals(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	key, _ := signing.NewKey([]byte(secret))
	now := storetest.T0.Add(40 * 24 * time.Hour)
	expired := key.ConfirmToken("old-submission")
	c := leadgate.Confirmation{ID: leadgate.GrantID(expired), Email: "old@example.com", Page: "p", SubmissionID: "old-submission",
		CreatedAt: storetest.T0, ExpiresAt: storetest.T0.Add(leadgate.ConfirmationTTL)}
	if err := store.PutConfirmation(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	h := httpapi.NewLinksAPI(followup.NewLinks(store, key, func() time.Time { return now }), slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
	before, _ := store.ItemCounts()
	cases := []struct {
		name, method, path string
		status             int
		want               string
	}{
		{"unknown confirm link", "GET", "/v1/confirm/" + strings.Repeat("a", 32), 404, "Link not found"},
		{"malformed confirm link", "POST", "/v1/confirm/short", 404, "Link not found"},
		{"expired confirm link", "GET", "/v1/confirm/" + expired, 410, "has expired"},
		{"expired confirm POST", "POST", "/v1/confirm/" + expired, 410, "has expired"},
		{"unknown unsubscribe POST", "POST", "/v1/unsubscribe/" + strings.Repeat("b", 32), 404, "Link not found"},
		{"hostile unsubscribe", "POST", "/v1/unsubscribe/%3Cscript%3E", 404, "Link not found"},
		{"unsubscribe GET is a page", "GET", "/v1/unsubscribe/" + strings.Repeat("b", 32), 200, `<form method="post"`},
		{"PUT", "PUT", "/v1/unsubscribe/" + strings.Repeat("b", 32), 405, "Not allowed"},
		{"DELETE", "DELETE", "/v1/confirm/" + expired, 405, "Not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, strings.NewReader("List-Unsubscribe=One-Click")))
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.want) || strings.Contains(w.Body.String(), "<script>") {
				t.Fatalf("%d %q, want %d with %q", w.Code, w.Body, tc.status, tc.want)
			}
			if w.Header().Get("Referrer-Policy") != "no-referrer" || w.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("headers %v", w.Header())
			}
		})
	}
	if after, _ := store.ItemCounts(); after["confirmations"] != before["confirmations"] || after["changes"] != before["changes"] {
		t.Fatalf("refused links changed the store: %v → %v", before, after)
	}
}
