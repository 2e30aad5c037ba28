package ses

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

// The retries of one SendEmail call, made by the SDK. Their back-off pauses add up
// to at most 14 s, inside the follow-up service's claim lease (30 s), so that no
// other worker takes over a send that is still being retried; a throttled client's
// pacing may add waits of its own, bounded by the invocation's deadline.
const (
	// MaxAttempts is how often one send is tried before it is handed back as
	// unavailable (and so retried later by the stream or the next dispatcher run).
	// Throttled attempts cost nothing but time; with ten instances sharing SES's
	// default quota (BenchmarkSharedSendRate), five attempts gave up on some sends
	// and eight on none.
	MaxAttempts = 8
	// MaxBackoff caps the pause between two attempts: SES's sending rate refills
	// every second.
	MaxBackoff = 2 * time.Second
)

// ClientOptions returns the options every SES v2 client of the deployment is built
// with: sesv2.NewFromConfig(cfg, ses.ClientOptions()).
//
// The client retries in the SDK's adaptive mode. SES answers a sender over the
// account's maximum sending rate with a throttling error (TooManyRequestsException,
// "Maximum sending rate exceeded"); on the first one the client starts rate limiting
// its own attempts and then paces them by how often it is throttled, rising again
// while it is not. Every function instance does so against the one account-wide
// quota, so together they settle at the rate SES grants, with no shared state of
// their own. Each client keeps its rate in its retryer: build one client per
// process and share it.
func ClientOptions() func(*sesv2.Options) {
	return func(o *sesv2.Options) {
		o.Retryer = retry.NewAdaptiveMode(func(a *retry.AdaptiveModeOptions) {
			a.StandardOptions = append(a.StandardOptions, func(s *retry.StandardOptions) {
				s.MaxAttempts = MaxAttempts
				s.MaxBackoff = MaxBackoff
			})
		})
	}
}
