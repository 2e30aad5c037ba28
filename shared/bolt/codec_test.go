package bolt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// Records are written as plain JSON and compacted compressed: both read the same,
// and a compacted record written again is written plain.
func TestCompactionCompressesRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.db")
	s, err := bolt.OpenWith(path, manualOptions())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := storetest.Page("codec")
	if err := s.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	c := storetest.Capture(p, "codec@example.com", storetest.T0, "a")
	c.Grant = &leadgate.Grant{ID: "grant-codec", Page: p.Slug, MagnetID: p.MagnetID, ObjectKey: "magnets/a.pdf", FileName: "a.pdf",
		ContentType: "application/pdf", CreatedAt: storetest.T0, ExpiresAt: storetest.T0.AddDate(0, 1, 0)}
	if _, err := s.Capture(ctx, c); err != nil {
		t.Fatal(err)
	}
	read := func() (leadgate.Lead, []leadgate.Submission, leadgate.Grant) {
		t.Helper()
		l, err := s.LeadByEmail(ctx, "codec@example.com")
		if err != nil {
			t.Fatal(err)
		}
		subs, err := s.Submissions(ctx, "codec@example.com")
		if err != nil {
			t.Fatal(err)
		}
		g, err := s.Grant(ctx, "grant-codec")
		if err != nil {
			t.Fatal(err)
		}
		return l, subs, g
	}
	lead, subs, grant := read()
	compressed := func() map[string]int {
		t.Helper()
		n := map[string]int{}
		err := bolt.DB(s).View(func(tx *bbolt.Tx) error {
			return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
				return b.ForEach(func(k, v []byte) error {
					data, err := bolt.DecodeValue(v)
					if err != nil {
						return err
					}
					if !bytes.Equal(data, v) {
						if len(v) >= len(data) || v[0] == '{' {
							t.Errorf("%s %q: stored %d bytes for %d of JSON", name, k, len(v), len(data))
						}
						n[string(name)]++
					}
					return nil
				})
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := compressed(); len(n) != 0 {
		t.Errorf("compressed as written: %v", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := bolt.CompactFile(path, manualOptions()); err != nil {
		t.Fatal(err)
	}
	s = openWith(t, path, manualOptions())
	if n := compressed(); n["leads"] != 2 || n["grants"] != 1 || n["pages"] != 1 || n["changes"] != 0 {
		t.Errorf("compressed once compacted: %v, want the lead and submission, the grant, the page, no change", n)
	}
	l2, subs2, g2 := read()
	if !reflect.DeepEqual(l2, lead) || !reflect.DeepEqual(subs2, subs) || !reflect.DeepEqual(g2, grant) {
		t.Errorf("read compressed:\n%+v\n%+v\n%+v\nwant\n%+v\n%+v\n%+v", l2, subs2, g2, lead, subs, grant)
	}
	res, err := s.Capture(ctx, storetest.Capture(p, "codec@example.com", storetest.T0.Add(1), "a"))
	if err != nil || !res.Repeat || !reflect.DeepEqual(res.Submission, subs[0]) {
		t.Fatalf("repeat on a compacted file: %+v %v", res, err)
	}
	if g, err := s.UseGrant(ctx, "grant-codec", storetest.T0.Add(time.Minute)); err != nil || g.Downloads != 1 {
		t.Fatalf("download on a compacted file: %+v %v", g, err)
	}
	if g, err := s.Grant(ctx, "grant-codec"); err != nil || g.Downloads != 1 || g.ID != "grant-codec" {
		t.Errorf("grant written again: %+v %v", g, err)
	}
	if n := compressed(); n["grants"] != 0 {
		t.Errorf("grant written again stays compressed: %v", n)
	}
}

// Records as older files stored them: sends, steps, grants and unsubscribe links
// with the fields their keys hold, dedupe markers holding the whole submission key.
func TestOlderRecordLayoutsRead(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	p := storetest.Page("older")
	if err := s.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	const email = "older@example.com"
	c := storetest.Capture(p, email, storetest.T0, "a")
	if _, err := s.Capture(ctx, c); err != nil {
		t.Fatal(err)
	}
	step := leadgate.Step{Email: email, Key: "nurture#older#day-2", Kind: "nurture", Page: p.Slug, StepID: "day-2", DueAt: storetest.T0, Status: leadgate.StepDue}
	if err := s.ScheduleSteps(ctx, []leadgate.Step{step}); err != nil {
		t.Fatal(err)
	}
	put := func(bucket, key string, v any) {
		t.Helper()
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		err = bolt.DB(s).Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte(bucket)).Put([]byte(key), data) })
		if err != nil {
			t.Fatal(err)
		}
	}
	send := leadgate.Send{Email: email, Key: "delivery#x", Status: leadgate.SendSent, ClaimedAt: storetest.T0, SentAt: storetest.T0, MessageID: "m-1", Attempts: 1}
	put("sends", email+"\x00delivery#x", send)
	put("steps", email+"\x00"+step.Key, step)
	put("grants", "grant-old", leadgate.Grant{ID: "grant-old", Email: email, Page: p.Slug, CreatedAt: storetest.T0, ExpiresAt: storetest.T0.AddDate(1, 0, 0)})
	put("unsubscribes", "unsub-old", leadgate.Unsubscribe{ID: "unsub-old", Email: email, LeadID: "lead-old"})
	// The marker as older files held it: the whole submission key.
	marker := email + "\x00\xff" + p.Slug
	err := bolt.DB(s).Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte("leads"))
		k, _ := b.Cursor().Seek([]byte(email + "\x00"))
		return b.Put([]byte(marker), bytes.Clone(k))
	})
	if err != nil {
		t.Fatal(err)
	}

	if sends, err := s.Sends(ctx, email); err != nil || len(sends) != 1 || !reflect.DeepEqual(sends[0], send) {
		t.Errorf("sends: %+v %v, want %+v", sends, err, send)
	}
	if due, err := s.DueSteps(ctx, storetest.T0, 10); err != nil || len(due) != 1 || due[0] != step {
		t.Errorf("due steps: %+v %v, want %+v", due, err, step)
	}
	done := step
	done.Status, done.DoneAt = leadgate.StepSent, storetest.T0
	if err := s.FinishStep(ctx, done); err != nil {
		t.Errorf("finish an older step: %v", err)
	}
	if g, err := s.Grant(ctx, "grant-old"); err != nil || g.ID != "grant-old" || g.Email != email {
		t.Errorf("grant: %+v %v", g, err)
	}
	if err := s.Unsubscribe(ctx, "unsub-old", storetest.T0); err != nil {
		t.Errorf("unsubscribe through an older link: %v", err)
	}
	res, err := s.Capture(ctx, storetest.Capture(p, email, storetest.T0.Add(time.Minute), "a"))
	if err != nil || !res.Repeat || res.Submission.ID != c.Submission.ID {
		t.Errorf("repeat through an older marker: %+v %v", res, err)
	}
	if n, err := s.PruneDedupeMarkers(storetest.T0.Add(time.Second)); err != nil || n != 1 {
		t.Errorf("pruned %d older markers (%v), want 1", n, err)
	}
}
