package dynamodb

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// Mail events (bounces, complaints) suppress a lead's address: they change the
// lead's status and consent. A soft bounce only counts, once per message and kind,
// with a mark ("MAILEVENT#<message id>", "<kind>") in a partition of its own.

// Kinds of leadgate.MailEvent.
const (
	mailBounce     = "bounce"
	mailSoftBounce = "soft_bounce"
	mailComplaint  = "complaint"
)

// Positions of the items in a soft bounce's transaction.
const (
	txMailMark = iota
	txMailLead
)

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
	build := func() ([]types.TransactWriteItem, error) {
		mark := markItem(prefixMailEvent+e.MessageID, e.Kind, typeMailEventMark, e.At.Add(mailEventMarkRetention))
		mark[attrAt] = &types.AttributeValueMemberS{Value: keyTime(e.At)}
		put, err := s.putOf(mark, itemAbsent())
		if err != nil {
			return nil, err
		}
		lead, err := s.updateOf(leadKey(e.Email),
			expression.Add(expression.Name(attrSoftBounces), expression.Value(1)).
				Set(expression.Name(attrUpdatedAt), expression.Value(keyTime(e.At))).
				Set(expression.Name(attrVersion), expression.Name(attrVersion).Plus(expression.Value(1))),
			itemPresent())
		if err != nil {
			return nil, err
		}
		return []types.TransactWriteItem{put, lead}, nil
	}
	return s.transact(ctx, op, op, build, func(tx cancellation) (verdict, error) {
		switch {
		case tx.failed(txMailMark):
			return answered, nil // counted before: a redelivered event
		case tx.failed(txMailLead):
			return answered, nil // no such lead
		}
		return unhandled, nil
	})
}
