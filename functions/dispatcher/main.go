// Command dispatcher is the Lambda function on an EventBridge schedule: it sends the
// follow-up steps that are due (nurture emails, the confirmation reminder), skipping
// leads who unsubscribed, bounced, complained or were erased.
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
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdalog"
	"leadgate/shared/ses"
)

func main() {
	log := lambdalog.New(os.Stdout)
	slog.SetDefault(log)
	svc, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		lambdainit.Fail(fmt.Errorf("dispatcher function cannot start: %w", err))
	}
	lambda.Start(handler(svc, log))
}

// setup reads TABLE_NAME, FORM_SIGNING_SECRET, SES_CONFIGURATION_SET and the
// follow-up settings (followup.ConfigFromEnv).
func setup(ctx context.Context, getenv func(string) string, log *slog.Logger) (*followup.Service, error) {
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
	return followup.New(store, mailer, key, cfg, time.Now, log), nil
}

// runMargin is the time kept back from the invocation's deadline to finish the step
// under way.
const runMargin = 15 * time.Second

// handler sends due steps, a page of them at a time, until none are due or the
// invocation's time is nearly up; the next scheduled run takes the rest.
func handler(svc *followup.Service, log *slog.Logger) func(context.Context, events.EventBridgeEvent) error {
	return func(ctx context.Context, _ events.EventBridgeEvent) error {
		var total followup.RunResult
		for {
			if d, ok := ctx.Deadline(); ok && time.Until(d) < runMargin {
				break
			}
			res, err := svc.Dispatch(ctx, 100)
			total.Sent += res.Sent
			total.Skipped += res.Skipped
			total.Failed += res.Failed
			total.Retry += res.Retry
			if err != nil {
				return err
			}
			if res.Sent+res.Skipped+res.Failed == 0 {
				break
			}
		}
		log.InfoContext(ctx, "dispatch run", "sent", total.Sent, "skipped", total.Skipped, "failed", total.Failed, "left_for_next_run", total.Retry)
		return nil
	}
}
