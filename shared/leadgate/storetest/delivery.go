package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// RunDeliveryConformance checks every kind of magnet on a store: each kind's
// magnet and grant round-trip, a bundle's files are counted each, a coupon pool
// hands each code out once, the same code to a repeat, and ends when empty.
func RunDeliveryConformance(t *testing.T, newStore NewStore) {
	t.Run("EveryKindRoundTrips", func(t *testing.T) { testKindsRoundTrip(t, newStore(t)) })
	t.Run("BundleFilesCountedEach", func(t *testing.T) { testBundleDownloads(t, newStore(t)) })
	t.Run("CouponPoolClaims", func(t *testing.T) { testCouponPool(t, newStore(t)) })
	t.Run("ConcurrentCouponClaimsDistinct", func(t *testing.T) { testConcurrentCoupons(t, newStore(t), 500) })
}

// KindMagnets returns a valid magnet of every kind, by kind.
func KindMagnets() map[leadgate.Delivery]leadgate.Magnet {
	base := func(id string, d leadgate.Delivery) leadgate.Magnet {
		return leadgate.Magnet{ID: id, Title: "The " + id, Kind: "offer", Delivery: d, CreatedAt: T0}
	}
	bundle := base("kit", leadgate.DeliveryBundle)
	bundle.Bundle = []leadgate.MagnetFile{
		{ObjectKey: "magnets/kit-guide.pdf", FileName: "Guide.pdf", ContentType: "application/pdf", Size: 1200, Label: "The guide, 40 pages"},
		{ObjectKey: "magnets/kit-sheet.xlsx", FileName: "Sheet.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{ObjectKey: "magnets/kit-checklist.pdf", FileName: "Checklist.pdf", ContentType: "application/pdf"},
	}
	link := base("webinar", leadgate.DeliveryLink)
	link.LinkURL = "https://events.example.com/webinar/42?ref=leadgate"
	coupon := base("ten-off", leadgate.DeliveryCoupon)
	coupon.CouponAlertBelow, coupon.CouponAlertTo = 10, "ops@example.com"
	trial := base("trial", leadgate.DeliveryTrial)
	trial.TrialURL, trial.TrialMode, trial.TrialParam = "https://app.example.com/signup?plan=pro", leadgate.TrialSigned, "lg"
	file := Magnet()
	return map[leadgate.Delivery]leadgate.Magnet{
		leadgate.DeliveryFile: file, leadgate.DeliveryBundle: bundle, leadgate.DeliveryLink: link,
		leadgate.DeliveryCoupon: coupon, leadgate.DeliveryTrial: trial,
	}
}

func testKindsRoundTrip(t *testing.T, s leadgate.Store) {
	for kind, m := range KindMagnets() {
		if err := m.Validate(); err != nil {
			t.Fatalf("%s magnet: %v", kind, err)
		}
		if err := s.PutMagnet(ctx(t), m); err != nil {
			t.Fatal(err)
		}
		got, err := s.Magnet(ctx(t), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := equalJSON(got, m); err != nil {
			t.Fatalf("%s magnet: %v", kind, err)
		}
		if got.DeliveryKind() != kind {
			t.Fatalf("%s magnet read back as %s", kind, got.DeliveryKind())
		}
		p := Page("kind-" + string(kind))
		p.MagnetID = m.ID
		mustPutPage(t, s, p)
		c := Capture(p, string(kind)+"@example.com", T0, "x")
		g := leadgate.NewGrant("token-"+string(kind), c.Submission, p, m)
		if kind == leadgate.DeliveryCoupon {
			g.Code = "SAVE10-ABC"
		}
		c.Grant = &g
		res := mustCapture(t, s, c)
		got2 := mustGrant(t, s, g.ID)
		want := g
		want.LeadID = res.Lead.ID
		if err := equalJSON(got2, want); err != nil {
			t.Fatalf("%s grant: %v", kind, err)
		}
		used, err := s.UseGrant(ctx(t), g.ID, T0.Add(time.Minute))
		if err != nil || used.Downloads != 1 || used.DeliveryKind() != kind {
			t.Fatalf("%s grant used: %+v %v", kind, used, err)
		}
	}
}

func testBundleDownloads(t *testing.T, s leadgate.Store) {
	m := KindMagnets()[leadgate.DeliveryBundle]
	p := Page("bundle")
	p.MagnetID = m.ID
	mustPutPage(t, s, p)
	c := Capture(p, "bundle@example.com", T0, "x")
	g := leadgate.NewGrant("token-bundle", c.Submission, p, m)
	c.Grant = &g
	mustCapture(t, s, c)
	at := T0.Add(time.Hour)
	for _, file := range []int{0, 2, 2, 1, 2} {
		if _, err := s.UseGrantFile(ctx(t), g.ID, file, at); err != nil {
			t.Fatalf("download of file %d: %v", file, err)
		}
	}
	_, err := s.UseGrantFile(ctx(t), g.ID, 3, at)
	wantCode(t, "a file the bundle does not hold", err, leadgate.ENOTFOUND)
	_, err = s.UseGrantFile(ctx(t), leadgate.GrantID("no-such-token"), 0, at)
	wantCode(t, "a file of no grant", err, leadgate.ENOTFOUND)
	got := mustGrant(t, s, g.ID)
	if got.Downloads != 0 || !slices.Equal(got.FileDownloads, []int{1, 1, 3}) || !got.LastDownloadAt.Equal(at) {
		t.Fatalf("bundle counts: %d downloads, per file %v, last %v; want the link's 0, files [1 1 3]", got.Downloads, got.FileDownloads, got.LastDownloadAt)
	}
	// An expired bundle link counts nothing.
	_, err = s.UseGrantFile(ctx(t), g.ID, 0, g.ExpiresAt)
	wantCode(t, "a file of an expired grant", err, leadgate.EGONE)
	if again := mustGrant(t, s, g.ID); again.FileDownloads[0] != 1 {
		t.Fatalf("refused download counted: %+v", again)
	}
}

func testCouponPool(t *testing.T, s leadgate.Store) {
	const pool = "ten-off"
	if st, err := s.CouponStock(ctx(t), pool); err != nil || st != (leadgate.CouponStock{}) {
		t.Fatalf("stock of no pool: %+v %v", st, err)
	}
	_, err := s.ClaimCoupon(ctx(t), pool, "holder-a", T0)
	wantCode(t, "claim from an empty pool", err, leadgate.EGONE)
	n, err := s.AddCoupons(ctx(t), pool, []string{"A1", "B2", "C3"})
	if err != nil || n != 3 {
		t.Fatalf("add: %d %v", n, err)
	}
	// An upload that repeats codes adds only the new ones.
	if n, err := s.AddCoupons(ctx(t), pool, []string{"B2", "D4", "D4"}); err != nil || n != 1 {
		t.Fatalf("add again: %d %v, want 1", n, err)
	}
	first, err := s.ClaimCoupon(ctx(t), pool, "holder-a", T0)
	if err != nil || first.Code == "" || first.Repeat || first.Left != 3 {
		t.Fatalf("first claim: %+v %v", first, err)
	}
	again, err := s.ClaimCoupon(ctx(t), pool, "holder-a", T0.Add(time.Hour))
	if err != nil || again.Code != first.Code || !again.Repeat || again.Left != 3 {
		t.Fatalf("repeat claim: %+v %v, want %s again", again, err, first.Code)
	}
	codes := []string{first.Code}
	for _, h := range []string{"holder-b", "holder-c", "holder-d"} {
		c, err := s.ClaimCoupon(ctx(t), pool, h, T0)
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, c.Code)
	}
	slices.Sort(codes)
	if !slices.Equal(codes, []string{"A1", "B2", "C3", "D4"}) {
		t.Fatalf("claimed %v, want each code once", codes)
	}
	_, err = s.ClaimCoupon(ctx(t), pool, "holder-e", T0)
	wantCode(t, "claim from a spent pool", err, leadgate.EGONE)
	if st, err := s.CouponStock(ctx(t), pool); err != nil || st != (leadgate.CouponStock{Added: 4, Claimed: 4}) {
		t.Fatalf("stock: %+v %v, want 4 added, 4 claimed", st, err)
	}
	// Another magnet's pool is its own.
	if st, _ := s.CouponStock(ctx(t), "other"); st.Added != 0 {
		t.Fatalf("other pool: %+v", st)
	}
}

// testConcurrentCoupons claims n codes from a pool of n at once, each claim for
// its own holder, and one more holder twice: no code is given twice, none is lost.
func testConcurrentCoupons(t *testing.T, s leadgate.Store, n int) {
	const pool = "race"
	codes := make([]string, n)
	for i := range codes {
		codes[i] = fmt.Sprintf("CODE-%04d", i)
	}
	// An emulator on a busy machine takes its time over 500 codes: the bound is
	// for a hang, not for speed.
	long, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if added, err := s.AddCoupons(long, pool, codes); err != nil || added != n {
		t.Fatalf("add: %d %v", added, err)
	}
	got := make([]string, n+1)
	errs := make([]error, n+1)
	var wg sync.WaitGroup
	for i := 0; i <= n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			holder := fmt.Sprintf("holder-%d", i)
			if i == n {
				holder = "holder-0" // a repeat, racing its own first claim
			}
			c, err := s.ClaimCoupon(long, pool, holder, T0)
			got[i], errs[i] = c.Code, err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
	}
	if got[0] != got[n] {
		t.Fatalf("the same holder got %s and %s", got[0], got[n])
	}
	claimed := slices.Clone(got[:n])
	slices.Sort(claimed)
	if !slices.Equal(claimed, codes) {
		t.Fatalf("claimed codes differ from the pool: a code given twice or lost")
	}
	_, err := s.ClaimCoupon(ctx(t), pool, "late", T0)
	wantCode(t, "claim after the race", err, leadgate.EGONE)
	if st, err := s.CouponStock(ctx(t), pool); err != nil || st.Left() != 0 || st.Claimed != n {
		t.Fatalf("stock after the race: %+v %v", st, err)
	}
}
