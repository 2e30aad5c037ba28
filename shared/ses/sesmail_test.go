package ses_test

// Tests of shared/sesmail, the mailer the functions send with: here, beside the
// SDK-client mailer's, so that the two run against the same stand-ins and emulator
// and the requests they send can be compared.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"leadgate/shared/leadgate"
	"leadgate/shared/mailtest"
	"leadgate/shared/ses"
	"leadgate/shared/ses/sestest"
	"leadgate/shared/sesmail"
)

// endpointSources is an aws.Config.ConfigSources value with per-service endpoints,
// as lambdainit.AWSConfigFrom builds from AWS_ENDPOINT_URL_<SERVICE>.
type endpointSources map[string]string

func (e endpointSources) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	u, ok := e[sdkID]
	return u, ok, nil
}

func rawConfig(endpoint string) aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
		BaseEndpoint: aws.String(endpoint)}
}

func rawMailer(t *testing.T, endpoint string, o sesmail.ClientOptions, configurationSet string) *sesmail.Mailer {
	t.Helper()
	c, err := sesmail.NewClient(rawConfig(endpoint), o)
	if err != nil {
		t.Fatal(err)
	}
	return sesmail.NewMailer(c, configurationSet)
}

// rawAnswers is sesAnswers for the raw client: the same stand-in of SES v2.
func rawAnswers(t *testing.T, o sesmail.ClientOptions, answer func(n int64) (int, string, string)) (*sesmail.Mailer, *atomic.Int64) {
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
	return rawMailer(t, srv.URL, o, ""), &requests
}

// TestRawRequestAsTheSDKSends: for the same message, the raw client sends the body
// the SDK's client sends, to the same path, signed for SES in the region.
func TestRawRequestAsTheSDKSends(t *testing.T) {
	var (
		mu     sync.Mutex
		bodies []map[string]any
		auths  []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		err := json.NewDecoder(r.Body).Decode(&body)
		if r.Method != http.MethodPost || r.URL.Path != "/v2/email/outbound-emails" || err != nil {
			t.Errorf("%s %s: %v", r.Method, r.URL.Path, err)
		}
		mu.Lock()
		bodies, auths = append(bodies, body), append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, accepted)
	}))
	defer srv.Close()
	ctx := context.Background()
	m := mailtest.FullMessage()
	m.Tags = map[string]string{"kind": "confirm", "page id": "p-1"}
	sdk := ses.New(sesv2.New(localOptions(srv.URL)), ses.Options{ConfigurationSetName: "leadgate-events"})
	raw := rawMailer(t, srv.URL, sesmail.ClientOptions{}, "leadgate-events")
	for _, mailer := range []leadgate.Mailer{sdk, raw} {
		if id, err := mailer.Send(ctx, m); err != nil || id != "0100018e-ses-id" {
			t.Fatalf("%T.Send = %q, %v", mailer, id, err)
		}
	}
	if len(bodies) != 2 || !reflect.DeepEqual(bodies[0], bodies[1]) {
		t.Fatalf("bodies differ:\nSDK %v\nraw %v", bodies[0], bodies[1])
	}
	if !strings.HasPrefix(auths[1], "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/") || !strings.Contains(auths[1], "/us-east-1/ses/aws4_request") {
		t.Errorf("raw Authorization %q", auths[1])
	}
}

// TestRawClientRetriesThrottling, TestRawClientDoesNotRetryRefusals and
// TestRawClientGivesUp are the SDK client's tests of client_test.go.
func TestRawClientRetriesThrottling(t *testing.T) {
	t.Parallel()
	mailer, requests := rawAnswers(t, sesmail.ClientOptions{}, func(n int64) (int, string, string) {
		if n == 1 {
			return http.StatusTooManyRequests, "TooManyRequestsException", rateExceeded
		}
		return http.StatusOK, "", accepted
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, err := mailer.Send(ctx, mailtest.FullMessage())
	if err != nil || id != "0100018e-ses-id" {
		t.Fatalf("Send: %q %v, want SES's id", id, err)
	}
	if got := requests.Load(); got != 2 {
		t.Errorf("%d requests, want 2: the throttled one and its retry", got)
	}
}

func TestRawClientDoesNotRetryRefusals(t *testing.T) {
	mailer, requests := rawAnswers(t, sesmail.ClientOptions{}, func(int64) (int, string, string) {
		return http.StatusBadRequest, "MessageRejected:http://internal.amazon.com/coral/com.amazon.simpleemailv2/", `{"message":"Email address is not verified."}`
	})
	_, err := mailer.Send(context.Background(), mailtest.FullMessage())
	if leadgate.ErrorCode(err) != leadgate.EREJECTED {
		t.Fatalf("Send: %v, want %s", err, leadgate.EREJECTED)
	}
	var apiErr *sesmail.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "MessageRejected" || apiErr.Message != "Email address is not verified." {
		t.Errorf("error %v does not wrap SES's MessageRejected", err)
	}
	if got := requests.Load(); got != 1 {
		t.Errorf("%d requests, want 1", got)
	}
}

func TestRawClientGivesUp(t *testing.T) {
	t.Parallel()
	r := retry.AddWithMaxAttempts(sesmail.NewRetryer(), 2).(aws.RetryerV2)
	mailer, requests := rawAnswers(t, sesmail.ClientOptions{Retryer: r}, func(int64) (int, string, string) {
		return http.StatusTooManyRequests, "", `{"__type":"com.amazon#TooManyRequestsException","message":"Maximum sending rate exceeded."}`
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := mailer.Send(ctx, mailtest.FullMessage())
	if leadgate.ErrorCode(err) != leadgate.EUNAVAILABLE || !strings.Contains(err.Error(), "TooManyRequestsException") {
		t.Fatalf("Send: %v, want %s naming TooManyRequestsException", err, leadgate.EUNAVAILABLE)
	}
	if got := requests.Load(); got != 2 {
		t.Errorf("%d requests, want 2", got)
	}
}

// TestRawClientUnreachable: a refused connection is unavailable, not internal.
func TestRawClientUnreachable(t *testing.T) {
	r := retry.AddWithMaxAttempts(sesmail.NewRetryer(), 1).(aws.RetryerV2)
	_, err := rawMailer(t, "http://127.0.0.1:1", sesmail.ClientOptions{Retryer: r}, "").Send(context.Background(), mailtest.FullMessage())
	if leadgate.ErrorCode(err) != leadgate.EUNAVAILABLE {
		t.Fatalf("Send: %v, want %s", err, leadgate.EUNAVAILABLE)
	}
}

// TestRawRetryer checks NewRetryer as TestClientRetryer checks ClientOptions, with
// the raw client's errors.
func TestRawRetryer(t *testing.T) {
	r := sesmail.NewRetryer()
	if got := r.MaxAttempts(); got != ses.MaxAttempts {
		t.Errorf("MaxAttempts %d, want %d", got, ses.MaxAttempts)
	}
	for _, code := range []string{"TooManyRequestsException", "ThrottlingException", "Throttling"} {
		if !r.IsErrorRetryable(&sesmail.APIError{Status: http.StatusTooManyRequests, Code: code}) {
			t.Errorf("%s is not retried", code)
		}
	}
	if !r.IsErrorRetryable(&sesmail.APIError{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable"}) {
		t.Error("a 503 is not retried")
	}
	if r.IsErrorRetryable(&sesmail.APIError{Status: http.StatusBadRequest, Code: "MessageRejected"}) {
		t.Error("MessageRejected is retried")
	}
	if d, err := r.RetryDelay(10, &sesmail.APIError{Status: http.StatusTooManyRequests, Code: "TooManyRequestsException"}); err != nil || d > ses.MaxBackoff {
		t.Errorf("RetryDelay of the 10th attempt %v %v, want at most %v", d, err, ses.MaxBackoff)
	}
}

// TestRawEndpoint: AWS_ENDPOINT_URL_SESV2 (through ConfigSources) comes before the
// base endpoint, as for the SDK's client.
func TestRawEndpoint(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.WriteString(w, accepted)
	}))
	defer srv.Close()
	cfg := rawConfig("http://127.0.0.1:1")
	cfg.ConfigSources = []any{endpointSources{"SESv2": srv.URL}}
	c, err := sesmail.NewClient(cfg, sesmail.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sesmail.NewMailer(c, "").Send(context.Background(), mailtest.FullMessage()); err != nil || hits.Load() != 1 {
		t.Fatalf("Send: %v, %d requests to the service's endpoint", err, hits.Load())
	}
	if _, err := sesmail.NewClient(aws.Config{Region: "eu-west-1"}, sesmail.ClientOptions{}); err == nil {
		t.Error("a client without credentials")
	}
}

// TestRawConformance runs the mailer suite on the raw mailer against the emulator.
func TestRawConformance(t *testing.T) {
	endpoint(t)
	mailtest.RunConformanceTests(t, func(t *testing.T) mailtest.Harness {
		h := newHarness(t)
		h.Mailer = rawMailer(t, endpoint(t), sesmail.ClientOptions{}, "leadgate-test")
		return h
	})
}

// TestRawStoredAsSent is TestStoredAsSent for the raw mailer.
func TestRawStoredAsSent(t *testing.T) {
	id := mailtest.MustSend(t, rawMailer(t, endpoint(t), sesmail.ClientOptions{}, ""), mailtest.FullMessage())
	i := slices.IndexFunc(store(t), func(e sestest.Email) bool { return e.MessageID == id })
	if i < 0 {
		t.Fatalf("message %s is not in the emulator's store", id)
	}
	e := store(t)[i]
	if e.Subject != mailtest.Subject || e.Body.Text != mailtest.Text || e.Body.HTML != mailtest.HTML || len(e.Headers) != 2 ||
		e.From != "=?utf-8?q?=C3=89quipe_Leadgate?= <hello@example.com>" {
		t.Errorf("stored %+v", e)
	}
}
