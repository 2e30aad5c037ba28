package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"leadgate/shared/dynamodbstream"
)

// queueAPI, invokeAPI: the parts of the SQS and Lambda clients replay uses.
type queueAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
}

type invokeAPI interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

func replayCmd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(out)
	queue := fs.String("queue", "", "the queue's URL: the FollowupFailuresQueueUrl or SesEventsDeadLetterQueueUrl output (required)")
	function := fs.String("function", "", "the function to hand the events to: the FollowupFunctionName or SesEventsFunctionName output (required)")
	region := fs.String("region", "", "the stack's region (default: your AWS configuration)")
	dryRun := fs.Bool("dry-run", false, "say what each message holds; invoke nothing, delete nothing")
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: leadctl replay -queue URL -function NAME [-dry-run]")
		fmt.Fprintln(out, "Re-drives a failure queue: each message's events go to the function again, and the")
		fmt.Fprintln(out, "message is deleted once the function took them all. A stream failure names a range")
		fmt.Fprintln(out, "of the table's stream, read back while the stream holds it (24 hours).")
		fs.PrintDefaults()
	}
	if _, done, err := parse(fs, args); done || err != nil {
		return err
	}
	if *queue == "" || *function == "" {
		fs.Usage()
		return errors.New("replay: -queue and -function are required")
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("replay: AWS configuration: %w", err)
	}
	if *region != "" {
		cfg.Region = *region
	}
	r := replayer{queue: sqs.NewFromConfig(cfg), invoke: lambda.NewFromConfig(cfg), stream: dynamodbstreams.NewFromConfig(cfg),
		queueURL: *queue, function: *function, dryRun: *dryRun, out: out}
	return r.run(ctx)
}

type replayer struct {
	queue    queueAPI
	invoke   invokeAPI
	stream   dynamodbstream.API
	queueURL string
	function string
	dryRun   bool
	out      io.Writer
}

// run drains the queue: messages that replay are deleted; those that do not stay
// (visible again after the visibility timeout) and are counted in the error.
func (r replayer) run(ctx context.Context) error {
	var done, failed int
	seen := map[string]bool{}
	for {
		res, err := r.queue.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(r.queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 300,
		})
		if err != nil {
			return fmt.Errorf("replay: receive: %w", err)
		}
		fresh := 0
		for _, m := range res.Messages {
			id := aws.ToString(m.MessageId)
			if seen[id] {
				continue
			}
			seen[id], fresh = true, fresh+1
			what, err := r.message(ctx, aws.ToString(m.Body))
			if err != nil {
				failed++
				fmt.Fprintf(r.out, "%s: kept: %s: %v\n", id, what, err)
				continue
			}
			if r.dryRun {
				fmt.Fprintf(r.out, "%s: %s\n", id, what)
				continue
			}
			if _, err := r.queue.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(r.queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return fmt.Errorf("replay: %s replayed but not deleted: %w", id, err)
			}
			done++
			fmt.Fprintf(r.out, "%s: replayed: %s\n", id, what)
		}
		if fresh == 0 {
			break
		}
	}
	fmt.Fprintf(r.out, "%d replayed, %d kept\n", done, failed)
	if failed > 0 {
		return fmt.Errorf("replay: %d messages kept in the queue", failed)
	}
	return nil
}

// message turns one queued message back into the event its function takes, and
// hands it over (unless dry-run). Three shapes arrive:
//   - a stream batch's position (DDBStreamBatchInfo): its records are read back;
//   - a Lambda on-failure record (requestPayload): the event as it was;
//   - an SNS message SNS could not deliver: wrapped in an SNS event again.
func (r replayer) message(ctx context.Context, body string) (string, error) {
	var probe struct {
		Batch   json.RawMessage `json:"DDBStreamBatchInfo"`
		Payload json.RawMessage `json:"requestPayload"`
		Type    string          `json:"Type"`
		Message string          `json:"Message"`
	}
	if err := json.Unmarshal([]byte(body), &probe); err != nil {
		return "not JSON", err
	}
	var payload []byte
	var what string
	switch {
	case probe.Batch != nil:
		var b dynamodbstream.FailedBatch
		if err := json.Unmarshal([]byte(body), &b); err != nil {
			return "stream batch", err
		}
		what = fmt.Sprintf("stream batch of %d records, shard %s", b.Batch.BatchSize, b.Batch.ShardID)
		recs, err := dynamodbstream.ReadRange(ctx, r.stream, b)
		if err != nil {
			return what, err
		}
		what = fmt.Sprintf("%s: %d records read back", what, len(recs))
		payload, _ = json.Marshal(events.DynamoDBEvent{Records: recs})
	case probe.Payload != nil:
		what, payload = "failed invocation's event", probe.Payload
	default:
		msg := body
		if probe.Type == "Notification" && probe.Message != "" {
			msg = probe.Message
		}
		what = "undelivered SNS message"
		payload, _ = json.Marshal(events.SNSEvent{Records: []events.SNSEventRecord{{
			EventSource: "aws:sns", EventVersion: "1.0", SNS: events.SNSEntity{Type: "Notification", Message: msg},
		}}})
	}
	if r.dryRun {
		return what, nil
	}
	return what, r.call(ctx, payload)
}

// call invokes the function and waits: a function error, or a stream record it
// reports as failed, keeps the message.
func (r replayer) call(ctx context.Context, payload []byte) error {
	res, err := r.invoke.Invoke(ctx, &lambda.InvokeInput{
		FunctionName: aws.String(r.function), InvocationType: lambdatypes.InvocationTypeRequestResponse, Payload: payload,
	})
	if err != nil {
		return fmt.Errorf("invoke: %w", err)
	}
	if res.FunctionError != nil {
		return fmt.Errorf("the function failed (%s): %.300s", aws.ToString(res.FunctionError), strings.TrimSpace(string(res.Payload)))
	}
	var answer events.DynamoDBEventResponse
	if json.Unmarshal(res.Payload, &answer) == nil && len(answer.BatchItemFailures) > 0 {
		return fmt.Errorf("the function failed %d of the records again, from %s", len(answer.BatchItemFailures), answer.BatchItemFailures[0].ItemIdentifier)
	}
	return nil
}
