package httpapi_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/downloads"
	"leadgate/shared/golden"
	"leadgate/shared/httpapi"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/signing"
)

// deliveryHarness serves the download route over the embedded store, with the
// signing key trials sign with.
type deliveryHarness struct {
	store   *bolt.Store
	key     *signing.Key
	now     time.Time
	handler http.Handler
}

func newDeliveryHarness(t *testing.T) *deliveryHarness {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	key, err := signing.NewKey([]byte(goldenSecret))
	if err != nil {
		t.Fatal(err)
	}
	h := &deliveryHarness{store: store, key: key, now: storetest.T0.Add(time.Hour)}
	svc := downloads.New(store, goldenObjects{}, key, func() time.Time { return h.now })
	h.handler = httpapi.NewDownloadAPI(svc, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))).Handler()
	return h
}

// grant stores the grant a capture on a page of magnet m makes, with token.
func (h *deliveryHarness) grant(t *testing.T, token string, m leadgate.Magnet, code string) leadgate.Grant {
	t.Helper()
	page := storetest.Page("offers")
	page.MagnetID = m.ID
	sub := storetest.Capture(page, "reader@example.com", storetest.T0, "x").Submission
	sub.LeadID = "lead-1"
	g := leadgate.NewGrant(token, sub, page, m)
	g.Code = code
	if err := h.store.PutGrant(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	return g
}

// press POSTs to a link, as its page's button does: the person's click that
// delivers (a GET of the link is only its page).
func (h *deliveryHarness) press(t *testing.T, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, nil))
	return w
}

func (h *deliveryHarness) get(t *testing.T, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	return w
}

func TestDeliveryBundle(t *testing.T) {
	h := newDeliveryHarness(t)
	token := strings.Repeat("b", 32)
	g := h.grant(t, token, storetest.KindMagnets()[leadgate.DeliveryBundle], "")
	w := h.press(t, leadgate.DownloadPath(token))
	if w.Code != http.StatusOK {
		t.Fatalf("bundle page: %d", w.Code)
	}
	golden.Check(t, "delivery-bundle.html", w.Body.Bytes())
	for _, file := range []string{"2", "0", "2"} {
		w := h.get(t, leadgate.DownloadPath(token)+"?file="+file)
		if w.Code != http.StatusFound || !strings.HasPrefix(w.Header().Get("Location"), "https://objects.example/magnets/kit-") {
			t.Fatalf("file %s: %d %s", file, w.Code, w.Header().Get("Location"))
		}
	}
	if w := h.get(t, leadgate.DownloadPath(token)+"?file=2"); !strings.Contains(w.Header().Get("Location"), "kit-checklist.pdf") {
		t.Fatalf("file 2 went to %s", w.Header().Get("Location"))
	}
	for _, bad := range []string{"3", "-1", "x", "99"} {
		if w := h.get(t, leadgate.DownloadPath(token)+"?file="+bad); w.Code != http.StatusNotFound {
			t.Fatalf("file %s: %d, want 404", bad, w.Code)
		}
	}
	got, err := h.store.Grant(context.Background(), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Downloads != 1 || !slices.Equal(got.FileDownloads, []int{1, 0, 3}) {
		t.Fatalf("counts: link opened %d times, files %v; want 1, [1 0 3]", got.Downloads, got.FileDownloads)
	}
}

func TestDeliveryCoupon(t *testing.T) {
	h := newDeliveryHarness(t)
	token := strings.Repeat("c", 32)
	h.grant(t, token, storetest.KindMagnets()[leadgate.DeliveryCoupon], "SAVE10-<ABC>")
	w := h.press(t, leadgate.DownloadPath(token))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "SAVE10-&lt;ABC&gt;") {
		t.Fatalf("coupon page: %d %s", w.Code, w.Body)
	}
	golden.Check(t, "delivery-coupon.html", w.Body.Bytes())
	ended := strings.Repeat("e", 32)
	h.grant(t, ended, storetest.KindMagnets()[leadgate.DeliveryCoupon], "")
	if w := h.press(t, leadgate.DownloadPath(ended)); !strings.Contains(w.Body.String(), "This offer has ended") {
		t.Fatalf("coupon without a code: %s", w.Body)
	}
}

func TestDeliveryLinkCounted(t *testing.T) {
	h := newDeliveryHarness(t)
	token := strings.Repeat("l", 32)
	m := storetest.KindMagnets()[leadgate.DeliveryLink]
	g := h.grant(t, token, m, "")
	// A scanner's GET gets the link's page: no redirect, nothing counted.
	if w := h.get(t, leadgate.DownloadPath(token)); w.Code != http.StatusOK || w.Header().Get("Location") != "" {
		t.Fatalf("GET of a link magnet's link: %d %s", w.Code, w.Header().Get("Location"))
	}
	for range 2 {
		if w := h.press(t, leadgate.DownloadPath(token)); w.Code != http.StatusSeeOther || w.Header().Get("Location") != m.LinkURL {
			t.Fatalf("link: %d %s", w.Code, w.Header().Get("Location"))
		}
	}
	if got, _ := h.store.Grant(context.Background(), g.ID); got.Downloads != 2 {
		t.Fatalf("link clicks counted %d, want 2", got.Downloads)
	}
}

func TestDeliveryTrial(t *testing.T) {
	h := newDeliveryHarness(t)
	signed := storetest.KindMagnets()[leadgate.DeliveryTrial]
	token := strings.Repeat("t", 32)
	h.grant(t, token, signed, "")
	w := h.press(t, leadgate.DownloadPath(token))
	loc, err := url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusSeeOther || err != nil || loc.Host != "app.example.com" || loc.Query().Get("plan") != "pro" {
		t.Fatalf("trial: %d %s", w.Code, w.Header().Get("Location"))
	}
	if strings.Contains(loc.String(), "reader") {
		t.Fatalf("a signed trial carries the address in the clear: %s", loc)
	}
	email, err := signing.VerifyTrialToken(h.key.TrialSecret(signed.ID), loc.Query().Get("lg"), h.now)
	if err != nil || email != "reader@example.com" {
		t.Fatalf("trial token: %q %v", email, err)
	}
	if _, err := signing.VerifyTrialToken(h.key.TrialSecret("other"), loc.Query().Get("lg"), h.now); err == nil {
		t.Fatal("another magnet's secret verified the token")
	}
	if _, err := signing.VerifyTrialToken(h.key.TrialSecret(signed.ID), loc.Query().Get("lg"), h.now.Add(2*time.Hour)); err == nil {
		t.Fatal("an expired token verified")
	}
	plain := signed
	plain.ID, plain.TrialMode, plain.TrialParam = "trial-plain", "", ""
	token2 := strings.Repeat("p", 32)
	h.grant(t, token2, plain, "")
	w = h.press(t, leadgate.DownloadPath(token2))
	if loc, _ := url.Parse(w.Header().Get("Location")); loc == nil || loc.Query().Get("email") != "reader@example.com" {
		t.Fatalf("plain trial: %s", w.Header().Get("Location"))
	}
}
