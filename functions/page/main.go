// Command page is the Lambda function behind the hosted landing page, GET /p/{slug},
// and its thank-you page, GET /p/{slug}/thanks: it renders the page's form with a
// signed render time and counts the view in one DynamoDB UpdateItem.
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
	"leadgate/shared/configcache"
	"leadgate/shared/dynamodb"
	"leadgate/shared/httpapi"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdalog"
	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

func main() {
	log := lambdalog.New(os.Stdout)
	slog.SetDefault(log)
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		lambdainit.Fail(fmt.Errorf("page function cannot start: %w", err))
	}
	lambda.Start(apigw.Handler(h))
}

// setup reads TABLE_NAME and FORM_SIGNING_SECRET and returns the function's HTTP
// handler. Pages are cached per container for a minute.
func setup(ctx context.Context, getenv func(string) string, log *slog.Logger) (http.Handler, error) {
	table, err := lambdainit.Table(getenv)
	if err != nil {
		return nil, err
	}
	key, err := lambdainit.SigningKey(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := lambdainit.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	store := configcache.New(dynamodb.New(awsddb.NewFromConfig(awsCfg), table), time.Minute, time.Now)
	return handler(store, key, time.Now, log), nil
}

// handler composes the page routes on a store; the tests call it with the embedded
// store to run the events/ files through the Lambda entry. The capture settings
// are the defaults: rendering a form only signs its time.
func handler(store leadgate.Store, key *signing.Key, now func() time.Time, log *slog.Logger) http.Handler {
	return httpapi.NewPageAPI(capture.New(store, key, capture.DefaultConfig(), now), store, log).Handler()
}
