package followup

import (
	"context"
	"errors"

	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

// claimCoupon gives a confirmed lead's grant of a coupon magnet its code. A pool
// that emptied between the capture and the confirmation leaves the grant without
// a code: its link then says the offer has ended.
func claimCoupon(ctx context.Context, store Store, key *signing.Key, m leadgate.Magnet, g *leadgate.Grant) error {
	if m.DeliveryKind() != leadgate.DeliveryCoupon {
		return nil
	}
	cs, ok := store.(leadgate.CouponClaimer)
	if !ok {
		return leadgate.Internal("claim coupon", errors.New("the store keeps no coupon pools"))
	}
	claim, err := leadgate.ClaimCouponFor(ctx, cs, key.CouponHolder(g.Email), m, g.CreatedAt)
	if errors.Is(err, leadgate.ErrOfferEnded) {
		return nil
	}
	if err != nil {
		return err
	}
	g.Code = claim.Code
	return nil
}
