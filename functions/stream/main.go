// Command stream is the Lambda function on the table's DynamoDB stream: it decodes
// each record into a domain change and hands it to the services that react to
// changes (today: counting downloads into the pages' daily counters). Failures are
// reported per record, so Lambda retries from the first failed one.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"leadgate/shared/downloads"
	"leadgate/shared/dynamodb"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdalog"
	"leadgate/shared/leadgate"
)

func main() {
	log := lambdalog.New(os.Stdout)
	slog.SetDefault(log)
	h, err := setup(context.Background(), os.Getenv)
	if err != nil {
		lambdainit.Fail(fmt.Errorf("stream function cannot start: %w", err))
	}
	lambda.Start(h)
}

type handlerFunc func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// setup reads TABLE_NAME and returns the stream handler.
func setup(ctx context.Context, getenv func(string) string) (handlerFunc, error) {
	table := getenv("TABLE_NAME")
	if table == "" {
		return nil, errors.New("TABLE_NAME is not set: name the DynamoDB table of leads")
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	store := dynamodb.New(awsddb.NewFromConfig(awsCfg), table)
	return handler(downloads.NewCounter(store).HandleChange), nil
}

// handler decodes a batch and reports the records that failed.
func handler(handle func(context.Context, leadgate.Change) error) handlerFunc {
	return func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		return dynamodb.DecodeEvent(ctx, e, handle), nil
	}
}
