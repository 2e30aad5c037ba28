package httpapi_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"leadgate/shared/capture"
)

// generousLimits keeps the rate counters in every write without refusing any.
func generousLimits(c *capture.Config) { c.RatePerEmail, c.RatePerIP = 1<<30, 1<<30 }

// BenchmarkCaptureNewLead measures one JSON capture of a new address through the
// whole route (parse, validate, one bbolt write transaction with fsync).
func BenchmarkCaptureNewLead(b *testing.B) {
	h := newHarness(b, generousLimits)
	bodies := make([]string, b.N)
	for i := range bodies {
		bodies[i] = h.lead(fmt.Sprintf("bench%09d@example.com", i), nil)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		h.now = h.now.Add(time.Millisecond)
		r := httptest.NewRequest("POST", leadsURL, strings.NewReader(bodies[i]))
		r.Header.Set("Content-Type", jsonType)
		r.RemoteAddr = fmt.Sprintf("198.51.100.%d:1234", i%250)
		w := httptest.NewRecorder()
		h.handler.ServeHTTP(w, r)
		if w.Code != 201 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkCaptureRepeat measures the answer to a repeat within the dedupe window.
func BenchmarkCaptureRepeat(b *testing.B) {
	h := newHarness(b, generousLimits)
	body := h.lead("repeat@example.com", nil)
	h.do("POST", leadsURL, jsonType, body, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r := httptest.NewRequest("POST", leadsURL, strings.NewReader(body))
		r.Header.Set("Content-Type", jsonType)
		r.RemoteAddr = fmt.Sprintf("198.51.100.%d:1234", i%250)
		w := httptest.NewRecorder()
		h.handler.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
