package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// Positions of the items in a capture transaction; the cancellation reasons of a
// failed transaction come in the same order. The capture's grant, if any, comes last,
// after the rate counters: at txCounters + len(counters).
const (
	txLead       = iota
	txSubmission // the new submission
	txDedupe     // the (email, page) dedupe marker
	txCounters   // the rate counters start here
)

// Attributes of the items that are not domain values.
const (
	attrVersion      = "version"       // of a lead, for optimistic concurrency
	attrCount        = "count"         // of a rate counter
	attrLastAt       = "last_at"       // of a dedupe marker: time of the last recorded submission
	attrSubmissionSK = "submission_sk" // of a dedupe marker: that submission's sort key
)

// maxAttempts bounds the transactions one capture makes when other writers get in
// its way: a returning lead needs two, each concurrent update of the lead one more.
const maxAttempts = 6

// Cancellation reason codes of TransactWriteItems.
const (
	reasonCondition = "ConditionalCheckFailed"
	reasonConflict  = "TransactionConflict"
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
	var old *leadgate.Lead // nil while the address is thought to be new
	for attempt := 1; ; attempt++ {
		sub := c.Submission
		lead := leadgate.NewLead(c.NewLeadID, sub, c.Page)
		if old != nil {
			lead = old.Apply(sub, c.Page)
		}
		sub.LeadID = lead.ID
		items, err := s.captureItems(c, lead, old, sub, counters)
		if err != nil {
			return leadgate.CaptureResult{}, leadgate.Internal(op, err)
		}
		out, err := s.client.TransactWriteItems(ctx, &awsddb.TransactWriteItemsInput{
			TransactItems:          items,
			ReturnConsumedCapacity: s.capacityMode(),
		})
		if err == nil {
			s.report("capture", out.ConsumedCapacity)
			return leadgate.CaptureResult{Lead: lead, Submission: sub, LeadCreated: old == nil}, nil
		}
		var canceled *types.TransactionCanceledException
		if !errors.As(err, &canceled) {
			return leadgate.CaptureResult{}, errorFor(op, err)
		}
		reasons := canceled.CancellationReasons
		txGrant := txCounters + len(counters)
		if i := firstFailed(reasons[:min(len(reasons), txGrant)], txCounters); i >= 0 {
			return leadgate.CaptureResult{}, counters[i-txCounters].limit.Exceeded(sub.At)
		}
		if code(reasons, txDedupe) == reasonCondition {
			return s.repeat(ctx, op, c, reasons[txDedupe].Item, counters)
		}
		if c.Grant != nil && code(reasons, txGrant) == reasonCondition {
			// Tokens are random: a grant of the same ID is a reused token, and a
			// capture with a new one may succeed.
			return leadgate.CaptureResult{}, changedMeanwhile(op, errors.New("a grant with the capture's grant ID exists"))
		}
		wait := true
		switch {
		case code(reasons, txLead) == reasonCondition:
			// The first failure of a known address is the expected path: no pause.
			wait = old != nil
			current, readErr := s.currentLead(ctx, c.Submission.Email, reasons[txLead].Item)
			if readErr != nil {
				return leadgate.CaptureResult{}, readErr
			}
			old = current
		case !retryable(reasons):
			return leadgate.CaptureResult{}, unexpected(op, err, reasons)
		}
		if attempt >= maxAttempts {
			return leadgate.CaptureResult{}, leadgate.Unavailable(op, fmt.Errorf("still conflicting after %d attempts: %w", attempt, err))
		}
		if wait {
			if err := pause(ctx, attempt); err != nil {
				return leadgate.CaptureResult{}, leadgate.Unavailable(op, err)
			}
		}
	}
}

// captureItems builds the capture transaction in the order of the tx* positions.
func (s *Store) captureItems(c leadgate.Capture, lead leadgate.Lead, old *leadgate.Lead, sub leadgate.Submission, counters []counter) ([]types.TransactWriteItem, error) {
	pk := PrefixLead + sub.Email
	notExists := expression.AttributeNotExists(expression.Name(AttrPK))

	leadItem, err := marshalItem(lead, pk, SKLead, TypeLead)
	if err != nil {
		return nil, fmt.Errorf("marshal lead: %w", err)
	}
	leadCond := notExists
	if old != nil {
		leadCond = expression.Name(attrVersion).Equal(expression.Value(old.Version))
	}

	subSK := PrefixSubmission + keyTime(sub.At) + "#" + sub.ID
	subItem, err := marshalItem(sub, pk, subSK, TypeSubmission)
	if err != nil {
		return nil, fmt.Errorf("marshal submission: %w", err)
	}
	subItem[AttrGSI1PK] = &types.AttributeValueMemberS{Value: PrefixPage + sub.Page}
	subItem[AttrGSI1SK] = &types.AttributeValueMemberS{Value: keyTime(sub.At) + "#" + sub.ID}

	// The marker remembers the last recorded submission of this address on this page.
	// It may be replaced once that is at least a window old, so the window slides
	// from one recorded submission to the next; a repeat does not move it.
	marker := key(pk, PrefixDedupe+sub.Page)
	marker[AttrItemType] = &types.AttributeValueMemberS{Value: TypeDedupe}
	marker[attrLastAt] = &types.AttributeValueMemberS{Value: keyTime(sub.At)}
	marker[attrSubmissionSK] = &types.AttributeValueMemberS{Value: subSK}
	marker[AttrExpiresAt] = epochSeconds(sub.At.Add(c.DedupeWindow))
	var markerCond *expression.ConditionBuilder
	if c.DedupeWindow > 0 {
		cond := notExists.Or(expression.Name(attrLastAt).LessThanEqual(expression.Value(keyTime(sub.At.Add(-c.DedupeWindow)))))
		markerCond = &cond
	}

	items := make([]types.TransactWriteItem, 0, txCounters+len(counters)+1)
	for _, p := range []struct {
		item map[string]types.AttributeValue
		cond *expression.ConditionBuilder
	}{{leadItem, &leadCond}, {subItem, &notExists}, {marker, markerCond}} {
		put := &types.Put{
			TableName: aws.String(s.table),
			Item:      p.item,
			// The lead's and the marker's current items come back with a failure: the
			// known lead to update, the earlier submission to answer a repeat with.
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}
		if p.cond != nil {
			expr, err := expression.NewBuilder().WithCondition(*p.cond).Build()
			if err != nil {
				return nil, fmt.Errorf("build condition: %w", err)
			}
			put.ConditionExpression = expr.Condition()
			put.ExpressionAttributeNames = expr.Names()
			put.ExpressionAttributeValues = expr.Values()
		}
		items = append(items, types.TransactWriteItem{Put: put})
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
		items = append(items, types.TransactWriteItem{Put: put})
	}
	return items, nil
}

// counterUpdate counts one capture against a rate counter, unless it is at its limit.
func (s *Store) counterUpdate(ct counter) (types.TransactWriteItem, error) {
	update := expression.Add(expression.Name(attrCount), expression.Value(1)).
		Set(expression.Name(AttrItemType), expression.Value(TypeRateCounter)).
		Set(expression.Name(AttrExpiresAt), expression.Value(ct.expiresAt))
	cond := expression.AttributeNotExists(expression.Name(AttrPK)).
		Or(expression.Name(attrCount).LessThan(expression.Value(ct.limit.Limit)))
	expr, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("build rate counter update: %w", err)
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 aws.String(s.table),
		Key:                       key(ct.pk, ct.sk),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}}, nil
}

// repeat answers a capture that the dedupe marker refused: it still counts against
// the rate limits (a bot repeating one address must not escape them), in a second
// transaction, and then reads the lead and the earlier submission.
func (s *Store) repeat(ctx context.Context, op string, c leadgate.Capture, marker map[string]types.AttributeValue, counters []counter) (leadgate.CaptureResult, error) {
	pk := PrefixLead + c.Submission.Email
	if len(marker) == 0 {
		// A store that returns no item with the failure: read the marker instead.
		out, err := s.client.GetItem(ctx, &awsddb.GetItemInput{
			TableName: aws.String(s.table), Key: key(pk, PrefixDedupe+c.Submission.Page), ConsistentRead: aws.Bool(true),
		})
		if err != nil {
			return leadgate.CaptureResult{}, errorFor(op+": read dedupe marker", err)
		}
		marker = out.Item
	}
	subSK, _ := marker[attrSubmissionSK].(*types.AttributeValueMemberS)
	if subSK == nil {
		return leadgate.CaptureResult{}, changedMeanwhile(op, errors.New("dedupe marker without submission"))
	}
	if err := s.count(ctx, op, counters, c.Submission.At); err != nil {
		return leadgate.CaptureResult{}, err
	}
	out, err := s.client.TransactGetItems(ctx, &awsddb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String(s.table), Key: key(pk, SKLead)}},
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
	items := make([]types.TransactWriteItem, len(counters))
	for i, ct := range counters {
		item, err := s.counterUpdate(ct)
		if err != nil {
			return leadgate.Internal(op, err)
		}
		items[i] = item
	}
	for attempt := 1; ; attempt++ {
		out, err := s.client.TransactWriteItems(ctx, &awsddb.TransactWriteItemsInput{
			TransactItems:          items,
			ReturnConsumedCapacity: s.capacityMode(),
		})
		if err == nil {
			s.report("count repeat", out.ConsumedCapacity)
			return nil
		}
		var canceled *types.TransactionCanceledException
		if !errors.As(err, &canceled) {
			return errorFor(op+": count repeat", err)
		}
		if i := firstFailed(canceled.CancellationReasons, 0); i >= 0 {
			return counters[i].limit.Exceeded(at)
		}
		if !retryable(canceled.CancellationReasons) {
			return unexpected(op+": count repeat", err, canceled.CancellationReasons)
		}
		if attempt >= maxAttempts {
			return leadgate.Unavailable(op, fmt.Errorf("count repeat: still conflicting after %d attempts: %w", attempt, err))
		}
		if err := pause(ctx, attempt); err != nil {
			return leadgate.Unavailable(op, err)
		}
	}
}

// currentLead returns the lead that a failed condition returned, or reads it when the
// failure came without it. nil: there is no lead (any more).
func (s *Store) currentLead(ctx context.Context, email string, item map[string]types.AttributeValue) (*leadgate.Lead, error) {
	if len(item) == 0 {
		out, err := s.client.GetItem(ctx, &awsddb.GetItemInput{
			TableName: aws.String(s.table), Key: key(PrefixLead+email, SKLead), ConsistentRead: aws.Bool(true),
		})
		if err != nil {
			return nil, errorFor("read lead for capture", err)
		}
		if len(out.Item) == 0 {
			return nil, nil
		}
		item = out.Item
	}
	var l leadgate.Lead
	if err := unmarshalItem(item, &l); err != nil {
		return nil, leadgate.Internal("unmarshal lead for capture", err)
	}
	return &l, nil
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
			pk:        PrefixRate + l.Key,
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

func firstFailed(reasons []types.CancellationReason, from int) int {
	for i := from; i < len(reasons); i++ {
		if code(reasons, i) == reasonCondition {
			return i
		}
	}
	return -1
}

func code(reasons []types.CancellationReason, i int) string {
	if i < len(reasons) && reasons[i].Code != nil {
		return *reasons[i].Code
	}
	return ""
}

// retryable reports whether a transaction failed only for passing reasons: another
// transaction on the same items, or throttling.
func retryable(reasons []types.CancellationReason) bool {
	found := false
	for i := range reasons {
		switch code(reasons, i) {
		case "", "None":
		case reasonConflict, "ThrottlingError", "ProvisionedThroughputExceeded":
			found = true
		default:
			return false
		}
	}
	return found
}

// unexpected maps a transaction that failed for a reason Capture does not handle.
func unexpected(op string, err error, reasons []types.CancellationReason) error {
	codes := make([]string, len(reasons))
	for i := range reasons {
		codes[i] = code(reasons, i)
	}
	err = fmt.Errorf("%w (reasons: %s)", err, strings.Join(codes, ","))
	if firstFailed(reasons, 0) >= 0 {
		return changedMeanwhile(op, err)
	}
	return leadgate.Internal(op, err)
}

// pause waits a random time that grows with the attempt, so that writers that got
// in each other's way spread out.
func pause(ctx context.Context, attempt int) error {
	limit := min(10*time.Millisecond<<attempt, 500*time.Millisecond)
	t := time.NewTimer(rand.N(limit) + time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func ceilSeconds(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

func epochSeconds(t time.Time) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(ceilSeconds(t))}
}
