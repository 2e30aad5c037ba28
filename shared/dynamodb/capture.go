package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

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
// under its limit), put the capture's grant, if any (if it does not exist), and
// add a known lead to its page's stage counters when it is new on the page (a new
// lead is counted by CountLead, its submission saying at which stage). The
// cancellation reasons tell which condition failed: a counter means rate limited, the
// marker means a repeat, the lead means the address is known (or changed meanwhile):
// then the lead that came back with the failure is updated and the transaction tried
// again. A new address thus costs one request, a known one two. A repeat is answered
// from the marker and the lead that came back with the failure, whatever the
// counters said, and counted against the limits in a second request; it and a
// refused capture write no grant.
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
		lead := c.NewLead(sub)
		if old != nil {
			lead = old.Apply(sub, c.Page)
		} else {
			sub.NewLeadStage = lead.CurrentStage()
		}
		sub.LeadID = lead.ID
		res = leadgate.CaptureResult{Lead: lead, Submission: sub, LeadCreated: old == nil}
		return s.captureItems(c, lead, old, sub, counters)
	}
	err = s.transact(ctx, op, "capture", build, func(tx cancellation) (verdict, error) {
		// A repeat first: it is answered, and counted under the limits in a request
		// of its own, whatever the counters of this one said.
		if tx.failed(txDedupe) {
			var err error
			res, err = s.repeat(ctx, op, c, tx.item(txDedupe), tx.item(txLead), counters)
			return answered, err
		}
		if i := firstFailed(tx.reasons[:min(len(tx.reasons), txGrant)], txCounters); i >= 0 {
			return answered, counters[i-txCounters].limit.Exceeded(c.Submission.At)
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

// The conditions and updates of a capture's writes: the known lead's version; the
// dedupe marker's, absent or older than the window; a rate counter's count, under
// its limit (with its TTL, the end of its window).
var (
	leadVersion = condition("#version = :version")
	markerFree  = condition("attribute_not_exists(#pk) OR #last_at <= :since")
	rateCount   = updating("ADD #count :one SET #item_type = :type, #expires_at = :ttl", "attribute_not_exists(#pk) OR #count < :limit")
)

// captureItems builds the capture transaction in the order of the tx* positions.
func (s *Store) captureItems(c leadgate.Capture, lead leadgate.Lead, old *leadgate.Lead, sub leadgate.Submission, counters []counter) ([]types.TransactWriteItem, error) {
	pk := prefixLead + sub.Email
	items := make([]types.TransactWriteItem, 0, txCounters+len(counters)+1)

	// The lead's and the marker's current items come back with a failure: the known
	// lead to update, the earlier submission to answer a repeat with.
	leadItem, err := marshalItem(lead, pk, skLead, typeLead)
	if err != nil {
		return nil, fmt.Errorf("marshal lead: %w", err)
	}
	if old == nil {
		items = append(items, s.putOf(leadItem, &itemAbsent, nil))
	} else {
		items = append(items, s.putOf(leadItem, &leadVersion, values{":version": num(old.Version)}))
	}

	subSK := submissionSK(sub.At, sub.ID)
	subItem, err := marshalItem(sub, pk, subSK, typeSubmission)
	if err != nil {
		return nil, fmt.Errorf("marshal submission: %w", err)
	}
	subItem[attrGSI1PK] = str(prefixPage + sub.Page)
	subItem[attrGSI1SK] = str(keyTime(sub.At) + "#" + sub.ID)
	items = append(items, s.putOf(subItem, &itemAbsent, nil))

	// The marker remembers the last recorded submission of this address on this page.
	// It may be replaced once that is at least a window old, so the window slides
	// from one recorded submission to the next; a repeat does not move it.
	marker := key(pk, prefixDedupe+sub.Page)
	marker[attrItemType] = str(typeDedupe)
	marker[attrLastAt] = str(keyTime(sub.At))
	marker[attrSubmissionSK] = str(subSK)
	marker[AttrExpiresAt] = epochSeconds(sub.At.Add(c.DedupeWindow))
	if c.DedupeWindow > 0 {
		items = append(items, s.putOf(marker, &markerFree, values{":since": str(keyTime(sub.At.Add(-c.DedupeWindow)))}))
	} else {
		items = append(items, s.putOf(marker, nil, nil))
	}

	for _, ct := range counters {
		items = append(items, s.counterUpdate(ct))
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
	// The stage counters of a known lead's pages, when it gains one. A new lead
	// is counted with its submission (CountLead): a plain write of one unit there
	// instead of two in this transaction.
	if old != nil {
		items = append(items, s.stageUpdates(old, &lead)...)
	}
	return items, nil
}

// counterUpdate counts one capture against a rate counter, unless it is at its limit.
func (s *Store) counterUpdate(ct counter) types.TransactWriteItem {
	return s.updateOf(key(ct.pk, ct.sk), rateCount, values{
		":one": one, ":type": str(typeRateCounter), ":ttl": num(ct.expiresAt), ":limit": num(int64(ct.limit.Limit)),
	})
}

// repeat answers a capture that the dedupe marker refused with the earlier
// submission's identity (its ID, lead, address, page and time), which the marker
// and the lead that came back with the failure hold: its values are not read
// again. It still counts against the rate limits (a bot repeating one address
// must not escape the per-IP one), in a second transaction.
func (s *Store) repeat(ctx context.Context, op string, c leadgate.Capture, marker, leadItem map[string]types.AttributeValue, counters []counter) (leadgate.CaptureResult, error) {
	pk := prefixLead + c.Submission.Email
	marker, err := s.refusedItem(ctx, op+": dedupe marker", marker, key(pk, prefixDedupe+c.Submission.Page), errNoItem)
	switch {
	case errors.Is(err, errNoItem):
		return leadgate.CaptureResult{}, changedMeanwhile(op, errors.New("dedupe marker gone"))
	case err != nil:
		return leadgate.CaptureResult{}, err
	}
	subSK, _ := marker[attrSubmissionSK].(*types.AttributeValueMemberS)
	var at, id types.AttributeValue
	ok := subSK != nil
	if ok {
		at, id, ok = parseSubmissionSK(subSK.Value)
	}
	if !ok {
		return leadgate.CaptureResult{}, changedMeanwhile(op, errors.New("dedupe marker without submission"))
	}
	// The lead comes back unless its condition held: that of a known lead's version,
	// when a concurrent capture made the marker after this one read the lead.
	leadItem, err = s.refusedItem(ctx, op+": lead", leadItem, leadKey(c.Submission.Email), errNoItem)
	switch {
	case errors.Is(err, errNoItem):
		return leadgate.CaptureResult{}, changedMeanwhile(op, errors.New("lead missing"))
	case err != nil:
		return leadgate.CaptureResult{}, err
	}
	res := leadgate.CaptureResult{Repeat: true}
	if err := unmarshalItem(leadItem, &res.Lead); err != nil {
		return leadgate.CaptureResult{}, leadgate.Internal(op+": unmarshal lead", err)
	}
	earlier, err := time.Parse(time.RFC3339Nano, at.(*types.AttributeValueMemberS).Value)
	if err != nil {
		return leadgate.CaptureResult{}, leadgate.Internal(op+": dedupe marker's submission time", err)
	}
	res.Submission = leadgate.Submission{
		ID: id.(*types.AttributeValueMemberS).Value, LeadID: res.Lead.ID, Email: c.Submission.Email,
		Page: c.Submission.Page, At: earlier.UTC(),
	}
	if err := s.count(ctx, op, counters, c.Submission.At); err != nil {
		return leadgate.CaptureResult{}, err
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
			items[i] = s.counterUpdate(ct)
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
