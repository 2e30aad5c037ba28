package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// A send is one email to one lead, the item ("LEAD#<email>", "SEND#<send key>") of
// the lead's partition: claimed before the email goes out, so that it goes out
// once.

// sendItemKey is the key of a lead's send.
func sendItemKey(email, sendKey string) map[string]types.AttributeValue {
	return key(prefixLead+email, prefixSend+sendKey)
}

// The writes of a send: its claim, which sets the claim where there is no send
// yet or the stored claim is older than the lease (stored times are fixed width:
// they compare as strings the way they do as times); and the condition that the
// stored send is still the claim the caller holds: claimed, at the time its
// ClaimSend returned.
var (
	claimSend = updating("SET #status = :sending, #claimed_at = :now, #email = :email, #key = :key, #item_type = :type ADD #attempts :one",
		"attribute_not_exists(#pk) OR (#status = :sending AND #claimed_at <= :expired)")
	ownClaim = condition("#status = :sending AND #claimed_at = :claimed_at")
)

var sending = str(string(leadgate.SendSending))

// ClaimSend claims a send in one UpdateItem: it sets the claim where there is no
// send yet or the stored claim is older than lease, and otherwise returns the
// stored send, which comes back with the failed condition.
func (s *Store) ClaimSend(ctx context.Context, email, sendKey string, now time.Time, lease time.Duration) (leadgate.Send, bool, error) {
	const op = "claim send"
	k := sendItemKey(email, sendKey)
	w := s.updateOf(k, claimSend, values{
		":sending": sending, ":now": str(keyTime(now)), ":email": str(email), ":key": str(sendKey),
		":type": str(typeSend), ":one": one, ":expired": str(keyTime(now.Add(-lease))),
	})
	item, refused, err := s.write(ctx, op, w, types.ReturnValueAllNew)
	if err != nil {
		return leadgate.Send{}, false, err
	}
	if refused {
		item, err = s.refusedItem(ctx, op, item, k, errNoItem)
		if errors.Is(err, errNoItem) {
			// Released between the condition and the read: the caller may retry.
			return leadgate.Send{}, false, changedMeanwhile(op, errors.New("the refused send is gone"))
		}
		if err != nil {
			return leadgate.Send{}, false, err
		}
	}
	var send leadgate.Send
	if err := unmarshalItem(item, &send); err != nil {
		return leadgate.Send{}, false, leadgate.Internal(op, fmt.Errorf("unmarshal send: %w", err))
	}
	return send, !refused, nil
}

// ownClaimValues are the values of ownClaim for the claim.
func ownClaimValues(claim leadgate.Send) values {
	return values{":sending": sending, ":claimed_at": str(keyTime(claim.ClaimedAt))}
}

// FinishSend replaces the claim with the send's outcome, if the claim is still the
// caller's, then counts it into its day (maildays.go).
func (s *Store) FinishSend(ctx context.Context, send leadgate.Send) error {
	const op = "finish send"
	item, err := marshalItem(send, prefixLead+send.Email, prefixSend+send.Key, typeSend)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	if err := s.writeOr(ctx, op, s.putOf(item, &ownClaim, ownClaimValues(send)), leadgate.ErrClaimLost); err != nil {
		return err
	}
	return s.countFinished(ctx, send)
}

// ReleaseSend deletes the claim, so that the next ClaimSend succeeds at once, if the
// claim is still the caller's.
func (s *Store) ReleaseSend(ctx context.Context, send leadgate.Send) error {
	w := s.deleteOf(sendItemKey(send.Email, send.Key), &ownClaim, ownClaimValues(send))
	return s.writeOr(ctx, "release send", w, leadgate.ErrClaimLost)
}
