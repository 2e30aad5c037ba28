package emails

import (
	"context"
	"strconv"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// CouponAlerts sends the alert of a low coupon pool (leadgate.CouponAlerts) to
// the magnet's CouponAlertTo, from From.
type CouponAlerts struct {
	Mailer leadgate.Mailer
	From   string
}

// CouponsLow sends the alert; a magnet without an alert address is not told.
func (a CouponAlerts) CouponsLow(ctx context.Context, m leadgate.Magnet, left int) error {
	if m.CouponAlertTo == "" {
		return nil
	}
	_, err := a.Mailer.Send(ctx, CouponAlert(a.From, m, left))
	return err
}

// CouponAlert is the alert email of magnet m's pool with left codes.
func CouponAlert(from string, m leadgate.Magnet, left int) leadgate.Message {
	n, below := strconv.Itoa(left), strconv.Itoa(m.CouponAlertBelow)
	text := "The coupon pool of \"" + m.Title + "\" (" + m.ID + ") has " + n + " codes left, fewer than the " + below +
		" you asked to hear about.\n\nUpload more codes in the console (Magnets), or with: leadctl magnets coupons " + m.ID +
		" codes.csv\nWhen none is left, the page says the offer has ended and takes no more leads.\n"
	var w markup.Writer
	w.Raw("<p>The coupon pool of <strong>")
	w.Text(m.Title)
	w.Raw("</strong> has " + n + " codes left, fewer than the " + below + " you asked to hear about.</p>")
	w.Raw("<p>Upload more codes in the console (Magnets). When none is left, the page says the offer has ended and takes no more leads.</p>")
	return leadgate.Message{
		From: from, To: m.CouponAlertTo,
		Subject: "Coupon codes running out: " + m.Title + " has " + n + " left",
		Text:    text, HTML: w.String(),
		Tags: map[string]string{"kind": "coupon_alert"},
	}
}
