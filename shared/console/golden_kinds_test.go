package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"leadgate/shared/console"
	"leadgate/shared/golden"
	"leadgate/shared/leadgate"
)

// kindMarks are the marks of the magnet kinds' renderers (see
// TestGoldenCoversEveryRenderer).
var kindMarks = map[string]string{
	"writeDeliveryChoice":  `<input type="radio" id="delivery-bundle" name="delivery" value="bundle"`,
	"writeKindSettings":    `<input id="link_url" name="link_url" type="text" maxlength="2000"`,
	"writeBundle":          `<h2 id="bundle-title">Files</h2>`,
	"writeCouponPool":      `<form class="form" method="post" enctype="multipart/form-data" action="/console/magnets/ten-off/coupons"`,
	"writeTrialSecret":     `<code id="trial-secret">`,
	"writeDeliverySummary": `Bundle of 3 files`,
}

// putKindMagnets stores a magnet of each kind but a file: a bundle of three
// files (one labelled), a link, a coupon pool of 5 codes with 2 claimed and an
// alert below 4, and a trial with a signed token.
func putKindMagnets(t *testing.T, store leadgate.Store) {
	t.Helper()
	ctx := context.Background()
	bundle := leadgate.Magnet{ID: "kit", Title: "The launch kit", Kind: "kit", Delivery: leadgate.DeliveryBundle, Bundle: []leadgate.MagnetFile{
		{ObjectKey: leadgate.BundleFileKey("kit", "Guide.pdf"), FileName: "Guide.pdf", ContentType: "application/pdf", Size: 1 << 20, Label: "The guide <40 pages>"},
		{ObjectKey: leadgate.BundleFileKey("kit", "Sheet.xlsx"), FileName: "Sheet.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Size: 20 << 10},
		{ObjectKey: leadgate.BundleFileKey("kit", "Checklist.pdf"), FileName: "Checklist.pdf", ContentType: "application/pdf", Size: 3 << 10},
	}}
	link := leadgate.Magnet{ID: "webinar", Title: "Webinar seat", Kind: "webinar", Delivery: leadgate.DeliveryLink, LinkURL: "https://events.example.com/webinar/42?ref=lg"}
	coupon := leadgate.Magnet{ID: "ten-off", Title: "Ten percent off", Kind: "coupon", Delivery: leadgate.DeliveryCoupon, CouponAlertBelow: 4, CouponAlertTo: "ops@example.com"}
	trial := leadgate.Magnet{ID: "trial", Title: "Pro trial", Kind: "trial", Delivery: leadgate.DeliveryTrial,
		TrialURL: "https://app.example.com/signup?plan=pro", TrialMode: leadgate.TrialSigned, TrialParam: "lg"}
	for _, m := range []leadgate.Magnet{bundle, link, coupon, trial} {
		m.CreatedAt = goldenNow.Add(-48 * time.Hour)
		if err := m.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := store.PutMagnet(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.AddCoupons(ctx, coupon.ID, []string{"A1", "A2", "A3", "A4", "A5"}); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"h1", "h2"} {
		if _, err := store.ClaimCoupon(ctx, coupon.ID, h, goldenNow); err != nil {
			t.Fatal(err)
		}
	}
}

// The magnet pages of each kind: its settings form with the kind chosen, and what
// its page adds (a bundle's files, a pool's codes, a trial's secret); refused
// forms with each message beside its field, nothing saved.
func TestGoldenMagnetKindPages(t *testing.T) {
	s := newGoldenSite(t, false, func(st leadgate.Store) { putKindMagnets(t, st) })
	cases := []struct {
		name, method, target string
		body                 url.Values
		status               int
	}{
		{name: "magnets-kinds", method: "GET", target: console.MagnetsPath, status: 200},
		{name: "magnet-bundle", method: "GET", target: console.MagnetPath("kit") + "?arranged=1", status: 200},
		{name: "magnet-bundle-invalid", method: "POST", target: console.MagnetBundlePath("kit"), status: 422,
			body: url.Values{"files": {"3"}, "label.0": {"Guide"}, "label.1": {strings.Repeat("x", 121)}, "label.2": {""}}},
		{name: "magnet-link", method: "GET", target: console.MagnetPath("webinar"), status: 200},
		{name: "magnet-link-invalid", method: "POST", target: console.MagnetPath("webinar"), status: 422,
			body: url.Values{"title": {"Webinar seat"}, "delivery": {"link"}, "link_url": {"http://192.168.1.10/webinar"}}},
		{name: "magnet-coupon", method: "GET", target: console.MagnetPath("ten-off") + "?added=5", status: 200},
		{name: "magnet-coupon-invalid", method: "POST", target: console.MagnetCouponsPath("ten-off"), status: 422,
			body: url.Values{"codes": {"code\nGOOD-1\nnot good"}}},
		{name: "magnet-trial", method: "GET", target: console.MagnetPath("trial"), status: 200},
		{name: "magnet-new-coupon-invalid", method: "POST", target: console.NewMagnetPath, status: 422,
			body: url.Values{"id": {"spring-deal"}, "title": {"Spring deal"}, "delivery": {"coupon"}, "coupon_alert_below": {"lots"}, "coupon_alert_to": {"not an address"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.body != nil {
				tc.body.Set("csrf", goldenCSRF(t))
			}
			golden.Check(t, tc.name+".html", s.page(t, tc.method, tc.target, tc.body, true, tc.status))
		})
	}
}
