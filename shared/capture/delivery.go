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
	// CountSignInRequest is the store's rate counter of requests that no capture
	// counts (leadgate.ConsoleStore): a claim is counted on it under the capture's
	// limits.
	CountSignInRequest(ctx context.Context, l leadgate.RateLimit, now time.Time) error
}

// couponLimitPrefix starts the keys a claim is counted under, apart from the
// capture's own counts of the same limits.
const couponLimitPrefix = "coupon:"

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
//
// A claim is for good, and it comes before the capture's write, which checks the
// capture's limits. So the request is first counted under each of those limits on
// a key of its own ("coupon:" and the limit's key): one over a limit claims nothing
// and is refused with the limit's own error (RateLimit.Exceeded), as the capture
// would refuse it. A repeat counts as the capture counts it, and gets its code.
func (s *Service) claimCoupon(ctx context.Context, m leadgate.Magnet, limits []leadgate.RateLimit, g *leadgate.Grant) error {
	if m.DeliveryKind() != leadgate.DeliveryCoupon {
		return nil
	}
	cs, err := s.coupons()
	if err != nil {
		return err
	}
	for _, l := range limits {
		claims := l
		claims.Key = couponLimitPrefix + l.Key
		err := cs.CountSignInRequest(ctx, claims, g.CreatedAt)
		if leadgate.ErrorCode(err) == leadgate.ERATELIMITED {
			return l.Exceeded(g.CreatedAt)
		}
		if err != nil {
			return err
		}
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
