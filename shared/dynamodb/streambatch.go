package dynamodb

import (
	"context"
	"log/slog"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/sync/errgroup"

	"leadgate/shared/leadgate"
)

// HandleBatch is the body of a stream handler that serves item partitions
// concurrently: it decodes each record of the event (DecodeRecord) and hands each
// change to handle, the records of one item partition in order, at most concurrency
// partitions at a time. A record that fails (a poison record or an error from
// handle) is reported in BatchItemFailures with the later records of its partition,
// which are not handed on, so their order is kept on the retry; the other
// partitions go on. Failures are logged with slog's default logger, by event ID and
// sequence number only, for the images may hold personal data.
//
// Return its result to Lambda with a nil error (an error would retry the whole batch);
// the function's event source mapping must have ReportBatchItemFailures set.
func HandleBatch(ctx context.Context, e events.DynamoDBEvent, handle func(context.Context, leadgate.Change) error, concurrency int) events.DynamoDBEventResponse {
	groups := map[string][]events.DynamoDBEventRecord{}
	var order []string
	for _, rec := range e.Records {
		key := partitionKey(rec)
		if _, seen := groups[key]; !seen {
			order = append(order, key)
		}
		groups[key] = append(groups[key], rec)
	}
	var (
		mu     sync.Mutex
		failed = []events.DynamoDBBatchItemFailure{}
	)
	var g errgroup.Group
	g.SetLimit(max(1, concurrency))
	for _, key := range order {
		g.Go(func() error {
			recs := groups[key]
			for i, rec := range recs {
				ch, ok, err := DecodeRecord(rec)
				if err == nil && ok {
					err = handle(ctx, ch)
				}
				if err == nil {
					continue
				}
				slog.WarnContext(ctx, "dynamodb stream: record failed; it and the later records of its partition are reported for retry",
					"event_id", rec.EventID, "sequence_number", rec.Change.SequenceNumber,
					"event_name", rec.EventName, "later_records", len(recs)-i-1, "code", leadgate.ErrorCode(err))
				mu.Lock()
				for _, later := range recs[i:] {
					failed = append(failed, events.DynamoDBBatchItemFailure{ItemIdentifier: later.Change.SequenceNumber})
				}
				mu.Unlock()
				return nil // the other partitions go on
			}
			return nil
		})
	}
	_ = g.Wait()
	return events.DynamoDBEventResponse{BatchItemFailures: failed}
}

// partitionKey groups a record by its item's partition key: a lead's items share
// one, and the stream orders records per item. A record without one stands alone.
func partitionKey(rec events.DynamoDBEventRecord) string {
	if pk, ok := rec.Change.Keys[attrPK]; ok && pk.DataType() == events.DataTypeString {
		return attrPK + "=" + pk.String()
	}
	return "event=" + rec.EventID
}
