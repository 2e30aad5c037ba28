package dynamodb_test

import (
	"testing"
	"time"

	"leadgate/shared/dynamodb"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// BenchmarkCaptureItems builds a capture's transaction, as the capture function
// does on every post: a new lead with its submission, dedupe marker, two rate
// counters and grant. No request is sent.
func BenchmarkCaptureItems(b *testing.B) {
	s := dynamodb.New(nil, "table")
	page := storetest.Page("spring")
	c := storetest.Capture(page, "ada@example.com", storetest.T0, "ads")
	c.RateLimits = []leadgate.RateLimit{
		{Key: "email:hash", Limit: 5, Window: time.Hour},
		{Key: "ip:hash", Limit: 30, Window: time.Hour},
	}
	g := leadgate.NewGrant("token", c.Submission, page, storetest.Magnet())
	c.Grant = &g
	b.ReportAllocs()
	for b.Loop() {
		items, err := s.CaptureItems(c)
		if err != nil || len(items) != 6 {
			b.Fatalf("%d items, %v", len(items), err)
		}
	}
}
