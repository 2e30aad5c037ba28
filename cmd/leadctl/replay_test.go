package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

type fakeQueue struct {
	msgs    []sqstypes.Message
	deleted []string
}

func (q *fakeQueue) ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	// Every message that is still there, as SQS shows kept ones again.
	var left []sqstypes.Message
	for _, m := range q.msgs {
		if !strings.Contains(strings.Join(q.deleted, " "), aws.ToString(m.ReceiptHandle)) {
			left = append(left, m)
		}
	}
	return &sqs.ReceiveMessageOutput{Messages: left}, nil
}

func (q *fakeQueue) DeleteMessage(_ context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	q.deleted = append(q.deleted, aws.ToString(in.ReceiptHandle))
	return &sqs.DeleteMessageOutput{}, nil
}

type fakeInvoke struct{ payloads []string }

func (f *fakeInvoke) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.payloads = append(f.payloads, string(in.Payload))
	if strings.Contains(string(in.Payload), "poison") {
		return &lambda.InvokeOutput{FunctionError: aws.String("Unhandled"), Payload: []byte(`{"errorMessage":"boom"}`)}, nil
	}
	return &lambda.InvokeOutput{Payload: []byte(`{"batchItemFailures":[]}`)}, nil
}

// fakeStream holds one shard of three records, 100 to 300.
type fakeStream struct{ from string }

func (s *fakeStream) DescribeStream(context.Context, *dynamodbstreams.DescribeStreamInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	return &dynamodbstreams.DescribeStreamOutput{}, nil
}

func (s *fakeStream) GetShardIterator(_ context.Context, in *dynamodbstreams.GetShardIteratorInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	if aws.ToString(in.SequenceNumber) == "1" {
		return nil, &streamtypes.TrimmedDataAccessException{Message: aws.String("trimmed")}
	}
	s.from = aws.ToString(in.SequenceNumber)
	return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: aws.String("it")}, nil
}

func (s *fakeStream) GetRecords(context.Context, *dynamodbstreams.GetRecordsInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	var recs []streamtypes.Record
	for _, seq := range []string{"100", "200", "300"} {
		if len(seq) < len(s.from) || seq < s.from {
			continue
		}
		recs = append(recs, streamtypes.Record{EventID: aws.String("e" + seq), EventName: streamtypes.OperationTypeInsert,
			Dynamodb: &streamtypes.StreamRecord{SequenceNumber: aws.String(seq),
				NewImage: map[string]streamtypes.AttributeValue{"item_type": &streamtypes.AttributeValueMemberS{Value: "submission"}}}})
	}
	return &dynamodbstreams.GetRecordsOutput{Records: recs}, nil
}

func msg(id, body string) sqstypes.Message {
	return sqstypes.Message{MessageId: aws.String(id), ReceiptHandle: aws.String("rh-" + id), Body: aws.String(body)}
}

// The failure queues' three shapes each reach the function again and leave the
// queue; what fails again, or is gone from the stream, stays for another try.
func TestReplayRedrivesEachKindOfFailure(t *testing.T) {
	q := &fakeQueue{msgs: []sqstypes.Message{
		msg("stream", `{"DDBStreamBatchInfo":{"shardId":"shard-1","startSequenceNumber":"100","endSequenceNumber":"200","batchSize":2,"streamArn":"arn:aws:dynamodb:eu-west-1:1:table/t/stream/x"}}`),
		msg("trimmed", `{"DDBStreamBatchInfo":{"shardId":"shard-1","startSequenceNumber":"1","endSequenceNumber":"2","batchSize":2,"streamArn":"arn:aws:dynamodb:eu-west-1:1:table/t/stream/x"}}`),
		msg("async", `{"requestContext":{"condition":"RetriesExhausted"},"requestPayload":{"Records":[{"Sns":{"Message":"{\"notificationType\":\"Complaint\"}"}}]}}`),
		msg("sns", `{"Type":"Notification","Message":"{\"notificationType\":\"Bounce\"}"}`),
		msg("poison", `{"requestPayload":{"poison":true}}`),
	}}
	inv := &fakeInvoke{}
	var out bytes.Buffer
	err := replayer{queue: q, invoke: inv, stream: &fakeStream{}, queueURL: "q", function: "f", out: &out}.run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "2 messages kept") {
		t.Fatalf("err %v, want 2 kept (trimmed, poison)\n%s", err, out.String())
	}
	if got := strings.Join(q.deleted, " "); got != "rh-stream rh-async rh-sns" {
		t.Errorf("deleted %q, want the stream batch, the failed invocation and the SNS message", got)
	}
	if len(inv.payloads) != 4 {
		t.Fatalf("%d invocations, want 4 (the trimmed batch is not invoked)", len(inv.payloads))
	}
	var stream events.DynamoDBEvent
	if err := json.Unmarshal([]byte(inv.payloads[0]), &stream); err != nil || len(stream.Records) != 2 ||
		stream.Records[1].Change.SequenceNumber != "200" || stream.Records[0].EventSourceArn == "" {
		t.Errorf("stream replay event %s (%v), want records 100 and 200 with their stream", inv.payloads[0], err)
	}
	if !strings.Contains(inv.payloads[1], "Complaint") || strings.Contains(inv.payloads[1], "requestContext") {
		t.Errorf("async replay %s, want the original event alone", inv.payloads[1])
	}
	var sns events.SNSEvent
	if err := json.Unmarshal([]byte(inv.payloads[2]), &sns); err != nil || len(sns.Records) != 1 || !strings.Contains(sns.Records[0].SNS.Message, "Bounce") {
		t.Errorf("SNS replay %s (%v)", inv.payloads[2], err)
	}
	if !strings.Contains(out.String(), "no longer holds") {
		t.Errorf("output does not say the stream lost the trimmed batch:\n%s", out.String())
	}
}
