package capture_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/capture"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/signing"
)

// A single opt-in coupon page: each lead's grant carries its own code, a repeat
// the same one, and an empty pool refuses the lead, storing nothing. (The
// low-pool alert is the pipeline's: shared/alerts.)
func TestCaptureClaimsCoupon(t *testing.T) {
	ctx := context.Background()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	m := storetest.KindMagnets()[leadgate.DeliveryCoupon]
	page := storetest.Page("coupon-page")
	page.MagnetID, page.OptIn, page.UntimedFormsAllowed = m.ID, leadgate.OptInSingle, true
	if err := store.PutMagnet(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := store.PutPage(ctx, page); err != nil {
		t.Fatal(err)
	}
	if _, err := store.AddCoupons(ctx, m.ID, []string{"C1", "C2", "C3"}); err != nil {
		t.Fatal(err)
	}
	key, err := signing.NewKey([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	svc := capture.New(store, key, capture.DefaultConfig(), func() time.Time { return now })
	submit := func(email string) (capture.Result, error) {
		return svc.Capture(ctx, capture.Request{Slug: page.Slug, Values: map[string]string{"email": email}, IP: "192.0.2.1"})
	}
	code := func(res capture.Result) string {
		t.Helper()
		g, err := store.Grant(ctx, leadgate.GrantID(res.DownloadToken))
		if err != nil {
			t.Fatal(err)
		}
		return g.Code
	}
	first, err := submit("ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	again, err := submit("Ada@Example.com")
	if err != nil || !again.Repeat || code(again) != code(first) {
		t.Fatalf("repeat: %+v %v, want the first code %s", again, err, code(first))
	}
	seen := map[string]bool{code(first): true}
	for _, email := range []string{"bo@example.com", "cy@example.com"} {
		res, err := submit(email)
		if err != nil || seen[code(res)] || code(res) == "" {
			t.Fatalf("%s: %+v %v", email, res, err)
		}
		seen[code(res)] = true
	}
	_, err = submit("late@example.com")
	if !errors.Is(err, leadgate.ErrOfferEnded) {
		t.Fatalf("capture on an empty pool: %v, want the offer ended", err)
	}
	if _, err := store.LeadByEmail(ctx, "late@example.com"); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("a lead taken when the offer had ended: %v", err)
	}
}
