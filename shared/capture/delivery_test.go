package capture_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"leadgate/shared/bolt"
	"leadgate/shared/capture"
	"leadgate/shared/dynamodb"
	"leadgate/shared/lambdainit"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/signing"
	"leadgate/shared/testenv"
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
	page := putCouponPage(t, store, "coupon-page")
	if _, err := store.AddCoupons(ctx, page.MagnetID, []string{"C1", "C2", "C3"}); err != nil {
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
	code := func(res capture.Result) string { return grantCode(t, store, res) }
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

// onEachStore runs test on the embedded store and on DynamoDB Local, each a new
// one.
func onEachStore(t *testing.T, test func(t *testing.T, store leadgate.Store)) {
	t.Run("bolt", func(t *testing.T) {
		store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		test(t, store)
	})
	t.Run("dynamodb", func(t *testing.T) {
		endpoint := testenv.Endpoint(t, "LEADGATE_DYNAMODB_ENDPOINT", "start DynamoDB Local with `bash infra/local/dynamodb-local.sh start` (make test does)")
		table := "leadgate-coupons-" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
		env := map[string]string{"TABLE_NAME": table, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local",
			"AWS_SECRET_ACCESS_KEY": "local", "AWS_ENDPOINT_URL_DYNAMODB": endpoint}
		store, cfg, err := lambdainit.Store(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		client := awsddb.NewFromConfig(cfg)
		if err := dynamodb.CreateTable(context.Background(), client, table); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_, _ = client.DeleteTable(context.Background(), &awsddb.DeleteTableInput{TableName: &table})
		})
		test(t, store)
	})
}

// A coupon is claimed for good, before the capture's write checks the capture's
// limits: so a request over them claims nothing and is answered as the limits
// answer it, 429 for the per-IP limit, a bot's fake success for a form token used
// too often. A repeat under the limits still gets its code. On both stores.
func TestCouponClaimsKeepTheCaptureLimits(t *testing.T) {
	onEachStore(t, testCouponClaimsKeepTheCaptureLimits)
}

// grantCode returns the coupon code of the grant a capture's link opens.
func grantCode(t *testing.T, store leadgate.Store, res capture.Result) string {
	t.Helper()
	g, err := store.Grant(context.Background(), leadgate.GrantID(res.DownloadToken))
	if err != nil {
		t.Fatal(err)
	}
	return g.Code
}

// putCouponPage stores a single opt-in page with that slug gating the coupon magnet,
// and the magnet.
func putCouponPage(t *testing.T, store leadgate.Store, slug string) leadgate.Page {
	t.Helper()
	ctx := context.Background()
	m := storetest.KindMagnets()[leadgate.DeliveryCoupon]
	page := storetest.Page(slug)
	page.MagnetID, page.OptIn, page.UntimedFormsAllowed = m.ID, leadgate.OptInSingle, true
	if err := store.PutMagnet(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := store.PutPage(ctx, page); err != nil {
		t.Fatal(err)
	}
	return page
}

func testCouponClaimsKeepTheCaptureLimits(t *testing.T, store leadgate.Store) {
	ctx := context.Background()
	page := putCouponPage(t, store, "coupon-limits")
	if _, err := store.AddCoupons(ctx, page.MagnetID, []string{"L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8", "L9"}); err != nil {
		t.Fatal(err)
	}
	key, err := signing.NewKey([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	cfg := capture.DefaultConfig()
	cfg.RatePerIP, cfg.FormTokenUses = 3, 2
	svc := capture.New(store, key, cfg, func() time.Time { return now })
	submit := func(email, ip, token string) (capture.Result, error) {
		values := map[string]string{"email": email}
		if token != "" {
			values[leadgate.FieldNameFormToken] = token
		}
		return svc.Capture(ctx, capture.Request{Slug: page.Slug, Values: values, IP: ip})
	}
	claimed := func(want int) {
		t.Helper()
		if st, err := store.CouponStock(ctx, page.MagnetID); err != nil || st.Claimed != want {
			t.Fatalf("stock %+v (%v), want %d claimed", st, err, want)
		}
	}
	code := func(res capture.Result) string { return grantCode(t, store, res) }

	// Per IP: 3 captures, a repeat among them; then new addresses are refused.
	first, err := submit("ada@example.com", "192.0.2.1", "")
	if err != nil {
		t.Fatal(err)
	}
	again, err := submit("ada@example.com", "192.0.2.1", "")
	if err != nil || !again.Repeat || code(again) != code(first) {
		t.Fatalf("repeat: %+v %v, want the first code %s", again, err, code(first))
	}
	if _, err := submit("bo@example.com", "192.0.2.1", ""); err != nil {
		t.Fatal(err)
	}
	claimed(2)
	for _, email := range []string{"cy@example.com", "di@example.com", "ed@example.com"} {
		_, err := submit(email, "192.0.2.1", "")
		if e := leadgate.AsError(err); e == nil || e.Code != leadgate.ERATELIMITED || e.RetryAfter <= 0 {
			t.Fatalf("%s over the per-IP limit: %v, want ERATELIMITED with a wait", email, err)
		}
	}
	claimed(2)

	// Per form token: 2 captures, each from an IP of its own; then the bot's answer.
	token := key.FormToken(page.Slug, now.Add(-10*time.Second))
	for i, email := range []string{"fay@example.com", "gus@example.com"} {
		if res, err := submit(email, fmt.Sprintf("198.51.100.%d", i), token); err != nil || res.Spam != "" || code(res) == "" {
			t.Fatalf("%s: %+v %v", email, res, err)
		}
	}
	claimed(4)
	for i, email := range []string{"hal@example.com", "ivy@example.com"} {
		res, err := submit(email, fmt.Sprintf("198.51.100.%d", 10+i), token)
		if err != nil || res.Spam != "form token reused" {
			t.Fatalf("%s with a used-up token: %+v %v, want the fake success", email, res, err)
		}
	}
	claimed(4)
	for _, email := range []string{"cy@example.com", "hal@example.com"} {
		if _, err := store.LeadByEmail(ctx, email); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
			t.Fatalf("%s stored over a limit: %v", email, err)
		}
	}
}
