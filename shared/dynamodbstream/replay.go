package dynamodbstream

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// FailedBatch is what a Lambda event source mapping sends to its on-failure
// destination for a stream batch it gave up on: where the records were, not the
// records themselves.
type FailedBatch struct {
	Batch struct {
		ShardID       string `json:"shardId"`
		StartSequence string `json:"startSequenceNumber"`
		EndSequence   string `json:"endSequenceNumber"`
		BatchSize     int    `json:"batchSize"`
		StreamARN     string `json:"streamArn"`
	} `json:"DDBStreamBatchInfo"`
}

// ErrTrimmed says the stream no longer holds a record of the range: DynamoDB keeps
// stream records for 24 hours.
var ErrTrimmed = errors.New("the stream no longer holds these records (kept 24 hours)")

// ReadRange reads the records of one shard from start to end (sequence numbers,
// both included) in Lambda's event shape, as the failed batch held them.
func ReadRange(ctx context.Context, client API, b FailedBatch) ([]events.DynamoDBEventRecord, error) {
	in := b.Batch
	first, ok1 := new(big.Int).SetString(in.StartSequence, 10)
	last, ok2 := new(big.Int).SetString(in.EndSequence, 10)
	if !ok1 || !ok2 || in.StreamARN == "" || in.ShardID == "" || first.Cmp(last) > 0 {
		return nil, fmt.Errorf("not a stream batch: shard %q, sequence numbers %q to %q", in.ShardID, in.StartSequence, in.EndSequence)
	}
	it, err := client.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(in.StreamARN), ShardId: aws.String(in.ShardID),
		ShardIteratorType: streamtypes.ShardIteratorTypeAtSequenceNumber, SequenceNumber: aws.String(in.StartSequence),
	})
	if err != nil {
		var trimmed *streamtypes.TrimmedDataAccessException
		var gone *streamtypes.ResourceNotFoundException
		if errors.As(err, &trimmed) || errors.As(err, &gone) {
			return nil, fmt.Errorf("shard %s from %s: %w", in.ShardID, in.StartSequence, ErrTrimmed)
		}
		return nil, fmt.Errorf("get shard iterator: %w", err)
	}
	var out []events.DynamoDBEventRecord
	iter := it.ShardIterator
	for empty := 0; iter != nil && empty < 10; {
		page, err := client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(1000)})
		if err != nil {
			return nil, fmt.Errorf("get records: %w", err)
		}
		if len(page.Records) == 0 {
			empty++ // an open shard may answer empty pages before the next records
		}
		for _, r := range page.Records {
			if r.Dynamodb == nil {
				continue
			}
			seq, _ := new(big.Int).SetString(aws.ToString(r.Dynamodb.SequenceNumber), 10)
			if seq == nil || seq.Cmp(last) > 0 {
				return out, nil
			}
			rec, err := eventRecord(r)
			if err != nil {
				return nil, err
			}
			rec.EventSourceArn = in.StreamARN
			out = append(out, rec)
			if seq.Cmp(last) == 0 {
				return out, nil
			}
		}
		iter = page.NextShardIterator
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("shard %s from %s: %w", in.ShardID, in.StartSequence, ErrTrimmed)
	}
	return out, nil
}
