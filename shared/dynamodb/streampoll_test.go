package dynamodb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"leadgate/shared/bolt"
	"leadgate/shared/dynamodb"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// fakeStreamARN names the fake stream; its region is what records without one get.
const fakeStreamARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/leads/stream/2026-03-02T09:30:00.000"

// secret stands for the personal data in a record's images: it must never be logged.
const secret = "ada.secret@example.com"

// fakeStreams is a hand-written dynamodb.StreamsAPI over shards held in memory.
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

var _ dynamodb.StreamsAPI = (*fakeStreams)(nil)

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
func run(t *testing.T, f *fakeStreams, r *recorder, opts ...dynamodb.StreamPollerOption) *lockedBuffer {
	t.Helper()
	logs := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.cancel = cancel
	opts = append([]dynamodb.StreamPollerOption{
		dynamodb.WithPollInterval(5 * time.Millisecond),
		dynamodb.WithStartingPosition(streamtypes.ShardIteratorTypeTrimHorizon),
		dynamodb.WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
	}, opts...)
	p := dynamodb.NewStreamPoller(f, fakeStreamARN, opts...)
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

func TestStreamPollerBatches(t *testing.T) {
	f := &fakeStreams{}
	f.add("shard-1", "", 1, 2, 3, 4, 5)
	r := &recorder{stop: until(5)}
	run(t, f, r, dynamodb.WithBatchSize(2))

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

// TestStreamPollerRedelivers: a record that fails once is delivered again with the
// records after it, in order, from an AT_SEQUENCE_NUMBER iterator, and no record
// before it is delivered twice.
func TestStreamPollerRedelivers(t *testing.T) {
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
		run(t, f, r, dynamodb.WithBatchSize(3))
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

// TestStreamPollerSkipsAfterRetries: a record that always fails is delivered once
// and retried the bounded number of times, then logged without its data and skipped.
func TestStreamPollerSkipsAfterRetries(t *testing.T) {
	f := &fakeStreams{}
	f.add("shard-1", "", 1, 2, 3)
	r := &recorder{stop: until(3), decide: func(batch []int) (events.DynamoDBEventResponse, error) {
		if slices.Contains(batch, 2) {
			return failing(2, 3), nil
		}
		return events.DynamoDBEventResponse{}, nil
	}}
	logs := run(t, f, r, dynamodb.WithMaxRetries(2))
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
		if got != 1+dynamodb.DefaultStreamMaxRetries {
			t.Errorf("record 1 delivered %d times (%v), want %d", got, r.batches, 1+dynamodb.DefaultStreamMaxRetries)
		}
	})
}

// TestStreamPollerShards: parents are read before their children whatever the
// listing order, DescribeStream's pages are all read, and a child that appears once
// its parent closes is picked up and read from its start.
func TestStreamPollerShards(t *testing.T) {
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

// TestStreamPollerLatest: from LATEST, records already in the stream are not
// delivered; those written afterwards are.
func TestStreamPollerLatest(t *testing.T) {
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
	run(t, f, r, dynamodb.WithStartingPosition(streamtypes.ShardIteratorTypeLatest))
	if want := [][]int{{3}}; !slices.EqualFunc(r.batches, want, slices.Equal) {
		t.Errorf("batches %v, want %v", r.batches, want)
	}
}

// TestStreamPollerExpiredIterator: an expired iterator is replaced from the last
// delivered position, so nothing is delivered twice or lost.
func TestStreamPollerExpiredIterator(t *testing.T) {
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
	run(t, f, r, dynamodb.WithBatchSize(2))
	if want := []int{1, 2, 3, 4}; !slices.Equal(r.delivered(), want) {
		t.Errorf("delivered %v, want %v", r.delivered(), want)
	}
	if calls := f.iteratorCalls(); !slices.Contains(calls, "AFTER_SEQUENCE_NUMBER "+seqOf(2)) {
		t.Errorf("iterators %v: want AFTER_SEQUENCE_NUMBER %s", calls, seqOf(2))
	}
}

// TestStreamPollerStops: Run returns nil soon after ctx ends, idle or in a handler.
func TestStreamPollerStops(t *testing.T) {
	for _, busy := range []bool{false, true} {
		t.Run(map[bool]string{false: "Idle", true: "InHandler"}[busy], func(t *testing.T) {
			f := &fakeStreams{}
			if busy {
				f.add("shard-1", "", 1)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			entered := make(chan struct{})
			p := dynamodb.NewStreamPoller(f, fakeStreamARN,
				dynamodb.WithStartingPosition(streamtypes.ShardIteratorTypeTrimHorizon),
				dynamodb.WithLogger(slog.New(slog.DiscardHandler)))
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

func TestStreamPollerBadOptions(t *testing.T) {
	for name, opt := range map[string]dynamodb.StreamPollerOption{
		"batch size 0":     dynamodb.WithBatchSize(0),
		"batch size 1001":  dynamodb.WithBatchSize(1001),
		"no poll interval": dynamodb.WithPollInterval(0),
		"AT_TIMESTAMP":     dynamodb.WithStartingPosition(streamtypes.ShardIteratorTypeAtTimestamp),
		"no logger":        dynamodb.WithLogger(nil),
	} {
		t.Run(name, func(t *testing.T) {
			p := dynamodb.NewStreamPoller(&fakeStreams{}, fakeStreamARN, opt)
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
		p := dynamodb.NewStreamPoller(&fakeStreams{}, fakeStreamARN+"-gone")
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

func newStreamsClient(t *testing.T) *dynamodbstreams.Client {
	t.Helper()
	return dynamodbstreams.New(dynamodbstreams.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(endpoint(t)),
	})
}

// runPoller reads the table's stream from its start with a StreamPoller, handing
// each batch to handler until it calls done; it fails the test after a minute.
func runPoller(t *testing.T, client *awsddb.Client, table string, handler func(ctx context.Context, e events.DynamoDBEvent, done func()) (events.DynamoDBEventResponse, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	arn, err := dynamodb.LatestStreamARN(ctx, client, table)
	if err != nil {
		t.Fatal(err)
	}
	finished := false
	done := func() { finished = true; cancel() }
	p := dynamodb.NewStreamPoller(newStreamsClient(t), arn,
		dynamodb.WithStartingPosition(streamtypes.ShardIteratorTypeTrimHorizon),
		dynamodb.WithPollInterval(20*time.Millisecond))
	err = p.Run(ctx, func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		return handler(ctx, e, done)
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !finished {
		t.Fatal("the stream was not read to its end within a minute")
	}
}

// TestStreamMatchesEmbeddedFeed runs the same captures, downloads and follow-up
// writes through the DynamoDB store and the embedded store: the changes decoded from
// the DynamoDB stream (read by the poller, with one failed delivery on the way) are
// those of the embedded feed. A grant's creation (with the first capture) and
// revocation are no change in either; each download is one, and counting it may
// update the lead; a first confirmation is one, and may update the lead too.
func TestStreamMatchesEmbeddedFeed(t *testing.T) {
	client := newClient(t, nil)
	table := newTable(t, client)
	ddb := dynamodb.New(client, table)
	embedded, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { embedded.Close() })
	ctx := testContext(t)

	pageA, pageB := storetest.Page("feed-a"), storetest.Page("feed-b")
	pageB.OptIn = leadgate.OptInDouble
	limit := leadgate.RateLimit{Key: "ip:feed-hash", Limit: 3, Window: 24 * time.Hour}
	t0 := storetest.T0
	steps := []struct {
		name    string
		capture leadgate.Capture
		limited bool
		want    string // "created", "updated", "repeat" or an error code
	}{
		{"new lead", storetest.Capture(pageA, "ada@example.com", t0, "newsletter"), true, "created"},
		{"repeat", storetest.Capture(pageA, "ada@example.com", t0.Add(time.Minute), "newsletter"), true, "repeat"},
		{"later, on another page", storetest.Capture(pageB, "ada@example.com", t0.Add(10*time.Minute), "linkedin"), true, "updated"},
		{"over the rate limit", storetest.Capture(pageA, "bob@example.com", t0.Add(20*time.Minute), "ads"), true, string(leadgate.ERATELIMITED)},
		{"another new lead", storetest.Capture(pageB, "grace@example.com", t0.Add(30*time.Minute), "ads"), false, "created"},
		{"back after the window", storetest.Capture(pageA, "ada@example.com", t0.Add(2*time.Hour), "search"), false, "updated"},
	}
	for _, s := range []leadgate.Store{ddb, embedded} {
		for _, p := range []leadgate.Page{pageA, pageB} {
			if err := s.PutPage(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	grant := leadgate.NewGrant("feed-token", steps[0].capture.Submission, pageA, storetest.Magnet())
	steps[0].capture.Grant = &grant
	for _, step := range steps {
		c := step.capture
		if step.limited {
			c.RateLimits = []leadgate.RateLimit{limit}
		}
		for name, s := range map[string]leadgate.Store{"dynamodb": ddb, "embedded": embedded} {
			res, err := s.Capture(ctx, c)
			got := string(leadgate.ErrorCode(err))
			switch {
			case err != nil:
			case res.Repeat:
				got = "repeat"
			case res.LeadCreated:
				got = "created"
			default:
				got = "updated"
			}
			if got != step.want {
				t.Fatalf("%s store, %s: got %s (%v), want %s", name, step.name, got, err, step.want)
			}
		}
	}
	// Two downloads, each counted; the first sets the lead's first download time.
	// Then the grant is revoked, and a refused download changes nothing.
	for name, s := range map[string]leadgate.Store{"dynamodb": ddb, "embedded": embedded} {
		for n, at := range []time.Time{t0.Add(3 * time.Hour), t0.Add(4 * time.Hour)} {
			g, err := s.UseGrant(ctx, grant.ID, at)
			if err != nil || g.Downloads != n+1 {
				t.Fatalf("%s store, download %d: %+v, %v", name, n+1, g, err)
			}
			if err := s.CountDownload(ctx, leadgate.Download{GrantID: g.ID, N: g.Downloads, Page: g.Page, Email: g.Email, At: at}); err != nil {
				t.Fatalf("%s store, count download %d: %v", name, n+1, err)
			}
		}
		if err := s.RevokeGrant(ctx, grant.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UseGrant(ctx, grant.ID, t0.Add(5*time.Hour)); leadgate.ErrorCode(err) != leadgate.EGONE {
			t.Fatalf("%s store, download of a revoked grant: %v, want EGONE", name, err)
		}
	}
	// The follow-up: a double opt-in capture, its confirmation email's send, a
	// reminder step, and the confirmation, clicked twice; the confirmation of a lead
	// already active; an unsubscribe, clicked twice; soft bounces (one redelivered), a
	// hard bounce and a complaint, and a bounce that changes nothing. Sends, steps and
	// the links' puts are no change in either feed.
	lin := storetest.Capture(pageB, "lin@example.com", t0.Add(5*time.Hour), "ads")
	for name, s := range map[string]leadgate.Store{"dynamodb": ddb, "embedded": embedded} {
		followUp(t, name, s, lin)
	}
	// A last write marks the end of the stream to read.
	sentinel := storetest.Page("feed-end")
	if err := ddb.PutPage(ctx, sentinel); err != nil {
		t.Fatal(err)
	}

	want, err := embedded.Changes(0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var got []leadgate.Change
	failedOnce := false
	runPoller(t, client, table, func(ctx context.Context, e events.DynamoDBEvent, done func()) (events.DynamoDBEventResponse, error) {
		resp := dynamodb.DecodeEvent(ctx, e, func(_ context.Context, ch leadgate.Change) error {
			if ch.Kind == leadgate.LeadUpdated && !failedOnce {
				// The real stream is read again from this record: AT_SEQUENCE_NUMBER.
				failedOnce = true
				return leadgate.Unavailable("follow-up", errors.New("try again"))
			}
			got = append(got, ch)
			return nil
		})
		if len(resp.BatchItemFailures) == 0 {
			last := e.Records[len(e.Records)-1].Change.Keys[dynamodb.AttrPK]
			if last.DataType() == events.DataTypeString && last.String() == dynamodb.PrefixPage+sentinel.Slug {
				done()
			}
		}
		return resp, nil
	})
	if !failedOnce {
		t.Error("no delivery failed: the redelivery was not exercised")
	}

	if len(got) != len(want) {
		t.Fatalf("stream: %d changes %v; embedded feed: %d changes %v", len(got), changeKinds(got), len(want), changeKinds(want))
	}
	for i := range want {
		if got[i].Kind != want[i].Kind {
			t.Errorf("change %d: stream %s, embedded %s", i, got[i].Kind, want[i].Kind)
			continue
		}
		diffFields(t, got[i].Kind, fmt.Sprintf("change %d lead", i), got[i].Lead, want[i].Lead)
		diffFields(t, got[i].Kind, fmt.Sprintf("change %d old_lead", i), got[i].OldLead, want[i].OldLead)
		diffFields(t, got[i].Kind, fmt.Sprintf("change %d submission", i), got[i].Submission, want[i].Submission)
		diffFields(t, got[i].Kind, fmt.Sprintf("change %d download", i), got[i].Download, want[i].Download)
		diffFields(t, got[i].Kind, fmt.Sprintf("change %d confirmation", i), got[i].Confirmation, want[i].Confirmation)
	}
	if want := []leadgate.ChangeKind{
		leadgate.LeadCreated, leadgate.SubmissionCreated,
		leadgate.LeadUpdated, leadgate.SubmissionCreated,
		leadgate.LeadCreated, leadgate.SubmissionCreated,
		leadgate.LeadUpdated, leadgate.SubmissionCreated,
		leadgate.DownloadMade, leadgate.LeadUpdated, // the first download, counted
		leadgate.DownloadMade,                            // the second one: the lead's first download stays
		leadgate.LeadCreated, leadgate.SubmissionCreated, // the double opt-in capture
		leadgate.LeadUpdated, leadgate.LeadConfirmed, // its confirmation: unconfirmed to active
		leadgate.LeadUpdated, leadgate.LeadConfirmed, // a lead already active (single opt-in) proves its address
		leadgate.LeadUpdated, // the unsubscribe
		leadgate.LeadUpdated, // a soft bounce
		leadgate.LeadUpdated, // a hard bounce
		leadgate.LeadUpdated, // a complaint
	}; !slices.Equal(changeKinds(got), want) {
		t.Errorf("changes %v, want %v", changeKinds(got), want)
	}
}

// followUp runs TestStreamMatchesEmbeddedFeed's follow-up writes through one store:
// double is a double opt-in capture of a new address; ada@example.com is an active
// lead and grace@example.com an unconfirmed one, captured before.
func followUp(t *testing.T, name string, s leadgate.Store, double leadgate.Capture) {
	t.Helper()
	ctx := testContext(t)
	at := double.Submission.At
	fail := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s store, %s: %v", name, what, err)
		}
	}
	res, err := s.Capture(ctx, double)
	if err != nil || !res.LeadCreated || res.Lead.Status != leadgate.StatusUnconfirmed {
		t.Fatalf("%s store, double opt-in capture: %+v, %v", name, res, err)
	}
	email := double.Submission.Email
	send, ok, err := s.ClaimSend(ctx, email, "confirm#"+res.Submission.ID, at, time.Minute)
	if err != nil || !ok {
		t.Fatalf("%s store, claim the confirmation email: %v %v", name, ok, err)
	}
	send.Status, send.SentAt, send.MessageID = leadgate.SendSent, at.Add(time.Second), "msg-confirm"
	fail("finish the send", s.FinishSend(ctx, send))
	c := leadgate.Confirmation{ID: leadgate.GrantID("feed-confirm"), Email: email, LeadID: res.Lead.ID, Page: double.Page.Slug,
		SubmissionID: res.Submission.ID, CreatedAt: at, ExpiresAt: at.Add(leadgate.ConfirmationTTL)}
	fail("put confirmation", s.PutConfirmation(ctx, c))
	reminder := leadgate.Step{Email: email, Key: leadgate.ReminderKey(res.Submission.ID), Kind: leadgate.StepReminder,
		LeadID: res.Lead.ID, Page: double.Page.Slug, SubmissionID: res.Submission.ID, DueAt: at.Add(leadgate.DefaultReminderAfter)}
	fail("schedule the reminder", s.ScheduleSteps(ctx, []leadgate.Step{reminder}))
	for i, clicked := range []time.Time{at.Add(time.Hour), at.Add(2 * time.Hour)} {
		got, err := s.Confirm(ctx, c.ID, clicked)
		if err != nil || !got.ConfirmedAt.Equal(at.Add(time.Hour)) {
			t.Fatalf("%s store, confirm (click %d): %+v, %v", name, i+1, got, err)
		}
	}
	reminder.Status, reminder.DoneAt, reminder.Reason = leadgate.StepSkipped, at.Add(leadgate.DefaultReminderAfter), "confirmed"
	fail("skip the reminder", s.FinishStep(ctx, reminder))

	active := leadgate.Confirmation{ID: leadgate.GrantID("feed-confirm-active"), Email: "ada@example.com", LeadID: "ada", Page: double.Page.Slug,
		SubmissionID: "ada-sub", CreatedAt: at, ExpiresAt: at.Add(leadgate.ConfirmationTTL)}
	fail("put the active lead's confirmation", s.PutConfirmation(ctx, active))
	if _, err := s.Confirm(ctx, active.ID, at.Add(time.Hour)); err != nil {
		t.Fatalf("%s store, confirm an active lead: %v", name, err)
	}

	u := leadgate.Unsubscribe{ID: leadgate.GrantID("feed-unsub"), Email: "ada@example.com", LeadID: "ada"}
	fail("put unsubscribe", s.PutUnsubscribe(ctx, u))
	for range 2 {
		fail("unsubscribe", s.Unsubscribe(ctx, u.ID, at.Add(3*time.Hour)))
	}
	for _, e := range []leadgate.MailEvent{
		{Kind: "soft_bounce", Email: email, MessageID: "msg-confirm", At: at.Add(4 * time.Hour)},
		{Kind: "soft_bounce", Email: email, MessageID: "msg-confirm", At: at.Add(4 * time.Hour)}, // redelivered
		{Kind: "bounce", Email: "grace@example.com", MessageID: "msg-grace", At: at.Add(5 * time.Hour)},
		{Kind: "complaint", Email: "ada@example.com", MessageID: "msg-ada", At: at.Add(6 * time.Hour)},
		{Kind: "bounce", Email: "ada@example.com", MessageID: "msg-ada-2", At: at.Add(7 * time.Hour)}, // complained stays
	} {
		fail("record "+e.Kind, s.RecordMailEvent(ctx, e))
	}
}
