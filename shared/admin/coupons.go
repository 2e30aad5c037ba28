package admin

import (
	"context"

	"leadgate/shared/leadgate"
)

// CouponUpload is what an upload of codes did: how many were new, and the pool
// after it.
type CouponUpload struct {
	Added int                  `json:"added"`
	Stock leadgate.CouponStock `json:"stock"`
	Left  int                  `json:"left"`
}

// couponMagnet returns the magnet id if it hands out coupons; EINVALID otherwise.
func (s *Service) couponMagnet(ctx context.Context, id string) (leadgate.Magnet, error) {
	m, err := s.store.Magnet(ctx, id)
	if err != nil {
		return m, err
	}
	if m.DeliveryKind() != leadgate.DeliveryCoupon {
		return m, leadgate.Invalid(leadgate.FieldError{Field: "delivery", Code: "invalid", Message: "only a coupon magnet has a pool of codes"})
	}
	return m, nil
}

// AddCoupons adds the codes of a CSV upload (leadgate.ParseCoupons) to the pool of
// coupon magnet id; codes it holds already are skipped. ENOTFOUND for no such
// magnet, EINVALID for another kind or a file that is not a list of codes, and
// then nothing is added.
func (s *Service) AddCoupons(ctx context.Context, id, csv string) (CouponUpload, error) {
	if _, err := s.couponMagnet(ctx, id); err != nil {
		return CouponUpload{}, err
	}
	codes, err := leadgate.ParseCoupons(csv)
	if err != nil {
		return CouponUpload{}, err
	}
	added, err := s.store.AddCoupons(ctx, id, codes)
	if err != nil {
		return CouponUpload{}, err
	}
	st, err := s.store.CouponStock(ctx, id)
	if err != nil {
		return CouponUpload{}, err
	}
	return CouponUpload{Added: added, Stock: st, Left: st.Left()}, nil
}

// CouponStock counts the pool of coupon magnet id.
func (s *Service) CouponStock(ctx context.Context, id string) (leadgate.CouponStock, error) {
	if _, err := s.couponMagnet(ctx, id); err != nil {
		return leadgate.CouponStock{}, err
	}
	return s.store.CouponStock(ctx, id)
}
