// Package dynamodbstream reads a DynamoDB table's stream the way a Lambda event
// source mapping does, for local runs against DynamoDB Local (or a real table)
// where no event source mapping exists: it hands batches of records, in Lambda's
// event shape, to the same handler the stream function runs. It lives apart from
// the table's store, so that the Lambda functions, which never poll, do not link
// the DynamoDB Streams client.
package dynamodbstream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// API is the part of the DynamoDB Streams client that Poller uses;
// *dynamodbstreams.Client has it, and tests pass fakes.
type API interface {
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// DescribeTableAPI is the part of the DynamoDB client that LatestARN uses.
type DescribeTableAPI interface {
	DescribeTable(ctx context.Context, in *awsddb.DescribeTableInput, optFns ...func(*awsddb.Options)) (*awsddb.DescribeTableOutput, error)
}

// LatestARN returns the ARN of the table's current stream.
func LatestARN(ctx context.Context, client DescribeTableAPI, table string) (string, error) {
	out, err := client.DescribeTable(ctx, &awsddb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return "", fmt.Errorf("describe table %s: %w", table, err)
	}
	if out.Table == nil || aws.ToString(out.Table.LatestStreamArn) == "" {
		return "", fmt.Errorf("table %s has no stream: enable one with NEW_AND_OLD_IMAGES", table)
	}
	return aws.ToString(out.Table.LatestStreamArn), nil
}

// Defaults of Poller, those of a Lambda event source mapping where it has one.
const (
	DefaultBatchSize    = 100
	DefaultPollInterval = 500 * time.Millisecond
	DefaultMaxRetries   = 3
	// DefaultMaxBackoff is the longest pause between two deliveries of a failing
	// record: once its cause passes, the record goes through at most this much later.
	DefaultMaxBackoff = 10 * time.Second

	maxBatchSize = 1000 // the most GetRecords returns
	// shardListInterval is how often the shard list is read again while nothing else
	// calls for it; a closed shard calls for it at once, since its children are due.
	shardListInterval = 10 * time.Second
	maxErrorPause     = 30 * time.Second
)

// Poller reads a table's stream the way a Lambda event source mapping does, for
// local runs against DynamoDB Local (or a real table) where no event source mapping
// exists: it hands batches of records, in Lambda's event shape, to a handler, shard by
// shard in order, parents before children, and honours ReportBatchItemFailures.
//
// It differs from Lambda in these ways. Shards are read in turn by one goroutine, so
// the handler is never called concurrently; the order of each shard is kept as on
// AWS. With a State it saves its position in each shard after every batch and
// resumes from it, as an event source mapping does. And its retry policy is the one
// Run describes: a record that fails for a passing reason is retried without bound,
// the shard waiting for it, instead of being dropped after a number of retries.
type Poller struct {
	client       API
	arn          string
	region       string
	start        streamtypes.ShardIteratorType
	batchSize    int
	pollInterval time.Duration
	maxRetries   int
	maxBackoff   time.Duration
	state        State
	log          *slog.Logger

	positions map[string]string // shard id → last handled sequence number, as saved
}

// Option sets an option of NewPoller.
type Option func(*Poller)

// WithStartingPosition sets where the poller starts reading the shards it finds when
// it starts and has no saved position for: streamtypes.ShardIteratorTypeTrimHorizon
// (the default: every record the stream still holds) or
// streamtypes.ShardIteratorTypeLatest (only new records: the records written while
// no poller ran are never read). Shards that appear later are always read from
// their start.
func WithStartingPosition(pos streamtypes.ShardIteratorType) Option {
	return func(p *Poller) { p.start = pos }
}

// WithBatchSize sets the most records handed to the handler in one call, 1 to 1000;
// the default is 100.
func WithBatchSize(n int) Option {
	return func(p *Poller) { p.batchSize = n }
}

// WithPollInterval sets the pause after a round in which no shard had new records,
// and before a failed batch is retried; the default is 500ms.
func WithPollInterval(d time.Duration) Option {
	return func(p *Poller) { p.pollInterval = d }
}

// WithMaxRetries sets how often a record that fails for a reason that may not pass
// (see RecordError) is delivered again before it is set aside; the default is 3, and
// a negative number retries for ever (as Lambda's -1 does). A record whose failure
// is passing is retried without bound.
func WithMaxRetries(n int) Option {
	return func(p *Poller) { p.maxRetries = n }
}

// WithMaxBackoff sets the longest pause before a failed record is delivered again;
// the pause doubles from the poll interval up to it. The default is DefaultMaxBackoff.
func WithMaxBackoff(d time.Duration) Option {
	return func(p *Poller) { p.maxBackoff = d }
}

// WithState makes the poller durable: it resumes each shard after the position the
// state holds, saves its position after each batch, and keeps the records it sets
// aside there. Without one, it starts at the starting position each time and a
// record set aside is only logged.
func WithState(s State) Option {
	return func(p *Poller) { p.state = s }
}

// RecordError is how a handler says which record of a batch failed and whether
// retrying it may help: the records before it count as handled; it and the ones
// after it are delivered again. A passing failure (a dependency unavailable or
// throttling) is retried without bound, the shard waiting, with a backoff; a poison
// one (a record that cannot be decoded, an error retrying will not mend) is set aside
// after the retry bound. A plain error, or BatchItemFailures without a RecordError,
// counts as poison: the whole batch, or from the lowest failed record, as on Lambda.
type RecordError struct {
	SequenceNumber string
	Err            error
	Poison         bool
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("record %s: %v", e.SequenceNumber, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// WithLogger sets the logger of retries, records set aside and passing errors; the default is
// slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(p *Poller) { p.log = l }
}

// NewPoller returns a poller of the stream streamARN. The options are checked
// by Run.
func NewPoller(client API, streamARN string, opts ...Option) *Poller {
	p := &Poller{
		client:       client,
		arn:          streamARN,
		region:       arnRegion(streamARN),
		start:        streamtypes.ShardIteratorTypeTrimHorizon,
		batchSize:    DefaultBatchSize,
		pollInterval: DefaultPollInterval,
		maxRetries:   DefaultMaxRetries,
		maxBackoff:   DefaultMaxBackoff,
		log:          slog.Default(),
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// shard is the poller's position in one shard.
type shard struct {
	id, parent string
	// iterator is the next GetRecords position; nil: get one from 'from' and 'seq'.
	iterator *string
	from     streamtypes.ShardIteratorType
	seq      string // of AT_ and AFTER_SEQUENCE_NUMBER
	closed   bool   // read to its end
	// failedSeq is the record whose delivery failed last, failures how often in a row;
	// the shard is not read again before retryAt.
	failedSeq string
	failures  int
	retryAt   time.Time
}

// Run reads the stream until ctx ends, then returns nil. Each call of handler gets
// the records of one shard, in order. A failed record (a RecordError, a record
// reported in BatchItemFailures, or the first of the batch when handler returns
// another error) is delivered again, with the records after it (never those before
// it), from an AT_SEQUENCE_NUMBER iterator, after a pause that doubles from the poll
// interval up to the maximum backoff; meanwhile its shard waits and the others go on.
// A passing failure is retried for as long as it lasts. Any other is retried up to
// the retry bound, then the record is set aside in the State (logged by position and
// event ID only, since its images may hold personal data) and the shard goes on.
//
// Run returns an error for bad options, for failures of the Streams API that
// retrying will not mend, such as a missing stream, and when the State cannot save:
// a new Run then resumes from the last saved position.
func (p *Poller) Run(ctx context.Context, handler func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)) error {
	if err := p.check(); err != nil {
		return err
	}
	if handler == nil {
		return errors.New("stream poller: no handler")
	}
	p.positions = map[string]string{}
	if p.state != nil {
		saved, err := p.state.Positions(p.arn)
		if err != nil {
			return fmt.Errorf("stream %s: read saved positions: %w", p.arn, err)
		}
		p.positions = saved
	}
	var (
		shards   = map[string]*shard{}
		order    []string // shard ids, as listed
		first    = true
		listedAt time.Time
		relist   = true
		errPause time.Duration
	)
	for ctx.Err() == nil {
		if relist || time.Since(listedAt) >= shardListInterval {
			listed, err := p.listShards(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				if !transient(err) {
					return err
				}
				errPause = p.pauseAfterError(errPause, "list shards", err)
				if !sleep(ctx, errPause) {
					return nil
				}
				continue
			}
			order = p.merge(shards, order, listed, first)
			first, listedAt, relist, errPause = false, time.Now(), false, 0
		}

		busy, open := false, false
		for _, id := range order {
			sh := shards[id]
			if sh.closed {
				continue
			}
			open = true
			if parent, ok := shards[sh.parent]; ok && !parent.closed {
				continue // a child waits until its parent is read to its end
			}
			if time.Now().Before(sh.retryAt) {
				continue // its failed record waits out its backoff
			}
			delivered, err := p.poll(ctx, sh, handler)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				if !transient(err) {
					return err
				}
				errPause = p.pauseAfterError(errPause, "read shard "+sh.id, err)
				continue
			}
			errPause = 0
			busy = busy || delivered
			relist = relist || sh.closed
		}
		if !open {
			relist = true // no shard to read yet: look for new ones each round
		}
		pause := p.pollInterval
		if errPause > pause {
			pause = errPause
		}
		if busy && errPause == 0 {
			continue
		}
		if !sleep(ctx, pause) {
			return nil
		}
	}
	return nil
}

func (p *Poller) check() error {
	switch {
	case p.client == nil:
		return errors.New("stream poller: no Streams client")
	case p.arn == "":
		return errors.New("stream poller: no stream ARN")
	case p.start != streamtypes.ShardIteratorTypeLatest && p.start != streamtypes.ShardIteratorTypeTrimHorizon:
		return fmt.Errorf("stream poller: starting position %q: want LATEST or TRIM_HORIZON", p.start)
	case p.batchSize < 1 || p.batchSize > maxBatchSize:
		return fmt.Errorf("stream poller: batch size %d: want 1 to %d", p.batchSize, maxBatchSize)
	case p.pollInterval <= 0:
		return fmt.Errorf("stream poller: poll interval %v: want more than 0", p.pollInterval)
	case p.maxBackoff < p.pollInterval:
		return fmt.Errorf("stream poller: max backoff %v: want at least the poll interval %v", p.maxBackoff, p.pollInterval)
	case p.log == nil:
		return errors.New("stream poller: no logger")
	}
	return nil
}

// listShards returns every shard of the stream, following DescribeStream's pages.
func (p *Poller) listShards(ctx context.Context) ([]streamtypes.Shard, error) {
	var shards []streamtypes.Shard
	var startAfter *string
	for {
		out, err := p.client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{
			StreamArn:             aws.String(p.arn),
			ExclusiveStartShardId: startAfter,
		})
		if err != nil {
			return nil, fmt.Errorf("describe stream %s: %w", p.arn, err)
		}
		if out.StreamDescription == nil {
			return shards, nil
		}
		shards = append(shards, out.StreamDescription.Shards...)
		startAfter = out.StreamDescription.LastEvaluatedShardId
		if aws.ToString(startAfter) == "" {
			return shards, nil
		}
	}
}

// merge adds the newly listed shards and forgets the closed ones the stream no
// longer lists (trimmed: their children need not wait for them), with their saved
// positions. A shard with a saved position resumes after it; without one, shards
// listed at the first listing start at the starting position, later ones at their
// start.
func (p *Poller) merge(shards map[string]*shard, order []string, listed []streamtypes.Shard, first bool) []string {
	seen := make(map[string]bool, len(listed))
	for _, s := range listed {
		id := aws.ToString(s.ShardId)
		seen[id] = true
		if _, ok := shards[id]; ok || id == "" {
			continue
		}
		sh := &shard{id: id, parent: aws.ToString(s.ParentShardId), from: streamtypes.ShardIteratorTypeTrimHorizon}
		if seq, ok := p.positions[id]; ok {
			sh.from, sh.seq = streamtypes.ShardIteratorTypeAfterSequenceNumber, seq
		} else if first {
			sh.from = p.start
		}
		shards[id] = sh
		order = append(order, id)
	}
	for id := range p.positions {
		if !seen[id] {
			delete(p.positions, id) // trimmed away; saved with the next position
		}
	}
	kept := order[:0]
	for _, id := range order {
		if !seen[id] && shards[id].closed {
			delete(shards, id)
			continue
		}
		kept = append(kept, id)
	}
	return kept
}

// poll reads the next batch of one shard and hands it to handler; delivered reports
// whether the handler took every record of a non-empty batch.
func (p *Poller) poll(ctx context.Context, sh *shard, handler func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)) (delivered bool, err error) {
	if sh.iterator == nil {
		in := &dynamodbstreams.GetShardIteratorInput{
			StreamArn:         aws.String(p.arn),
			ShardId:           aws.String(sh.id),
			ShardIteratorType: sh.from,
		}
		if sh.from == streamtypes.ShardIteratorTypeAtSequenceNumber || sh.from == streamtypes.ShardIteratorTypeAfterSequenceNumber {
			in.SequenceNumber = aws.String(sh.seq)
		}
		out, err := p.client.GetShardIterator(ctx, in)
		if err != nil {
			return false, p.shardError(sh, "get shard iterator", err)
		}
		if out.ShardIterator == nil {
			sh.closed = true
			return false, nil
		}
		sh.iterator = out.ShardIterator
	}
	out, err := p.client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{
		ShardIterator: sh.iterator,
		Limit:         aws.Int32(int32(p.batchSize)),
	})
	if err != nil {
		return false, p.shardError(sh, "get records", err)
	}
	if len(out.Records) == 0 {
		sh.iterator = out.NextShardIterator
		sh.closed = sh.iterator == nil
		return false, nil
	}

	event := events.DynamoDBEvent{Records: make([]events.DynamoDBEventRecord, 0, len(out.Records))}
	for _, r := range out.Records {
		rec, err := eventRecord(r)
		if err != nil {
			// The SDK met an attribute type it does not know: no handler could read it.
			d := DeadLetter{Stream: p.arn, Shard: sh.id, SequenceNumber: aws.ToString(r.Dynamodb.SequenceNumber),
				EventID: aws.ToString(r.EventID), EventName: string(r.EventName), Error: err.Error()}
			if err := p.setAside(ctx, d); err != nil {
				return false, err
			}
			continue
		}
		rec.EventSourceArn = p.arn
		if rec.EventSource == "" {
			rec.EventSource = eventSource
		}
		if rec.AWSRegion == "" {
			rec.AWSRegion = p.region
		}
		event.Records = append(event.Records, rec)
	}
	failed, passing, cause := -1, false, error(nil)
	if len(event.Records) > 0 {
		resp, err := handler(ctx, event)
		failed, passing, cause = firstFailure(event.Records, resp, err)
		if ctx.Err() != nil && failed >= 0 {
			// Stopped: what the handler finished is kept, the rest is read again next time.
			if failed > 0 {
				return false, p.advance(sh, event.Records[failed-1].Change.SequenceNumber)
			}
			return false, nil
		}
	}
	if failed < 0 {
		last := out.Records[len(out.Records)-1]
		sh.iterator = out.NextShardIterator
		sh.closed = sh.iterator == nil
		sh.failedSeq, sh.failures, sh.retryAt = "", 0, time.Time{}
		return true, p.advance(sh, aws.ToString(last.Dynamodb.SequenceNumber))
	}
	if failed > 0 {
		// The records before the failed one are handled: keep them so.
		if err := p.advance(sh, event.Records[failed-1].Change.SequenceNumber); err != nil {
			return false, err
		}
	}

	rec := event.Records[failed]
	seq := rec.Change.SequenceNumber
	if seq == sh.failedSeq {
		sh.failures++
	} else {
		sh.failedSeq, sh.failures = seq, 1
	}
	sh.iterator = nil
	sh.from, sh.seq = streamtypes.ShardIteratorTypeAtSequenceNumber, seq
	if !passing && p.maxRetries >= 0 && sh.failures > p.maxRetries {
		d := DeadLetter{Stream: p.arn, Shard: sh.id, SequenceNumber: seq, EventID: rec.EventID, EventName: rec.EventName,
			Deliveries: sh.failures, Event: &events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec}}}
		if cause != nil {
			d.Error = cause.Error()
		}
		if err := p.setAside(ctx, d); err != nil {
			return false, err
		}
		sh.failedSeq, sh.failures, sh.retryAt = "", 0, time.Time{}
		return false, p.advance(sh, seq)
	}
	wait := p.backoff(sh.failures)
	sh.retryAt = time.Now().Add(wait)
	// Only what names the record is logged with the cause: its images may hold
	// personal data, and causes are written without it.
	attrs := []any{"stream", p.arn, "shard", sh.id, "sequence_number", seq, "event_id", rec.EventID,
		"event_name", rec.EventName, "deliveries", sh.failures, "retry_in", wait, "err", cause}
	if passing {
		p.log.Warn("dynamodb stream: record failed for a passing reason; its shard waits and retries it until it goes through", attrs...)
	} else {
		p.log.Warn("dynamodb stream: record failed; retrying", append(attrs, "max_retries", p.maxRetries)...)
	}
	return false, nil
}

// backoff returns the pause before the next delivery of a record that failed
// failures times in a row: the poll interval, doubled with each failure, up to the
// maximum backoff.
func (p *Poller) backoff(failures int) time.Duration {
	d := p.pollInterval
	for i := 1; i < failures && d < p.maxBackoff; i++ {
		d *= 2
	}
	return min(d, p.maxBackoff)
}

// advance records that the shard is handled up to seq, durably when there is a State.
func (p *Poller) advance(sh *shard, seq string) error {
	sh.from, sh.seq = streamtypes.ShardIteratorTypeAfterSequenceNumber, seq
	if p.state == nil || seq == "" {
		return nil
	}
	p.positions[sh.id] = seq
	if err := p.state.SavePositions(p.arn, p.positions); err != nil {
		return fmt.Errorf("stream %s, shard %s: save position: %w", p.arn, sh.id, err)
	}
	return nil
}

// setAside keeps a record the poller gives up on in the State, or only logs it when
// there is none. The log names the record, never its data or the failure's text.
func (p *Poller) setAside(ctx context.Context, d DeadLetter) error {
	d.At = time.Now().UTC()
	attrs := []any{"stream", d.Stream, "shard", d.Shard, "sequence_number", d.SequenceNumber,
		"event_id", d.EventID, "event_name", d.EventName, "deliveries", d.Deliveries}
	if p.state == nil {
		p.log.ErrorContext(ctx, "dynamodb stream: skipping a record that failed every retry (no state to set it aside in)", attrs...)
		return nil
	}
	if err := p.state.SetAside(d); err != nil {
		return fmt.Errorf("stream %s, shard %s: set aside record %s: %w", d.Stream, d.Shard, d.SequenceNumber, err)
	}
	p.log.ErrorContext(ctx, "dynamodb stream: record set aside after its retries; the shard goes on, replay it from the set-aside file", attrs...)
	return nil
}

// firstFailure returns the index of the first record to deliver again, or -1 when
// the batch succeeded, with the failure's cause and whether it is passing (only a
// RecordError says so). As on Lambda, an error fails the whole batch, and so does a
// failure that names no record of the batch.
func firstFailure(recs []events.DynamoDBEventRecord, resp events.DynamoDBEventResponse, err error) (index int, passing bool, cause error) {
	bySeq := make(map[string]int, len(recs))
	for i, r := range recs {
		bySeq[r.Change.SequenceNumber] = i
	}
	var re *RecordError
	if errors.As(err, &re) {
		if i, ok := bySeq[re.SequenceNumber]; ok {
			return i, !re.Poison, re.Err
		}
		return 0, false, err
	}
	if err != nil {
		return 0, false, err
	}
	if len(resp.BatchItemFailures) == 0 {
		return -1, false, nil
	}
	first := len(recs)
	for _, f := range resp.BatchItemFailures {
		i, ok := bySeq[f.ItemIdentifier]
		if !ok {
			return 0, false, errors.New("a batch item failure names no record of the batch")
		}
		first = min(first, i)
	}
	return first, false, errors.New("reported in BatchItemFailures")
}

// shardError handles the errors of reading one shard that have a known remedy, and
// returns the others.
func (p *Poller) shardError(sh *shard, op string, err error) error {
	var (
		expired *streamtypes.ExpiredIteratorException
		trimmed *streamtypes.TrimmedDataAccessException
		missing *streamtypes.ResourceNotFoundException
	)
	switch {
	case errors.As(err, &expired):
		sh.iterator = nil // a fresh one from the last position
		return nil
	case errors.As(err, &trimmed):
		// The stream keeps records 24 hours: a position older than that is gone.
		p.log.Warn("dynamodb stream: position trimmed from the stream; records were lost, reading on from the oldest (TRIM_HORIZON)",
			"stream", p.arn, "shard", sh.id, "position", sh.seq)
		sh.iterator, sh.from, sh.seq = nil, streamtypes.ShardIteratorTypeTrimHorizon, ""
		return nil
	case errors.As(err, &missing):
		// A shard trimmed away, or the whole stream gone: closing the shard lists the
		// shards again, and that fails if the stream is gone.
		p.log.Warn("dynamodb stream: shard not found", "stream", p.arn, "shard", sh.id)
		sh.closed = true
		return nil
	}
	return fmt.Errorf("stream %s, shard %s: %s: %w", p.arn, sh.id, op, err)
}

// pauseAfterError logs a passing error and returns the pause before the next try,
// doubling from the poll interval up to maxErrorPause.
func (p *Poller) pauseAfterError(last time.Duration, op string, err error) time.Duration {
	next := min(max(2*last, p.pollInterval), maxErrorPause)
	p.log.Warn("dynamodb stream: passing error; trying again", "op", op, "retry_in", next, "err", err)
	return next
}

// transient reports whether a Streams API error may pass by itself: throttling,
// a server error, or a network failure.
func transient(err error) bool {
	var (
		limit   *streamtypes.LimitExceededException
		server  *streamtypes.InternalServerError
		send    *smithyhttp.RequestSendError
		api     smithy.APIError
		timeout interface{ Timeout() bool }
	)
	switch {
	case errors.As(err, &limit), errors.As(err, &server), errors.As(err, &send):
		return true
	case errors.As(err, &timeout) && timeout.Timeout():
		return true
	case errors.As(err, &api):
		switch api.ErrorCode() {
		case "ThrottlingException", "RequestLimitExceeded", "ServiceUnavailable", "InternalFailure":
			return true
		}
	}
	return false
}

// sleep waits d, or until ctx ends: then it reports false.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// arnRegion returns the region part of an ARN ("arn:aws:dynamodb:REGION:...").
func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 5 {
		return ""
	}
	return parts[3]
}
