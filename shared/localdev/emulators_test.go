package localdev_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"leadgate/shared/capture"
	"leadgate/shared/followup"
	"leadgate/shared/localdev"
	"leadgate/shared/ses/sestest"
	"leadgate/shared/testenv"
)

func endpointOrSkip(t *testing.T, env, start string) string {
	t.Helper()
	return testenv.Endpoint(t, env, "start it with `"+start+"` (make test does)")
}

// The emulator mode end to end: a capture written to DynamoDB Local reaches the
// follow-up service through the table's real stream, polled as Lambda does, and the
// delivery email arrives in aws-ses-v2-local through the SES v2 API, with both
// List-Unsubscribe headers in its store and in the MIME.
func TestEmulatorsCaptureStreamFollowUpSES(t *testing.T) {
	ddbURL := endpointOrSkip(t, "LEADGATE_DYNAMODB_ENDPOINT", "bash infra/local/dynamodb-local.sh start")
	sesURL := endpointOrSkip(t, "LEADGATE_SES_ENDPOINT", "bash infra/local/ses-local.sh start")
	// The endpoints reach the SDK the way make dev-aws gives them: standard variables.
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", ddbURL)
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", ddbURL)
	t.Setenv("AWS_ENDPOINT_URL_SESV2", sesURL)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	if err != nil {
		t.Fatal(err)
	}
	table := "leadgate-e2e-" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	// The server's log is shown if the test fails: a stream poller's passing
	// errors, for one, are only logged.
	logs := &lockedLog{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	log := slog.New(slog.NewTextHandler(logs, nil))
	backend, err := localdev.AWS(ctx, cfg, localdev.AWSOptions{Table: table, StateDir: t.TempDir(), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = awsddb.NewFromConfig(cfg).DeleteTable(context.Background(), &awsddb.DeleteTableInput{TableName: aws.String(table)})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fu := followup.DefaultConfig()
	fu.BaseURL, fu.From, fu.SendRate = "http://"+ln.Addr().String(), "hello@example.com", 0
	clock := localdev.NewClock(0)
	srv, err := localdev.OpenOn(ctx, localdev.Config{DataDir: t.TempDir(), Capture: capture.DefaultConfig(), FollowUp: fu, Clock: clock, Log: log}, backend)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	defer ts.Close()
	followCtx, stopFollow := context.WithCancel(ctx)
	followed := make(chan struct{})
	go func() { srv.FollowChanges(followCtx); close(followed) }()
	defer func() { stopFollow(); <-followed }()

	email := "e2e-" + table + "@example.com"
	r := &followupRun{srv: srv, ts: ts, clock: clock}
	r.submit(t, localdev.SampleSlug, email, true)

	var got sestest.Email
	deadline := time.Now().Add(60 * time.Second) // the stream is polled; a busy machine is slow
	for got.MessageID == "" {
		for _, e := range sestest.Emails(t, sesURL) {
			if e.To(email) {
				got = e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no email to %s reached the SES emulator", email)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.HasPrefix(got.Subject, "Your copy of") {
		t.Fatalf("subject %q", got.Subject)
	}
	if !strings.HasPrefix(got.Header("List-Unsubscribe"), "<"+fu.BaseURL+"/v1/unsubscribe/") || got.Header("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("headers in the emulator's store: %v", got.Headers)
	}
	var eml struct {
		Body struct {
			Data []int `json:"data"`
		} `json:"body"`
	}
	sestest.GetJSON(t, sesURL+"/get-emlContent?messageId="+url.QueryEscape(got.MessageID), &eml)
	raw := make([]byte, len(eml.Body.Data))
	for i, b := range eml.Body.Data {
		raw[i] = byte(b)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("MIME: %v", err)
	}
	if msg.Header.Get("List-Unsubscribe") != got.Header("List-Unsubscribe") || msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("MIME headers: %v", msg.Header)
	}
}
