package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// A lead is the item ("LEAD#<email>", "LEAD") of its partition, beside its
// submissions ("SUB#<time>#<id>"): capture.go writes both. Every write of a lead
// adds one to its version, so that a capture that read the lead before writes it
// again only after reading it anew.

// leadKey is the key of the lead of a normalised address.
func leadKey(email string) map[string]types.AttributeValue {
	return key(prefixLead+email, skLead)
}

// A lead's item leaves out what other attributes say, and so does a submission's:
// the two are written in every capture's transaction, where each started KB costs
// two write units, and a lead is written again by every count and score. The
// decoders put back what was left out, and read items of any age, which hold it
// all. A lead leaves out its address (its key says it), its ID and creation time
// (its GSI3 sort key, "<created>#<id>", says them), its last touch while it is
// its first, its first touch's time while it is the lead's creation time, and its
// consent's page and time while they are its last touch's. A submission leaves out
// its address, ID and time (its keys say them), and its attribution's and
// consent's page and time while they are its own. Where the other attribute has a
// value and this one has none, this one is NULL, so that nothing is put back.
const (
	attrFirstTouch  = "first_touch"
	attrLastTouch   = "last_touch"
	attrConsent     = "consent"
	attrCreatedAt   = "created_at"
	attrAttribution = "attribution"
	attrID          = "id"
)

// compactLead leaves out of a lead's item what expandLead puts back.
func compactLead(item map[string]types.AttributeValue) {
	first, last, consent := mapAttr(item[attrFirstTouch]), mapAttr(item[attrLastTouch]), mapAttr(item[attrConsent])
	if consent != nil && last != nil {
		omitSame(consent, attrAt, last[attrAt])
		omitSame(consent, attrPage, last[attrPage])
	}
	if last != nil && reflect.DeepEqual(item[attrLastTouch], item[attrFirstTouch]) {
		delete(item, attrLastTouch)
	}
	if first != nil {
		omitSame(first, attrAt, item[attrCreatedAt])
	}
	if pk, ok := item[attrPK].(*types.AttributeValueMemberS); ok && reflect.DeepEqual(item[attrEmail], str(strings.TrimPrefix(pk.Value, prefixLead))) {
		delete(item, attrEmail)
	}
	sk, _ := item[attrGSI3SK].(*types.AttributeValueMemberS)
	created, _ := item[attrCreatedAt].(*types.AttributeValueMemberS)
	id, _ := item[attrID].(*types.AttributeValueMemberS)
	if sk != nil && created != nil && id != nil && sk.Value == created.Value+"#"+id.Value {
		delete(item, attrCreatedAt)
		delete(item, attrID)
	}
}

// expandLead returns a lead's item with what compactLead left out put back.
func expandLead(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	item = maps.Clone(item)
	if pk, ok := item[attrPK].(*types.AttributeValueMemberS); ok && strings.HasPrefix(pk.Value, prefixLead) {
		restore(item, attrEmail, str(strings.TrimPrefix(pk.Value, prefixLead)))
	}
	if sk, ok := item[attrGSI3SK].(*types.AttributeValueMemberS); ok {
		if created, id, ok := strings.Cut(sk.Value, "#"); ok {
			restore(item, attrCreatedAt, str(created))
			restore(item, attrID, str(id))
		}
	}
	first := cloneMapAttr(item, attrFirstTouch)
	if first != nil {
		restore(first, attrAt, item[attrCreatedAt])
	}
	restore(item, attrLastTouch, item[attrFirstTouch])
	if consent, last := cloneMapAttr(item, attrConsent), mapAttr(item[attrLastTouch]); consent != nil && last != nil {
		restore(consent, attrAt, last[attrAt])
		restore(consent, attrPage, last[attrPage])
	}
	return item
}

// compactSubmission leaves out of a submission's item what expandSubmission puts
// back: the item's keys must be set.
func compactSubmission(item map[string]types.AttributeValue) {
	for _, name := range []string{attrAttribution, attrConsent} {
		if m := mapAttr(item[name]); m != nil {
			omitSame(m, attrAt, item[attrAt])
			omitSame(m, attrPage, item[attrPage])
		}
	}
	pk, _ := item[attrPK].(*types.AttributeValueMemberS)
	sk, _ := item[attrSK].(*types.AttributeValueMemberS)
	if pk != nil && reflect.DeepEqual(item[attrEmail], str(strings.TrimPrefix(pk.Value, prefixLead))) {
		delete(item, attrEmail)
	}
	if sk != nil {
		if at, id, ok := parseSubmissionSK(sk.Value); ok && reflect.DeepEqual(item[attrID], id) && reflect.DeepEqual(item[attrAt], at) {
			delete(item, attrID)
			delete(item, attrAt)
		}
	}
}

// expandSubmission returns a submission's item with what compactSubmission left
// out put back.
func expandSubmission(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	item = maps.Clone(item)
	if pk, ok := item[attrPK].(*types.AttributeValueMemberS); ok && strings.HasPrefix(pk.Value, prefixLead) {
		restore(item, attrEmail, str(strings.TrimPrefix(pk.Value, prefixLead)))
	}
	if sk, ok := item[attrSK].(*types.AttributeValueMemberS); ok {
		if at, id, ok := parseSubmissionSK(sk.Value); ok {
			restore(item, attrID, id)
			restore(item, attrAt, at)
		}
	}
	for _, name := range []string{attrAttribution, attrConsent} {
		if m := cloneMapAttr(item, name); m != nil {
			restore(m, attrAt, item[attrAt])
			restore(m, attrPage, item[attrPage])
		}
	}
	return item
}

// submissionSK is the sort key of a submission: its time, then its ID.
func submissionSK(at time.Time, id string) string {
	return prefixSubmission + keyTime(at) + "#" + id
}

// parseSubmissionSK returns the time and ID a submission's sort key holds.
func parseSubmissionSK(sk string) (at, id types.AttributeValue, ok bool) {
	rest, found := strings.CutPrefix(sk, prefixSubmission)
	t, i, cut := strings.Cut(rest, "#")
	if !found || !cut || i == "" {
		return nil, nil, false
	}
	return str(t), str(i), true
}

// mapAttr returns the attributes of a map attribute; nil for any other.
func mapAttr(av types.AttributeValue) map[string]types.AttributeValue {
	if m, ok := av.(*types.AttributeValueMemberM); ok {
		return m.Value
	}
	return nil
}

// cloneMapAttr replaces item's map attribute name with a copy and returns the
// copy's attributes, to change; nil when it is no map.
func cloneMapAttr(item map[string]types.AttributeValue, name string) map[string]types.AttributeValue {
	m := mapAttr(item[name])
	if m == nil {
		return nil
	}
	m = maps.Clone(m)
	item[name] = &types.AttributeValueMemberM{Value: m}
	return m
}

// omitSame leaves m's attribute name out where it equals ref; where it is absent
// and ref is not, it is NULL, which restore leaves as it is.
func omitSame(m map[string]types.AttributeValue, name string, ref types.AttributeValue) {
	v, ok := m[name]
	switch {
	case ref == nil:
	case ok && reflect.DeepEqual(v, ref):
		delete(m, name)
	case !ok:
		m[name] = null
	}
}

// restore puts ref back as m's attribute name, where it is absent.
func restore(m map[string]types.AttributeValue, name string, ref types.AttributeValue) {
	if _, ok := m[name]; !ok && ref != nil {
		m[name] = ref
	}
}

// LeadByEmail returns the lead with that normalised address.
func (s *Store) LeadByEmail(ctx context.Context, email string) (leadgate.Lead, error) {
	var l leadgate.Lead
	err := s.get(ctx, "get lead", leadKey(email), leadgate.ErrLeadNotFound, &l)
	return l, err
}

// Submissions returns the lead's submissions, oldest first: the sort key starts with
// the submission time.
func (s *Store) Submissions(ctx context.Context, email string) ([]leadgate.Submission, error) {
	in := s.queryOf("", partitionPrefix, values{":pk": str(prefixLead + email), ":prefix": str(prefixSubmission)})
	return queryAll[leadgate.Submission](ctx, s, "query submissions", in)
}

// partitionPrefix queries the items of one partition whose sort keys start alike.
var partitionPrefix = keyQuery("#pk = :pk AND begins_with(#sk, :prefix)", "")

// leadEdit is one conditional update of a lead (leadUpdate): e applies where its
// condition holds, and applies says the same of a lead that came back from a
// failed condition. vals are its values but :now.
type leadEdit struct {
	e       expr
	vals    values
	applies func(leadgate.Lead) bool
}

// leadUpdate is the expression of an edit of an existing lead that sets set where
// cond holds, and its update time (:now), adding one to its version as every write
// of a lead does.
func leadUpdate(set, cond string) expr {
	return updating("SET #updated_at = :now, #version = #version + :one, "+set, "attribute_exists(#pk) AND ("+cond+")")
}

// editLead updates the lead of email at now with one UpdateItem whose condition holds
// only where the update changes something, so that a write that would change nothing
// writes nothing (and leaves no stream record). The first edit is tried first; when
// its condition fails, the lead that comes back with the failure says which edit
// applies, if any. No lead, or no edit that applies: nothing to do.
func (s *Store) editLead(ctx context.Context, op, email string, now time.Time, edits ...leadEdit) error {
	k := leadKey(email)
	e := edits[0]
	return retry(ctx, op, func() (*again, error) {
		vals := values{":now": str(keyTime(now)), ":one": one}
		maps.Copy(vals, e.vals)
		item, refused, err := s.write(ctx, op, s.updateOf(k, e.e, vals), "")
		if !refused {
			return nil, err
		}
		item, err = s.refusedItem(ctx, op, item, k, errNoItem)
		switch {
		case errors.Is(err, errNoItem):
			return nil, nil // no lead
		case err != nil:
			return nil, err
		}
		var lead leadgate.Lead
		if err := unmarshalItem(item, &lead); err != nil {
			return nil, leadgate.Internal(op, fmt.Errorf("unmarshal lead: %w", err))
		}
		for _, next := range edits {
			if next.applies(lead) {
				e = next
				return &again{cause: errors.New("the lead changed meanwhile")}, nil
			}
		}
		return nil, nil // nothing would change
	})
}
