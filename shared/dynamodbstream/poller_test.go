package dynamodbstream_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"leadgate/shared/dynamodbstream"
)

// fakeStreamARN names the fake stream; its region is what records without one get.
const fakeStreamARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/leads/stream/2026-03-02T09:30:00.000"

// secret stands for the personal data in a record's images: it must never be logged.
const secret = "ada.secret@example.com"

// fakeStreams is a hand-written dynamodbstream.API over shards held in memory.
// Iterators are "<shard id>/<index of the next record>".
type fakeStreams struct {
	mu       sync.Mutex
	shards   []*fakeShard // in the order DescribeStream lists them
	pageSize int          // shards per DescribeStream page; 0: all
	// expireOnce makes the next GetRecords fail with an expired iterator.
	expireOnce bool
	iterators  []string // "<type> <sequence number>" of each GetShardIterator
	getRecords int
}

type fakeShard struct {
	id, parent string
	records    []streamtypes.Record
	closed     bool
}

var _ dynamodbstream.API = (*fakeStreams)(nil)

func (f *fakeStreams) shard(id string) *fakeShard {
	for _, s := range f.shards {
		if s.id == id {
			return s
		}
	}
	return nil
}

func (f *fakeStreams) DescribeStream(_ context.Context, in *dynamodbstreams.DescribeStreamInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if aws.ToString(in.StreamArn) != fakeStreamARN {
		return nil, &streamtypes.ResourceNotFoundException{Message: aws.String("no such stream")}
	}
	start := 0
	if after := aws.ToString(in.ExclusiveStartShardId); after != "" {
		for i, s := range f.shards {
			if s.id == after {
				start = i + 1
			}
		}
	}
	end := len(f.shards)
	if f.pageSize > 0 {
		end = min(end, start+f.pageSize)
	}
	desc := &streamtypes.StreamDescription{StreamArn: in.StreamArn, StreamStatus: streamtypes.StreamStatusEnabled}
	for _, s := range f.shards[start:end] {
		sh := streamtypes.Shard{ShardId: aws.String(s.id), SequenceNumberRange: &streamtypes.SequenceNumberRange{}}
		if s.parent != "" {
			sh.ParentShardId = aws.String(s.parent)
		}
		desc.Shards = append(desc.Shards, sh)
	}
	if end < len(f.shards) {
		desc.LastEvaluatedShardId = aws.String(f.shards[end-1].id)
	}
	return &dynamodbstreams.DescribeStreamOutput{StreamDescription: desc}, nil
}

func (f *fakeStreams) GetShardIterator(_ context.Context, in *dynamodbstreams.GetShardIteratorInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.iterators = append(f.iterators, strings.TrimSpace(string(in.ShardIteratorType)+" "+aws.ToString(in.SequenceNumber)))
	s := f.shard(aws.ToString(in.ShardId))
	if s == nil {
		return nil, &streamtypes.ResourceNotFoundException{Message: aws.String("no such shard")}
	}
	index := -1
	switch in.ShardIteratorType {
	case streamtypes.ShardIteratorTypeTrimHorizon:
		index = 0
	case streamtypes.ShardIteratorTypeLatest:
		index = len(s.records)
	case streamtypes.ShardIteratorTypeAtSequenceNumber, streamtypes.ShardIteratorTypeAfterSequenceNumber:
		for i, r := range s.records {
			if aws.ToString(r.Dynamodb.SequenceNumber) == aws.ToString(in.SequenceNumber) {
				index = i
				if in.ShardIteratorType == streamtypes.ShardIteratorTypeAfterSequenceNumber {
					index++
				}
			}
		}
	}
	if index < 0 && in.SequenceNumber != nil {
		// As DynamoDB answers a position older than the stream keeps.
		return nil, &streamtypes.TrimmedDataAccessException{Message: aws.String("trimmed")}
	}
	if index < 0 {
		return nil, fmt.Errorf("fake: bad iterator request %+v", in)
	}
	return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: aws.String(fmt.Sprintf("%s/%d", s.id, index))}, nil
}

func (f *fakeStreams) GetRecords(_ context.Context, in *dynamodbstreams.GetRecordsInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.getRecords++
	if f.expireOnce {
		f.expireOnce = false
		return nil, &streamtypes.ExpiredIteratorException{Message: aws.String("iterator expired")}
	}
	id, n, _ := strings.Cut(aws.ToString(in.ShardIterator), "/")
	index, err := strconv.Atoi(n)
	s := f.shard(id)
	if err != nil || s == nil {
		return nil, fmt.Errorf("fake: bad iterator %q", aws.ToString(in.ShardIterator))
	}
	end := min(len(s.records), index+int(aws.ToInt32(in.Limit)))
	out := &dynamodbstreams.GetRecordsOutput{Records: slices.Clone(s.records[index:end])}
	if !s.closed || end < len(s.records) {
		out.NextShardIterator = aws.String(fmt.Sprintf("%s/%d", id, end))
	}
	return out, nil
}

// add appends records with the given sequence numbers to a shard, creating it.
func (f *fakeStreams) add(shardID, parent string, seqs ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.shard(shardID)
	if s == nil {
		s = &fakeShard{id: shardID, parent: parent}
		f.shards = append(f.shards, s)
	}
	for _, n := range seqs {
		s.records = append(s.records, fakeRecord(n))
	}
}

func (f *fakeStreams) close(shardID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shard(shardID).closed = true
}

func (f *fakeStreams) iteratorCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.iterators)
}

// fakeRecord returns the INSERT of an item whose image holds personal data.
func fakeRecord(n int) streamtypes.Record {
	return streamtypes.Record{
		EventID:      aws.String(fmt.Sprintf("event-%d", n)),
		EventName:    streamtypes.OperationTypeInsert,
		EventSource:  aws.String("aws:dynamodb"),
		EventVersion: aws.String("1.1"),
		Dynamodb: &streamtypes.StreamRecord{
			ApproximateCreationDateTime: aws.Time(time.Unix(1772443800+int64(n), 0)),
			Keys:                        map[string]streamtypes.AttributeValue{"pk": &streamtypes.AttributeValueMemberS{Value: fmt.Sprintf("ITEM#%d", n)}},
			NewImage: map[string]streamtypes.AttributeValue{
				"pk":    &streamtypes.AttributeValueMemberS{Value: fmt.Sprintf("ITEM#%d", n)},
				"email": &streamtypes.AttributeValueMemberS{Value: secret},
			},
			SequenceNumber: aws.String(seqOf(n)),
			SizeBytes:      aws.Int64(40),
			StreamViewType: streamtypes.StreamViewTypeNewAndOldImages,
		},
	}
}

func seqOf(n int) string { return fmt.Sprintf("%021d", n) }

// recorder is a poller handler that keeps each batch's sequence numbers (as record
// numbers) and calls decide for the response; it stops the poller once stop says so
// after a batch that succeeded.
type recorder struct {
	batches [][]int
	events  []events.DynamoDBEvent
	decide  func(batch []int) (events.DynamoDBEventResponse, error)
	stop    func(r *recorder) bool
	cancel  context.CancelFunc
}

func (r *recorder) handle(_ context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var batch []int
	for _, rec := range e.Records {
		n, err := strconv.Atoi(strings.TrimLeft(rec.Change.SequenceNumber, "0"))
		if err != nil {
			panic(err)
		}
		batch = append(batch, n)
	}
	r.batches = append(r.batches, batch)
	r.events = append(r.events, e)
	var resp events.DynamoDBEventResponse
	var err error
	if r.decide != nil {
		resp, err = r.decide(batch)
	}
	if err == nil && len(resp.BatchItemFailures) == 0 && r.stop(r) {
		r.cancel()
	}
	return resp, err
}

func (r *recorder) delivered() []int {
	var all []int
	for _, b := range r.batches {
		all = append(all, b...)
	}
	return all
}

// until stops once the record numbered last has been handled without failure.
func until(last int) func(*recorder) bool {
	return func(r *recorder) bool {
		b := r.batches[len(r.batches)-1]
		return len(b) > 0 && b[len(b)-1] == last
	}
}

// failing reports the records in BatchItemFailures.
func failing(ns ...int) events.DynamoDBEventResponse {
	var resp events.DynamoDBEventResponse
	for _, n := range ns {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: seqOf(n)})
	}
	return resp
}

// lockedBuffer collects log output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// run runs the poller over the fake until the recorder stops it, and fails the
// test if that takes longer than the bound.
func run(t *testing.T, f *fakeStreams, r *recorder, opts ...dynamodbstream.Option) *lockedBuffer {
	t.Helper()
	logs := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.cancel = cancel
	opts = append([]dynamodbstream.Option{
		dynamodbstream.WithPollInterval(5 * time.Millisecond),
		dynamodbstream.WithStartingPosition(streamtypes.ShardIteratorTypeTrimHorizon),
		dynamodbstream.WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
	}, opts...)
	p := dynamodbstream.NewPoller(f, fakeStreamARN, opts...)
	errc := make(chan error, 1)
	go func() { errc <- p.Run(ctx, r.handle) }()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		cancel()
		<-errc
		t.Fatalf("the poller did not finish within 30s; delivered %v; log:\n%s", r.batches, logs)
	}
	return logs
}

func TestPollerBatches(t *testing.T) {
	f := &fakeStreams{}
	f.add("shard-1", "", 1, 2, 3, 4, 5)
	r := &recorder{stop: until(5)}
	run(t, f, r, dynamodbstream.WithBatchSize(2))

	if want := [][]int{{1, 2}, {3, 4}, {5}}; !slices.EqualFunc(r.batches, want, slices.Equal) {
		t.Errorf("batches %v, want %v", r.batches, want)
	}
	// Each batch is an event as Lambda sends it.
	for _, e := range r.events {
		for _, rec := range e.Records {
			if rec.EventSource != "aws:dynamodb" || rec.EventSourceArn != fakeStreamARN || rec.AWSRegion != "eu-west-1" ||
				rec.EventName != "INSERT" || rec.EventVersion != "1.1" || rec.Change.StreamViewType != "NEW_AND_OLD_IMAGES" ||
				rec.Change.NewImage["email"].String() != secret {
				t.Errorf("record not in Lambda's shape: %+v", rec)
			}
		}
	}
	data, err := json.Marshal(r.events[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"eventSourceARN":"` + fakeStreamARN + `"`, `"awsRegion":"eu-west-1"`, `"eventSource":"aws:dynamodb"`} {
		if !strings.Contains(string(data), field) {
			t.Errorf("event JSON lacks %s: %s", field, data)
		}
	}
}

// TestPollerRedelivers: a record that fails once is delivered again with the
// records after it, in order, from an AT_SEQUENCE_NUMBER iterator, and no record
// before it is delivered twice.
func TestPollerRedelivers(t *testing.T) {
	t.Run("BatchItemFailure", func(t *testing.T) {
		f := &fakeStreams{}
		f.add("shard-1", "", 1, 2, 3, 4, 5)
		failed := false
		r := &recorder{stop: until(5), decide: func(batch []int) (events.DynamoDBEventResponse, error) {
			if !failed && slices.Contains(batch, 3) {
				failed = true
				return failing(3), nil // as reported by a handler that does not stop at a failure
			}
			return events.DynamoDBEventResponse{}, nil
		}}
		run(t, f, r)
		if want := [][]int{{1, 2, 3, 4, 5}, {3, 4, 5}}; !slices.EqualFunc(r.batches, want, slices.Equal) {
			t.Errorf("batches %v, want %v", r.batches, want)
		}
		if calls := f.iteratorCalls(); !slices.Contains(calls, "AT_SEQUENCE_NUMBER "+seqOf(3)) {
			t.Errorf("iterators %v: want one AT_SEQUENCE_NUMBER %s", calls, seqOf(3))
		}
	})

	t.Run("LowestOfSeveralFailures", func(t *testing.T) {
		f := &fakeStreams{}
		f.add("shard-1", "", 1, 2, 3, 4, 5)
		failed := false
		r := &recorder{stop: until(5), decide: func(batch []int) (events.DynamoDBEventResponse, error) {
			if !failed {
				failed = true
				return failing(4, 2, 5), nil
			}
			return events.DynamoDBEventResponse{}, nil
		}}
		run(t, f, r)
		if want := [][]int{{1, 2, 3, 4, 5}, {2, 3, 4, 5}}; !slices.EqualFunc(r.batches, want, slices.Equal) {
			t.Errorf("batches %v, want %v", r.batches, want)
		}
	})

	t.Run("HandlerError", func(t *testing.T) {
		f := &fakeStreams{}
		f.add("shard-1", "", 1, 2, 3)
		f.add("shard-1", "", 4, 5)
		calls := 0
		r := &recorder{stop: until(5), decide: func(batch []int) (events.DynamoDBEventResponse, error) {
			calls++
			if calls == 2 {
				return events.DynamoDBEventResponse{}, errors.New("dependency down")
			}
			return events.DynamoDBEventResponse{}, nil
		}}
		run(t, f, r, dynamodbstream.WithBatchSize(3))
		if want := [][]int{{1, 2, 3}, {4, 5}, {4, 5}}; !slices.EqualFunc(r.batches, want, slices.Equal) {
			t.Errorf("batches %v, want %v", r.batches, want)
		}
	})

	t.Run("UnknownItemIdentifier", func(t *testing.T) {
		// As on Lambda, a failure that names no record of the batch fails all of it.
		f := &fakeStreams{}
		f.add("shard-1", "", 1, 2)
		failed := false
		r := &recorder{stop: until(2), decide: func([]int) (events.DynamoDBEventResponse, error) {
			if !failed {
				failed = true
				return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{ItemIdentifier: ""}}}, nil
			}
			return events.DynamoDBEventResponse{}, nil
		}}
		run(t, f, r)
		if want := [][]int{{1, 2}, {1, 2}}; !slices.EqualFunc(r.batches, want, slices.Equal) {
			t.Errorf("batches %v, want %v", r.batches, want)
		}
	})
}

// TestPollerSkipsAfterRetries: a record that always fails is delivered once
// and retried the bounded number of times, then logged without its data and skipped.
func TestPollerSkipsAfterRetries(t *testing.T) {
	f := &fakeStreams{}
	f.add("shard-1", "", 1, 2, 3)
	r := &recorder{stop: until(3), decide: func(batch []int) (events.DynamoDBEventResponse, error) {
		if slices.Contains(batch, 2) {
			return failing(2, 3), nil
		}
		return events.DynamoDBEventResponse{}, nil
	}}
	logs := run(t, f, r, dynamodbstream.WithMaxRetries(2))
	if want := [][]int{{1, 2, 3}, {2, 3}, {2, 3}, {3}}; !slices.EqualFunc(r.batches, want, slices.Equal) {
		t.Errorf("batches %v, want %v (record 2 delivered 1+2 times, then skipped)", r.batches, want)
	}
	if calls := f.iteratorCalls(); !slices.Contains(calls, "AFTER_SEQUENCE_NUMBER "+seqOf(2)) {
		t.Errorf("iterators %v: want AFTER_SEQUENCE_NUMBER %s after the skip", calls, seqOf(2))
	}
	out := logs.String()
	if !strings.Contains(out, "skipping") || !strings.Contains(out, seqOf(2)) || !strings.Contains(out, "event-2") {
		t.Errorf("the skip is not logged with the record's sequence number and event ID:\n%s", out)
	}
	if strings.Contains(out, secret) {
		t.Errorf("the log holds a record's data:\n%s", out)
	}

	t.Run("Default", func(t *testing.T) {
		f := &fakeStreams{}
		f.add("shard-1", "", 1, 2)
		r := &recorder{stop: until(2), decide: func(batch []int) (events.DynamoDBEventResponse, error) {
			if slices.Contains(batch, 1) {
				return events.DynamoDBEventResponse{}, errors.New("always")
			}
			return events.DynamoDBEventResponse{}, nil
		}}
		run(t, f, r)
		got := 0
		for _, n := range r.delivered() {
			if n == 1 {
				got++
			}
		}
		if got != 1+dynamodbstream.DefaultMaxRetries {
			t.Errorf("record 1 delivered %d times (%v), want %d", got, r.batches, 1+dynamodbstream.DefaultMaxRetries)
		}
	})
}

// TestPollerShards: parents are read before their children whatever the
// listing order, DescribeStream's pages are all read, and a child that appears once
// its parent closes is picked up and read from its start.
func TestPollerShards(t *testing.T) {
	f := &fakeStreams{pageSize: 1}
	f.add("shard-c", "shard-b", 5, 6)
	f.add("shard-b", "shard-a", 3, 4)
	f.add("shard-a", "", 1, 2)
	f.add("shard-x", "gone", 10) // its parent was trimmed: it need not wait
	f.close("shard-a")
	f.close("shard-b")
	r := &recorder{stop: func(r *recorder) bool { return slices.Contains(r.delivered(), 8) }}
	r.decide = func(batch []int) (events.DynamoDBEventResponse, error) {
		if slices.Contains(batch, 6) {
			f.close("shard-c")
			f.add("shard-d", "shard-c", 7, 8)
		}
		return events.DynamoDBEventResponse{}, nil
	}
	run(t, f, r)
	got := r.delivered()
	var lineage []int
	for _, n := range got {
		if n != 10 {
			lineage = append(lineage, n)
		}
	}
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(lineage, want) {
		t.Errorf("delivered %v, want %v (parents first)", got, want)
	}
	if !slices.Contains(got, 10) {
		t.Errorf("delivered %v: the shard whose parent was trimmed was not read", got)
	}
	for _, b := range r.batches {
		shards := map[bool]int{}
		for _, n := range b {
			shards[n == 10]++
		}
		if len(shards) > 1 {
			t.Errorf("batch %v mixes shards", b)
		}
	}
}

// TestPollerLatest: from LATEST, records already in the stream are not
// delivered; those written afterwards are.
func TestPollerLatest(t *testing.T) {
	f := &fakeStreams{}
	f.add("shard-1", "", 1, 2)
	go func() {
		// Add a record once the poller has its iterator and has read once.
		for range 3000 {
			f.mu.Lock()
			n := f.getRecords
			f.mu.Unlock()
			if n > 0 {
				f.add("shard-1", "", 3)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	r := &recorder{stop: until(3)}
	run(t, f, r, dynamodbstream.WithStartingPosition(streamtypes.ShardIteratorTypeLatest))
	if want := [][]int{{3}}; !slices.EqualFunc(r.batches, want, slices.Equal) {
		t.Errorf("batches %v, want %v", r.batches, want)
	}
}

// TestPollerExpiredIterator: an expired iterator is replaced from the last
// delivered position, so nothing is delivered twice or lost.
func TestPollerExpiredIterator(t *testing.T) {
	f := &fakeStreams{}
	f.add("shard-1", "", 1, 2, 3, 4)
	r := &recorder{stop: until(4), decide: func(batch []int) (events.DynamoDBEventResponse, error) {
		if slices.Equal(batch, []int{1, 2}) {
			f.mu.Lock()
			f.expireOnce = true
			f.mu.Unlock()
		}
		return events.DynamoDBEventResponse{}, nil
	}}
	run(t, f, r, dynamodbstream.WithBatchSize(2))
	if want := []int{1, 2, 3, 4}; !slices.Equal(r.delivered(), want) {
		t.Errorf("delivered %v, want %v", r.delivered(), want)
	}
	if calls := f.iteratorCalls(); !slices.Contains(calls, "AFTER_SEQUENCE_NUMBER "+seqOf(2)) {
		t.Errorf("iterators %v: want AFTER_SEQUENCE_NUMBER %s", calls, seqOf(2))
	}
}

// TestPollerStops: Run returns nil soon after ctx ends, idle or in a handler.
func TestPollerStops(t *testing.T) {
	for _, busy := range []bool{false, true} {
		t.Run(map[bool]string{false: "Idle", true: "InHandler"}[busy], func(t *testing.T) {
			f := &fakeStreams{}
			if busy {
				f.add("shard-1", "", 1)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			entered := make(chan struct{})
			p := dynamodbstream.NewPoller(f, fakeStreamARN,
				dynamodbstream.WithStartingPosition(streamtypes.ShardIteratorTypeTrimHorizon),
				dynamodbstream.WithLogger(slog.New(slog.DiscardHandler)))
			errc := make(chan error, 1)
			go func() {
				errc <- p.Run(ctx, func(ctx context.Context, _ events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
					close(entered)
					<-ctx.Done()
					return events.DynamoDBEventResponse{}, ctx.Err()
				})
			}()
			if busy {
				select {
				case <-entered:
				case <-time.After(30 * time.Second):
					t.Fatal("the handler was not called")
				}
			} else {
				time.Sleep(50 * time.Millisecond)
			}
			cancel()
			select {
			case err := <-errc:
				if err != nil {
					t.Errorf("Run returned %v, want nil", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return within 10s of the cancel")
			}
		})
	}
}

func TestPollerBadOptions(t *testing.T) {
	for name, opt := range map[string]dynamodbstream.Option{
		"batch size 0":     dynamodbstream.WithBatchSize(0),
		"batch size 1001":  dynamodbstream.WithBatchSize(1001),
		"no poll interval": dynamodbstream.WithPollInterval(0),
		"AT_TIMESTAMP":     dynamodbstream.WithStartingPosition(streamtypes.ShardIteratorTypeAtTimestamp),
		"no logger":        dynamodbstream.WithLogger(nil),
	} {
		t.Run(name, func(t *testing.T) {
			p := dynamodbstream.NewPoller(&fakeStreams{}, fakeStreamARN, opt)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := p.Run(ctx, func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
				return events.DynamoDBEventResponse{}, nil
			})
			if err == nil {
				t.Error("Run accepted the option")
			}
		})
	}

	t.Run("MissingStream", func(t *testing.T) {
		p := dynamodbstream.NewPoller(&fakeStreams{}, fakeStreamARN+"-gone")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var missing *streamtypes.ResourceNotFoundException
		err := p.Run(ctx, func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			return events.DynamoDBEventResponse{}, nil
		})
		if !errors.As(err, &missing) {
			t.Errorf("Run: %v, want the stream's ResourceNotFoundException", err)
		}
	})
}
