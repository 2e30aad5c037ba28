package httpapi_test

import (
	"encoding/binary"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/bolt"
	"leadgate/shared/capture"
)

// The capture route's benchmarks; shared/bolt's capture_bench_test.go has the plain
// 1 KB bbolt write they are weighed against, and the store's and service's parts.

// generousLimits keeps the rate limits in every capture without refusing any, and
// lifts the form token's use limit: a repeat posts one token again and again.
func generousLimits(c *capture.Config) { c.RatePerIP, c.FormTokenUses = 1<<30, 0 }

// newLeadPosts returns the function that posts the i-th of n JSON captures of new
// addresses through the whole route (parse, validate, one bbolt write transaction
// with fsync, answer), a millisecond after the one before, and the function that
// makes the writes the captures left to the store's feed (bolt.Store.CatchUp): a
// benchmark times it with the captures, whose cost it is.
func newLeadPosts(b *testing.B, n int) (post func(i int), catchUp func()) {
	h := newHarness(b, generousLimits)
	bodies := make([]string, n)
	for i := range bodies {
		bodies[i] = h.lead(fmt.Sprintf("bench%09d@example.com", i), nil)
	}
	catchUp = func() {
		if err := h.store.CatchUp(); err != nil {
			b.Fatal(err)
		}
	}
	return func(i int) {
		h.now = h.now.Add(time.Millisecond)
		r := httptest.NewRequest("POST", leadsURL, strings.NewReader(bodies[i]))
		r.Header.Set("Content-Type", jsonType)
		r.RemoteAddr = fmt.Sprintf("198.51.100.%d:1234", i%250)
		w := httptest.NewRecorder()
		h.handler.ServeHTTP(w, r)
		if w.Code != 201 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}, catchUp
}

// BenchmarkCaptureNewLead measures one JSON capture of a new address through the
// whole route.
func BenchmarkCaptureNewLead(b *testing.B) {
	post, catchUp := newLeadPosts(b, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		post(i)
	}
	catchUp()
}

// BenchmarkCaptureRepeat measures the answer to a repeat within the dedupe window.
func BenchmarkCaptureRepeat(b *testing.B) {
	h := newHarness(b, generousLimits)
	body := h.lead("repeat@example.com", nil)
	if w := h.do("POST", leadsURL, jsonType, body, nil); w.Code != 201 {
		b.Fatalf("first capture: status %d: %s", w.Code, w.Body)
	}
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

// BenchmarkCaptureVsBoltWrite1KB alternates a plain 1 KB bbolt write, with the
// store's options, and a capture of a new address through the route, and reports
// the capture's time as a multiple of the write's (x-bolt-write): the two share the
// disk's drifts in speed, which separate benchmarks do not. Which of the two goes
// first alternates: the second may wait on what the first left the disk to do.
func BenchmarkCaptureVsBoltWrite1KB(b *testing.B) {
	db, err := bbolt.Open(filepath.Join(b.TempDir(), "bare.db"), 0o600, bolt.OpenOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	bucket, value := []byte("values"), []byte(strings.Repeat("abcdefgh", 128))
	if err := db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket(bucket); return err }); err != nil {
		b.Fatal(err)
	}
	post, catchUp := newLeadPosts(b, b.N)
	var postTime, writeTime time.Duration
	b.ResetTimer()
	write := func(i int) time.Duration {
		key := binary.BigEndian.AppendUint64(nil, uint64(i))
		t := time.Now()
		if err := db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucket).Put(key, value) }); err != nil {
			b.Fatal(err)
		}
		return time.Since(t)
	}
	capture := func(i int) time.Duration {
		t := time.Now()
		post(i)
		return time.Since(t)
	}
	for i := range b.N {
		if i%2 == 0 { // which of the two goes first alternates
			writeTime += write(i)
			postTime += capture(i)
		} else {
			postTime += capture(i)
			writeTime += write(i)
		}
	}
	t := time.Now()
	catchUp()
	postTime += time.Since(t)
	b.StopTimer()
	b.ReportMetric(float64(postTime.Nanoseconds())/float64(b.N), "capture-ns/op")
	b.ReportMetric(float64(writeTime.Nanoseconds())/float64(b.N), "write-ns/op")
	b.ReportMetric(float64(postTime)/float64(writeTime), "x-bolt-write")
}
