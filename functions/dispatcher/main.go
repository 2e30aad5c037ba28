// Command dispatcher is the Lambda function on an EventBridge schedule: it sends the
// follow-up steps that are due (nurture emails, the confirmation reminder), skipping
// leads who unsubscribed, bounced, complained or were erased.
package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"leadgate/shared/followup"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdaruntime"
	"leadgate/shared/ses"
)

func main() {
	lambdaruntime.Start(lambdaruntime.NoResponse(lambdainit.Start("dispatcher", setup)))
}

// setup reads TABLE_NAME, FORM_SIGNING_SECRET, SES_CONFIGURATION_SET and the
// follow-up settings (followup.ConfigFromEnv), and returns the scheduled handler.
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
	mailer := ses.New(sesv2.NewFromConfig(awsCfg, ses.ClientOptions()), ses.Options{ConfigurationSetName: getenv("SES_CONFIGURATION_SET")})
	return handler(followup.New(store, mailer, key, cfg, time.Now, log), log), nil
}

const (
	// pageSize is how many due steps are read at a time.
	pageSize = 100
	// runMargin is the time kept back from the invocation's deadline to finish the
	// page under way.
	runMargin = 15 * time.Second
)

// handler sends due steps until none are due or the invocation's time is nearly up
// (followup.Service.DispatchDue); the next scheduled run takes the rest.
func handler(svc *followup.Service, log *slog.Logger) func(context.Context, events.EventBridgeEvent) error {
	return func(ctx context.Context, _ events.EventBridgeEvent) error {
		total, err := svc.DispatchDue(ctx, pageSize, runMargin)
		log.InfoContext(ctx, "dispatch run", "sent", total.Sent, "skipped", total.Skipped, "failed", total.Failed, "left_for_next_run", total.Retry)
		return err
	}
}
