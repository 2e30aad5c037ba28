package webhooks

import (
	"context"
	"errors"

	"leadgate/shared/leadgate"
)

// MailNotifier emails the console's users when an endpoint is disabled, through the
// run's mailer.
type MailNotifier struct {
	Mailer leadgate.Mailer
	From   string
	To     []string
}

// EndpointDisabled sends one email to each address.
func (n MailNotifier) EndpointDisabled(ctx context.Context, e leadgate.WebhookEndpoint) error {
	subject := "A webhook was turned off after failing for 5 days"
	text := "The webhook " + e.ID + " (" + e.URL + ") has failed every delivery since " +
		e.FailingSince.UTC().Format("2 January 2006 15:04 UTC") + ", so it was turned off.\n\n" +
		"Fix the receiver, then turn the webhook on again in the console's Webhooks page; " +
		"failed deliveries can be sent again from there.\n"
	var errs []error
	for _, to := range n.To {
		_, err := n.Mailer.Send(ctx, leadgate.Message{From: n.From, To: to, Subject: subject, Text: text,
			Tags: map[string]string{"kind": "webhook_disabled"}})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
