package alerts_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"leadgate/shared/alerts"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// TestCouponsLowAlertOncePerPool: the submissions of a coupon page tell the
// magnet's alert address once, when the pool has fallen below the threshold, however
// often the changes come; codes added later make a new pool that alerts again.
func TestCouponsLowAlertOncePerPool(t *testing.T) {
	ctx := context.Background()
	store := open(t)
	box := &mailbox{}
	reaction := alerts.NewCouponAlerts(store, box, "alerts@example.com", func() time.Time { return storetest.T0 })
	m := storetest.KindMagnets()[leadgate.DeliveryCoupon]
	m.CouponAlertBelow = 3
	if err := store.PutMagnet(ctx, m); err != nil {
		t.Fatal(err)
	}
	p := storetest.Page("deal")
	p.MagnetID = m.ID
	if err := store.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	codes := func(from, n int) []string {
		var out []string
		for i := from; i < from+n; i++ {
			out = append(out, fmt.Sprintf("CODE-%d", i))
		}
		return out
	}
	if _, err := store.AddCoupons(ctx, m.ID, codes(0, 5)); err != nil {
		t.Fatal(err)
	}
	claim := func(i int) leadgate.Change {
		t.Helper()
		email := fmt.Sprintf("lead%d@example.com", i)
		if _, err := store.ClaimCoupon(ctx, m.ID, "holder-"+email, storetest.T0); err != nil {
			t.Fatal(err)
		}
		ch := capture(t, store, p, email, storetest.T0.Add(time.Duration(i)*time.Second))
		if ch.Submission.MagnetID != m.ID {
			t.Fatalf("submission for magnet %q", ch.Submission.MagnetID)
		}
		return ch
	}
	handle := func(ch leadgate.Change) {
		t.Helper()
		if err := reaction.HandleChange(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	// 5 codes, alert below 3: the first two claims leave 4 and 3.
	for i := range 2 {
		handle(claim(i))
	}
	if len(box.sent) != 0 {
		t.Fatalf("alerted with 3 codes left: %+v", box.sent)
	}
	low := claim(2) // 2 left
	for range 3 {   // redelivered
		handle(low)
	}
	handle(claim(3)) // 1 left: the same pool, alerted already
	if len(box.sent) != 1 {
		t.Fatalf("%d alerts, want 1", len(box.sent))
	}
	got := box.sent[0]
	if got.To != m.CouponAlertTo || got.From != "alerts@example.com" || !strings.Contains(got.Subject, "has 2 left") {
		t.Fatalf("alert %+v", got)
	}
	// More codes, then a claim that leaves the larger pool low again.
	if _, err := store.AddCoupons(ctx, m.ID, codes(5, 1)); err != nil {
		t.Fatal(err)
	}
	handle(claim(4))
	if len(box.sent) != 2 || !strings.Contains(box.sent[1].Subject, "has 1 left") {
		t.Fatalf("after more codes: %+v", box.sent)
	}
	// Changes of other kinds, or of pages of other magnets, read nothing and send nothing.
	other := storetest.Page("other")
	if err := store.PutPage(ctx, other); err != nil {
		t.Fatal(err)
	}
	handle(capture(t, store, other, "x@example.com", storetest.T0))
	handle(leadgate.Change{Kind: leadgate.DownloadMade, Download: &leadgate.Download{GrantID: "g", Page: p.Slug}})
	if len(box.sent) != 2 {
		t.Fatalf("%d alerts, want still 2", len(box.sent))
	}
}

// TestCouponsLowAlertOnConfirmation: a double opt-in page claims at confirmation,
// whose change names the page: the alert follows it.
func TestCouponsLowAlertOnConfirmation(t *testing.T) {
	ctx := context.Background()
	store := open(t)
	box := &mailbox{}
	reaction := alerts.NewCouponAlerts(store, box, "alerts@example.com", func() time.Time { return storetest.T0 })
	m := storetest.KindMagnets()[leadgate.DeliveryCoupon]
	m.CouponAlertBelow = 2
	if err := store.PutMagnet(ctx, m); err != nil {
		t.Fatal(err)
	}
	p := storetest.Page("deal")
	p.MagnetID, p.OptIn = m.ID, leadgate.OptInDouble
	if err := store.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := store.AddCoupons(ctx, m.ID, []string{"A", "B"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.ClaimCoupon(ctx, m.ID, "holder", storetest.T0); err != nil {
		t.Fatal(err)
	}
	ch := leadgate.Change{Kind: leadgate.LeadConfirmed, Confirmation: &leadgate.Confirmation{ID: "c", Page: p.Slug, Email: "ada@example.com"}}
	if err := reaction.HandleChange(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if len(box.sent) != 1 || box.sent[0].To != m.CouponAlertTo {
		t.Fatalf("alerts %+v", box.sent)
	}
}
