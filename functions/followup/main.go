// Command followup is the Lambda function on the table's DynamoDB stream: it decodes
// each record into a domain change and hands it to the change pipeline (the funnel
// counters, the follow-up emails, lead scoring, webhooks, new-lead and low coupon
// pool alerts: see shared/pipeline). Records of one
// item partition are handled in order, partitions concurrently; failures are
// reported per record, so Lambda retries only what failed.
package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"leadgate/shared/alerts"
	"leadgate/shared/dynamodb"
	"leadgate/shared/followup"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdaruntime"
	"leadgate/shared/pipeline"
	"leadgate/shared/sesmail"
	"leadgate/shared/webhooks"
)

func main() {
	lambdaruntime.Start(lambdainit.Start("followup", setup))
}

type handlerFunc func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// setup reads TABLE_NAME, FORM_SIGNING_SECRET, SES_CONFIGURATION_SET, CONSOLE_USERS
// (told of disabled webhooks) and the follow-up settings (followup.ConfigFromEnv),
// and returns the stream handler.
func setup(_ context.Context, getenv func(string) string, log *slog.Logger) (handlerFunc, error) {
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
	svc := followup.New(store, mailer, key, cfg, time.Now, log)
	hooks, err := webhooks.FromEnv(store, store, mailer, cfg.From, getenv, time.Now)
	if err != nil {
		return nil, err
	}
	return handler(pipeline.New(store, svc, time.Now, hooks, alerts.New(store, mailer, cfg.From, time.Now),
		alerts.NewCouponAlerts(store, mailer, cfg.From, time.Now)), cfg.Concurrency), nil
}

// handler hands each change of a stream batch to the pipeline (dynamodb.HandleBatch).
func handler(changes pipeline.Reaction, concurrency int) handlerFunc {
	return func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		return dynamodb.HandleBatch(ctx, e, changes.HandleChange, concurrency), nil
	}
}
