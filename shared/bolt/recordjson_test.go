package bolt

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// awkwardStrings are texts encoding/json escapes, or must not.
var awkwardStrings = []string{
	"", "plain", "ada@example.com", `quote " and \ backslash`, "<script>&amp;</script>", "tab\tnew\nline\rcr\bbs\fff",
	"\x00\x01\x1f\x7f", "Zoë Ünal 日本語 😀", "line\u2028sep\u2029para", "bad \xff\xfe utf8 \xc3", "\ufffd already",
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
}

// filler sets values at random, each one zero at times: the omitempty and
// omitzero members come and go.
type filler struct{ r *rand.Rand }

func (f filler) fill(v reflect.Value) {
	if f.r.IntN(4) == 0 {
		v.SetZero()
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(f.text())
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(f.r.Int64N(1<<40) - 1<<39)
	case reflect.Slice:
		n := 1 + f.r.IntN(3)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			f.fill(s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range f.r.IntN(4) {
			m.SetMapIndex(reflect.ValueOf(f.text()), reflect.ValueOf(f.text()))
		}
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(f.time()))
			return
		}
		for i := range v.NumField() {
			f.fill(v.Field(i))
		}
	default:
		panic("filler: no values for " + v.Type().String())
	}
}

func (f filler) text() string {
	if f.r.IntN(3) == 0 { // random bytes, valid UTF-8 or not
		b := make([]byte, f.r.IntN(12))
		for i := range b {
			b[i] = byte(f.r.IntN(256))
		}
		return string(b)
	}
	return awkwardStrings[f.r.IntN(len(awkwardStrings))]
}

func (f filler) time() time.Time {
	t := time.Unix(f.r.Int64N(1<<35)-1<<34, f.r.Int64N(1e9))
	switch f.r.IntN(3) {
	case 0:
		return t.UTC()
	case 1:
		return t.In(time.FixedZone("", (f.r.IntN(48)-24)*1800))
	}
	return t.Truncate(time.Second).UTC()
}

// TestRecordJSONIsMarshals checks that marshalLead and marshalSubmission write
// exactly what json.Marshal writes, for every field set, left empty or zero, and
// strings that need escaping: stored records and change images are read back and
// compared by their bytes.
func TestRecordJSONIsMarshals(t *testing.T) {
	f := filler{rand.New(rand.NewPCG(1, 2))}
	everyField := map[string]bool{}
	for i := range 3000 {
		var l leadgate.Lead
		var s leadgate.Submission
		f.fill(reflect.ValueOf(&l).Elem())
		f.fill(reflect.ValueOf(&s).Elem())
		sameAsMarshal(t, i, l, marshalLead)
		sameAsMarshal(t, i, s, marshalSubmission)
		for _, v := range []any{l, s} {
			data, _ := json.Marshal(v)
			var members map[string]json.RawMessage
			_ = json.Unmarshal(data, &members)
			for name := range members {
				everyField[reflect.TypeOf(v).Name()+"."+name] = true
			}
		}
	}
	// Every member appeared: a field added to the types is in the comparisons.
	for _, typ := range []reflect.Type{reflect.TypeFor[leadgate.Lead](), reflect.TypeFor[leadgate.Submission]()} {
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if !everyField[typ.Name()+"."+name] {
				t.Errorf("%s.%s was never set", typ.Name(), name)
			}
		}
	}
}

func sameAsMarshal[T any](t *testing.T, i int, v T, marshal func(T) ([]byte, error)) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, err := marshal(v)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("case %d: error %v, json.Marshal's %v", i, err, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("case %d:\n got %s\nwant %s", i, got, want)
	}
}

// TestRecordJSONRefusesWhatMarshalRefuses checks that a time json.Marshal cannot
// write fails the record, as it would with encoding/json.
func TestRecordJSONRefusesWhatMarshalRefuses(t *testing.T) {
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := marshalLead(leadgate.Lead{CreatedAt: far}); err == nil {
		t.Error("a lead created in year 10000 was encoded")
	}
	if _, err := marshalSubmission(leadgate.Submission{Consent: leadgate.Consent{At: far}}); err == nil {
		t.Error("a submission with consent in year 10000 was encoded")
	}
}

// TestAppendStringIsMarshals checks appendString against json.Marshal on random
// bytes.
func TestAppendStringIsMarshals(t *testing.T) {
	f := filler{rand.New(rand.NewPCG(3, 4))}
	for i := range 20000 {
		s := f.text()
		want, _ := json.Marshal(s)
		if got := appendString([]byte("x"), s); !bytes.Equal(got[1:], want) || got[0] != 'x' {
			t.Fatalf("case %d: %q: got %s, want %s", i, s, got, want)
		}
	}
}
