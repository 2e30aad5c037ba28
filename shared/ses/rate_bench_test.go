package ses_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"golang.org/x/time/rate"

	"leadgate/shared/leadgate"
	"leadgate/shared/mailtest"
	"leadgate/shared/ses"
)

// quotaServer stands in for SES v2's SendEmail endpoint with an account's maximum
// sending rate: one token bucket for every client, as SES keeps one per account.
// A send over the rate is answered as SES answers it: 429 TooManyRequestsException,
// "Maximum sending rate exceeded."
type quotaServer struct {
	bucket    *rate.Limiter
	latency   time.Duration
	accepted  atomic.Int64
	throttled atomic.Int64
}

func newQuotaServer(quota float64, burst int, latency time.Duration) *quotaServer {
	return &quotaServer{bucket: rate.NewLimiter(rate.Limit(quota), burst), latency: latency}
}

func (s *quotaServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v2/email/outbound-emails" {
		http.NotFound(w, r)
		return
	}
	_, _ = io.Copy(io.Discard, r.Body)
	allowed := s.bucket.Allow()
	time.Sleep(s.latency)
	w.Header().Set("Content-Type", "application/json")
	if !allowed {
		s.throttled.Add(1)
		w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"message":"Maximum sending rate exceeded."}`)
		return
	}
	n := s.accepted.Add(1)
	_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": fmt.Sprintf("bench-%d", n)})
}

// instance is one function instance: its own SES client, its own follow-up pacing.
type instance struct {
	mailer *ses.Mailer
	// limiter is the per-process cap on sends a second; nil for none.
	limiter *rate.Limiter
	// retries, with doubling pauses from pause, is the retry loop the follow-up
	// service used to run around each send; 0 for none.
	retries int
	pause   time.Duration
}

func (in instance) send(ctx context.Context, m leadgate.Message) error {
	pause := in.pause
	for attempt := 0; ; attempt++ {
		if in.limiter != nil {
			if err := in.limiter.Wait(ctx); err != nil {
				return err
			}
		}
		_, err := in.mailer.Send(ctx, m)
		if leadgate.ErrorCode(err) != leadgate.EUNAVAILABLE || attempt >= in.retries {
			return err
		}
		time.Sleep(pause)
		pause *= 2
	}
}

// sendAll sends emails messages from the instance, concurrency at a time, and
// returns how many were not accepted, with the last error.
func (in instance) sendAll(ctx context.Context, emails, concurrency int) (int64, error) {
	var (
		unsent  atomic.Int64
		lastErr atomic.Value
	)
	work := make(chan int)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for range work {
				if err := in.send(ctx, mailtest.FullMessage()); err != nil {
					unsent.Add(1)
					lastErr.Store(err)
				}
			}
		})
	}
	for i := range emails {
		work <- i
	}
	close(work)
	wg.Wait()
	err, _ := lastErr.Load().(error)
	return unsent.Load(), err
}

// benchSetting reads a positive number from the environment variable name, def
// when it is unset.
func benchSetting(b *testing.B, name string, def float64) float64 {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, v)
	}
	return f
}

// The account and its senders in BenchmarkSharedSendRate.
const (
	// benchLatency is SES's time to answer a request.
	benchLatency = 30 * time.Millisecond
	// benchConcurrency is the sends one instance has in flight (SEND_CONCURRENCY).
	benchConcurrency = 8
)

// BenchmarkSharedSendRate runs three function instances (two stream shards and
// the dispatcher, say) that each send 20 emails at once, 8 in flight, through one
// account whose maximum sending rate is SES's default of 14 a second. It compares
// the pacing the follow-up service had (each instance limited to the full quota,
// with its own retry loop around the SDK's standard retries) with the SES client's
// adaptive retry mode (ses.ClientOptions), alone and under a per-process cap at the
// quota (SEND_RATE). It reports the sends SES accepted a second against the quota,
// the share of requests SES throttled, and the emails per run an instance gave up
// on (handed back to be retried by the stream or the next dispatcher run). With
// adaptive retries every email must go through. Run it with -benchtime 1x; for a
// bigger fleet or backlog, set LEADGATE_BENCH_SES_QUOTA, LEADGATE_BENCH_SES_INSTANCES
// and LEADGATE_BENCH_SES_EMAILS (per instance).
func BenchmarkSharedSendRate(b *testing.B) {
	var (
		quota     = benchSetting(b, "LEADGATE_BENCH_SES_QUOTA", 14)
		instances = int(benchSetting(b, "LEADGATE_BENCH_SES_INSTANCES", 3))
		emails    = int(benchSetting(b, "LEADGATE_BENCH_SES_EMAILS", 20))
	)
	standard := func(endpoint string) *sesv2.Client { return sesv2.New(localOptions(endpoint)) }
	adaptive := func(endpoint string) *sesv2.Client { return sesv2.New(localOptions(endpoint), ses.ClientOptions()) }
	for _, tc := range []struct {
		name        string
		client      func(endpoint string) *sesv2.Client
		localCap    bool
		retries     int
		mustSendAll bool
	}{
		{name: "per-process-limiter", client: standard, localCap: true, retries: 3},
		{name: "adaptive", client: adaptive, mustSendAll: true},
		{name: "adaptive+local-cap", client: adaptive, localCap: true, mustSendAll: true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var accepted, throttled, unsent int64
			var lastErr atomic.Value
			var elapsed time.Duration
			for range b.N {
				srv := newQuotaServer(quota, max(1, int(quota)), benchLatency) // a second's worth at once
				ts := httptest.NewServer(srv)
				var fleet []instance
				for range instances {
					in := instance{mailer: ses.New(tc.client(ts.URL), ses.Options{}), retries: tc.retries, pause: 200 * time.Millisecond}
					if tc.localCap {
						in.limiter = rate.NewLimiter(rate.Limit(quota), max(1, int(quota)))
					}
					fleet = append(fleet, in)
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				var lost atomic.Int64
				var wg sync.WaitGroup
				start := time.Now()
				for _, in := range fleet {
					wg.Go(func() {
						n, err := in.sendAll(ctx, emails, benchConcurrency)
						lost.Add(n)
						if err != nil {
							lastErr.Store(err)
						}
					})
				}
				wg.Wait()
				elapsed += time.Since(start)
				cancel()
				ts.Close()
				accepted += srv.accepted.Load()
				throttled += srv.throttled.Load()
				unsent += lost.Load()
			}
			if want := int64(b.N * instances * emails); tc.mustSendAll && (unsent > 0 || accepted != want) {
				b.Errorf("SES accepted %d of %d emails, throttling %d requests; %d were given up on, the last with: %v",
					accepted, want, throttled, unsent, lastErr.Load())
			}
			b.ReportMetric(float64(accepted)/elapsed.Seconds(), "sends/s")
			b.ReportMetric(quota, "quota/s")
			b.ReportMetric(float64(throttled)/float64(accepted+throttled), "throttled-share")
			b.ReportMetric(float64(unsent)/float64(b.N), "unsent/op")
		})
	}
}
