package dynamodb_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"leadgate/shared/capture"
	"leadgate/shared/configcache"
	"leadgate/shared/dynamodb"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/signing"
)

// BenchmarkCaptureRequests counts the DynamoDB requests of warm captures through the
// capture service on the cached store, as the capture function makes them: a new
// lead, the same lead on another page (returning), and the same post again (a
// repeat). make bench reads its metrics ddb-requests-new, -returning and -repeat.
func BenchmarkCaptureRequests(b *testing.B) {
	counting := &countingTransport{next: http.DefaultTransport}
	client := newClient(b, &http.Client{Transport: counting})
	s := dynamodb.New(client, newTable(b, client))
	ctx := testContext(b)
	first, other := storetest.Page("bench-a"), storetest.Page("bench-b")
	for _, p := range []leadgate.Page{first, other} {
		if err := s.PutPage(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.PutMagnet(ctx, storetest.Magnet()); err != nil {
		b.Fatal(err)
	}
	key, err := signing.NewKey([]byte(strings.Repeat("bench-capture-secret", 2)))
	if err != nil {
		b.Fatal(err)
	}
	now := storetest.T0
	cfg := capture.DefaultConfig()
	cfg.RatePerIP = 1 << 30 // one address posts every lead here
	svc := capture.New(configcache.New(s, time.Hour, time.Now), key, cfg, func() time.Time { return now })
	post := func(p leadgate.Page, email string) capture.Request {
		return capture.Request{Slug: p.Slug, IP: "203.0.113.9", UserAgent: "Mozilla/5.0 (bench)", Values: map[string]string{
			"email": email, "name": "Ada Lovelace", "consent": "on",
			"form_token": key.FormToken(p.Slug, now.Add(-10*time.Second)),
		}}
	}
	for _, p := range []leadgate.Page{first, other} { // warm the cache
		if _, err := svc.Page(ctx, p.Slug); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Capture(ctx, post(p, "warm@example.com")); err != nil {
			b.Fatal(err)
		}
	}
	var newLead, returning, repeat int64
	count := func(p leadgate.Page, email string, want func(capture.Result) bool) int64 {
		before := counting.n.Load()
		res, err := svc.Capture(ctx, post(p, email))
		if err != nil {
			b.Fatal(err)
		}
		if !want(res) {
			b.Fatalf("unexpected capture result %+v", res)
		}
		return counting.n.Load() - before
	}
	b.ResetTimer()
	for i := range b.N {
		now = now.Add(time.Second)
		email := fmt.Sprintf("lead-%d@example.com", i)
		newLead += count(first, email, func(r capture.Result) bool { return r.LeadCreated })
		returning += count(other, email, func(r capture.Result) bool { return !r.LeadCreated && !r.Repeat })
		repeat += count(other, email, func(r capture.Result) bool { return r.Repeat })
	}
	b.ReportMetric(float64(newLead)/float64(b.N), "ddb-requests-new")
	b.ReportMetric(float64(returning)/float64(b.N), "ddb-requests-returning")
	b.ReportMetric(float64(repeat)/float64(b.N), "ddb-requests-repeat")
}
