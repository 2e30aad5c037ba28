package bolt_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// A capture writes its changes from the encodings of its lead and submission: the
// bytes must be those of encoding the change.
func TestCaptureChangesEncodeLikeJSON(t *testing.T) {
	p := storetest.Page("encoded")
	c := storetest.Capture(p, "enc@example.com", storetest.T0.Add(1500*time.Microsecond), "a")
	sub := c.Submission
	sub.LeadID = "lead-1"
	lead := leadgate.NewLead("lead-1", sub, p)
	old := lead
	old.Name, old.Version = "Before", 0
	mustJSON := func(v any) []byte {
		t.Helper()
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	cases := []struct {
		name   string
		change leadgate.Change
	}{
		{"lead created", leadgate.Change{Kind: leadgate.LeadCreated, Lead: &lead}},
		{"lead updated", leadgate.Change{Kind: leadgate.LeadUpdated, Lead: &lead, OldLead: &old}},
		{"submission created", leadgate.Change{Kind: leadgate.SubmissionCreated, Submission: &sub}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ch := tc.change
			ch.Seq, ch.ID, ch.At = uint64(1000+i), strconv.Itoa(1000+i), sub.At
			var l, o, s []byte
			if ch.Lead != nil {
				l = mustJSON(ch.Lead)
			}
			if ch.OldLead != nil {
				o = mustJSON(ch.OldLead)
			}
			if ch.Submission != nil {
				s = mustJSON(ch.Submission)
			}
			got, err := bolt.ChangeJSON(ch.Seq, string(ch.Kind), ch.At, l, o, s)
			if err != nil {
				t.Fatal(err)
			}
			if want := mustJSON(ch); !bytes.Equal(got, want) {
				t.Fatalf("encoded\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// Rate counters live in memory: counters of ended windows are dropped once there are
// many, and the counts of the current windows stay.
func TestRateWindowsEnd(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	p := storetest.Page("windows")
	if err := s.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	limits := func(from, to int) []leadgate.RateLimit { // one per IP from ≤ n < to, of 1 an hour
		var rls []leadgate.RateLimit
		for n := from; n < to; n++ {
			rls = append(rls, leadgate.RateLimit{Key: "ip:" + strconv.Itoa(n), Limit: 1, Window: time.Hour})
		}
		return rls
	}
	n := 0
	capture := func(at time.Time, rls []leadgate.RateLimit) error {
		n++
		c := storetest.Capture(p, "lead"+strconv.Itoa(n)+"@example.com", at, "x")
		c.RateLimits = rls
		_, err := s.Capture(ctx, c)
		return err
	}
	limited := func(what string, err error) {
		t.Helper()
		if leadgate.ErrorCode(err) != leadgate.ERATELIMITED {
			t.Fatalf("%s: %v, want %s", what, err, leadgate.ERATELIMITED)
		}
	}
	if err := capture(storetest.T0, limits(0, 1100)); err != nil {
		t.Fatal(err)
	}
	limited("second capture in the window", capture(storetest.T0.Add(time.Minute), limits(0, 1)))
	// Enough keys in a later window for the ended ones to be dropped.
	later := storetest.T0.Add(2 * time.Hour)
	if err := capture(later, limits(2000, 3200)); err != nil {
		t.Fatalf("first capture of a later window: %v", err)
	}
	limited("second capture of the later window", capture(later.Add(time.Minute), limits(3199, 3200)))
	if err := capture(later.Add(time.Minute), limits(0, 1)); err != nil {
		t.Fatalf("a key last counted in an ended window: %v", err)
	}
	limited("that key again", capture(later.Add(2*time.Minute), limits(0, 1)))
}

// A file written before leads, submissions and dedupe markers shared a bucket, and
// rate counters were kept in memory, is moved to the new layout when opened.
func TestOlderFileLayoutMoves(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.db")
	p := storetest.Page("older")
	c := storetest.Capture(p, "older@example.com", storetest.T0, "a")
	sub := c.Submission
	sub.LeadID = c.NewLeadID
	lead := leadgate.NewLead(c.NewLeadID, sub, p)
	subKey := append(append([]byte(sub.Email), 0), binary.BigEndian.AppendUint64(nil, uint64(sub.At.UnixNano()))...)
	subKey = append(append(subKey, 0), sub.ID...)
	marker, err := json.Marshal(map[string]any{"submission_key": subKey, "at": sub.At})
	if err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(path, 0o600, bolt.OpenOptions())
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		items := []struct {
			bucket, key string
			value       any
		}{
			{"pages", p.Slug, p},
			{"leads", sub.Email, lead},
			{"submissions", string(subKey), sub},
			{"dedupe", sub.Email + "\x00" + p.Slug, json.RawMessage(marker)},
			{"rate", "ip:x\x00\x00\x00\x00\x00\x69\xa5\x4e\x00", json.RawMessage(`1`)},
		}
		for _, it := range items {
			b, err := tx.CreateBucketIfNotExists([]byte(it.bucket))
			if err != nil {
				return err
			}
			data, err := json.Marshal(it.value)
			if err != nil {
				return err
			}
			if err := b.Put([]byte(it.key), data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if subs, err := s.Submissions(ctx, sub.Email); err != nil || len(subs) != 1 || subs[0].ID != sub.ID {
		t.Fatalf("submissions after the move: %v %v", subs, err)
	}
	counts, err := s.ItemCounts()
	if err != nil {
		t.Fatal(err)
	}
	if counts["leads"] != 1 || counts["submissions"] != 1 || counts["dedupe"] != 1 {
		t.Fatalf("counts after the move: %v", counts)
	}
	err = bolt.DB(s).View(func(tx *bbolt.Tx) error {
		for _, name := range []string{"submissions", "dedupe", "rate"} {
			if tx.Bucket([]byte(name)) != nil {
				t.Errorf("bucket %s is still there", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	again := storetest.Capture(p, sub.Email, storetest.T0.Add(10*time.Minute), "b")
	res, err := s.Capture(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Repeat || res.Submission.ID != sub.ID || res.Lead.ID != lead.ID {
		t.Fatalf("capture within the window after the move: %+v, want a repeat of %s", res, sub.ID)
	}
}

// A file written before the store kept stage counters gets them when it opens,
// counted from its leads.
func TestStageCountersBuiltOnOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, q := storetest.Page("built-a"), storetest.Page("built-b")
	for _, c := range []leadgate.Capture{
		storetest.Capture(p, "one@example.com", storetest.T0, "x"),
		storetest.Capture(q, "one@example.com", storetest.T0.Add(time.Hour), "x"),
		storetest.Capture(q, "two@example.com", storetest.T0, "x"),
	} {
		if _, err := s.Capture(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	db, err := bbolt.Open(path, 0o600, bolt.OpenOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket([]byte("stages")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err = bolt.Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	o, err := s.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a, b, all := o.PageStages(p.Slug), o.PageStages(q.Slug), o.PageStages(""); a.Cold != 1 || b.Cold != 2 || all.Cold != 2 {
		t.Errorf("after opening: %s %+v, %s %+v, all %+v; want 1, 2 and 2 cold", p.Slug, a, q.Slug, b, all)
	}
}

// A store closed before its new leads' submissions were counted counts them once
// when they are: opening it does not rebuild its stage counters from its leads.
func TestStageCountersOfUncountedLeadsAfterReopening(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := storetest.Page("reopened")
	res, err := s.Capture(ctx, storetest.Capture(p, "one@example.com", storetest.T0, "x"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = bolt.Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CountLead(ctx, res.Submission); err != nil {
		t.Fatal(err)
	}
	o, err := s.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := o.PageStages(p.Slug); got.Total() != 1 || got.Cold != 1 {
		t.Errorf("after reopening and counting: %+v; want 1 cold", got)
	}
}
