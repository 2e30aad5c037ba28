package emails

import "leadgate/shared/leadgate"

// deliveryIntro is the delivery email's sentence before its link, by the
// magnet's kind: a file is a copy, a coupon a code, a trial an account.
func deliveryIntro(d *Data) string {
	switch d.Delivery {
	case leadgate.DeliveryBundle:
		return "Thank you for your interest. Here are your files of " + d.MagnetTitle + ":"
	case leadgate.DeliveryLink:
		return "Thank you for your interest. Here is your link to " + d.MagnetTitle + ":"
	case leadgate.DeliveryCoupon:
		return "Thank you for your interest. Your code for " + d.MagnetTitle + " is behind this link:"
	case leadgate.DeliveryTrial:
		return "Thank you for your interest. Start " + d.MagnetTitle + " here:"
	}
	return "Thank you for your interest. Here is your copy of " + d.MagnetTitle + ":"
}

// deliveryButton is the delivery email's button label, by the magnet's kind.
func deliveryButton(d *Data) string {
	switch d.Delivery {
	case leadgate.DeliveryBundle:
		return "Open your files"
	case leadgate.DeliveryLink:
		return "Open " + d.MagnetTitle
	case leadgate.DeliveryCoupon:
		return "Show my code"
	case leadgate.DeliveryTrial:
		return "Start my trial"
	}
	return "Download " + d.MagnetTitle
}
