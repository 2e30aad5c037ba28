package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// A capture writes a lead, its submission ("SUB#<time>#<id>") and the (address,
// page) dedupe marker ("DEDUPE#<slug>") in the lead's partition, and counts the
// capture against its rate counters ("RATE#<key>", "<window>#<window start>").

// Positions of the items in a capture transaction; the cancellation reasons of a
// failed transaction come in the same order. The capture's grant, if any, comes last,
// after the rate counters: at txCounters + len(counters).
const (
	txLead       = iota
	txSubmission // the new submission
	txDedupe     // the (email, page) dedupe marker
	txCounters   // the rate counters start here
)

// counter is one rate counter that a capture counts against.
type counter struct {
	limit     leadgate.RateLimit
	pk, sk    string
	expiresAt int64
}

// Capture records a submission in one TransactWriteItems: put the lead (new: if it
// does not exist; known: if its version is unchanged), put the submission, put the
// dedupe marker (if absent or older than the window), count each rate counter (if
// under its limit) and put the capture's grant, if any (if it does not exist). The
// cancellation reasons tell which condition failed: a counter means rate limited, the
// marker means a repeat, the lead means the address is known (or changed meanwhile):
// then the lead that came back with the failure is updated and the transaction tried
// again. A new address thus costs one request, a known one two; a repeat or a refused
// capture writes no grant.
func (s *Store) Capture(ctx context.Context, c leadgate.Capture) (leadgate.CaptureResult, error) {
	op := "capture on page " + c.Page.Slug
	counters, err := countersFor(c.RateLimits, c.Submission.At)
	if err != nil {
		return leadgate.CaptureResult{}, err
	}
	txGrant := txCounters + len(counters)
	var (
		old *leadgate.Lead // nil while the address is thought to be new
		res leadgate.CaptureResult
	)
	build := func() ([]types.TransactWriteItem, error) {
		sub := c.Submission
		lead := leadgate.NewLead(c.NewLeadID, sub, c.Page)
		if old != nil {
			lead = old.Apply(sub, c.Page)
		}
		sub.LeadID = lead.ID
		res = leadgate.CaptureResult{Lead: lead, Submission: sub, LeadCreated: old == nil}
		return s.captureItems(c, lead, old, sub, counters)
	}
	err = s.transact(ctx, op, "capture", build, func(tx cancellation) (verdict, error) {
		if i := firstFailed(tx.reasons[:min(len(tx.reasons), txGrant)], txCounters); i >= 0 {
			return answered, counters[i-txCounters].limit.Exceeded(c.Submission.At)
		}
		if tx.failed(txDedupe) {
			var err error
			res, err = s.repeat(ctx, op, c, tx.item(txDedupe), counters)
			return answered, err
		}
		if c.Grant != nil && tx.failed(txGrant) {
			// Tokens are random: a grant of the same ID is a reused token, and a
			// capture with a new one may succeed.
			return answered, changedMeanwhile(op, errors.New("a grant with the capture's grant ID exists"))
		}
		if !tx.failed(txLead) {
			return unhandled, nil
		}
		// The first failure of a known address is the expected path: no pause.
		wait := old != nil
		item, err := s.refusedItem(ctx, op, tx.item(txLead), leadKey(c.Submission.Email), errNoItem)
		switch {
		case errors.Is(err, errNoItem):
			old = nil // erased meanwhile: the address is new again
		case err != nil:
			return answered, err
		default:
			var current leadgate.Lead
			if err := unmarshalItem(item, &current); err != nil {
				return answered, leadgate.Internal(op, fmt.Errorf("unmarshal lead: %w", err))
			}
			old = &current
		}
		if wait {
			return retryLater, nil
		}
		return retryNow, nil
	})
	if err != nil {
		return leadgate.CaptureResult{}, err
	}
	return res, nil
}

// captureItems builds the capture transaction in the order of the tx* positions.
func (s *Store) captureItems(c leadgate.Capture, lead leadgate.Lead, old *leadgate.Lead, sub leadgate.Submission, counters []counter) ([]types.TransactWriteItem, error) {
	pk := prefixLead + sub.Email

	leadItem, err := marshalItem(lead, pk, skLead, typeLead)
	if err != nil {
		return nil, fmt.Errorf("marshal lead: %w", err)
	}
	leadCond := itemAbsent()
	if old != nil {
		leadCond = expression.Name(attrVersion).Equal(expression.Value(old.Version))
	}

	subSK := prefixSubmission + keyTime(sub.At) + "#" + sub.ID
	subItem, err := marshalItem(sub, pk, subSK, typeSubmission)
	if err != nil {
		return nil, fmt.Errorf("marshal submission: %w", err)
	}
	subItem[attrGSI1PK] = &types.AttributeValueMemberS{Value: prefixPage + sub.Page}
	subItem[attrGSI1SK] = &types.AttributeValueMemberS{Value: keyTime(sub.At) + "#" + sub.ID}

	// The marker remembers the last recorded submission of this address on this page.
	// It may be replaced once that is at least a window old, so the window slides
	// from one recorded submission to the next; a repeat does not move it.
	marker := key(pk, prefixDedupe+sub.Page)
	marker[attrItemType] = &types.AttributeValueMemberS{Value: typeDedupe}
	marker[attrLastAt] = &types.AttributeValueMemberS{Value: keyTime(sub.At)}
	marker[attrSubmissionSK] = &types.AttributeValueMemberS{Value: subSK}
	marker[AttrExpiresAt] = epochSeconds(sub.At.Add(c.DedupeWindow))
	var markerConds []expression.ConditionBuilder
	if c.DedupeWindow > 0 {
		markerConds = append(markerConds,
			itemAbsent().Or(expression.Name(attrLastAt).LessThanEqual(expression.Value(keyTime(sub.At.Add(-c.DedupeWindow))))))
	}

	// The lead's and the marker's current items come back with a failure: the known
	// lead to update, the earlier submission to answer a repeat with.
	items := make([]types.TransactWriteItem, 0, txCounters+len(counters)+1)
	for _, p := range []struct {
		item  map[string]types.AttributeValue
		conds []expression.ConditionBuilder
	}{{leadItem, []expression.ConditionBuilder{leadCond}}, {subItem, []expression.ConditionBuilder{itemAbsent()}}, {marker, markerConds}} {
		put, err := s.putOf(p.item, p.conds...)
		if err != nil {
			return nil, err
		}
		items = append(items, put)
	}
	for _, ct := range counters {
		item, err := s.counterUpdate(ct)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	if c.Grant != nil {
		g := *c.Grant
		g.LeadID = lead.ID
		put, err := s.newGrantPut(g)
		if err != nil {
			return nil, err
		}
		items = append(items, put)
	}
	return items, nil
}

// counterUpdate counts one capture against a rate counter, unless it is at its limit.
func (s *Store) counterUpdate(ct counter) (types.TransactWriteItem, error) {
	update := expression.Add(expression.Name(attrCount), expression.Value(1)).
		Set(expression.Name(attrItemType), expression.Value(typeRateCounter)).
		Set(expression.Name(AttrExpiresAt), expression.Value(ct.expiresAt))
	w, err := s.updateOf(key(ct.pk, ct.sk), update,
		itemAbsent().Or(expression.Name(attrCount).LessThan(expression.Value(ct.limit.Limit))))
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("rate counter: %w", err)
	}
	return w, nil
}

// repeat answers a capture that the dedupe marker refused: it still counts against
// the rate limits (a bot repeating one address must not escape them), in a second
// transaction, and then reads the lead and the earlier submission.
func (s *Store) repeat(ctx context.Context, op string, c leadgate.Capture, marker map[string]types.AttributeValue, counters []counter) (leadgate.CaptureResult, error) {
	pk := prefixLead + c.Submission.Email
	marker, err := s.refusedItem(ctx, op+": dedupe marker", marker, key(pk, prefixDedupe+c.Submission.Page), errNoItem)
	switch {
	case errors.Is(err, errNoItem):
		return leadgate.CaptureResult{}, changedMeanwhile(op, errors.New("dedupe marker gone"))
	case err != nil:
		return leadgate.CaptureResult{}, err
	}
	subSK, _ := marker[attrSubmissionSK].(*types.AttributeValueMemberS)
	if subSK == nil {
		return leadgate.CaptureResult{}, changedMeanwhile(op, errors.New("dedupe marker without submission"))
	}
	if err := s.count(ctx, op, counters, c.Submission.At); err != nil {
		return leadgate.CaptureResult{}, err
	}
	out, err := s.client.TransactGetItems(ctx, &awsddb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String(s.table), Key: key(pk, skLead)}},
		{Get: &types.Get{TableName: aws.String(s.table), Key: key(pk, subSK.Value)}},
	}})
	if err != nil {
		return leadgate.CaptureResult{}, errorFor(op+": read earlier submission", err)
	}
	if len(out.Responses) != 2 || len(out.Responses[0].Item) == 0 || len(out.Responses[1].Item) == 0 {
		return leadgate.CaptureResult{}, changedMeanwhile(op, errors.New("lead or earlier submission missing"))
	}
	res := leadgate.CaptureResult{Repeat: true}
	if err := unmarshalItem(out.Responses[0].Item, &res.Lead); err != nil {
		return leadgate.CaptureResult{}, leadgate.Internal(op+": unmarshal lead", err)
	}
	if err := unmarshalItem(out.Responses[1].Item, &res.Submission); err != nil {
		return leadgate.CaptureResult{}, leadgate.Internal(op+": unmarshal submission", err)
	}
	return res, nil
}

// count counts a capture against its rate counters alone.
func (s *Store) count(ctx context.Context, op string, counters []counter, at time.Time) error {
	if len(counters) == 0 {
		return nil
	}
	build := func() ([]types.TransactWriteItem, error) {
		items := make([]types.TransactWriteItem, len(counters))
		for i, ct := range counters {
			item, err := s.counterUpdate(ct)
			if err != nil {
				return nil, err
			}
			items[i] = item
		}
		return items, nil
	}
	return s.transact(ctx, op+": count repeat", "count repeat", build, func(tx cancellation) (verdict, error) {
		if i := firstFailed(tx.reasons, 0); i >= 0 {
			return answered, counters[i].limit.Exceeded(at)
		}
		return unhandled, nil
	})
}

// countersFor returns the rate counters of a capture at t. Limits of the same key and
// window share one counter (a transaction may not touch an item twice): the lower
// limit wins.
func countersFor(limits []leadgate.RateLimit, t time.Time) ([]counter, error) {
	var out []counter
next:
	for _, l := range limits {
		if l.Window <= 0 {
			return nil, leadgate.Internal("rate limit "+l.Key, errors.New("window must be positive"))
		}
		if l.Limit <= 0 {
			return nil, l.Exceeded(t)
		}
		start := l.WindowStart(t)
		ct := counter{
			limit:     l,
			pk:        prefixRate + l.Key,
			sk:        l.Window.String() + "#" + keyTime(start),
			expiresAt: ceilSeconds(start.Add(l.Window)),
		}
		for i := range out {
			if out[i].pk == ct.pk && out[i].sk == ct.sk {
				out[i].limit.Limit = min(out[i].limit.Limit, l.Limit)
				continue next
			}
		}
		out = append(out, ct)
	}
	return out, nil
}
