package emails

import "leadgate/shared/leadgate"

// deliveryIntro is the delivery email's sentence before its link, by the
// magnet's kind: a file is a copy, a coupon a code, a trial an account.
func deliveryIntro(d *Data) string {
	id := leadgate.MailIntroFile
	switch d.Delivery {
	case leadgate.DeliveryBundle:
		id = leadgate.MailIntroBundle
	case leadgate.DeliveryLink:
		id = leadgate.MailIntroLink
	case leadgate.DeliveryCoupon:
		id = leadgate.MailIntroCoupon
	case leadgate.DeliveryTrial:
		id = leadgate.MailIntroTrial
	}
	return d.say(id, d.MagnetTitle)
}

// deliveryButton is the delivery email's button label, by the magnet's kind.
func deliveryButton(d *Data) string {
	switch d.Delivery {
	case leadgate.DeliveryBundle:
		return d.say(leadgate.MailButtonBundle)
	case leadgate.DeliveryLink:
		return d.say(leadgate.MailButtonLink, d.MagnetTitle)
	case leadgate.DeliveryCoupon:
		return d.say(leadgate.MailButtonCoupon)
	case leadgate.DeliveryTrial:
		return d.say(leadgate.MailButtonTrial)
	}
	return d.say(leadgate.MailButtonFile, d.MagnetTitle)
}
