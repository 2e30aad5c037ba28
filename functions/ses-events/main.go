// Command ses-events is the Lambda function on the SNS topic SES publishes the
// configuration set's delivery events to: hard bounces and complaints stop all email
// to the address, for every page; soft bounces are counted.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"leadgate/shared/dynamodb"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdalog"
	"leadgate/shared/sesevents"
)

func main() {
	log := lambdalog.New(os.Stdout)
	slog.SetDefault(log)
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		lambdainit.Fail(fmt.Errorf("ses-events function cannot start: %w", err))
	}
	lambda.Start(h)
}

// setup reads TABLE_NAME and returns the SNS handler.
func setup(ctx context.Context, getenv func(string) string, log *slog.Logger) (func(context.Context, events.SNSEvent) error, error) {
	table, err := lambdainit.Table(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := lambdainit.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	return handler(dynamodb.New(awsddb.NewFromConfig(awsCfg), table), log), nil
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
