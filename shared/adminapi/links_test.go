package adminapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"leadgate/shared/admin"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// TestAdminRevokeLink revokes a link by its URL, then by its bare token (no
// change), and refuses what is not a download link, or none that exists.
func TestAdminRevokeLink(t *testing.T) {
	h := newAdminHarness(t)
	token := strings.Repeat("t", 32)
	g := storetest.Grant(token, storetest.Page("revoke-guide"), "fwd@example.com")
	if err := h.store.PutGrant(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{"https://api.example" + leadgate.DownloadPath(token) + "?utm_source=fwd#x", token} {
		w := h.do(t, "POST", leadgate.AdminPath("links", "revoke"), "application/json", `{"link":"`+link+`"}`)
		var got admin.GrantStatus
		if err := json.Unmarshal(w.Body.Bytes(), &got); w.Code != http.StatusOK || err != nil || !got.Revoked || got.Page != "revoke-guide" || got.MagnetID != g.MagnetID {
			t.Fatalf("revoke %s: %d %s", link, w.Code, w.Body)
		}
		if strings.Contains(w.Body.String(), token) || strings.Contains(w.Body.String(), g.ID) {
			t.Fatalf("the answer shows the link's token or id: %s", w.Body)
		}
	}
	_, err := h.store.UseGrant(context.Background(), g.ID, storetest.T0.Add(time.Hour))
	if leadgate.ErrorCode(err) != leadgate.EGONE || !strings.Contains(leadgate.ErrorMessage(err), "withdrawn") {
		t.Fatalf("a revoked link, within its lifetime: %v", err)
	}
	for _, tc := range []struct {
		name, body string
		status     int
		field      string
	}{
		{"unknown link", `{"link":"` + strings.Repeat("u", 32) + `"}`, 404, ""},
		{"a confirmation link", `{"link":"https://api.example` + leadgate.ConfirmPath(token) + `"}`, 422, "link"},
		{"not a token", `{"link":"short"}`, 422, "link"},
		{"no link", `{}`, 422, "link"},
		{"a typo", `{"url":"` + token + `"}`, 422, "url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := h.do(t, "POST", leadgate.AdminPath("links", "revoke"), "application/json", tc.body)
			e := decodeError(t, w)
			if w.Code != tc.status || strings.Join(fieldNames(e), ",") != tc.field {
				t.Fatalf("%d %s, want %d naming %q", w.Code, w.Body, tc.status, tc.field)
			}
		})
	}
	if w := h.do(t, "GET", leadgate.AdminPath("links", "revoke"), "", ""); w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "POST" {
		t.Fatalf("GET: %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
}
