package adminapi_test

import (
	"context"
	"net/http"
	"testing"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// TestDeletePage deletes a page with a lead: 204, the page is gone (404 to read and
// to delete again), and the lead stays.
func TestDeletePage(t *testing.T) {
	h := newAdminHarness(t)
	p := storetest.Page("spring-guide")
	if w := h.do(t, http.MethodPut, leadgate.AdminPath("pages", p.Slug), "application/json", pageJSON(t, p)); w.Code != http.StatusCreated {
		t.Fatalf("PUT page: %d %s", w.Code, w.Body)
	}
	if _, err := h.store.Capture(context.Background(), storetest.Capture(p, "ada@example.com", storetest.T0, "api")); err != nil {
		t.Fatal(err)
	}
	if w := h.do(t, http.MethodDelete, leadgate.AdminPath("pages", p.Slug), "", ""); w.Code != http.StatusNoContent {
		t.Fatalf("DELETE page: %d %s", w.Code, w.Body)
	}
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		if w := h.do(t, method, leadgate.AdminPath("pages", p.Slug), "", ""); w.Code != http.StatusNotFound {
			t.Errorf("%s of a deleted page: %d %s, want 404", method, w.Code, w.Body)
		}
	}
	if _, err := h.store.LeadByEmail(context.Background(), "ada@example.com"); err != nil {
		t.Fatalf("the lead of a deleted page: %v", err)
	}
	if w := h.do(t, http.MethodPost, leadgate.AdminPath("pages", p.Slug), "", ""); w.Header().Get("Allow") != "GET, HEAD, PUT, DELETE" {
		t.Errorf("Allow = %q", w.Header().Get("Allow"))
	}
}
