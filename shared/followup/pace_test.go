package followup_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"leadgate/shared/followup"
	"leadgate/shared/leadgate"
)

// BenchmarkDeliveriesOf100 hands the service 100 new submissions of 100 leads as a
// stream batch does (leads concurrently), with a mail provider that takes 50 ms per
// send, at a send rate of 100 a second and 20 sends in flight: far below the 5 s
// that one-at-a-time sending takes.
func BenchmarkDeliveriesOf100(b *testing.B) {
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
				var subs []leadgate.Change
				for i := range 100 {
					for _, ch := range h.capture(b, singlePage(), fmt.Sprintf("lead%03d@example.com", i), false) {
						if ch.Kind == leadgate.SubmissionCreated {
							subs = append(subs, ch)
						}
					}
				}
				b.StartTimer()
				var g errgroup.Group
				g.SetLimit(tc.concurrency)
				for _, ch := range subs {
					g.Go(func() error { return svc.HandleChange(context.Background(), ch) })
				}
				err := g.Wait()
				b.StopTimer()
				if err != nil || len(h.mailer.messages()) != 100 {
					b.Fatalf("error %v, sent %d", err, len(h.mailer.messages()))
				}
			}
		})
	}
}
