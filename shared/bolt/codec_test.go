package bolt_test

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// Records are stored compressed, and a file of plain JSON values, as older versions
// wrote, reads the same.
func TestStoredValuesCompressedAndOldFilesRead(t *testing.T) {
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

	// Every value that is stored compressed, rewritten as its plain JSON.
	plain := 0
	err = bolt.DB(s).Update(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			type kv struct{ k, v []byte }
			var rewrite []kv
			err := b.ForEach(func(k, v []byte) error {
				data, err := bolt.DecodeValue(v)
				if err != nil {
					return err
				}
				if !bytes.Equal(data, v) {
					if len(v) >= len(data) || v[0] == '{' {
						t.Errorf("%s %q: stored %d bytes for %d of JSON", name, k, len(v), len(data))
					}
					rewrite = append(rewrite, kv{bytes.Clone(k), data})
				}
				return nil
			})
			for _, r := range rewrite {
				if err := b.Put(r.k, r.v); err != nil {
					return err
				}
			}
			plain += len(rewrite)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if plain < 3 {
		t.Fatalf("%d values stored compressed, want at least the page, lead, submission and grant", plain)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openWith(t, path, manualOptions())
	l2, subs2, g2 := read()
	if !reflect.DeepEqual(l2, lead) || !reflect.DeepEqual(subs2, subs) || !reflect.DeepEqual(g2, grant) {
		t.Errorf("read from plain JSON:\n%+v\n%+v\n%+v\nwant\n%+v\n%+v\n%+v", l2, subs2, g2, lead, subs, grant)
	}
	// A repeat finds the plain dedupe marker and submission.
	again := storetest.Capture(p, "codec@example.com", storetest.T0.Add(1), "a")
	res, err := s.Capture(ctx, again)
	if err != nil || !res.Repeat || !reflect.DeepEqual(res.Submission, subs[0]) {
		t.Fatalf("repeat on a plain file: %+v %v", res, err)
	}
}
