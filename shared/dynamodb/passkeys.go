package dynamodb

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// A begun passkey ceremony has a partition of its own ("CONSOLE#CEREMONY#<id>",
// "CEREMONY"), keyed by a hash of its token, with its expiry as TTL (the expiry
// itself stored as a link's is, withLinkTTL); finishing it is
// one DeleteItem that returns the item, so that of two finishes one gets it. Removing
// a passkey deletes it and its credential ID entry in one transaction.

func ceremonyKey(id string) map[string]types.AttributeValue {
	return key(prefixCeremony+id, skCeremony)
}

var (
	// itemPresent: the item is there: a passkey to delete, a ceremony to take.
	itemPresent = condition("attribute_exists(#pk)")
	// passkeyRefOwned: the credential ID entry names the address whose passkey goes.
	passkeyRefOwned = condition("attribute_exists(#pk) AND #email = :email")
)

// DeletePasskey deletes the passkey in its user's partition and its credential ID
// entry in one TransactWriteItems, each only if there and the address's.
func (s *Store) DeletePasskey(ctx context.Context, email, id string) error {
	const op = "delete passkey"
	return s.transact(ctx, op, op,
		func() ([]types.TransactWriteItem, error) {
			return []types.TransactWriteItem{
				s.deleteOf(passkeyKey(email, id), &itemPresent, nil),
				s.deleteOf(passkeyRefKey(id), &passkeyRefOwned, values{":email": str(email)}),
			}, nil
		},
		func(tx cancellation) (verdict, error) {
			if tx.failed(txPasskey) || tx.failed(txPasskeyRef) {
				return answered, leadgate.ErrPasskeyUnknown
			}
			return unhandled, nil
		})
}

// PutPasskeyCeremony puts a ceremony if none with its ID exists.
func (s *Store) PutPasskeyCeremony(ctx context.Context, c leadgate.PasskeyCeremony) error {
	const op = "put passkey ceremony"
	item, err := marshalItem(c, prefixCeremony+c.ID, skCeremony, typeCeremony)
	if err != nil {
		return leadgate.Internal(op, fmt.Errorf("marshal: %w", err))
	}
	return s.putNew(ctx, op, withLinkTTL(item, c.PurgeAt()), leadgate.ErrPasskeyCeremonyExists)
}

// TakePasskeyCeremony deletes the ceremony in one DeleteItem and returns what it
// held; one that TTL has not removed yet but has expired answers as none.
func (s *Store) TakePasskeyCeremony(ctx context.Context, id string, now time.Time) (leadgate.PasskeyCeremony, error) {
	const op = "take passkey ceremony"
	// The condition makes a second take a refused write, not a delete of nothing.
	item, refused, err := s.write(ctx, op, s.deleteOf(ceremonyKey(id), &itemPresent, nil), types.ReturnValueAllOld)
	switch {
	case err != nil:
		return leadgate.PasskeyCeremony{}, err
	case refused || len(item) == 0:
		return leadgate.PasskeyCeremony{}, leadgate.ErrPasskeyCeremonyUnknown
	}
	item, err = withLinkExpiry(item)
	if err != nil {
		return leadgate.PasskeyCeremony{}, leadgate.Internal(op, err)
	}
	var c leadgate.PasskeyCeremony
	if err := unmarshalItem(item, &c); err != nil {
		return leadgate.PasskeyCeremony{}, leadgate.Internal(op, fmt.Errorf("unmarshal: %w", err))
	}
	if !now.Before(c.ExpiresAt) {
		return leadgate.PasskeyCeremony{}, leadgate.ErrPasskeyCeremonyUnknown
	}
	return c, nil
}
