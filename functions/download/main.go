// Command download is the Lambda function behind GET /v1/downloads/{token}: it checks
// and counts the click in one DynamoDB request and redirects to a presigned S3 URL
// that lives five minutes.
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
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"leadgate/shared/apigw"
	"leadgate/shared/configcache"
	"leadgate/shared/downloads"
	"leadgate/shared/dynamodb"
	"leadgate/shared/httpapi"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdalog"
	"leadgate/shared/leadgate"
	"leadgate/shared/s3"
)

func main() {
	log := lambdalog.New(os.Stdout)
	slog.SetDefault(log)
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		lambdainit.Fail(fmt.Errorf("download function cannot start: %w", err))
	}
	lambda.Start(apigw.Handler(h))
}

// setup reads TABLE_NAME and BUCKET_NAME and returns the function's HTTP handler.
func setup(ctx context.Context, getenv func(string) string, log *slog.Logger) (http.Handler, error) {
	table, bucket := getenv("TABLE_NAME"), getenv("BUCKET_NAME")
	if table == "" {
		return nil, errors.New("TABLE_NAME is not set: name the DynamoDB table of leads")
	}
	if bucket == "" {
		return nil, errors.New("BUCKET_NAME is not set: name the S3 bucket of lead magnets")
	}
	awsCfg, err := lambdainit.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	store := configcache.New(dynamodb.New(awsddb.NewFromConfig(awsCfg), table), time.Minute, time.Now)
	s3Client := awss3.NewFromConfig(awsCfg)
	objects := s3.New(s3Client, awss3.NewPresignClient(s3Client), bucket)
	return handler(store, objects, time.Now, log), nil
}

// handler composes the download route; the tests call it with the embedded store and
// the local bucket to run the events/ files through the Lambda entry.
func handler(store downloads.Store, objects leadgate.ObjectStore, now func() time.Time, log *slog.Logger) http.Handler {
	return httpapi.NewDownloadAPI(downloads.New(store, objects, now), log).Handler()
}
