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

// A send is one email to one lead, the item ("LEAD#<email>", "SEND#<send key>") of
// the lead's partition: claimed before the email goes out, so that it goes out
// once.

// sendItemKey is the key of a lead's send.
func sendItemKey(email, sendKey string) map[string]types.AttributeValue {
	return key(prefixLead+email, prefixSend+sendKey)
}

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
		Set(expression.Name(attrItemType), expression.Value(typeSend)).
		Add(expression.Name(attrAttempts), expression.Value(1))
	// Stored times are fixed width: they compare as strings the way they do as times.
	unclaimed := itemAbsent().Or(
		status.Equal(expression.Value(string(leadgate.SendSending))).
			And(claimedAt.LessThanEqual(expression.Value(keyTime(now.Add(-lease))))))
	k := sendItemKey(email, sendKey)
	w, err := s.updateOf(k, update, unclaimed)
	if err != nil {
		return leadgate.Send{}, false, leadgate.Internal(op, err)
	}
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

// ownClaim is the condition that the stored send is still the claim the caller
// holds: claimed, at the time its ClaimSend returned.
func ownClaim(claim leadgate.Send) expression.ConditionBuilder {
	return expression.Name(attrStatus).Equal(expression.Value(string(leadgate.SendSending))).
		And(expression.Name(attrClaimedAt).Equal(expression.Value(keyTime(claim.ClaimedAt))))
}

// FinishSend replaces the claim with the send's outcome, if the claim is still the
// caller's.
func (s *Store) FinishSend(ctx context.Context, send leadgate.Send) error {
	const op = "finish send"
	item, err := marshalItem(send, prefixLead+send.Email, prefixSend+send.Key, typeSend)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	w, err := s.putOf(item, ownClaim(send))
	if err != nil {
		return leadgate.Internal(op, err)
	}
	return s.writeOr(ctx, op, w, leadgate.ErrClaimLost)
}

// ReleaseSend deletes the claim, so that the next ClaimSend succeeds at once, if the
// claim is still the caller's.
func (s *Store) ReleaseSend(ctx context.Context, send leadgate.Send) error {
	const op = "release send"
	w, err := s.deleteOf(sendItemKey(send.Email, send.Key), ownClaim(send))
	if err != nil {
		return leadgate.Internal(op, err)
	}
	return s.writeOr(ctx, op, w, leadgate.ErrClaimLost)
}
