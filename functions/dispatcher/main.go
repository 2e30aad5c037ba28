// Command dispatcher is the Lambda function on an EventBridge schedule: it sends the
// follow-up steps that are due (nurture emails, the confirmation reminder), skipping
// leads who unsubscribed, bounced, complained or were erased, then the webhook
// deliveries whose retry is due, and the pages' daily new-lead digests.
package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"leadgate/shared/alerts"
	"leadgate/shared/followup"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdaruntime"
	"leadgate/shared/sesmail"
	"leadgate/shared/webhooks"
)

func main() {
	lambdaruntime.Start(lambdaruntime.NoResponse(lambdainit.Start("dispatcher", setup)))
}

// setup reads TABLE_NAME, FORM_SIGNING_SECRET, SES_CONFIGURATION_SET, CONSOLE_USERS
// (told of disabled webhooks) and the follow-up settings (followup.ConfigFromEnv),
// and returns the scheduled handler.
func setup(_ context.Context, getenv func(string) string, log *slog.Logger) (func(context.Context, events.EventBridgeEvent) error, error) {
	key, err := lambdainit.SigningKey(getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := followup.ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	store, awsCfg, err := lambdainit.CachedStore(getenv)
	if err != nil {
		return nil, err
	}
	// SES through a request signed here: the SDK's SES client weighs 0.7 MB.
	sesClient, err := sesmail.NewClient(awsCfg, sesmail.ClientOptions{})
	if err != nil {
		return nil, err
	}
	mailer := sesmail.NewMailer(sesClient, getenv("SES_CONFIGURATION_SET"))
	hooks, err := webhooks.FromEnv(store, store, mailer, cfg.From, getenv, time.Now)
	if err != nil {
		return nil, err
	}
	return handler(followup.New(store, mailer, key, cfg, time.Now, log), hooks, alerts.New(store, mailer, cfg.From, time.Now), log), nil
}

const (
	// pageSize is how many due steps are read at a time.
	pageSize = 100
	// runMargin is the time kept back from the invocation's deadline to finish the
	// page under way.
	runMargin = 15 * time.Second
	// hookPages bounds the pages of due webhook deliveries one run sends: the due
	// index is eventually consistent, and the next run (a minute later) takes the
	// rest.
	hookPages = 20
)

// handler sends due steps until none are due or the invocation's time is nearly up
// (followup.Service.DispatchDue); the next scheduled run takes the rest.
func handler(svc *followup.Service, hooks *webhooks.Service, digests *alerts.Service, log *slog.Logger) func(context.Context, events.EventBridgeEvent) error {
	return func(ctx context.Context, _ events.EventBridgeEvent) error {
		total, err := svc.DispatchDue(ctx, pageSize, runMargin)
		log.InfoContext(ctx, "dispatch run", "sent", total.Sent, "skipped", total.Skipped, "failed", total.Failed, "left_for_next_run", total.Retry)
		tried, herr := deliverDue(ctx, hooks)
		log.InfoContext(ctx, "webhook retries", "tried", tried)
		// The day before's new-lead digests, in the first hour of a UTC day.
		derr := digests.SendDigests(ctx)
		return errors.Join(err, herr, derr)
	}
}

// deliverDue sends due webhook deliveries, a page at a time, until a page is not
// full, hookPages pages went, or the deadline is near: a post may take
// webhooks.Timeout.
func deliverDue(ctx context.Context, hooks *webhooks.Service) (int, error) {
	tried := 0
	for range hookPages {
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < runMargin+webhooks.Timeout {
			break
		}
		n, err := hooks.DeliverDue(ctx, pageSize)
		tried += n
		if err != nil || n < pageSize {
			return tried, err
		}
	}
	return tried, nil
}
