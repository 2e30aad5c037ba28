package capture_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"leadgate/shared/capture"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/signing"
)

// 500 captures at once on a coupon page of 500 codes, with a repeat of some
// addresses among them: each address gets one code, a repeat the same; no code is
// handed out twice and none is lost (every code of the pool went to an address);
// the next address finds the offer ended and is not stored. On both stores.
func TestConcurrentCouponCaptures(t *testing.T) {
	onEachStore(t, testConcurrentCouponCaptures)
}

func testConcurrentCouponCaptures(t *testing.T, store leadgate.Store) {
	const codes, repeats = 500, 25
	ctx := context.Background()
	m := storetest.KindMagnets()[leadgate.DeliveryCoupon]
	page := storetest.Page("coupon-rush")
	page.MagnetID, page.OptIn, page.UntimedFormsAllowed = m.ID, leadgate.OptInSingle, true
	if err := store.PutMagnet(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := store.PutPage(ctx, page); err != nil {
		t.Fatal(err)
	}
	pool := make([]string, codes)
	for i := range pool {
		pool[i] = fmt.Sprintf("RUSH-%04d", i)
	}
	if n, err := store.AddCoupons(ctx, m.ID, pool); err != nil || n != codes {
		t.Fatalf("added %d (%v)", n, err)
	}
	key, err := signing.NewKey([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	svc := capture.New(store, key, capture.DefaultConfig(), func() time.Time { return now })
	email := func(i int) string { return fmt.Sprintf("rush%03d@example.com", i) }
	submit := func(i, ip int) (capture.Result, error) {
		return svc.Capture(ctx, capture.Request{Slug: page.Slug, Values: map[string]string{"email": email(i)},
			IP: fmt.Sprintf("10.%d.%d.%d", ip/65536, ip/256%256, ip%256)})
	}
	type got struct {
		email, token string
	}
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		mu      sync.Mutex
		results []got
		errs    []error
	)
	for j := range codes + repeats {
		i := j
		if j >= codes {
			i = (j - codes) * 7 // a repeat of an address of the burst
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := submit(i, j)
			// A capture that failed for a passing reason (DynamoDB Local times out
			// transactions that wait for a lock) is sent again, as the visitor
			// would: the code its claim took must come back to it, not be lost.
			for try := 0; try < 30 && retryable(err); try++ {
				time.Sleep(time.Duration(try+1) * 20 * time.Millisecond)
				res, err = submit(i, j)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", email(i), err))
				return
			}
			results = append(results, got{email(i), res.DownloadToken})
		}()
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d of %d captures failed, first: %v", len(errs), codes+repeats, errs[0])
	}
	byEmail := map[string]string{}
	holder := map[string]string{}
	for _, r := range results {
		g, err := store.Grant(ctx, leadgate.GrantID(r.token))
		if err != nil {
			t.Fatal(err)
		}
		if g.Code == "" {
			t.Fatalf("%s got no code", r.email)
		}
		if c, ok := byEmail[r.email]; ok && c != g.Code {
			t.Fatalf("%s got %s and, repeated, %s", r.email, c, g.Code)
		}
		byEmail[r.email] = g.Code
		if other, ok := holder[g.Code]; ok && other != r.email {
			t.Fatalf("code %s handed to %s and %s", g.Code, other, r.email)
		}
		holder[g.Code] = r.email
	}
	handed := make([]string, 0, len(holder))
	for c := range holder {
		handed = append(handed, c)
	}
	slices.Sort(handed)
	if !slices.Equal(handed, pool) {
		t.Fatalf("%d codes handed out to %d addresses, want each of the %d codes once", len(handed), len(byEmail), codes)
	}
	if st, err := store.CouponStock(ctx, m.ID); err != nil || st.Added != codes || st.Claimed != codes {
		t.Fatalf("stock %+v (%v), want all %d claimed", st, err, codes)
	}
	if _, err := submit(codes, codes+repeats); !errors.Is(err, leadgate.ErrOfferEnded) {
		t.Fatalf("capture on the empty pool: %v, want the offer ended", err)
	}
	if _, err := store.LeadByEmail(ctx, email(codes)); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("a lead was stored on the empty pool: %v", err)
	}
}

// retryable reports whether a visitor's new try may succeed where err failed.
func retryable(err error) bool {
	code := leadgate.ErrorCode(err)
	return code == leadgate.EUNAVAILABLE || code == leadgate.ECONFLICT
}
