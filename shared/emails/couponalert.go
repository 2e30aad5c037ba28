package emails

import (
	"strconv"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

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
