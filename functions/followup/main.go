// Command followup is the Lambda function on the table's DynamoDB stream: it decodes
// each record into a domain change and hands it to the services that react to
// changes: the funnel counters, the follow-up emails (delivery, confirmation,
// nurture scheduling) and lead scoring. Records of one lead are handled in order, leads concurrently;
// failures are reported per record, so Lambda retries only what failed.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"leadgate/shared/configcache"
	"leadgate/shared/dynamodb"
	"leadgate/shared/followup"
	"leadgate/shared/funnel"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdalog"
	"leadgate/shared/leadgate"
	"leadgate/shared/scoring"
	"leadgate/shared/ses"
)

func main() {
	log := lambdalog.New(os.Stdout)
	slog.SetDefault(log)
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		lambdainit.Fail(fmt.Errorf("followup function cannot start: %w", err))
	}
	lambda.Start(h)
}

type handlerFunc func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// setup reads TABLE_NAME, FORM_SIGNING_SECRET, SES_CONFIGURATION_SET and the
// follow-up settings (followup.ConfigFromEnv), and returns the stream handler.
func setup(ctx context.Context, getenv func(string) string, log *slog.Logger) (handlerFunc, error) {
	table, err := lambdainit.Table(getenv)
	if err != nil {
		return nil, err
	}
	key, err := lambdainit.SigningKey(getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := followup.ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := lambdainit.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	store := configcache.New(dynamodb.New(awsddb.NewFromConfig(awsCfg), table), time.Minute, time.Now)
	mailer := ses.New(sesv2.NewFromConfig(awsCfg), ses.Options{ConfigurationSetName: getenv("SES_CONFIGURATION_SET")})
	svc := followup.New(store, mailer, key, cfg, time.Now, log)
	return handler(store, svc.HandleChange, cfg.Concurrency), nil
}

// handlerStore is what the stream handler's own services need of the store.
type handlerStore interface {
	funnel.CountStore
	scoring.Store
}

// handler hands each change to the funnel counter (leads, confirmations,
// downloads), then to follow-up, then to scoring (after the counter, which records
// a lead's first download that scoring reads).
func handler(store handlerStore, followUp func(context.Context, leadgate.Change) error, concurrency int) handlerFunc {
	counter := funnel.NewCounter(store)
	scorer := scoring.New(store, time.Now)
	handle := func(ctx context.Context, ch leadgate.Change) error {
		if err := counter.HandleChange(ctx, ch); err != nil {
			return err
		}
		if err := followUp(ctx, ch); err != nil {
			return err
		}
		return scorer.HandleChange(ctx, ch)
	}
	return func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		return followup.HandleBatch(ctx, e, dynamodb.DecodeRecord, handle, concurrency), nil
	}
}
