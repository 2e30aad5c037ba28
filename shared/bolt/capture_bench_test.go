package bolt_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/bolt"
	"leadgate/shared/capture"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/signing"
)

// A capture is one write transaction, weighed against one plain 1 KB write with the
// same options (BenchmarkBoltWrite1KB). BenchmarkBoltWriteCaptureItems writes a new
// lead's items alone, shaped and sized as a capture writes them: the floor of the
// layout. BenchmarkCaptureNewLead measures the store's part of a capture,
// BenchmarkCaptureServiceNewLead the capture service on the store, and shared/httpapi's
// BenchmarkCaptureNewLead the route a form posts to. The disk's speed drifts between
// runs, so BenchmarkCaptureVsBoltWrite1KB alternates each with plain writes and
// reports the ratio (x-bolt-write). pages/op counts the pages the commits write and
// sync to disk, which take most of a commit's time.

// bareFile is a bbolt file of 1 KB values under growing keys, opened as Open does.
type bareFile struct {
	db     *bbolt.DB
	bucket []byte
	value  []byte
	n      uint64
}

func openBareFile(b *testing.B) *bareFile {
	b.Helper()
	db, err := bbolt.Open(filepath.Join(b.TempDir(), "bare.db"), 0o600, bolt.OpenOptions())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	f := &bareFile{db: db, bucket: []byte("values"), value: make([]byte, 1024)}
	for i := range f.value {
		f.value[i] = byte('a' + i%26)
	}
	if err := db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket(f.bucket); return err }); err != nil {
		b.Fatal(err)
	}
	return f
}

// write stores one more value in one write transaction.
func (f *bareFile) write(b *testing.B) {
	f.n++
	key := binary.BigEndian.AppendUint64(nil, f.n)
	if err := f.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(f.bucket).Put(key, f.value) }); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBoltWrite1KB measures one bbolt write transaction that stores a 1 KB value
// under a new key, with the options of Open (a sync to disk at each commit).
func BenchmarkBoltWrite1KB(b *testing.B) {
	f := openBareFile(b)
	b.ReportAllocs()
	defer reportPages(b, f.db)()
	for range b.N {
		f.write(b)
	}
}

// reportPages resets the timer and returns the function that reports, per
// operation since, the pages the commits wrote and the time bbolt spent writing and
// syncing them.
func reportPages(b *testing.B, db *bbolt.DB) func() {
	stats := func() bbolt.TxStats { return db.Stats().TxStats }
	before := stats()
	b.ResetTimer()
	return func() {
		b.StopTimer()
		after := stats()
		b.ReportMetric(float64(after.GetWrite()-before.GetWrite())/float64(b.N), "pages/op")
		b.ReportMetric(float64(after.GetWriteTime()-before.GetWriteTime())/float64(b.N), "disk-ns/op")
	}
}

// captureItems returns the function that writes the i-th of n sets of items shaped as
// a new lead's capture writes them, in one write transaction with nothing else: two
// changes at the end of the feed, with a capture's sizes (the second carries the
// writes left to the feed: pendingWrites). It is what the store's layout costs a
// capture, whatever the code around it does; the catch-up's batched writes are not
// in it.
func captureItems(b *testing.B, db *bbolt.DB) func(i int) {
	changes := []byte("changes")
	err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucket(changes)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	leadChange, subChange := bytes.Repeat([]byte{'v'}, 1053), bytes.Repeat([]byte{'v'}, 1598)
	return func(int) {
		err := db.Update(func(tx *bbolt.Tx) error {
			feed := tx.Bucket(changes)
			feed.FillPercent = 1
			for _, v := range [][]byte{leadChange, subChange} {
				seq, err := feed.NextSequence()
				if err != nil {
					return err
				}
				if err := feed.Put(binary.BigEndian.AppendUint64(nil, seq), v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBoltWriteCaptureItems measures captureItems: the floor of a capture on this
// layout.
func BenchmarkBoltWriteCaptureItems(b *testing.B) {
	f := openBareFile(b)
	write := captureItems(b, f.db)
	b.ReportAllocs()
	defer reportPages(b, f.db)()
	for i := range b.N {
		write(i)
	}
}

// storeCaptures returns n captures of new addresses on p, as the capture service asks
// for them: two rate limits and a grant each.
func storeCaptures(p leadgate.Page, n int) []leadgate.Capture {
	captures := make([]leadgate.Capture, n)
	for i := range captures {
		at := storetest.T0.Add(time.Duration(i) * time.Millisecond)
		c := storetest.Capture(p, fmt.Sprintf("bench%09d@example.com", i), at, "newsletter")
		c.RateLimits = []leadgate.RateLimit{
			{Key: fmt.Sprintf("email:%09d", i), Limit: 1 << 30, Window: time.Hour},
			{Key: fmt.Sprintf("ip:%d", i%250), Limit: 1 << 30, Window: time.Hour},
		}
		g := leadgate.NewGrant(fmt.Sprintf("token%09d", i), c.Submission, p, storetest.Magnet())
		c.Grant = &g
		captures[i] = c
	}
	return captures
}

// newStoreBench returns a store with a page, and the function that records the i-th
// of n captures of new addresses.
func newStoreBench(b *testing.B, n int) (*bolt.Store, func(i int)) {
	s := MustOpen(b)
	ctx := context.Background()
	p := storetest.Page("bench")
	if err := s.PutPage(ctx, p); err != nil {
		b.Fatal(err)
	}
	captures := storeCaptures(p, n)
	return s, func(i int) {
		res, err := s.Capture(ctx, captures[i])
		if err != nil {
			b.Fatal(err)
		}
		if !res.LeadCreated {
			b.Fatalf("capture %d: no new lead", i)
		}
	}
}

// BenchmarkCaptureNewLead measures the store's part of a capture of a new address:
// the one write transaction with lead, submission, dedupe marker, grant and change
// feed, as the capture service asks for it.
func BenchmarkCaptureNewLead(b *testing.B) {
	s, captureNth := newStoreBench(b, b.N)
	b.ReportAllocs()
	defer reportPages(b, bolt.DB(s))()
	for i := range b.N {
		captureNth(i)
	}
	if err := s.CatchUp(); err != nil { // the writes left to the feed count too
		b.Fatal(err)
	}
}

// serviceBench is a capture service on a fresh store, with a page and its magnet, and
// a clock the benchmark moves.
type serviceBench struct {
	s    *bolt.Store
	db   *bbolt.DB
	svc  *capture.Service
	key  *signing.Key
	page leadgate.Page
	now  time.Time
}

func newServiceBench(b *testing.B) *serviceBench {
	b.Helper()
	s := MustOpen(b)
	ctx := context.Background()
	key, err := signing.NewKey([]byte("bench-secret-of-at-least-thirty-two-bytes"))
	if err != nil {
		b.Fatal(err)
	}
	sb := &serviceBench{s: s, db: bolt.DB(s), key: key, page: storetest.Page("bench"), now: storetest.T0}
	if err := s.PutPage(ctx, sb.page); err != nil {
		b.Fatal(err)
	}
	if err := s.PutMagnet(ctx, storetest.Magnet()); err != nil {
		b.Fatal(err)
	}
	cfg := capture.DefaultConfig()
	// One form token for every capture: its use limit is lifted with the others.
	cfg.RatePerIP, cfg.FormTokenUses = 1<<30, 0
	sb.svc = capture.New(s, key, cfg, func() time.Time { return sb.now })
	return sb
}

// request is a person's form post of email, rendered ten seconds ago.
func (sb *serviceBench) request(email string, i int) capture.Request {
	return capture.Request{
		Slug: sb.page.Slug,
		Values: map[string]string{
			"email": email, "name": "Ada Lovelace", "company": "Engines", "consent": "on",
			"utm_source": "newsletter", "form_token": sb.key.FormToken(sb.page.Slug, sb.now.Add(-10*time.Second)),
		},
		IP:        fmt.Sprintf("198.51.100.%d", i%250),
		UserAgent: "Mozilla/5.0 (benchmark)",
	}
}

// newLeads returns the function that captures the i-th of n new addresses, a
// millisecond after the one before.
func (sb *serviceBench) newLeads(b *testing.B, n int) func(i int) {
	ctx := context.Background()
	reqs := make([]capture.Request, n)
	for i := range reqs {
		reqs[i] = sb.request(fmt.Sprintf("bench%09d@example.com", i), i)
	}
	return func(i int) {
		sb.now = sb.now.Add(time.Millisecond)
		res, err := sb.svc.Capture(ctx, reqs[i])
		if err != nil {
			b.Fatal(err)
		}
		if !res.LeadCreated || res.Repeat || res.Spam != "" || res.DownloadToken == "" {
			b.Fatalf("capture %d: %+v", i, res)
		}
	}
}

// BenchmarkCaptureServiceNewLead measures the capture service's whole work for a new
// address on the embedded store: page and magnet reads, spam checks, validation and
// the one write transaction.
func BenchmarkCaptureServiceNewLead(b *testing.B) {
	sb := newServiceBench(b)
	captureNth := sb.newLeads(b, b.N)
	b.ReportAllocs()
	defer reportPages(b, sb.db)()
	for i := range b.N {
		captureNth(i)
	}
	if err := sb.s.CatchUp(); err != nil { // the writes left to the feed count too
		b.Fatal(err)
	}
}

// BenchmarkCaptureServiceRepeat measures the capture service's answer to a repeat
// within the dedupe window: one write transaction that writes nothing.
func BenchmarkCaptureServiceRepeat(b *testing.B) {
	sb := newServiceBench(b)
	ctx := context.Background()
	req := sb.request("repeat@example.com", 0)
	if _, err := sb.svc.Capture(ctx, req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	defer reportPages(b, sb.db)()
	for range b.N {
		res, err := sb.svc.Capture(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if !res.Repeat {
			b.Fatalf("not a repeat: %+v", res)
		}
	}
}

// BenchmarkCaptureVsBoltWrite1KB alternates a plain 1 KB write and a capture of a new
// address, and reports the capture's time as a multiple of the write's
// (x-bolt-write): for the capture's items alone, at the store and at the service.
// The store's and the service's time includes the writes the captures left to the
// feed (Store.CatchUp), made at the end.
func BenchmarkCaptureVsBoltWrite1KB(b *testing.B) {
	b.Run("items", func(b *testing.B) { vsBoltWrite(b, captureItems(b, openBareFile(b).db), nil) })
	b.Run("store", func(b *testing.B) {
		s, captureNth := newStoreBench(b, b.N)
		vsBoltWrite(b, captureNth, s)
	})
	b.Run("service", func(b *testing.B) {
		sb := newServiceBench(b)
		vsBoltWrite(b, sb.newLeads(b, b.N), sb.s)
	})
}

// vsBoltWrite runs op(i) for each i beside one plain 1 KB write, which of the two
// first alternating (the second may wait on what the first left the disk to do),
// and reports the time of each as capture-ns/op and write-ns/op, and their ratio as
// x-bolt-write. The ops' time includes s.CatchUp at the end, unless s is nil.
func vsBoltWrite(b *testing.B, op func(i int), s *bolt.Store) {
	f := openBareFile(b)
	var opTime, writeTime time.Duration
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 { // which of the two goes first alternates
			writeTime += timed(func() { f.write(b) })
			opTime += timed(func() { op(i) })
		} else {
			opTime += timed(func() { op(i) })
			writeTime += timed(func() { f.write(b) })
		}
	}
	if s != nil {
		opTime += timed(func() {
			if err := s.CatchUp(); err != nil {
				b.Fatal(err)
			}
		})
	}
	b.StopTimer()
	b.ReportMetric(float64(opTime.Nanoseconds())/float64(b.N), "capture-ns/op")
	b.ReportMetric(float64(writeTime.Nanoseconds())/float64(b.N), "write-ns/op")
	b.ReportMetric(float64(opTime)/float64(writeTime), "x-bolt-write")
}

// timed returns how long f took.
func timed(f func()) time.Duration {
	t := time.Now()
	f()
	return time.Since(t)
}
