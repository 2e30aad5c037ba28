package ses_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"leadgate/shared/leadgate"
	"leadgate/shared/mailtest"
	"leadgate/shared/ses"
)

// sesAnswers stands in for SES v2's SendEmail: it gives the nth request (from 1)
// the answer of answer(n), as status, error type ("" for a success) and body.
func sesAnswers(t *testing.T, answer func(n int64) (int, string, string)) (*sesv2.Client, *atomic.Int64) {
	t.Helper()
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v2/email/outbound-emails" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		status, errType, body := answer(requests.Add(1))
		w.Header().Set("Content-Type", "application/json")
		if errType != "" {
			w.Header().Set("X-Amzn-ErrorType", errType)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return sesv2.New(localOptions(srv.URL), ses.ClientOptions()), &requests
}

// localOptions are a client's options for a server on this machine.
func localOptions(endpoint string) sesv2.Options {
	return sesv2.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

const (
	rateExceeded = `{"message":"Maximum sending rate exceeded."}`
	accepted     = `{"MessageId":"0100018e-ses-id"}`
)

// TestClientRetriesThrottling: SES's answer to a sender over the maximum sending
// rate is retried by the client itself, and the email goes out.
func TestClientRetriesThrottling(t *testing.T) {
	t.Parallel()
	client, requests := sesAnswers(t, func(n int64) (int, string, string) {
		if n == 1 {
			return http.StatusTooManyRequests, "TooManyRequestsException", rateExceeded
		}
		return http.StatusOK, "", accepted
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, err := ses.New(client, ses.Options{}).Send(ctx, mailtest.FullMessage())
	if err != nil || id != "0100018e-ses-id" {
		t.Fatalf("Send: %q %v, want SES's id", id, err)
	}
	if got := requests.Load(); got != 2 {
		t.Errorf("%d requests, want 2: the throttled one and its retry", got)
	}
}

// TestClientDoesNotRetryRefusals: a refusal for good is not retried, and keeps its
// classification.
func TestClientDoesNotRetryRefusals(t *testing.T) {
	client, requests := sesAnswers(t, func(int64) (int, string, string) {
		return http.StatusBadRequest, "MessageRejected", `{"message":"Email address is not verified."}`
	})
	_, err := ses.New(client, ses.Options{}).Send(context.Background(), mailtest.FullMessage())
	if leadgate.ErrorCode(err) != leadgate.EREJECTED {
		t.Fatalf("Send: %v, want %s", err, leadgate.EREJECTED)
	}
	var rejected *types.MessageRejected
	if !errors.As(err, &rejected) {
		t.Errorf("error %v does not wrap the SDK's MessageRejected", err)
	}
	if got := requests.Load(); got != 1 {
		t.Errorf("%d requests, want 1", got)
	}
}

// TestClientRetryer checks the retryer ClientOptions sets: adaptive, so that a
// throttled client slows down, with ses.MaxAttempts attempts a send, retrying both
// throttling errors SES v2 may answer.
func TestClientRetryer(t *testing.T) {
	r := sesv2.New(localOptions("http://127.0.0.1:1"), ses.ClientOptions()).Options().Retryer
	if _, ok := r.(*retry.AdaptiveMode); !ok {
		t.Fatalf("retryer %T, want *retry.AdaptiveMode", r)
	}
	if got := r.MaxAttempts(); got != ses.MaxAttempts {
		t.Errorf("MaxAttempts %d, want %d", got, ses.MaxAttempts)
	}
	for _, code := range []string{"TooManyRequestsException", "ThrottlingException", "Throttling"} {
		if !r.IsErrorRetryable(responseError(http.StatusTooManyRequests, generic(code))) {
			t.Errorf("%s is not retried", code)
		}
	}
	if r.IsErrorRetryable(responseError(http.StatusBadRequest, &types.MessageRejected{Message: msg("rejected")})) {
		t.Error("MessageRejected is retried")
	}
	if d, err := r.RetryDelay(10, responseError(http.StatusTooManyRequests, generic("TooManyRequestsException"))); err != nil || d > ses.MaxBackoff {
		t.Errorf("RetryDelay of the 10th attempt %v %v, want at most %v", d, err, ses.MaxBackoff)
	}
}

// TestClientGivesUp: a send throttled on every attempt is handed back as
// unavailable once the attempts are spent. The call lowers them to 2 (TestClientRetryer
// checks the real number): a throttled client waits seconds between attempts.
func TestClientGivesUp(t *testing.T) {
	t.Parallel()
	client, requests := sesAnswers(t, func(int64) (int, string, string) {
		return http.StatusTooManyRequests, "TooManyRequestsException", rateExceeded
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mailer := ses.New(withAttempts{client, 2}, ses.Options{})
	_, err := mailer.Send(ctx, mailtest.FullMessage())
	if leadgate.ErrorCode(err) != leadgate.EUNAVAILABLE || !strings.Contains(err.Error(), "TooManyRequestsException") {
		t.Fatalf("Send: %v, want %s naming TooManyRequestsException", err, leadgate.EUNAVAILABLE)
	}
	if got := requests.Load(); got != 2 {
		t.Errorf("%d requests, want 2", got)
	}
}

// withAttempts is a client whose calls make at most attempts attempts.
type withAttempts struct {
	*sesv2.Client
	attempts int
}

func (c withAttempts) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	return c.Client.SendEmail(ctx, in, append(optFns, func(o *sesv2.Options) { o.RetryMaxAttempts = c.attempts })...)
}
