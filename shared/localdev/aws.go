package localdev

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"leadgate/shared/dynamodb"
	"leadgate/shared/dynamodbstream"
	"leadgate/shared/followup"
	"leadgate/shared/leadgate"
	"leadgate/shared/ses"
)

// AWSOptions choose the table of an AWS backend and where its stream poller keeps
// its state.
type AWSOptions struct {
	Table string
	// StateDir is the folder of the stream poller's state: its position in each
	// shard, saved after every batch and resumed from after a restart or a crash,
	// and the records it set aside (dynamodbstream.FileState). One server at a time
	// may use it. "" keeps no state: each run reads the stream from its oldest record.
	StateDir string
	// MaxBackoff is the longest pause before a failed change is handed on again;
	// 0: dynamodbstream.DefaultMaxBackoff.
	MaxBackoff time.Duration
	// ConfigurationSet is the SES configuration set follow-ups are sent with; "" for
	// none (the emulator has none).
	ConfigurationSet string
	Log              *slog.Logger
}

// AWS opens the AWS adapters: SES v2 for email, the DynamoDB store on opts.Table, creating the table
// from dynamodb.TableDefinition (the definition template.yaml declares) when it is
// missing, and the table's stream, polled as Lambda's event source mapping does and
// decoded into changes, from the position saved in opts.StateDir (or the stream's
// oldest record). A change that fails for a passing reason (EUNAVAILABLE,
// ERATELIMITED, ECONFLICT: SES or DynamoDB down or throttling, a write raced) is
// handed on again, with a backoff, for as long as that lasts, and the records after
// it wait; a record that cannot be decoded, or whose change fails otherwise, is
// retried dynamodbstream.DefaultMaxRetries times and then set aside in the state
// folder for replay, and the stream goes on. Endpoints come from the SDK's standard settings in cfg
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
	// On AWS the event source mapping's filter hands the function only the records it
	// acts on, 100 at a time; here every record comes, most of them no change (a
	// lead's capture and its follow-up write about fifteen), so batches are as large
	// as GetRecords allows, for as many leads at once.
	pollOpts := []dynamodbstream.Option{dynamodbstream.WithLogger(opts.Log), dynamodbstream.WithBatchSize(1000)}
	if opts.MaxBackoff > 0 {
		pollOpts = append(pollOpts, dynamodbstream.WithMaxBackoff(opts.MaxBackoff))
	}
	var (
		closeState = func() error { return nil }
		replay     func(context.Context, func(context.Context, leadgate.Change) error) (int, int, error)
	)
	if opts.StateDir != "" {
		state, err := dynamodbstream.OpenFileState(opts.StateDir)
		if err != nil {
			return Backend{}, err
		}
		pollOpts = append(pollOpts, dynamodbstream.WithState(state))
		closeState = state.Close
		replay = func(ctx context.Context, handle func(context.Context, leadgate.Change) error) (int, int, error) {
			return replaySetAside(ctx, state, handle)
		}
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
			return dynamodbstream.NewPoller(streams, arn, pollOpts...).Run(ctx, func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
				return events.DynamoDBEventResponse{}, handleRecords(ctx, e, handle)
			})
		},
		Replay: replay,
		Close:  closeState,
	}, nil
}

// awsFollowConcurrency is the most leads whose changes are handled at once: as many
// as the stream function handles on AWS (SEND_CONCURRENCY's default). More only queue
// up in DynamoDB Local, one process, until its answers take longer than a send's
// store timeout: an email then goes out without its send being recorded, and again.
var awsFollowConcurrency = followup.DefaultConfig().Concurrency

// handleRecords decodes the batch's records and hands their changes to handle as
// the embedded store's follower does (handleByLead): those of one address in order,
// several addresses at once, as the stream function does on AWS. At the first record
// that fails (in the stream's order) it returns a dynamodbstream.RecordError, which
// tells the poller whether retrying may help; a record that cannot be decoded is
// poison, and the changes after it wait for its verdict.
func handleRecords(ctx context.Context, e events.DynamoDBEvent, handle func(context.Context, leadgate.Change) error) error {
	var (
		changes = make([]leadgate.Change, 0, len(e.Records))
		from    = make([]int, 0, len(e.Records)) // the record index of each change
		poison  = -1
		cause   error
	)
	for i, rec := range e.Records {
		ch, ok, err := dynamodb.DecodeRecord(rec)
		if err != nil {
			poison, cause = i, err
			break
		}
		if ok {
			changes, from = append(changes, ch), append(from, i)
		}
	}
	if n, err := handleByLead(ctx, changes, handle, awsFollowConcurrency); err != nil {
		return &dynamodbstream.RecordError{SequenceNumber: e.Records[from[n]].Change.SequenceNumber, Err: err, Poison: !passing(err)}
	}
	if poison >= 0 {
		return &dynamodbstream.RecordError{SequenceNumber: e.Records[poison].Change.SequenceNumber, Err: cause, Poison: true}
	}
	return nil
}

// passing reports whether a change's failure may pass by itself: a dependency
// unavailable or throttling, or a write that raced another.
func passing(err error) bool {
	switch leadgate.ErrorCode(err) {
	case leadgate.EUNAVAILABLE, leadgate.ERATELIMITED, leadgate.ECONFLICT:
		return true
	}
	return false
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

// replaySetAside hands each set-aside record's changes to handle again, oldest
// first, and keeps the records that still fail, with their new error. A record the
// SDK could not read has no event to replay and is kept.
func replaySetAside(ctx context.Context, state *dynamodbstream.FileState, handle func(context.Context, leadgate.Change) error) (replayed, kept int, err error) {
	set, err := state.SetAsideRecords()
	if err != nil {
		return 0, 0, err
	}
	var still []dynamodbstream.DeadLetter
	for _, d := range set {
		if d.Event == nil {
			still = append(still, d)
			continue
		}
		if err := handleRecords(ctx, *d.Event, handle); err != nil {
			d.Error, d.Deliveries = err.Error(), d.Deliveries+1
			still = append(still, d)
			continue
		}
		replayed++
	}
	if err := state.ReplaceSetAside(still); err != nil {
		return replayed, len(still), err
	}
	return replayed, len(still), nil
}
