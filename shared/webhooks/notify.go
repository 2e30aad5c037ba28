package webhooks

import (
	"context"
	"errors"
	"strconv"
	"time"

	"leadgate/shared/alerts"
	"leadgate/shared/leadgate"
)

// MailNotifier emails the console's users when an endpoint is disabled, through the
// run's mailer, once per endpoint and failing spell: each email is claimed in the
// store as the follow-ups are, so two workers that both see the endpoint fail for
// too long send it once.
type MailNotifier struct {
	Mailer leadgate.Mailer
	Claims alerts.Claims
	From   string
	To     []string
	Now    func() time.Time // nil: time.Now
}

// EndpointDisabled sends one email to each address.
func (n MailNotifier) EndpointDisabled(ctx context.Context, e leadgate.WebhookEndpoint) error {
	subject := "A webhook was turned off after failing for 5 days"
	text := "The webhook " + e.ID + " (" + e.URL + ") has failed every delivery since " +
		e.FailingSince.UTC().Format("2 January 2006 15:04 UTC") + ", so it was turned off.\n\n" +
		"Fix the receiver, then turn the webhook on again in the console's Webhooks page; " +
		"failed deliveries can be sent again from there.\n"
	now := n.Now
	if now == nil {
		now = time.Now
	}
	// The failing spell names the email: a later spell of the same endpoint is
	// another one.
	key := "webhook-disabled#" + e.ID + "#" + strconv.FormatInt(e.FailingSince.Unix(), 10)
	var errs []error
	for _, to := range n.To {
		errs = append(errs, alerts.SendOnce(ctx, n.Claims, n.Mailer, now, key, leadgate.Message{From: n.From, To: to, Subject: subject, Text: text,
			Tags: map[string]string{"kind": "webhook_disabled"}}))
	}
	return errors.Join(errs...)
}
