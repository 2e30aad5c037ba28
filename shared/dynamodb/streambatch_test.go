package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"leadgate/shared/dynamodb"
	"leadgate/shared/leadgate"
)

// batchRecord is the stream record of a new submission with that id by that address;
// an empty id makes it a poison record, a submission that does not decode.
func batchRecord(seq int, email, id string) events.DynamoDBEventRecord {
	sk := dynamodb.PrefixSubmission + "2026-03-02T09:30:00.000000000Z#" + id
	img := map[string]events.DynamoDBAttributeValue{
		dynamodb.AttrPK:       events.NewStringAttribute(dynamodb.PrefixLead + email),
		dynamodb.AttrSK:       events.NewStringAttribute(sk),
		dynamodb.AttrItemType: events.NewStringAttribute(dynamodb.TypeSubmission),
		"email":               events.NewStringAttribute(email),
		"page":                events.NewStringAttribute("p"),
	}
	if id != "" {
		img["id"] = events.NewStringAttribute(id)
	}
	s := fmt.Sprintf("%021d", seq)
	return events.DynamoDBEventRecord{EventID: "event-" + s, EventName: "INSERT", EventSource: "aws:dynamodb",
		Change: events.DynamoDBStreamRecord{SequenceNumber: s, StreamViewType: "NEW_AND_OLD_IMAGES",
			Keys:     map[string]events.DynamoDBAttributeValue{dynamodb.AttrPK: img[dynamodb.AttrPK], dynamodb.AttrSK: img[dynamodb.AttrSK]},
			NewImage: img}}
}

// interleaved is a batch of n submissions by each address, the addresses taking
// turns: a.1, b.1, a.2, b.2, ...
func interleavedBatch(n int, emails ...string) events.DynamoDBEvent {
	var e events.DynamoDBEvent
	for i := range n {
		for _, email := range emails {
			e.Records = append(e.Records, batchRecord(len(e.Records)+1, email, fmt.Sprintf("%s.%d", email[:1], i+1)))
		}
	}
	return e
}

// batchHandler records the submission ids a handler was handed, per address.
type batchHandler struct {
	mu   sync.Mutex
	byID map[string][]string
	fail map[string]error // answer for a submission id
}

func (h *batchHandler) handle(_ context.Context, ch leadgate.Change) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.byID == nil {
		h.byID = map[string][]string{}
	}
	h.byID[ch.Submission.Email] = append(h.byID[ch.Submission.Email], ch.Submission.ID)
	return h.fail[ch.Submission.ID]
}

func batchFailures(res events.DynamoDBEventResponse) []string {
	var out []string
	for _, f := range res.BatchItemFailures {
		out = append(out, f.ItemIdentifier)
	}
	slices.Sort(out)
	return out
}

func batchSeqs(recs ...events.DynamoDBEventRecord) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Change.SequenceNumber)
	}
	slices.Sort(out)
	return out
}

func TestHandleBatchKeepsEachPartitionsOrder(t *testing.T) {
	e := interleavedBatch(20, "a@example.com", "b@example.com", "c@example.com")
	var h batchHandler
	res := dynamodb.HandleBatch(context.Background(), e, h.handle, 3)
	if got := batchFailures(res); len(got) != 0 {
		t.Fatalf("failures %v", got)
	}
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		var want []string
		for i := range 20 {
			want = append(want, fmt.Sprintf("%s.%d", email[:1], i+1))
		}
		if got := h.byID[email]; !slices.Equal(got, want) {
			t.Fatalf("%s handled %v, want %v", email, got, want)
		}
	}
}

func TestHandleBatchServesPartitionsConcurrently(t *testing.T) {
	// Each handler waits until all four partitions are under way: handled one at a
	// time, they would time out.
	e := interleavedBatch(1, "a@example.com", "b@example.com", "c@example.com", "d@example.com")
	var wg sync.WaitGroup
	wg.Add(len(e.Records))
	all := make(chan struct{})
	go func() { wg.Wait(); close(all) }()
	res := dynamodb.HandleBatch(context.Background(), e, func(context.Context, leadgate.Change) error {
		wg.Done()
		select {
		case <-all:
			return nil
		case <-time.After(5 * time.Second):
			return errors.New("the partitions were not handled concurrently")
		}
	}, 4)
	if got := batchFailures(res); len(got) != 0 {
		t.Fatalf("failures %v", got)
	}
}

func TestHandleBatchKeepsToItsConcurrency(t *testing.T) {
	e := interleavedBatch(2, "a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com", "f@example.com")
	var inFlight, most atomic.Int32
	res := dynamodb.HandleBatch(context.Background(), e, func(context.Context, leadgate.Change) error {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(5 * time.Millisecond)
		return nil
	}, 2)
	if got := batchFailures(res); len(got) != 0 {
		t.Fatalf("failures %v", got)
	}
	if got := most.Load(); got > 2 {
		t.Fatalf("%d records in flight, want at most 2", got)
	}
}

func TestHandleBatchReportsAFailureWithTheLaterRecordsOfItsPartition(t *testing.T) {
	a1, b1, a2, b2, a3 := batchRecord(1, "a@example.com", "a.1"), batchRecord(2, "b@example.com", "b.1"),
		batchRecord(3, "a@example.com", "a.2"), batchRecord(4, "b@example.com", "b.2"), batchRecord(5, "a@example.com", "a.3")
	poisonA := batchRecord(3, "a@example.com", "")
	unkeyed := batchRecord(3, "a@example.com", "")
	unkeyed.Change.Keys = nil
	for _, tc := range []struct {
		name        string
		recs        []events.DynamoDBEventRecord
		fail        map[string]error
		wantFailed  []string
		wantHandled map[string][]string
	}{
		{
			name:        "none fails",
			recs:        []events.DynamoDBEventRecord{a1, b1, a2, b2, a3},
			wantHandled: map[string][]string{"a@example.com": {"a.1", "a.2", "a.3"}, "b@example.com": {"b.1", "b.2"}},
		},
		{
			name:        "the handler fails",
			recs:        []events.DynamoDBEventRecord{a1, b1, a2, b2, a3},
			fail:        map[string]error{"a.2": leadgate.Unavailable("send", errors.New("throttled"))},
			wantFailed:  batchSeqs(a2, a3),
			wantHandled: map[string][]string{"a@example.com": {"a.1", "a.2"}, "b@example.com": {"b.1", "b.2"}},
		},
		{
			name:        "a poison record",
			recs:        []events.DynamoDBEventRecord{a1, b1, poisonA, b2, a3},
			wantFailed:  batchSeqs(poisonA, a3),
			wantHandled: map[string][]string{"a@example.com": {"a.1"}, "b@example.com": {"b.1", "b.2"}},
		},
		{
			name:        "a poison record without keys stands alone",
			recs:        []events.DynamoDBEventRecord{a1, b1, unkeyed, b2, a3},
			wantFailed:  batchSeqs(unkeyed),
			wantHandled: map[string][]string{"a@example.com": {"a.1", "a.3"}, "b@example.com": {"b.1", "b.2"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := batchHandler{fail: tc.fail}
			res := dynamodb.HandleBatch(context.Background(), events.DynamoDBEvent{Records: tc.recs}, h.handle, 4)
			if got := batchFailures(res); !slices.Equal(got, tc.wantFailed) {
				t.Fatalf("failures %v, want %v", got, tc.wantFailed)
			}
			for email, want := range tc.wantHandled {
				if got := h.byID[email]; !slices.Equal(got, want) {
					t.Fatalf("%s handled %v, want %v", email, got, want)
				}
			}
		})
	}
}

func TestHandleBatchSkipsRecordsThatAreNoChange(t *testing.T) {
	rec := batchRecord(1, "a@example.com", "a.1")
	rec.Change.NewImage[dynamodb.AttrItemType] = events.NewStringAttribute(dynamodb.TypeDedupe)
	rec.Change.Keys[dynamodb.AttrSK] = events.NewStringAttribute(dynamodb.PrefixDedupe + "p")
	var h batchHandler
	res := dynamodb.HandleBatch(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec}}, h.handle, 4)
	if got := batchFailures(res); len(got) != 0 || len(h.byID) != 0 {
		t.Fatalf("failures %v, handled %v: want neither", got, h.byID)
	}
	if res.BatchItemFailures == nil {
		t.Fatal("no failures is a nil list; want an empty one")
	}
}
