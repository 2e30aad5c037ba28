package capture

import (
	"context"
	"errors"
	"time"

	"leadgate/shared/leadgate"
)

// CouponStore is what a coupon magnet needs of the store; every leadgate.Store
// has it.
type CouponStore interface {
	ClaimCoupon(ctx context.Context, magnetID, holder string, at time.Time) (leadgate.CouponClaim, error)
	CouponStock(ctx context.Context, magnetID string) (leadgate.CouponStock, error)
}

var errNoCoupons = errors.New("the store keeps no coupon pools")

func (s *Service) coupons() (CouponStore, error) {
	cs, ok := s.store.(CouponStore)
	if !ok {
		return nil, leadgate.Internal("coupon", errNoCoupons)
	}
	return cs, nil
}

// claimCoupon gives the grant of a coupon magnet its code: the address's code if it
// has one, else a free one. ErrOfferEnded when none is free.
func (s *Service) claimCoupon(ctx context.Context, m leadgate.Magnet, g *leadgate.Grant) error {
	if m.DeliveryKind() != leadgate.DeliveryCoupon {
		return nil
	}
	cs, err := s.coupons()
	if err != nil {
		return err
	}
	claim, err := leadgate.ClaimCouponFor(ctx, cs, s.key.CouponHolder(g.Email), m, g.CreatedAt)
	if err != nil {
		return err
	}
	g.Code = claim.Code
	return nil
}

// OfferEnded reports whether page gives a coupon magnet whose pool has no free
// code: its hosted page then says the offer has ended instead of showing a form
// that could take no lead. A page of another kind, or whose magnet is missing,
// has not ended. It reads the page's magnet (cached on AWS) and, for a coupon
// magnet only, the pool's counts.
func (s *Service) OfferEnded(ctx context.Context, page leadgate.Page) (bool, error) {
	if page.MagnetID == "" {
		return false, nil
	}
	m, err := s.store.Magnet(ctx, page.MagnetID)
	if leadgate.ErrorCode(err) == leadgate.ENOTFOUND {
		return false, nil
	}
	if err != nil || m.DeliveryKind() != leadgate.DeliveryCoupon {
		return false, err
	}
	cs, err := s.coupons()
	if err != nil {
		return false, err
	}
	st, err := cs.CouponStock(ctx, m.ID)
	if err != nil {
		return false, err
	}
	return st.Left() <= 0, nil
}
