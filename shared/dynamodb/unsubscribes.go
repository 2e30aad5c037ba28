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

// An unsubscribe link maps its ID, a hash of the link's token, to the lead's
// address: the item ("UNSUB#<id>", "UNSUB") of a partition of its own.

// unsubscribeKey is the key of the unsubscribe link with that ID.
func unsubscribeKey(id string) map[string]types.AttributeValue {
	return key(prefixUnsub+id, skUnsubscribe)
}

// PutUnsubscribe puts an unsubscribe link's mapping if none with its ID exists.
func (s *Store) PutUnsubscribe(ctx context.Context, u leadgate.Unsubscribe) error {
	const op = "put unsubscribe"
	item, err := marshalItem(u, prefixUnsub+u.ID, skUnsubscribe, typeUnsubscribe)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	return s.putNew(ctx, op, item, nil)
}

// Unsubscribe reads the link, then withdraws the lead's consent in one conditional
// UpdateItem; the link's address is the lead's key.
func (s *Store) Unsubscribe(ctx context.Context, id string, now time.Time) error {
	const op = "unsubscribe"
	var u leadgate.Unsubscribe
	if err := s.get(ctx, op+": get link", unsubscribeKey(id), leadgate.ErrUnsubscribeNotFound, &u); err != nil {
		return err
	}
	if u.Email == "" {
		return leadgate.Internal(op, fmt.Errorf("unmarshal link: %w", errors.New("email missing")))
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
