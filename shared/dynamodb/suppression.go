package dynamodb

import (
	"context"

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

// The edits of a mail event: a hard bounce suppresses a lead unless it bounced,
// complained or was erased before; a complaint suppresses it and withdraws its
// consent, and a lead who complained before or was erased keeps its status but
// loses its consent; a soft bounce counts. Suppressing sets the lead's
// suppressed_at.
var (
	bounceLead    = leadUpdate("#status = :bounced, #suppressed_at = :now", "NOT (#status IN (:bounced, :complained, :erased))")
	complainLead  = leadUpdate("#status = :complained, #suppressed_at = :now, #consent.#given = :false", "NOT (#status IN (:complained, :erased))")
	complainAgain = leadUpdate("#consent.#given = :false", "#status IN (:complained, :erased) AND #consent.#given = :true")
	softBounce    = updating("ADD #soft_bounces :one SET #updated_at = :now, #version = #version + :one", "attribute_exists(#pk)")
)

// RecordMailEvent applies a delivery event to the lead of its address: a hard bounce
// or a complaint in one conditional UpdateItem, a soft bounce in one
// TransactWriteItems that puts the message's mark (unless it exists) and counts it.
// An address without a lead, or an event of another kind, changes nothing.
func (s *Store) RecordMailEvent(ctx context.Context, e leadgate.MailEvent) error {
	const op = "record mail event"
	bounced, complained, erased := statusValue(leadgate.StatusBounced), statusValue(leadgate.StatusComplained), statusValue(leadgate.StatusErased)
	switch e.Kind {
	case mailBounce:
		return s.editLead(ctx, op, e.Email, e.At, leadEdit{
			e:    bounceLead,
			vals: values{":bounced": bounced, ":complained": complained, ":erased": erased},
			applies: func(l leadgate.Lead) bool {
				return l.Status != leadgate.StatusBounced && l.Status != leadgate.StatusComplained && l.Status != leadgate.StatusErased
			},
		})
	case mailComplaint:
		return s.editLead(ctx, op, e.Email, e.At,
			leadEdit{
				e:    complainLead,
				vals: values{":complained": complained, ":erased": erased, ":false": boolFalse},
				applies: func(l leadgate.Lead) bool {
					return l.Status != leadgate.StatusErased && l.Status != leadgate.StatusComplained
				},
			},
			leadEdit{
				// A lead who complained before, or an erased one, keeps its status
				// and its time; its consent still goes.
				e:    complainAgain,
				vals: values{":complained": complained, ":erased": erased, ":false": boolFalse, ":true": boolTrue},
				applies: func(l leadgate.Lead) bool {
					return (l.Status == leadgate.StatusErased || l.Status == leadgate.StatusComplained) && l.Consent.Given
				},
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
		mark[attrAt] = str(keyTime(e.At))
		return []types.TransactWriteItem{
			s.putOf(mark, &itemAbsent, nil),
			s.updateOf(leadKey(e.Email), softBounce, values{":one": one, ":now": str(keyTime(e.At))}),
		}, nil
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
