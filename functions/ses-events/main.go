// Command ses-events is the Lambda function on the SNS topic SES publishes the
// configuration set's delivery events to: hard bounces and complaints stop all email
// to the address, for every page; soft bounces are counted.
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdaruntime"
	"leadgate/shared/sesevents"
)

func main() {
	lambdaruntime.Start(lambdaruntime.NoResponse(lambdainit.Start("ses-events", setup)))
}

// setup reads TABLE_NAME and returns the SNS handler.
func setup(_ context.Context, getenv func(string) string, log *slog.Logger) (func(context.Context, events.SNSEvent) error, error) {
	store, _, err := lambdainit.Store(getenv)
	if err != nil {
		return nil, err
	}
	return handler(sesevents.Counted(store, log), log), nil
}

func handler(store sesevents.Recorder, log *slog.Logger) func(context.Context, events.SNSEvent) error {
	return func(ctx context.Context, e events.SNSEvent) error {
		skipped, err := sesevents.Handle(ctx, store, e)
		if skipped > 0 {
			log.WarnContext(ctx, "messages that are not SES notifications were skipped", "count", skipped)
		}
		return err
	}
}
