package dynamodb

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// codecValues are values of every type the store keeps, with their optional parts
// set and unset.
func codecValues() []any {
	t0 := storetest.T0
	page := storetest.Page("codec")
	full := page
	full.FollowUp = leadgate.FollowUp{FromName: "Ada", Delivery: leadgate.EmailTemplate{Subject: "Here", Text: "Hi"},
		ReminderAfter: 36 * time.Hour, Nurture: []leadgate.NurtureStep{{ID: "day-2", After: 48 * time.Hour, EmailTemplate: leadgate.EmailTemplate{Subject: "More"}}}}
	full.Scoring = leadgate.ScoringRules{Basic: 5, Fit: []leadgate.FitRule{{Field: "job_title", Keywords: []string{"head", "vp"}, Points: 20}}}
	full.HiddenFields = nil
	c := storetest.Capture(page, "ada@example.com", t0, "newsletter")
	lead := leadgate.NewLead("lead-1", c.Submission, page)
	scored, _ := lead.WithScore(30, leadgate.StageMQL, t0.Add(time.Hour))
	scored.ConfirmedAt, scored.FirstDownloadAt, scored.SoftBounces = t0.Add(time.Minute), t0.Add(2*time.Minute), 2
	sub := c.Submission
	sub.Values = nil
	return []any{
		page, full, storetest.Magnet(), lead, scored, c.Submission, sub,
		leadgate.NewGrant("token", c.Submission, page, storetest.Magnet()),
		leadgate.Step{Email: "ada@example.com", Key: "nurture#codec#day-2", Kind: leadgate.StepNurture, DueAt: t0, Status: leadgate.StepDue},
		leadgate.Step{Email: "ada@example.com", Key: "k", Status: leadgate.StepSent, DoneAt: t0, Reason: "done"},
		leadgate.Send{Email: "ada@example.com", Key: "delivery#s", Status: leadgate.SendSent, ClaimedAt: t0, SentAt: t0, MessageID: "m", Attempts: 1},
		leadgate.Confirmation{ID: "c", Email: "ada@example.com", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
		leadgate.Unsubscribe{ID: "u", Email: "ada@example.com", LeadID: "lead-1"},
		leadgate.Spend{Page: "codec", Campaign: "spring", Amount: 1234.56, Currency: "EUR", UpdatedAt: t0},
		leadgate.DailyCounts{Page: "codec", Day: "2026-03-02", Views: 3},
	}
}

// TestCodecRoundTrip: a value reads back as it was written.
func TestCodecRoundTrip(t *testing.T) {
	for i, v := range codecValues() {
		t.Run(fmt.Sprintf("%d %T", i, v), func(t *testing.T) {
			item, err := encodeMap(v)
			if err != nil {
				t.Fatal(err)
			}
			checkDecodes(t, item, v)
		})
	}
}

// TestCodecReadsAttributevalueItems: items written by the SDK's attributevalue
// package, as the store wrote them before it had its own codec, read the same, and
// the codec writes what it wrote but for zero fields tagged omitzero, which it
// leaves out.
func TestCodecReadsAttributevalueItems(t *testing.T) {
	for i, v := range codecValues() {
		t.Run(fmt.Sprintf("%d %T", i, v), func(t *testing.T) {
			old, err := attributevalue.MarshalMapWithOptions(v, func(o *attributevalue.EncoderOptions) {
				o.TagKey = "json"
				o.EncodeTime = func(t time.Time) (types.AttributeValue, error) { return str(keyTime(t)), nil }
			})
			if err != nil {
				t.Fatal(err)
			}
			checkDecodes(t, old, v)
			item, err := encodeMap(v)
			if err != nil {
				t.Fatal(err)
			}
			for name, av := range item {
				if !within(av, old[name]) {
					t.Errorf("%s: codec wrote %#v, attributevalue %#v", name, av, old[name])
				}
			}
			for name := range old {
				if _, ok := item[name]; !ok && !zeroField(t, v, name) {
					t.Errorf("%s left out, though not zero", name)
				}
			}
		})
	}
}

// checkDecodes decodes item into a new value of want's type and compares them.
func checkDecodes(t *testing.T, item map[string]types.AttributeValue, want any) {
	t.Helper()
	got := reflect.New(reflect.TypeOf(want))
	if err := decodeMap(item, got.Interface()); err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(got.Elem().Interface())
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("decoded\n got %s\nwant %s", g, w)
	}
}

// within reports whether a is b, but for map attributes that a leaves out.
func within(a, b types.AttributeValue) bool {
	am, aok := a.(*types.AttributeValueMemberM)
	bm, bok := b.(*types.AttributeValueMemberM)
	if aok && bok {
		for k, v := range am.Value {
			if !within(v, bm.Value[k]) {
				return false
			}
		}
		return true
	}
	al, aok := a.(*types.AttributeValueMemberL)
	bl, bok := b.(*types.AttributeValueMemberL)
	if aok && bok && len(al.Value) == len(bl.Value) {
		for i := range al.Value {
			if !within(al.Value[i], bl.Value[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// zeroField reports whether v's field of that JSON name holds its zero value.
func zeroField(t *testing.T, v any, name string) bool {
	t.Helper()
	rv := reflect.ValueOf(v)
	for _, f := range fieldsOf(rv.Type()) {
		if f.name == name {
			return rv.FieldByIndex(f.index).IsZero()
		}
	}
	t.Fatalf("%T has no field %s", v, name)
	return false
}
