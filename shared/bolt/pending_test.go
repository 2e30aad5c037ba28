package bolt

import (
	"encoding/json"
	"reflect"
	"testing"
)

// Pending writes read back as they were written, by hand or by encoding/json (an
// older file's), and the hand-written encoding is JSON that encoding/json reads the
// same: the catch-up of a change must never read other writes than its capture's.
func TestPendingWritesEncoding(t *testing.T) {
	grant := json.RawMessage(`{"token_hash":"x","page":"spring","email":"a@example.com","files":[{"key":"k\"}"}]}`)
	cases := map[string]pendingWrites{
		"new lead with grant": {IndexKey: []byte{0, 1, 2, 0xff}, IndexRecord: []byte("a@example.com\x00ada\x00active"), GrantID: "g-Id_9", Grant: grant,
			SubmissionKey: []byte("a@example.com\x00\x18\x00\x01\x00sub-1"), Page: "spring-guide"},
		"returning lead":         {IndexKey: []byte{9}, IndexRecord: []byte("r")},
		"returning with grant":   {IndexKey: []byte{9}, IndexRecord: []byte("r"), GrantID: "g", Grant: grant},
		"strings with escapes":   {IndexKey: []byte{1}, IndexRecord: []byte{2}, GrantID: "a\"b\\c<é>", Page: "p\u2028q"},
		"new lead, no grant":     {IndexKey: []byte{1}, IndexRecord: []byte{2}, SubmissionKey: []byte{3, 0, 4}, Page: "p"},
		"empty index record":     {IndexKey: []byte{1}},
		"grant only, no strings": {IndexKey: []byte{1}, IndexRecord: []byte{2}, Grant: grant},
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			data := p.encode()
			var std pendingWrites
			if err := json.Unmarshal(data, &std); err != nil {
				t.Fatalf("encoding/json cannot read %s: %v", data, err)
			}
			got, err := decodePending(data)
			if err != nil {
				t.Fatal(err)
			}
			for _, read := range []pendingWrites{std, got} {
				if !samePending(read, p) {
					t.Fatalf("%s read back as %+v, want %+v", data, read, p)
				}
			}
			if _, ok := readPending(data); !ok && name != "strings with escapes" {
				t.Errorf("%s not read by hand", data)
			}
			old, err := json.Marshal(p) // as older files hold them
			if err != nil {
				t.Fatal(err)
			}
			if got, err := decodePending(old); err != nil || !samePending(got, p) {
				t.Fatalf("%s read back as %+v (%v), want %+v", old, got, err, p)
			}
		})
	}
	for _, bad := range []string{`{"index_key":"AQ==","index_record":"Ag==","grant":{"a":}`, `{"index_key":"!!"}`, `{"index_key":"AQ=="`} {
		if _, err := decodePending([]byte(bad)); err == nil {
			t.Errorf("%s read without an error", bad)
		}
	}
}

// samePending compares pending writes, an empty slice as none.
func samePending(a, b pendingWrites) bool {
	norm := func(p pendingWrites) pendingWrites {
		for _, s := range []*[]byte{&p.IndexKey, &p.IndexRecord, &p.SubmissionKey} {
			if len(*s) == 0 {
				*s = nil
			}
		}
		if len(p.Grant) == 0 {
			p.Grant = nil
		}
		return p
	}
	return reflect.DeepEqual(norm(a), norm(b))
}
