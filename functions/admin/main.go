// Command admin is the Lambda function behind the admin API, /v1/admin/...: pages
// and magnets listed, read, created and updated, and presigned PUTs for magnet
// files. It checks no credentials itself: every admin route of the HTTP API has
// AWS_IAM auth, so API Gateway lets only SigV4-signed requests of allowed
// principals reach it.
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
		lambdainit.Fail(fmt.Errorf("admin function cannot start: %w", err))
	}
	lambda.Start(apigw.Handler(h))
}

// setup reads TABLE_NAME and BUCKET_NAME and returns the function's HTTP handler.
// Pages and magnets are read from the table on every request (no cache): an admin
// sees what was just saved.
func setup(ctx context.Context, getenv func(string) string, log *slog.Logger) (http.Handler, error) {
	table, err := lambdainit.Table(getenv)
	if err != nil {
		return nil, err
	}
	bucket := getenv("BUCKET_NAME")
	if bucket == "" {
		return nil, errors.New("BUCKET_NAME is not set: name the S3 bucket of lead magnets")
	}
	awsCfg, err := lambdainit.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	s3Client := awss3.NewFromConfig(awsCfg)
	objects := s3.New(s3Client, awss3.NewPresignClient(s3Client), bucket)
	return handler(dynamodb.New(awsddb.NewFromConfig(awsCfg), table), objects, time.Now, log), nil
}

// handler composes the admin routes; the tests call it with the embedded store and
// the local bucket to run API Gateway events through the Lambda entry.
func handler(store httpapi.AdminStore, objects leadgate.ObjectStore, now func() time.Time, log *slog.Logger) http.Handler {
	return httpapi.NewAdminAPI(store, objects, now, log).Handler()
}
