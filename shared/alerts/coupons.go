package alerts

import (
	"context"
	"errors"
	"time"

	"leadgate/shared/emails"
	"leadgate/shared/leadgate"
)

// CouponStore is what the low-pool alert needs of the store.
type CouponStore interface {
	Page(ctx context.Context, slug string) (leadgate.Page, error)
	Magnet(ctx context.Context, id string) (leadgate.Magnet, error)
	CouponStock(ctx context.Context, magnetID string) (leadgate.CouponStock, error)
	Claims
}

// CouponAlerts is the pipeline's reaction that tells a coupon magnet's
// CouponAlertTo when its pool has fallen below CouponAlertBelow. It runs where
// the claims' changes arrive (the stream function on AWS, the follower locally),
// so the capture function needs no right to send email: a single opt-in claim
// comes with the lead's submission, a double opt-in one with its confirmation.
// The alert is claimed as a send keyed by the pool's size (codes ever added), so
// it goes once per pool, and again once more codes were added and the pool runs
// low again.
type CouponAlerts struct {
	store  CouponStore
	mailer leadgate.Mailer
	from   string
	now    func() time.Time
}

// NewCouponAlerts returns the reaction, which sends through mailer from from.
func NewCouponAlerts(store CouponStore, mailer leadgate.Mailer, from string, now func() time.Time) *CouponAlerts {
	return &CouponAlerts{store: store, mailer: mailer, from: from, now: now}
}

// HandleChange checks the pool of the magnet a submission or a confirmation was
// for; any other change, a magnet of another kind or without an alert, reads
// nothing more.
func (a *CouponAlerts) HandleChange(ctx context.Context, ch leadgate.Change) error {
	var magnetID string
	switch {
	case ch.Kind == leadgate.SubmissionCreated && ch.Submission != nil:
		magnetID = ch.Submission.MagnetID
	case ch.Kind == leadgate.LeadConfirmed && ch.Confirmation != nil:
		p, err := a.store.Page(ctx, ch.Confirmation.Page)
		if errors.Is(err, leadgate.ErrPageNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		magnetID = p.MagnetID
	default:
		return nil
	}
	if magnetID == "" {
		return nil
	}
	m, err := a.store.Magnet(ctx, magnetID)
	if leadgate.ErrorCode(err) == leadgate.ENOTFOUND {
		return nil
	}
	if err != nil || m.DeliveryKind() != leadgate.DeliveryCoupon || m.CouponAlertBelow <= 0 || m.CouponAlertTo == "" {
		return err
	}
	st, err := a.store.CouponStock(ctx, m.ID)
	if err != nil || st.Added == 0 || st.Left() >= m.CouponAlertBelow {
		return err
	}
	return SendOnce(ctx, a.store, a.mailer, a.now, leadgate.CouponsLowKey(m.ID, st.Added), emails.CouponAlert(a.from, m, st.Left()))
}
