package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
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

// LeadByEmail returns the lead with that normalised address.
func (s *Store) LeadByEmail(ctx context.Context, email string) (leadgate.Lead, error) {
	var l leadgate.Lead
	err := s.get(ctx, "get lead", leadKey(email), leadgate.ErrLeadNotFound, &l)
	return l, err
}

// Submissions returns the lead's submissions, oldest first: the sort key starts with
// the submission time.
func (s *Store) Submissions(ctx context.Context, email string) ([]leadgate.Submission, error) {
	const op = "query submissions"
	in, err := s.queryOf("", expression.Key(attrPK).Equal(expression.Value(prefixLead+email)).
		And(expression.Key(attrSK).BeginsWith(prefixSubmission)))
	if err != nil {
		return nil, leadgate.Internal(op, err)
	}
	return queryAll[leadgate.Submission](ctx, s, op, in)
}

// assignment sets one attribute (or path) of a lead to a value.
type assignment struct {
	name  string
	value any
}

// leadEdit is one conditional update of a lead: set applies where cond holds, and
// applies says the same of a lead that came back from a failed condition.
type leadEdit struct {
	set     []assignment
	cond    expression.ConditionBuilder
	applies func(leadgate.Lead) bool
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
		// Built anew each time: an UpdateBuilder's operations are shared by its copies.
		update := expression.Set(expression.Name(attrUpdatedAt), expression.Value(keyTime(now))).
			Set(expression.Name(attrVersion), expression.Name(attrVersion).Plus(expression.Value(1)))
		for _, a := range e.set {
			update = update.Set(expression.Name(a.name), expression.Value(a.value))
		}
		w, err := s.updateOf(k, update, itemPresent(), e.cond)
		if err != nil {
			return nil, leadgate.Internal(op, err)
		}
		item, refused, err := s.write(ctx, op, w, "")
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
