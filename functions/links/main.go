// Command links is the Lambda function behind the links of follow-up emails:
// GET|POST /v1/confirm/{token} (double opt-in) and GET|POST /v1/unsubscribe/{token}
// (RFC 8058 one-click). GETs show a page with a button; POSTs act.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"leadgate/shared/apigw"
	"leadgate/shared/configcache"
	"leadgate/shared/dynamodb"
	"leadgate/shared/followup"
	"leadgate/shared/httpapi"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdalog"
	"leadgate/shared/signing"
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
	table := getenv("TABLE_NAME")
	if table == "" {
		return nil, errors.New("TABLE_NAME is not set: name the DynamoDB table of leads")
	}
	key, err := signing.NewKey([]byte(getenv("FORM_SIGNING_SECRET")))
	if err != nil {
		return nil, fmt.Errorf("FORM_SIGNING_SECRET: %w", err)
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	store := configcache.New(dynamodb.New(awsddb.NewFromConfig(awsCfg), table), time.Minute, time.Now)
	return httpapi.NewLinksAPI(followup.NewLinks(store, key, time.Now), log).Handler(), nil
}
