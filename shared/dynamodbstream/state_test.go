package dynamodbstream_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"leadgate/shared/dynamodbstream"
)

func openState(t *testing.T, dir string) *dynamodbstream.FileState {
	t.Helper()
	s, err := dynamodbstream.OpenFileState(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPollerResumesFromSavedPosition: a poller with a state saves its position after
// each batch, and the next one, after a restart, reads on after it: nothing handled
// twice, nothing missed, whatever was written while no poller ran.
func TestPollerResumesFromSavedPosition(t *testing.T) {
	dir := t.TempDir()
	f := &fakeStreams{}
	f.add("shard-1", "", 1, 2, 3)
	state := openState(t, dir)
	r := &recorder{stop: until(3)}
	run(t, f, r, dynamodbstream.WithState(state), dynamodbstream.WithBatchSize(2))
	state.Close()

	data, err := os.ReadFile(filepath.Join(dir, dynamodbstream.PositionsFile))
	if err != nil {
		t.Fatal(err)
	}
	var saved map[string]map[string]string
	if err := json.Unmarshal(data, &saved); err != nil {
		t.Fatal(err)
	}
	if got := saved[fakeStreamARN]["shard-1"]; got != seqOf(3) {
		t.Fatalf("saved position %q, want %s: %s", got, seqOf(3), data)
	}

	f.add("shard-1", "", 4, 5) // written while no poller ran
	state = openState(t, dir)
	defer state.Close()
	r = &recorder{stop: until(5)}
	// LATEST would skip 4 and 5: a saved position wins over the starting position.
	run(t, f, r, dynamodbstream.WithState(state), dynamodbstream.WithStartingPosition("LATEST"))
	if want := []int{4, 5}; !slices.Equal(r.delivered(), want) {
		t.Errorf("after the restart delivered %v, want %v", r.delivered(), want)
	}
	if calls := f.iteratorCalls(); !slices.Contains(calls, "AFTER_SEQUENCE_NUMBER "+seqOf(3)) {
		t.Errorf("iterators %v: want AFTER_SEQUENCE_NUMBER %s", calls, seqOf(3))
	}
}

// TestPollerStartsAtTrimHorizon: without a saved position, a poller reads every
// record the stream holds, not only those written after it started.
func TestPollerStartsAtTrimHorizon(t *testing.T) {
	f := &fakeStreams{}
	f.add("shard-1", "", 1, 2)
	r := &recorder{stop: until(2)}
	logs := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.cancel = cancel
	p := dynamodbstream.NewPoller(f, fakeStreamARN, dynamodbstream.WithPollInterval(5*time.Millisecond),
		dynamodbstream.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	if err := p.Run(ctx, r.handle); err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 2}; !slices.Equal(r.delivered(), want) {
		t.Errorf("delivered %v, want %v", r.delivered(), want)
	}
}

// TestPollerSplitShardsResume: a parent read to its end before the restart stays
// read, its children are read from their start, and the position of a shard the
// stream no longer lists is dropped.
func TestPollerSplitShardsResume(t *testing.T) {
	dir := t.TempDir()
	f := &fakeStreams{}
	f.add("shard-old", "", 1)
	f.add("shard-a", "", 2, 3)
	f.close("shard-a")
	state := openState(t, dir)
	r := &recorder{stop: func(r *recorder) bool { return len(r.delivered()) == 3 }}
	run(t, f, r, dynamodbstream.WithState(state))
	state.Close()

	f.mu.Lock()
	f.shards = f.shards[1:] // shard-old trimmed away
	f.mu.Unlock()
	f.add("shard-b", "shard-a", 4)
	f.add("shard-c", "shard-a", 5)
	state = openState(t, dir)
	defer state.Close()
	r = &recorder{stop: func(r *recorder) bool { return len(r.delivered()) == 2 }}
	run(t, f, r, dynamodbstream.WithState(state))
	if got := r.delivered(); !slices.Equal(got, []int{4, 5}) {
		t.Errorf("after the restart delivered %v, want the children's 4 and 5", got)
	}
	positions, _ := state.Positions(fakeStreamARN)
	if _, ok := positions["shard-old"]; ok || positions["shard-b"] != seqOf(4) || positions["shard-c"] != seqOf(5) {
		t.Errorf("positions %v: want the children's, and none for the trimmed shard", positions)
	}
}

// TestPollerTrimmedPosition: a saved position the stream no longer holds (older than
// its 24 hours) is read on from TRIM_HORIZON, and the log says records were lost.
func TestPollerTrimmedPosition(t *testing.T) {
	dir := t.TempDir()
	state := openState(t, dir)
	if err := state.SavePositions(fakeStreamARN, map[string]string{"shard-1": seqOf(2)}); err != nil {
		t.Fatal(err)
	}
	f := &fakeStreams{}
	f.add("shard-1", "", 7, 8) // 1 to 6 trimmed
	r := &recorder{stop: until(8)}
	logs := run(t, f, r, dynamodbstream.WithState(state))
	state.Close()
	if want := []int{7, 8}; !slices.Equal(r.delivered(), want) {
		t.Errorf("delivered %v, want %v", r.delivered(), want)
	}
	if out := logs.String(); !strings.Contains(out, "trimmed") || !strings.Contains(out, "TRIM_HORIZON") {
		t.Errorf("the log does not say the position was trimmed:\n%s", out)
	}
}

// TestPollerWaitsOutPassingFailures: a record whose failure is passing is retried
// well past the retry bound, with a growing pause, and goes through once the cause
// passes; the records after it wait, and nothing is set aside.
func TestPollerWaitsOutPassingFailures(t *testing.T) {
	dir := t.TempDir()
	state := openState(t, dir)
	defer state.Close()
	f := &fakeStreams{}
	f.add("shard-1", "", 1, 2, 3)
	outage := 12
	r := &recorder{stop: until(3), decide: func(batch []int) (events.DynamoDBEventResponse, error) {
		if batch[0] <= 2 && slices.Contains(batch, 2) && outage > 0 {
			outage--
			return failing(2, 3), &dynamodbstream.RecordError{SequenceNumber: seqOf(2), Err: errors.New("SES unavailable")}
		}
		return events.DynamoDBEventResponse{}, nil
	}}
	logs := run(t, f, r, dynamodbstream.WithState(state), dynamodbstream.WithMaxRetries(2),
		dynamodbstream.WithMaxBackoff(20*time.Millisecond))
	twos := 0
	for _, n := range r.delivered() {
		if n == 2 {
			twos++
		}
	}
	if twos != 13 {
		t.Errorf("record 2 delivered %d times (%v), want 13: 12 failures, then through", twos, r.batches)
	}
	if r.batches[0][0] != 1 || slices.Contains(r.batches[1], 1) {
		t.Errorf("batches %v: record 1 was handled and must not come again", r.batches)
	}
	if set, err := dynamodbstream.ReadSetAside(dir); err != nil || len(set) != 0 {
		t.Errorf("set aside %v (%v), want nothing", set, err)
	}
	if out := logs.String(); !strings.Contains(out, "passing") || strings.Contains(out, secret) {
		t.Errorf("log:\n%s", out)
	}
}

// TestPollerSetsAsidePoison: a poison record is delivered 1 + the retry bound times,
// then set aside with the event to replay it, logged by position only, and the
// records after it go on.
func TestPollerSetsAsidePoison(t *testing.T) {
	dir := t.TempDir()
	state := openState(t, dir)
	f := &fakeStreams{}
	f.add("shard-1", "", 1, 2, 3)
	r := &recorder{stop: until(3), decide: func(batch []int) (events.DynamoDBEventResponse, error) {
		if i := slices.Index(batch, 2); i >= 0 {
			return events.DynamoDBEventResponse{}, &dynamodbstream.RecordError{SequenceNumber: seqOf(2), Err: errors.New("decode: no email"), Poison: true}
		}
		return events.DynamoDBEventResponse{}, nil
	}}
	logs := run(t, f, r, dynamodbstream.WithState(state), dynamodbstream.WithMaxRetries(2))
	state.Close()
	if want := [][]int{{1, 2, 3}, {2, 3}, {2, 3}, {3}}; !slices.EqualFunc(r.batches, want, slices.Equal) {
		t.Errorf("batches %v, want %v", r.batches, want)
	}
	set, err := dynamodbstream.ReadSetAside(dir)
	if err != nil || len(set) != 1 {
		t.Fatalf("set aside %v (%v), want record 2", set, err)
	}
	d := set[0]
	if d.SequenceNumber != seqOf(2) || d.EventID != "event-2" || d.Shard != "shard-1" || d.Stream != fakeStreamARN ||
		d.Deliveries != 3 || d.Error != "decode: no email" || d.Event == nil || len(d.Event.Records) != 1 ||
		d.Event.Records[0].Change.NewImage["email"].String() != secret {
		t.Errorf("set-aside record %+v lacks what replaying it needs", d)
	}
	if info, err := os.Stat(filepath.Join(dir, dynamodbstream.SetAsideFile)); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("set-aside file: %v %v, want mode 0600", info.Mode(), err)
	}
	out := logs.String()
	if !strings.Contains(out, "set aside") || !strings.Contains(out, seqOf(2)) || strings.Contains(out, secret) {
		t.Errorf("log:\n%s", out)
	}
	state = openState(t, dir)
	defer state.Close()
	if pos, _ := state.Positions(fakeStreamARN); pos["shard-1"] != seqOf(3) {
		t.Errorf("position %v, want %s", pos, seqOf(3))
	}
}

// TestFileStateOnePoller: a second poller cannot open a state folder in use.
func TestFileStateOnePoller(t *testing.T) {
	dir := t.TempDir()
	s := openState(t, dir)
	if _, err := dynamodbstream.OpenFileState(dir); err == nil {
		t.Fatal("a second OpenFileState of a folder in use succeeded")
	}
	s.Close()
	openState(t, dir).Close()
}
