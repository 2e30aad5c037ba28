package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// Attributes of sends, steps, confirmations and leads that the follow-up writes name.
const (
	attrStatus       = "status"
	attrEmail        = "email"
	attrKey          = "key"
	attrClaimedAt    = "claimed_at"
	attrAttempts     = "attempts"
	attrDoneAt       = "done_at"
	attrReason       = "reason"
	attrConfirmedAt  = "confirmed_at"
	attrUpdatedAt    = "updated_at"
	attrSoftBounces  = "soft_bounces"
	attrConsentGiven = "consent.given" // a path into the lead's consent map
)

// Kinds of leadgate.MailEvent.
const (
	mailBounce     = "bounce"
	mailSoftBounce = "soft_bounce"
	mailComplaint  = "complaint"
)

// Positions of the items in a Confirm transaction. The lead comes first, so that
// DynamoDB Local's single shard carries its update before the confirmation's, in the
// embedded feed's order; on AWS the two items' records may be on different shards,
// whose order Lambda does not keep.
const (
	txConfirmLead = iota // the lead: activated, or only checked
	txConfirmation
)

// Positions of the items in a soft bounce's transaction.
const (
	txMailMark = iota
	txMailLead
)

var (
	errNoConfirmation      = leadgate.Errorf(leadgate.ENOTFOUND, "no such confirmation link")
	errConfirmationExpired = leadgate.Errorf(leadgate.EGONE, "this confirmation link has expired")
	errConfirmationGone    = leadgate.Errorf(leadgate.EGONE, "this confirmation link no longer works")
	errNoUnsubscribe       = leadgate.Errorf(leadgate.ENOTFOUND, "no such unsubscribe link")
	errNoStep              = leadgate.Errorf(leadgate.ENOTFOUND, "no such step")
)

// ClaimSend claims a send in one UpdateItem: it sets the claim where there is no
// send yet or the stored claim is older than lease, and otherwise returns the
// stored send, which comes back with the failed condition.
func (s *Store) ClaimSend(ctx context.Context, email, sendKey string, now time.Time, lease time.Duration) (leadgate.Send, bool, error) {
	const op = "claim send"
	status, claimedAt := expression.Name(attrStatus), expression.Name(attrClaimedAt)
	update := expression.Set(status, expression.Value(string(leadgate.SendSending))).
		Set(claimedAt, expression.Value(keyTime(now))).
		Set(expression.Name(attrEmail), expression.Value(email)).
		Set(expression.Name(attrKey), expression.Value(sendKey)).
		Set(expression.Name(AttrItemType), expression.Value(TypeSend)).
		Add(expression.Name(attrAttempts), expression.Value(1))
	// Stored times are fixed width: they compare as strings the way they do as times.
	cond := expression.AttributeNotExists(expression.Name(AttrPK)).Or(
		status.Equal(expression.Value(string(leadgate.SendSending))).
			And(claimedAt.LessThanEqual(expression.Value(keyTime(now.Add(-lease))))))
	expr, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
	if err != nil {
		return leadgate.Send{}, false, leadgate.Internal(op, fmt.Errorf("build update: %w", err))
	}
	k := key(PrefixLead+email, PrefixSend+sendKey)
	out, err := s.client.UpdateItem(ctx, &awsddb.UpdateItemInput{
		TableName:                           aws.String(s.table),
		Key:                                 k,
		UpdateExpression:                    expr.Update(),
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		ReturnConsumedCapacity:              s.capacityMode(),
	})
	var failed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed):
		item, err := s.itemOr(ctx, op, failed.Item, k)
		if err != nil {
			return leadgate.Send{}, false, err
		}
		if len(item) == 0 {
			// Released between the condition and the read: the caller may retry.
			return leadgate.Send{}, false, changedMeanwhile(op, errors.New("the refused send is gone"))
		}
		var send leadgate.Send
		if err := unmarshalItem(item, &send); err != nil {
			return leadgate.Send{}, false, leadgate.Internal("unmarshal refused send", err)
		}
		return send, false, nil
	case err != nil:
		return leadgate.Send{}, false, errorFor(op, err)
	}
	s.reportOne(op, out.ConsumedCapacity)
	var send leadgate.Send
	if err := unmarshalItem(out.Attributes, &send); err != nil {
		return leadgate.Send{}, false, leadgate.Internal("unmarshal claimed send", err)
	}
	return send, true, nil
}

// ownClaim is the condition that the stored send is still the claim the caller
// holds: claimed, at the time its ClaimSend returned.
func ownClaim(claim leadgate.Send) expression.ConditionBuilder {
	return expression.Name(attrStatus).Equal(expression.Value(string(leadgate.SendSending))).
		And(expression.Name(attrClaimedAt).Equal(expression.Value(keyTime(claim.ClaimedAt))))
}

var errClaimLost = leadgate.Errorf(leadgate.ECONFLICT, "the send was claimed by another worker")

// FinishSend replaces the claim with the send's outcome, if the claim is still the
// caller's.
func (s *Store) FinishSend(ctx context.Context, send leadgate.Send) error {
	const op = "finish send"
	item, err := marshalItem(send, PrefixLead+send.Email, PrefixSend+send.Key, TypeSend)
	if err != nil {
		return leadgate.Internal("marshal send", err)
	}
	expr, err := expression.NewBuilder().WithCondition(ownClaim(send)).Build()
	if err != nil {
		return leadgate.Internal(op, fmt.Errorf("build condition: %w", err))
	}
	out, err := s.client.PutItem(ctx, &awsddb.PutItemInput{
		TableName:                 aws.String(s.table),
		Item:                      item,
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ReturnConsumedCapacity:    s.capacityMode(),
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return errClaimLost
	}
	if err != nil {
		return errorFor(op, err)
	}
	s.reportOne(op, out.ConsumedCapacity)
	return nil
}

// ReleaseSend deletes the claim, so that the next ClaimSend succeeds at once, if the
// claim is still the caller's.
func (s *Store) ReleaseSend(ctx context.Context, send leadgate.Send) error {
	const op = "release send"
	expr, err := expression.NewBuilder().WithCondition(ownClaim(send)).Build()
	if err != nil {
		return leadgate.Internal(op, fmt.Errorf("build condition: %w", err))
	}
	out, err := s.client.DeleteItem(ctx, &awsddb.DeleteItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(PrefixLead+send.Email, PrefixSend+send.Key),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ReturnConsumedCapacity:    s.capacityMode(),
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return errClaimLost
	}
	if err != nil {
		return errorFor(op, err)
	}
	s.reportOne(op, out.ConsumedCapacity)
	return nil
}

// ScheduleSteps puts each step with its own conditional PutItem, so that a step
// stored before (due, sent or skipped) stays as it is while the others are stored:
// one request per step. A transaction would save requests but cost twice the write
// capacity, and would need a retry without the existing steps on every redelivery.
func (s *Store) ScheduleSteps(ctx context.Context, steps []leadgate.Step) error {
	const op = "schedule step"
	cond, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(AttrPK))).Build()
	if err != nil {
		return leadgate.Internal(op, fmt.Errorf("build condition: %w", err))
	}
	for _, st := range steps {
		st.Status = leadgate.StepDue
		item, err := stepItem(st)
		if err != nil {
			return leadgate.Internal(op, err)
		}
		out, err := s.client.PutItem(ctx, &awsddb.PutItemInput{
			TableName:                 aws.String(s.table),
			Item:                      item,
			ConditionExpression:       cond.Condition(),
			ExpressionAttributeNames:  cond.Names(),
			ExpressionAttributeValues: cond.Values(),
			ReturnConsumedCapacity:    s.capacityMode(),
		})
		var failed *types.ConditionalCheckFailedException
		switch {
		case errors.As(err, &failed):
			continue // stored before
		case err != nil:
			return errorFor(op, err)
		}
		s.reportOne(op, out.ConsumedCapacity)
	}
	return nil
}

// stepItem returns a due step's item, in the due index (GSI2).
func stepItem(st leadgate.Step) (map[string]types.AttributeValue, error) {
	item, err := marshalItem(st, PrefixLead+st.Email, PrefixStep+st.Key, TypeStep)
	if err != nil {
		return nil, fmt.Errorf("marshal step: %w", err)
	}
	item[AttrGSI2PK] = &types.AttributeValueMemberS{Value: DueBucket}
	item[AttrGSI2SK] = &types.AttributeValueMemberS{Value: keyTime(st.DueAt) + "#" + st.Email + "#" + st.Key}
	return item, nil
}

// DueSteps queries the due index in one request: the steps whose due time is not
// after now, oldest first. The index is a GSI, so the read is eventually consistent:
// a step scheduled a moment ago may not show yet (it will on the next run), and one
// finished a moment ago may still show; claiming its send (ClaimSend) is what keeps
// it from going out twice.
func (s *Store) DueSteps(ctx context.Context, now time.Time, limit int) ([]leadgate.Step, error) {
	const op = "due steps"
	steps := []leadgate.Step{}
	if limit <= 0 {
		return steps, nil
	}
	// gsi2sk starts with the fixed-width due time: every step due at or before now
	// sorts before the first instant after it.
	keyCond := expression.Key(AttrGSI2PK).Equal(expression.Value(DueBucket)).
		And(expression.Key(AttrGSI2SK).LessThan(expression.Value(keyTime(now.Add(time.Nanosecond)))))
	expr, err := expression.NewBuilder().WithKeyCondition(keyCond).Build()
	if err != nil {
		return nil, leadgate.Internal(op, fmt.Errorf("build key condition: %w", err))
	}
	out, err := s.client.Query(ctx, &awsddb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(IndexGSI2),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ScanIndexForward:          aws.Bool(true),
		Limit:                     aws.Int32(int32(min(limit, math.MaxInt32))),
	})
	if err != nil {
		return nil, errorFor(op, err)
	}
	for _, item := range out.Items {
		var st leadgate.Step
		if err := unmarshalItem(item, &st); err != nil {
			return nil, leadgate.Internal("unmarshal due step", err)
		}
		steps = append(steps, st)
	}
	return steps, nil
}

// FinishStep records a step's outcome in one UpdateItem and removes its due-index
// keys, so that it leaves the index.
func (s *Store) FinishStep(ctx context.Context, st leadgate.Step) error {
	const op = "finish step"
	update := expression.Set(expression.Name(attrStatus), expression.Value(string(st.Status))).
		Remove(expression.Name(AttrGSI2PK)).
		Remove(expression.Name(AttrGSI2SK))
	// As the domain's JSON, a zero time or an empty reason is no attribute at all.
	if st.DoneAt.IsZero() {
		update = update.Remove(expression.Name(attrDoneAt))
	} else {
		update = update.Set(expression.Name(attrDoneAt), expression.Value(keyTime(st.DoneAt)))
	}
	if st.Reason == "" {
		update = update.Remove(expression.Name(attrReason))
	} else {
		update = update.Set(expression.Name(attrReason), expression.Value(st.Reason))
	}
	expr, err := expression.NewBuilder().WithUpdate(update).
		WithCondition(expression.AttributeExists(expression.Name(AttrPK))).Build()
	if err != nil {
		return leadgate.Internal(op, fmt.Errorf("build update: %w", err))
	}
	out, err := s.client.UpdateItem(ctx, &awsddb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(PrefixLead+st.Email, PrefixStep+st.Key),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ReturnConsumedCapacity:    s.capacityMode(),
	})
	var failed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed):
		return errNoStep
	case err != nil:
		return errorFor(op, err)
	}
	s.reportOne(op, out.ConsumedCapacity)
	return nil
}

// PutConfirmation puts a confirmation if none with its ID exists.
func (s *Store) PutConfirmation(ctx context.Context, c leadgate.Confirmation) error {
	item, err := confirmationItem(c)
	if err != nil {
		return leadgate.Internal("put confirmation", err)
	}
	return s.putNew(ctx, "put confirmation", item)
}

// Confirmation returns the confirmation with that ID.
func (s *Store) Confirmation(ctx context.Context, id string) (leadgate.Confirmation, error) {
	item, err := s.getItem(ctx, "get confirmation", key(PrefixConfirm+id, SKConfirmation))
	if err != nil {
		return leadgate.Confirmation{}, err
	}
	if item == nil {
		return leadgate.Confirmation{}, errNoConfirmation
	}
	c, err := unmarshalConfirmation(item)
	if err != nil {
		return leadgate.Confirmation{}, leadgate.Internal("unmarshal confirmation", err)
	}
	return c, nil
}

// Confirm reads the confirmation, then writes in one TransactWriteItems: the
// confirmation's time (if it has none and has not expired) and the lead's activation
// (if it is unconfirmed). The cancellation reasons tell which condition failed: the
// confirmation means it was confirmed meanwhile or expired; the lead means it is
// gone, erased, or not unconfirmed (active, unsubscribed, ...): then the confirmation
// alone is written, with a check that the lead is still there. A first confirmation
// of an unconfirmed lead thus costs two requests; that of a lead in any other state
// three; a repeated one one.
func (s *Store) Confirm(ctx context.Context, id string, now time.Time) (leadgate.Confirmation, error) {
	const op = "confirm"
	c, err := s.Confirmation(ctx, id)
	if err != nil {
		return c, err
	}
	if !c.ConfirmedAt.IsZero() {
		return c, nil
	}
	if !now.Before(c.ExpiresAt) {
		return c, errConfirmationExpired
	}
	leadWrite := activateLead
	for attempt := 1; ; attempt++ {
		items, err := s.confirmItems(c, now, leadWrite)
		if err != nil {
			return c, leadgate.Internal(op, err)
		}
		out, err := s.client.TransactWriteItems(ctx, &awsddb.TransactWriteItemsInput{
			TransactItems:          items,
			ReturnConsumedCapacity: s.capacityMode(),
		})
		if err == nil {
			s.report(op, out.ConsumedCapacity)
			c.ConfirmedAt = now
			return c, nil
		}
		var canceled *types.TransactionCanceledException
		if !errors.As(err, &canceled) {
			return c, errorFor(op, err)
		}
		reasons := canceled.CancellationReasons
		wait := true
		switch {
		case code(reasons, txConfirmation) == reasonCondition:
			item, err := s.itemOr(ctx, op, reasons[txConfirmation].Item, key(PrefixConfirm+id, SKConfirmation))
			if err != nil {
				return c, err
			}
			if len(item) == 0 {
				return c, errNoConfirmation
			}
			stored, err := unmarshalConfirmation(item)
			if err != nil {
				return c, leadgate.Internal("unmarshal confirmation", err)
			}
			if !stored.ConfirmedAt.IsZero() {
				return stored, nil // another click got there first
			}
			return stored, errConfirmationExpired
		case code(reasons, txConfirmLead) == reasonCondition:
			item, err := s.itemOr(ctx, op, reasons[txConfirmLead].Item, key(PrefixLead+c.Email, SKLead))
			if err != nil {
				return c, err
			}
			if len(item) == 0 {
				return c, errConfirmationGone
			}
			var lead leadgate.Lead
			if err := unmarshalItem(item, &lead); err != nil {
				return c, leadgate.Internal("unmarshal lead to confirm", err)
			}
			switch {
			case lead.Status == leadgate.StatusErased:
				return c, errConfirmationGone
			case lead.Status == leadgate.StatusUnconfirmed:
				leadWrite = activateLead
			case lead.ConfirmedAt.IsZero():
				leadWrite = stampLead
			default:
				leadWrite = checkLead
			}
			wait = false
		case !retryable(reasons):
			return c, unexpected(op, err, reasons)
		}
		if attempt >= maxAttempts {
			return c, leadgate.Unavailable(op, fmt.Errorf("still conflicting after %d attempts: %w", attempt, err))
		}
		if wait {
			if err := pause(ctx, attempt); err != nil {
				return c, leadgate.Unavailable(op, err)
			}
		}
	}
}

// What Confirm writes to the lead.
type leadConfirmWrite int

const (
	activateLead leadConfirmWrite = iota // unconfirmed → active, ConfirmedAt set
	stampLead                            // active (or left) without ConfirmedAt: set it
	checkLead                            // already confirmed once: only check it is there
)

// confirmItems builds the Confirm transaction in the order of the txConfirm*
// positions: the lead's write (see leadConfirmWrite), then the confirmation's.
func (s *Store) confirmItems(c leadgate.Confirmation, now time.Time, write leadConfirmWrite) ([]types.TransactWriteItem, error) {
	at := expression.Value(keyTime(now))
	status := expression.Name(attrStatus)
	unconfirmed := expression.Value(string(leadgate.StatusUnconfirmed))
	leadKey := key(PrefixLead+c.Email, SKLead)
	// The version grows as with every write of a lead, so that a capture that read
	// the lead before writes it again only after reading it anew.
	touch := expression.Set(expression.Name(attrConfirmedAt), at).
		Set(expression.Name(attrUpdatedAt), at).
		Set(expression.Name(attrVersion), expression.Name(attrVersion).Plus(expression.Value(1)))
	var (
		lead types.TransactWriteItem
		b    = expression.NewBuilder()
	)
	switch write {
	case activateLead:
		b = b.WithUpdate(touch.Set(status, expression.Value(string(leadgate.StatusActive)))).
			WithCondition(status.Equal(unconfirmed))
	case stampLead:
		b = b.WithUpdate(touch).WithCondition(expression.AttributeExists(expression.Name(AttrPK)).And(
			status.NotEqual(expression.Value(string(leadgate.StatusErased))),
			status.NotEqual(unconfirmed),
			expression.AttributeNotExists(expression.Name(attrConfirmedAt))))
	default:
		b = b.WithCondition(expression.AttributeExists(expression.Name(AttrPK)).And(
			status.NotEqual(expression.Value(string(leadgate.StatusErased))),
			status.NotEqual(unconfirmed),
			expression.AttributeExists(expression.Name(attrConfirmedAt))))
	}
	expr, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("build lead write: %w", err)
	}
	if write == checkLead {
		lead.ConditionCheck = &types.ConditionCheck{
			TableName:                           aws.String(s.table),
			Key:                                 leadKey,
			ConditionExpression:                 expr.Condition(),
			ExpressionAttributeNames:            expr.Names(),
			ExpressionAttributeValues:           expr.Values(),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}
	} else {
		lead.Update = &types.Update{
			TableName:                           aws.String(s.table),
			Key:                                 leadKey,
			UpdateExpression:                    expr.Update(),
			ConditionExpression:                 expr.Condition(),
			ExpressionAttributeNames:            expr.Names(),
			ExpressionAttributeValues:           expr.Values(),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}
	}
	confirmedAt := expression.Name(attrConfirmedAt)
	expr, err = expression.NewBuilder().
		WithUpdate(expression.Set(confirmedAt, at)).
		WithCondition(expression.AttributeExists(expression.Name(AttrPK)).And(
			expression.AttributeNotExists(confirmedAt),
			expression.Name(attrLinkExpiresAt).GreaterThan(at),
		)).Build()
	if err != nil {
		return nil, fmt.Errorf("build confirmation update: %w", err)
	}
	return []types.TransactWriteItem{lead, {Update: &types.Update{
		TableName:                           aws.String(s.table),
		Key:                                 key(PrefixConfirm+c.ID, SKConfirmation),
		UpdateExpression:                    expr.Update(),
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}}, nil
}

// confirmationItem returns a confirmation's item: as a grant's, its domain expiry
// moves to attrLinkExpiresAt, and AttrExpiresAt holds the TTL.
func confirmationItem(c leadgate.Confirmation) (map[string]types.AttributeValue, error) {
	item, err := marshalItem(c, PrefixConfirm+c.ID, SKConfirmation, TypeConfirmation)
	if err != nil {
		return nil, fmt.Errorf("marshal confirmation: %w", err)
	}
	item[attrLinkExpiresAt] = item[AttrExpiresAt]
	item[AttrExpiresAt] = epochSeconds(c.ExpiresAt.Add(ConfirmationRetention))
	return item, nil
}

// unmarshalConfirmation decodes a confirmation's item, or its image in a stream
// record.
func unmarshalConfirmation(item map[string]types.AttributeValue) (leadgate.Confirmation, error) {
	var c leadgate.Confirmation
	expiry, ok := item[attrLinkExpiresAt]
	if !ok {
		return c, errors.New(attrLinkExpiresAt + " missing")
	}
	item = maps.Clone(item)
	item[AttrExpiresAt] = expiry
	delete(item, attrLinkExpiresAt)
	if err := unmarshalItem(item, &c); err != nil {
		return leadgate.Confirmation{}, err
	}
	if c.ID == "" || c.Email == "" {
		return leadgate.Confirmation{}, errors.New("id or email missing")
	}
	return c, nil
}

// PutUnsubscribe puts an unsubscribe link's mapping if none with its ID exists.
func (s *Store) PutUnsubscribe(ctx context.Context, u leadgate.Unsubscribe) error {
	item, err := marshalItem(u, PrefixUnsub+u.ID, SKUnsubscribe, TypeUnsubscribe)
	if err != nil {
		return leadgate.Internal("marshal unsubscribe", err)
	}
	return s.putNew(ctx, "put unsubscribe", item)
}

// Unsubscribe reads the link, then withdraws the lead's consent in one conditional
// UpdateItem; the link's address is the lead's key.
func (s *Store) Unsubscribe(ctx context.Context, id string, now time.Time) error {
	const op = "unsubscribe"
	item, err := s.getItem(ctx, "get unsubscribe link", key(PrefixUnsub+id, SKUnsubscribe))
	if err != nil {
		return err
	}
	if item == nil {
		return errNoUnsubscribe
	}
	var u leadgate.Unsubscribe
	if err := unmarshalItem(item, &u); err != nil {
		return leadgate.Internal("unmarshal unsubscribe link", err)
	}
	if u.Email == "" {
		return leadgate.Internal("unmarshal unsubscribe link", errors.New("email missing"))
	}
	status := expression.Name(attrStatus)
	given := expression.Name(attrConsentGiven)
	reachable := status.In(expression.Value(string(leadgate.StatusActive)), expression.Value(string(leadgate.StatusUnconfirmed)))
	return s.editLead(ctx, op, u.Email, now,
		leadEdit{
			set: []assignment{
				{attrConsentGiven, false},
				{attrStatus, string(leadgate.StatusUnsubscribed)},
			},
			cond:    reachable,
			applies: func(l leadgate.Lead) bool { return l.Reachable() },
		},
		leadEdit{
			// Bounced, complained or erased: the status stays, the consent goes.
			set:     []assignment{{attrConsentGiven, false}},
			cond:    expression.Not(reachable).And(given.Equal(expression.Value(true))),
			applies: func(l leadgate.Lead) bool { return !l.Reachable() && l.Consent.Given },
		},
	)
}

// RecordMailEvent applies a delivery event to the lead of its address: a hard bounce
// or a complaint in one conditional UpdateItem, a soft bounce in one
// TransactWriteItems that puts the message's mark (unless it exists) and counts it.
// An address without a lead, or an event of another kind, changes nothing.
func (s *Store) RecordMailEvent(ctx context.Context, e leadgate.MailEvent) error {
	const op = "record mail event"
	status := expression.Name(attrStatus)
	value := func(st leadgate.Status) expression.OperandBuilder { return expression.Value(string(st)) }
	switch e.Kind {
	case mailBounce:
		return s.editLead(ctx, op, e.Email, e.At, leadEdit{
			set:  []assignment{{attrStatus, string(leadgate.StatusBounced)}},
			cond: expression.Not(status.In(value(leadgate.StatusBounced), value(leadgate.StatusComplained), value(leadgate.StatusErased))),
			applies: func(l leadgate.Lead) bool {
				return l.Status != leadgate.StatusBounced && l.Status != leadgate.StatusComplained && l.Status != leadgate.StatusErased
			},
		})
	case mailComplaint:
		given := expression.Name(attrConsentGiven)
		return s.editLead(ctx, op, e.Email, e.At,
			leadEdit{
				set: []assignment{
					{attrStatus, string(leadgate.StatusComplained)},
					{attrConsentGiven, false},
				},
				cond: status.NotEqual(value(leadgate.StatusErased)).And(
					status.NotEqual(value(leadgate.StatusComplained)).Or(given.Equal(expression.Value(true)))),
				applies: func(l leadgate.Lead) bool {
					return l.Status != leadgate.StatusErased && (l.Status != leadgate.StatusComplained || l.Consent.Given)
				},
			},
			leadEdit{
				// An erased lead stays erased; its consent still goes.
				set:     []assignment{{attrConsentGiven, false}},
				cond:    status.Equal(value(leadgate.StatusErased)).And(given.Equal(expression.Value(true))),
				applies: func(l leadgate.Lead) bool { return l.Status == leadgate.StatusErased && l.Consent.Given },
			},
		)
	case mailSoftBounce:
		return s.countSoftBounce(ctx, op, e)
	}
	return nil
}

// countSoftBounce puts the (message, kind) mark and adds one to the lead's soft
// bounces in one transaction: the mark's condition fails for a redelivered event,
// the lead's for an address without a lead; either way nothing is written.
func (s *Store) countSoftBounce(ctx context.Context, op string, e leadgate.MailEvent) error {
	mark := key(PrefixMailEvent+e.MessageID, e.Kind)
	mark[AttrItemType] = &types.AttributeValueMemberS{Value: TypeMailEventMark}
	mark[attrAt] = &types.AttributeValueMemberS{Value: keyTime(e.At)}
	mark[AttrExpiresAt] = epochSeconds(e.At.Add(MailEventMarkRetention))
	markCond, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(AttrPK))).Build()
	if err != nil {
		return leadgate.Internal(op, fmt.Errorf("build mark condition: %w", err))
	}
	leadUpdate, err := expression.NewBuilder().
		WithUpdate(expression.Add(expression.Name(attrSoftBounces), expression.Value(1)).
			Set(expression.Name(attrUpdatedAt), expression.Value(keyTime(e.At))).
			Set(expression.Name(attrVersion), expression.Name(attrVersion).Plus(expression.Value(1)))).
		WithCondition(expression.AttributeExists(expression.Name(AttrPK))).
		Build()
	if err != nil {
		return leadgate.Internal(op, fmt.Errorf("build lead update: %w", err))
	}
	items := []types.TransactWriteItem{
		{Put: &types.Put{
			TableName:                 aws.String(s.table),
			Item:                      mark,
			ConditionExpression:       markCond.Condition(),
			ExpressionAttributeNames:  markCond.Names(),
			ExpressionAttributeValues: markCond.Values(),
		}},
		{Update: &types.Update{
			TableName:                 aws.String(s.table),
			Key:                       key(PrefixLead+e.Email, SKLead),
			UpdateExpression:          leadUpdate.Update(),
			ConditionExpression:       leadUpdate.Condition(),
			ExpressionAttributeNames:  leadUpdate.Names(),
			ExpressionAttributeValues: leadUpdate.Values(),
		}},
	}
	for attempt := 1; ; attempt++ {
		out, err := s.client.TransactWriteItems(ctx, &awsddb.TransactWriteItemsInput{
			TransactItems:          items,
			ReturnConsumedCapacity: s.capacityMode(),
		})
		if err == nil {
			s.report(op, out.ConsumedCapacity)
			return nil
		}
		var canceled *types.TransactionCanceledException
		if !errors.As(err, &canceled) {
			return errorFor(op, err)
		}
		reasons := canceled.CancellationReasons
		switch {
		case code(reasons, txMailMark) == reasonCondition:
			return nil // counted before: a redelivered event
		case code(reasons, txMailLead) == reasonCondition:
			return nil // no such lead
		case !retryable(reasons):
			return unexpected(op, err, reasons)
		}
		if attempt >= maxAttempts {
			return leadgate.Unavailable(op, fmt.Errorf("still conflicting after %d attempts: %w", attempt, err))
		}
		if err := pause(ctx, attempt); err != nil {
			return leadgate.Unavailable(op, err)
		}
	}
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
	k := key(PrefixLead+email, SKLead)
	e := edits[0]
	for attempt := 1; ; attempt++ {
		// Built anew each time: an UpdateBuilder's operations are shared by its copies.
		update := expression.Set(expression.Name(attrUpdatedAt), expression.Value(keyTime(now))).
			Set(expression.Name(attrVersion), expression.Name(attrVersion).Plus(expression.Value(1)))
		for _, a := range e.set {
			update = update.Set(expression.Name(a.name), expression.Value(a.value))
		}
		expr, err := expression.NewBuilder().WithUpdate(update).
			WithCondition(expression.AttributeExists(expression.Name(AttrPK)).And(e.cond)).Build()
		if err != nil {
			return leadgate.Internal(op, fmt.Errorf("build update: %w", err))
		}
		out, err := s.client.UpdateItem(ctx, &awsddb.UpdateItemInput{
			TableName:                           aws.String(s.table),
			Key:                                 k,
			UpdateExpression:                    expr.Update(),
			ConditionExpression:                 expr.Condition(),
			ExpressionAttributeNames:            expr.Names(),
			ExpressionAttributeValues:           expr.Values(),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			ReturnConsumedCapacity:              s.capacityMode(),
		})
		var failed *types.ConditionalCheckFailedException
		switch {
		case err == nil:
			s.reportOne(op, out.ConsumedCapacity)
			return nil
		case !errors.As(err, &failed):
			return errorFor(op, err)
		}
		item, err := s.itemOr(ctx, op, failed.Item, k)
		if err != nil || len(item) == 0 {
			return err
		}
		var lead leadgate.Lead
		if err := unmarshalItem(item, &lead); err != nil {
			return leadgate.Internal("unmarshal lead to "+op, err)
		}
		next := -1
		for i := range edits {
			if edits[i].applies(lead) {
				next = i
				break
			}
		}
		if next < 0 {
			return nil // nothing would change
		}
		if attempt >= maxAttempts {
			return leadgate.Unavailable(op, fmt.Errorf("the lead still changed after %d attempts: %w", attempt, failed))
		}
		e = edits[next]
	}
}

// putNew puts an item if none with its key exists; an existing one stays as it is.
func (s *Store) putNew(ctx context.Context, op string, item map[string]types.AttributeValue) error {
	cond, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(AttrPK))).Build()
	if err != nil {
		return leadgate.Internal(op, fmt.Errorf("build condition: %w", err))
	}
	out, err := s.client.PutItem(ctx, &awsddb.PutItemInput{
		TableName:                 aws.String(s.table),
		Item:                      item,
		ConditionExpression:       cond.Condition(),
		ExpressionAttributeNames:  cond.Names(),
		ExpressionAttributeValues: cond.Values(),
		ReturnConsumedCapacity:    s.capacityMode(),
	})
	var failed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed):
		return nil
	case err != nil:
		return errorFor(op, err)
	}
	s.reportOne(op, out.ConsumedCapacity)
	return nil
}

// itemOr returns the item that came back with a failed condition or, when the store
// returned none, the item as it is now (nil if it does not exist).
func (s *Store) itemOr(ctx context.Context, op string, item, k map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	if len(item) > 0 {
		return item, nil
	}
	out, err := s.client.GetItem(ctx, &awsddb.GetItemInput{TableName: aws.String(s.table), Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, errorFor(op+": read refused item", err)
	}
	return out.Item, nil
}

func (s *Store) reportOne(op string, c *types.ConsumedCapacity) {
	if c != nil {
		s.report(op, []types.ConsumedCapacity{*c})
	}
}
