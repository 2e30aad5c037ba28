package localdev

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"leadgate/shared/dynamodb"
	"leadgate/shared/dynamodbstream"
	"leadgate/shared/leadgate"
	"leadgate/shared/ses"
)

// AWSOptions choose the table of an AWS backend and where its stream is read from.
type AWSOptions struct {
	Table string
	// FromTrimHorizon reads the stream from its oldest record instead of from now.
	FromTrimHorizon bool
	// ConfigurationSet is the SES configuration set follow-ups are sent with; "" for
	// none (the emulator has none).
	ConfigurationSet string
	Log              *slog.Logger
}

// AWS opens the AWS adapters: SES v2 for email, the DynamoDB store on opts.Table, creating the table
// from dynamodb.TableDefinition (the definition template.yaml declares) when it is
// missing, and the table's stream, polled as Lambda's event source mapping does and
// decoded into changes. Endpoints come from the SDK's standard settings in cfg
// (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_DYNAMODB_STREAMS,
// AWS_ENDPOINT_URL_SESV2), so
// the same run points at DynamoDB Local or at a real account.
func AWS(ctx context.Context, cfg aws.Config, opts AWSOptions) (Backend, error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	client := awsddb.NewFromConfig(cfg)
	if err := ensureTable(ctx, client, opts.Table); err != nil {
		return Backend{}, err
	}
	streams := dynamodbstreams.NewFromConfig(cfg)
	start := streamtypes.ShardIteratorTypeLatest
	if opts.FromTrimHorizon {
		start = streamtypes.ShardIteratorTypeTrimHorizon
	}
	endpoint := "AWS"
	if cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint
	}
	return Backend{
		Name:   fmt.Sprintf("the DynamoDB table %s at %s", opts.Table, endpoint),
		Store:  dynamodb.New(client, opts.Table),
		Mailer: ses.New(sesv2.NewFromConfig(cfg, ses.ClientOptions()), ses.Options{ConfigurationSetName: opts.ConfigurationSet}),
		Follow: func(ctx context.Context, handle func(context.Context, leadgate.Change) error) error {
			arn, err := dynamodbstream.LatestARN(ctx, client, opts.Table)
			if err != nil {
				return err
			}
			poller := dynamodbstream.NewPoller(streams, arn, dynamodbstream.WithStartingPosition(start), dynamodbstream.WithLogger(opts.Log))
			return poller.Run(ctx, func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
				return dynamodb.DecodeEvent(ctx, e, handle), nil
			})
		},
		Close: func() error { return nil },
	}, nil
}

func ensureTable(ctx context.Context, client *awsddb.Client, table string) error {
	_, err := client.DescribeTable(ctx, &awsddb.DescribeTableInput{TableName: aws.String(table)})
	var missing *types.ResourceNotFoundException
	switch {
	case err == nil:
		return nil
	case errors.As(err, &missing):
		return dynamodb.CreateTable(ctx, client, table)
	default:
		return fmt.Errorf("describe table %s: %w", table, err)
	}
}
