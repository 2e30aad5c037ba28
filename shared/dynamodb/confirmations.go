package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// A confirmation is a double opt-in link, the item ("CONFIRM#<id>", "CONFIRM") of a
// partition of its own, the ID a hash of the link's token.

// Positions of the items in a Confirm transaction. The lead comes first, so that
// DynamoDB Local's single shard carries its update before the confirmation's, in the
// embedded feed's order; on AWS the two items' records may be on different shards,
// whose order Lambda does not keep.
const (
	txConfirmLead = iota // the lead: activated, or only checked
	txConfirmation
)

// confirmationKey is the key of the confirmation with that ID.
func confirmationKey(id string) map[string]types.AttributeValue {
	return key(prefixConfirm+id, skConfirmation)
}

// PutConfirmation puts a confirmation if none with its ID exists.
func (s *Store) PutConfirmation(ctx context.Context, c leadgate.Confirmation) error {
	const op = "put confirmation"
	item, err := confirmationItem(c)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	return s.putNew(ctx, op, item, nil)
}

// Confirmation returns the confirmation with that ID.
func (s *Store) Confirmation(ctx context.Context, id string) (leadgate.Confirmation, error) {
	const op = "get confirmation"
	item, err := s.getItem(ctx, op, confirmationKey(id), leadgate.ErrConfirmationNotFound)
	if err != nil {
		return leadgate.Confirmation{}, err
	}
	c, err := unmarshalConfirmation(item)
	if err != nil {
		return leadgate.Confirmation{}, leadgate.Internal(op, fmt.Errorf("unmarshal: %w", err))
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
		return c, leadgate.ErrConfirmationExpired
	}
	leadWrite := activateLead
	var stored *leadgate.Confirmation // the confirmation that refused the write
	err = s.transact(ctx, op, op,
		func() ([]types.TransactWriteItem, error) { return s.confirmItems(c, now, leadWrite) },
		func(tx cancellation) (verdict, error) {
			switch {
			case tx.failed(txConfirmation):
				item, err := s.refusedItem(ctx, op, tx.item(txConfirmation), confirmationKey(id), leadgate.ErrConfirmationNotFound)
				if err != nil {
					return answered, err
				}
				refused, err := unmarshalConfirmation(item)
				if err != nil {
					return answered, leadgate.Internal(op, fmt.Errorf("unmarshal confirmation: %w", err))
				}
				stored = &refused
				if !refused.ConfirmedAt.IsZero() {
					return answered, nil // another click got there first
				}
				return answered, leadgate.ErrConfirmationExpired
			case tx.failed(txConfirmLead):
				item, err := s.refusedItem(ctx, op, tx.item(txConfirmLead), leadKey(c.Email), leadgate.ErrConfirmationGone)
				if err != nil {
					return answered, err
				}
				var lead leadgate.Lead
				if err := unmarshalItem(item, &lead); err != nil {
					return answered, leadgate.Internal(op, fmt.Errorf("unmarshal lead: %w", err))
				}
				switch {
				case lead.Status == leadgate.StatusErased:
					return answered, leadgate.ErrConfirmationGone
				case lead.Status == leadgate.StatusUnconfirmed:
					leadWrite = activateLead
				case lead.ConfirmedAt.IsZero():
					leadWrite = stampLead
				default:
					leadWrite = checkLead
				}
				return retryNow, nil
			}
			return unhandled, nil
		})
	switch {
	case stored != nil:
		return *stored, err
	case err != nil:
		return c, err
	}
	c.ConfirmedAt = now
	return c, nil
}

// What Confirm writes to the lead.
type leadConfirmWrite int

const (
	activateLead leadConfirmWrite = iota // unconfirmed → active, ConfirmedAt set
	stampLead                            // active (or left) without ConfirmedAt: set it
	checkLead                            // already confirmed once: only check it is there
)

// The writes of a confirmation. The lead's: activated (unconfirmed to active), or
// stamped with its first confirmation time, or only checked; the version grows as
// with every write of a lead. The confirmation's: its time, if it has none and has
// not expired.
var (
	activateLeadWrite = updating("SET #confirmed_at = :at, #updated_at = :at, #version = #version + :one, #status = :active",
		"#status = :unconfirmed")
	stampLeadWrite = updating("SET #confirmed_at = :at, #updated_at = :at, #version = #version + :one",
		"attribute_exists(#pk) AND #status <> :erased AND #status <> :unconfirmed AND attribute_not_exists(#confirmed_at)")
	checkLeadWrite = condition("attribute_exists(#pk) AND #status <> :erased AND #status <> :unconfirmed AND attribute_exists(#confirmed_at)")
	confirmWrite   = updating("SET #confirmed_at = :at",
		"attribute_exists(#pk) AND attribute_not_exists(#confirmed_at) AND #link_expires_at > :at")
)

// confirmItems builds the Confirm transaction in the order of the txConfirm*
// positions: the lead's write (see leadConfirmWrite), then the confirmation's.
func (s *Store) confirmItems(c leadgate.Confirmation, now time.Time, write leadConfirmWrite) ([]types.TransactWriteItem, error) {
	at := str(keyTime(now))
	unconfirmed, erased := statusValue(leadgate.StatusUnconfirmed), statusValue(leadgate.StatusErased)
	var lead types.TransactWriteItem
	switch write {
	case activateLead:
		lead = s.updateOf(leadKey(c.Email), activateLeadWrite, values{":at": at, ":one": one,
			":active": statusValue(leadgate.StatusActive), ":unconfirmed": unconfirmed})
	case stampLead:
		lead = s.updateOf(leadKey(c.Email), stampLeadWrite, values{":at": at, ":one": one, ":erased": erased, ":unconfirmed": unconfirmed})
	default:
		lead = s.checkOf(leadKey(c.Email), checkLeadWrite, values{":erased": erased, ":unconfirmed": unconfirmed})
	}
	return []types.TransactWriteItem{lead, s.updateOf(confirmationKey(c.ID), confirmWrite, values{":at": at})}, nil
}

// confirmationItem returns a confirmation's item, with the TTL of a link
// (withLinkTTL).
func confirmationItem(c leadgate.Confirmation) (map[string]types.AttributeValue, error) {
	item, err := marshalItem(c, prefixConfirm+c.ID, skConfirmation, typeConfirmation)
	if err != nil {
		return nil, fmt.Errorf("marshal confirmation: %w", err)
	}
	return withLinkTTL(item, c.ExpiresAt.Add(confirmationRetention)), nil
}

// unmarshalConfirmation decodes a confirmation's item, or its image in a stream
// record.
func unmarshalConfirmation(item map[string]types.AttributeValue) (leadgate.Confirmation, error) {
	item, err := withLinkExpiry(item)
	if err != nil {
		return leadgate.Confirmation{}, err
	}
	var c leadgate.Confirmation
	if err := unmarshalItem(item, &c); err != nil {
		return leadgate.Confirmation{}, err
	}
	if c.ID == "" || c.Email == "" {
		return leadgate.Confirmation{}, errors.New("id or email missing")
	}
	return c, nil
}
