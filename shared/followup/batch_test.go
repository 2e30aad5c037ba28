package followup_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"leadgate/shared/followup"
	"leadgate/shared/leadgate"
)

// batchOf captures n leads and returns their submission changes as a stream batch
// whose records decode (by sequence number) to those changes.
func batchOf(t testing.TB, h *harness, n int) (events.DynamoDBEvent, followup.Decoder) {
	t.Helper()
	byseq := map[string]leadgate.Change{}
	var e events.DynamoDBEvent
	for i := range n {
		for _, ch := range h.capture(t, singlePage(), fmt.Sprintf("lead%03d@example.com", i), false) {
			if ch.Kind != leadgate.SubmissionCreated {
				continue
			}
			seq := fmt.Sprintf("%021d", len(e.Records)+1)
			byseq[seq] = ch
			e.Records = append(e.Records, events.DynamoDBEventRecord{EventID: seq,
				Change: events.DynamoDBStreamRecord{SequenceNumber: seq,
					Keys: map[string]events.DynamoDBAttributeValue{"pk": events.NewStringAttribute("LEAD#" + ch.Submission.Email)}}})
		}
	}
	decode := func(rec events.DynamoDBEventRecord) (leadgate.Change, bool, error) {
		ch, ok := byseq[rec.Change.SequenceNumber]
		if !ok {
			return leadgate.Change{}, false, errors.New("poison")
		}
		return ch, true, nil
	}
	return e, decode
}

func TestPoisonRecordFailsAloneTheRestSucceed(t *testing.T) {
	h := newHarness(t, singlePage())
	e, decode := batchOf(t, h, 5)
	poison := events.DynamoDBEventRecord{EventID: "bad", Change: events.DynamoDBStreamRecord{SequenceNumber: "000000000000000000099"}}
	e.Records = append(e.Records[:2], append([]events.DynamoDBEventRecord{poison}, e.Records[2:]...)...)
	res := followup.HandleBatch(context.Background(), e, decode, h.svc.HandleChange, 4)
	if len(res.BatchItemFailures) != 1 || res.BatchItemFailures[0].ItemIdentifier != poison.Change.SequenceNumber {
		t.Fatalf("failures %+v, want the poison record alone", res.BatchItemFailures)
	}
	if got := h.mailer.messages(); len(got) != 5 {
		t.Fatalf("%d emails sent, want the 5 good records' deliveries", len(got))
	}
	// Lambda retries from the failed record: the redelivered good ones send nothing.
	followup.HandleBatch(context.Background(), e, decode, h.svc.HandleChange, 4)
	if got := h.mailer.messages(); len(got) != 5 {
		t.Fatalf("%d emails after the retry, want still 5", len(got))
	}
}

// BenchmarkBatchOf100 handles a stream batch of 100 new submissions with a mail
// provider that takes 50 ms per send, at a send rate of 100 a second and 20 sends in
// flight: far below the 5 s that one-at-a-time sending takes.
func BenchmarkBatchOf100(b *testing.B) {
	for _, tc := range []struct {
		rate        float64
		concurrency int
	}{{100, 20}, {14, 20}, {1000, 50}} {
		b.Run(fmt.Sprintf("rate=%g/s,inflight=%d", tc.rate, tc.concurrency), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				h := newHarness(b, singlePage())
				h.mailer.delay = 50 * time.Millisecond
				cfg := followup.DefaultConfig()
				cfg.BaseURL, cfg.From, cfg.SendRate, cfg.Concurrency = "https://api.example.com", "hello@example.com", tc.rate, tc.concurrency
				svc := followup.New(h.store, h.mailer, h.key, cfg, h.clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
				e, decode := batchOf(b, h, 100)
				b.StartTimer()
				res := followup.HandleBatch(context.Background(), e, decode, svc.HandleChange, tc.concurrency)
				b.StopTimer()
				if len(res.BatchItemFailures) != 0 || len(h.mailer.messages()) != 100 {
					b.Fatalf("failures %d, sent %d", len(res.BatchItemFailures), len(h.mailer.messages()))
				}
			}
		})
	}
}
