// Command capture is the Lambda function behind POST /v1/pages/{slug}/leads (and the
// form-token route): it reads its settings, builds the DynamoDB store and serves the
// same handlers the local server mounts.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"leadgate/shared/apigw"
	"leadgate/shared/capture"
	"leadgate/shared/dynamodb"
	"leadgate/shared/httpapi"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdalog"
	"leadgate/shared/signing"
)

func main() {
	log := lambdalog.New(os.Stdout)
	slog.SetDefault(log) // the apigw adapter and lambdainit log through the default
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		// Reported to the Runtime API: Lambda shows the reason and retries the cold start.
		lambdainit.Fail(fmt.Errorf("capture function cannot start: %w", err))
	}
	lambda.Start(apigw.Handler(h))
}

// setup reads TABLE_NAME, FORM_SIGNING_SECRET and the capture settings
// (capture.ConfigFromEnv) and returns the function's HTTP handler.
func setup(ctx context.Context, getenv func(string) string, log *slog.Logger) (http.Handler, error) {
	table, err := lambdainit.Table(getenv)
	if err != nil {
		return nil, err
	}
	key, err := lambdainit.SigningKey(getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := capture.ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := lambdainit.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	store := dynamodb.New(awsddb.NewFromConfig(awsCfg), table)
	return handler(store, key, cfg, time.Now, log), nil
}

// handler composes the capture route on a store; the tests call it with the embedded
// store to run the events/ files through the Lambda entry.
func handler(store capture.Store, key *signing.Key, cfg capture.Config, now func() time.Time, log *slog.Logger) http.Handler {
	return httpapi.New(capture.New(store, key, cfg, now), log).Handler()
}
