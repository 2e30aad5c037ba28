// Command links is the Lambda function behind the links of follow-up emails:
// GET|POST /v1/confirm/{token} (double opt-in) and GET|POST /v1/unsubscribe/{token}
// (RFC 8058 one-click). GETs show a page with a button; POSTs act.
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
	"leadgate/shared/configcache"
	"leadgate/shared/dynamodb"
	"leadgate/shared/followup"
	"leadgate/shared/httpapi"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdalog"
)

func main() {
	log := lambdalog.New(os.Stdout)
	slog.SetDefault(log)
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		lambdainit.Fail(fmt.Errorf("links function cannot start: %w", err))
	}
	lambda.Start(apigw.Handler(h))
}

// setup reads TABLE_NAME and FORM_SIGNING_SECRET.
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
	return httpapi.NewLinksAPI(followup.NewLinks(store, key, time.Now), log).Handler(), nil
}
