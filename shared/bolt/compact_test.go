package bolt_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/bolt"
	"leadgate/shared/capture"
	"leadgate/shared/followup"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/pipeline"
	"leadgate/shared/signing"
)

func fileSize(tb testing.TB, path string) int64 {
	tb.Helper()
	info, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return info.Size()
}

// filledStore makes a store file at path with n leads whose changes a subscriber has
// handled, and prunes its feed to the last tail changes, leaving free pages behind.
// It returns the store's item counts and one lead, as they were before closing.
func filledStore(tb testing.TB, path string, n, tail int) (map[string]int, leadgate.Lead) {
	tb.Helper()
	s, err := bolt.OpenWith(path, manualOptions())
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	bolt.DB(s).NoSync = true // sizes are under test, not durability
	p := storetest.Page("compact")
	if err := s.PutPage(context.Background(), p); err != nil {
		tb.Fatal(err)
	}
	captureLeads(tb, s, p, 0, n, storetest.T0)
	followTo(tb, s, "dev-log", uint64(2*n))
	if _, err := s.PruneFeed(tail); err != nil {
		tb.Fatal(err)
	}
	counts, err := s.ItemCounts()
	if err != nil {
		tb.Fatal(err)
	}
	lead, err := s.LeadByEmail(context.Background(), "lead000007@example.com")
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Close(); err != nil {
		tb.Fatal(err)
	}
	return counts, lead
}

// checkKept opens the file at path and checks that it holds the same items and the
// same lead, and that bbolt finds its pages consistent.
func checkKept(tb testing.TB, path string, counts map[string]int, lead leadgate.Lead) {
	tb.Helper()
	s, err := bolt.OpenWith(path, manualOptions())
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	got, err := s.ItemCounts()
	if err != nil {
		tb.Fatal(err)
	}
	if !reflect.DeepEqual(got, counts) {
		tb.Errorf("items after compaction %v, want %v", got, counts)
	}
	l, err := s.LeadByEmail(context.Background(), lead.Email)
	if err != nil || !reflect.DeepEqual(l, lead) {
		tb.Errorf("lead after compaction %+v (%v), want %+v", l, err, lead)
	}
	err = bolt.DB(s).View(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		tb.Errorf("compacted file: %v", err)
	}
	// The feed goes on from where it was.
	if _, err := s.Capture(context.Background(), storetest.Capture(storetest.Page("compact"), "after@example.com", storetest.T0, "a")); err != nil {
		tb.Fatal(err)
	}
	recent, err := s.RecentChanges(1)
	if err != nil || len(recent) != 1 || recent[0].Seq != uint64(2*counts["leads"]+2) {
		tb.Errorf("newest change after compaction %v (%v), want sequence %d", recent, err, 2*counts["leads"]+2)
	}
}

func TestCompactFileShrinksAndKeepsEveryItem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.db")
	counts, lead := filledStore(t, path, 2000, 10)
	before, after, err := bolt.CompactFile(path, manualOptions())
	if err != nil {
		t.Fatal(err)
	}
	if fileSize(t, path) != after || after >= before/2 {
		t.Fatalf("compacted %d bytes into %d, want under half", before, after)
	}
	if _, err := os.Stat(path + ".compact"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("copy left behind: %v", err)
	}
	t.Logf("%d leads: %d bytes, %d after compaction", counts["leads"], before, after)
	checkKept(t, path, counts, lead)
}

func TestOpenCompactsAFileMostlyFree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.db")
	counts, lead := filledStore(t, path, 2000, 10)
	before := fileSize(t, path)
	opts := manualOptions()
	opts.CompactFreeShare = 0.25
	s, err := bolt.OpenWith(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if after := fileSize(t, path); after >= before/2 {
		t.Fatalf("open left %d bytes of %d", after, before)
	}
	checkKept(t, path, counts, lead)

	// Once compacted, the file has no free pages to speak of: the next open keeps
	// it (a compaction renames a new file over it).
	compacted, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	s = openWith(t, path, opts)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if now, err := os.Stat(path); err != nil || !os.SameFile(compacted, now) {
		t.Fatalf("compacted again on open (%v)", err)
	}
}

func TestCompactFileRefusesWhileTheStoreIsOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.db")
	counts, lead := filledStore(t, path, 200, 10)
	s := openWith(t, path, manualOptions())
	size := fileSize(t, path)
	_, _, err := bolt.CompactFile(path, manualOptions())
	if !errors.Is(err, bolt.ErrInUse) {
		t.Fatalf("compact while open: %v, want ErrInUse", err)
	}
	if got := fileSize(t, path); got != size {
		t.Fatalf("file changed from %d to %d bytes", size, got)
	}
	if _, err := os.Stat(path + ".compact"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("copy made: %v", err)
	}
	if _, err := s.LeadByEmail(context.Background(), lead.Email); err != nil {
		t.Fatalf("open store after the refusal: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkKept(t, path, counts, lead)
}

func TestCompactFileNeedsAStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.db")
	if _, _, err := bolt.CompactFile(path, manualOptions()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("compact a missing file: %v, want not exist", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a file was made: %v", err)
	}
}

func TestOpenDeletesAStaleCopy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.db")
	if err := os.WriteFile(path+".compact", []byte("a copy a crash left"), 0o600); err != nil {
		t.Fatal(err)
	}
	openWith(t, path, manualOptions())
	if _, err := os.Stat(path + ".compact"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stale copy kept: %v", err)
	}
}

// BenchmarkFileSizePerLead captures 5,000 new leads through the capture service,
// with their follow-up (counters, the delivery email's send, nurture steps, scoring)
// done by the change pipeline following the feed, as the local server does; then
// prunes as the store does on its schedule, and compacts. It reports the store
// file's bytes per lead before (bytes/lead-before) and after (bytes/lead), and logs
// the bytes each bucket's items take.
func BenchmarkFileSizePerLead(b *testing.B) {
	const leads = 5000
	for range b.N {
		path := filepath.Join(b.TempDir(), "leads.db")
		opts := bolt.DefaultOptions()
		opts.PruneEvery = 0 // pruned below, once the follower is done
		s, err := bolt.OpenWith(path, opts)
		if err != nil {
			b.Fatal(err)
		}
		// Neither syncs nor the wait for a batch's company change what is stored.
		bolt.DB(s).NoSync, bolt.DB(s).MaxBatchDelay = true, 0
		runLeads(b, s, leads)
		before := fileSize(b, path)
		logBuckets(b, s, "before pruning")
		if _, err := s.PruneFeed(opts.FeedTail); err != nil {
			b.Fatal(err)
		}
		logBuckets(b, s, "after pruning")
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		_, after, err := bolt.CompactFile(path, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(before)/leads, "bytes/lead-before")
		b.ReportMetric(float64(after)/leads, "bytes/lead")
	}
}

// benchMailer sends nothing.
type benchMailer struct{ n atomic.Int64 }

func (m *benchMailer) Send(context.Context, leadgate.Message) (string, error) {
	return fmt.Sprintf("msg-%d", m.n.Add(1)), nil
}

// runLeads captures n new leads on a single opt-in page with two nurture steps, a
// millisecond apart, and waits for the pipeline to handle every change.
func runLeads(tb testing.TB, s *bolt.Store, n int) {
	tb.Helper()
	ctx := context.Background()
	key, err := signing.NewKey([]byte("bench-secret-of-at-least-thirty-two-bytes"))
	if err != nil {
		tb.Fatal(err)
	}
	p := storetest.Page("size")
	p.FollowUp.Nurture = []leadgate.NurtureStep{
		{ID: "day-2", After: 2 * 24 * time.Hour, EmailTemplate: leadgate.EmailTemplate{Subject: "Day two", Text: "Two days in."}},
		{ID: "day-5", After: 5 * 24 * time.Hour, EmailTemplate: leadgate.EmailTemplate{Subject: "Day five", Text: "Five days in."}},
	}
	if err := s.PutPage(ctx, p); err != nil {
		tb.Fatal(err)
	}
	if err := s.PutMagnet(ctx, storetest.Magnet()); err != nil {
		tb.Fatal(err)
	}
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	cfg := capture.DefaultConfig()
	cfg.RatePerIP = 1 << 30
	captures := capture.New(s, key, cfg, clock)
	fu := followup.DefaultConfig()
	fu.BaseURL, fu.From, fu.SendRate = "http://127.0.0.1:8080", "hello@example.com", 0
	follow := followup.New(s, &benchMailer{}, key, fu, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	changes := pipeline.New(s, follow, clock)

	followCtx, stop := context.WithCancel(ctx)
	defer stop()
	var handled atomic.Uint64
	followed := make(chan error, 1)
	go func() {
		followed <- s.Follow(followCtx, "dev-log", func(ctx context.Context, ch leadgate.Change) error {
			err := changes.HandleChange(ctx, ch)
			if err == nil {
				handled.Store(ch.Seq)
			}
			return err
		})
	}()
	for i := range n {
		now.Add(int64(time.Millisecond))
		req := capture.Request{
			Slug: p.Slug,
			Values: map[string]string{
				"email": fmt.Sprintf("person%06d@example.com", i), "name": "Ada Lovelace", "company": "Analytical Engines Ltd",
				"consent": "on", "utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "spring",
				"form_token": key.FormToken(p.Slug, clock().Add(-10*time.Second)),
			},
			IP:        fmt.Sprintf("198.51.100.%d", i%250),
			UserAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
		}
		res, err := captures.Capture(ctx, req)
		if err != nil || !res.LeadCreated {
			tb.Fatalf("capture %d: %+v, %v", i, res, err)
		}
	}
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(10 * time.Millisecond) {
		last, err := s.RecentChanges(1)
		if err != nil {
			tb.Fatal(err)
		}
		if handled.Load() == last[0].Seq {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("pipeline at change %d of %d", handled.Load(), last[0].Seq)
		}
	}
	stop()
	if err := <-followed; err != nil {
		tb.Fatal(err)
	}
}

// logBuckets logs how many bytes each bucket's items take in their pages.
func logBuckets(b *testing.B, s *bolt.Store, when string) {
	var rows []string
	err := bolt.DB(s).View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bbolt.Bucket) error {
			st := bk.Stats()
			if st.KeyN > 0 {
				rows = append(rows, fmt.Sprintf("%s %d items %d KB", name, st.KeyN, (st.LeafInuse+st.BranchInuse)/1024))
			}
			return nil
		})
	})
	if err != nil {
		b.Fatal(err)
	}
	sort.Strings(rows)
	b.Logf("%s: %s", when, strings.Join(rows, "; "))
}
