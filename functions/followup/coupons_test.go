package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"leadgate/shared/dynamodb"
	"leadgate/shared/dynamodbstream"
	"leadgate/shared/lambdainit"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/ses/sestest"
	"leadgate/shared/testenv"
)

// TestCouponsLowAlertThroughStream: on AWS the capture function sends no email, so a
// coupon pool's low-stock alert comes from the stream function. Against DynamoDB
// Local and the SES emulator, the function as its setup builds it reads the
// table's real stream of four coupon captures (4 codes, alert below 2) and sends
// one alert through SES to the magnet's address; the whole stream delivered again,
// as a replay, sends nothing more.
func TestCouponsLowAlertThroughStream(t *testing.T) {
	ddbURL := testenv.Endpoint(t, "LEADGATE_DYNAMODB_ENDPOINT", "start it with `bash infra/local/dynamodb-local.sh start` (make test does)")
	sesURL := testenv.Endpoint(t, "LEADGATE_SES_ENDPOINT", "start it with `bash infra/local/ses-local.sh start` (make test does)")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	table := "leadgate-coupons-" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	env := map[string]string{
		"TABLE_NAME": table, "FORM_SIGNING_SECRET": strings.Repeat("s", 32),
		"PUBLIC_BASE_URL": "https://api.example.com", "SENDER_ADDRESS": "hello@example.com",
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_ENDPOINT_URL_DYNAMODB": ddbURL, "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": ddbURL, "AWS_ENDPOINT_URL_SESV2": sesURL,
	}
	getenv := func(k string) string { return env[k] }
	store, cfg, err := lambdainit.Store(getenv)
	if err != nil {
		t.Fatal(err)
	}
	client := awsddb.NewFromConfig(cfg)
	if err := dynamodb.CreateTable(ctx, client, table); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = client.DeleteTable(context.Background(), &awsddb.DeleteTableInput{TableName: aws.String(table)})
	})

	owner := "ops-" + table + "@example.com"
	m := storetest.KindMagnets()[leadgate.DeliveryCoupon]
	m.CouponAlertBelow, m.CouponAlertTo = 2, owner
	p := storetest.Page("deal")
	p.MagnetID = m.ID
	if err := store.PutMagnet(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := store.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := store.AddCoupons(ctx, m.ID, []string{"A-1", "A-2", "A-3", "A-4"}); err != nil {
		t.Fatal(err)
	}
	const leads = 4
	for i := range leads {
		email := fmt.Sprintf("lead%d-%s@example.com", i, table)
		// A capture of a coupon page: the claim, then the lead and its submission.
		if _, err := store.ClaimCoupon(ctx, m.ID, "holder-"+email, storetest.T0); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Capture(ctx, storetest.Capture(p, email, storetest.T0.Add(time.Duration(i)*time.Second), "x")); err != nil {
			t.Fatal(err)
		}
	}

	h, err := setup(ctx, getenv, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	arn, err := dynamodbstream.LatestARN(ctx, client, table)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu          sync.Mutex
		seen        []events.DynamoDBEventRecord
		submissions int
	)
	pollCtx, stopPoll := context.WithCancel(ctx)
	poller := dynamodbstream.NewPoller(dynamodbstreams.NewFromConfig(cfg), arn, dynamodbstream.WithBatchSize(1000), dynamodbstream.WithPollInterval(50*time.Millisecond))
	done := make(chan error, 1)
	go func() {
		done <- poller.Run(pollCtx, func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			resp, err := h(ctx, e)
			mu.Lock()
			defer mu.Unlock()
			for _, r := range e.Records {
				seen = append(seen, r)
				if r.EventName == "INSERT" && r.Change.NewImage["item_type"].String() == "submission" {
					submissions++
				}
			}
			if len(resp.BatchItemFailures) > 0 {
				t.Errorf("failures %+v", resp.BatchItemFailures)
			}
			if submissions == leads {
				stopPoll() // every capture handled: this batch's answer is the last
			}
			return resp, err
		})
	}()
	<-pollCtx.Done()
	<-done
	if ctx.Err() != nil {
		t.Fatalf("the stream's %d submissions were not all handled in time (%d)", leads, submissions)
	}
	alerts := sesAlerts(t, sesURL, owner)
	if len(alerts) != 1 || !strings.Contains(alerts[0], m.Title) {
		t.Fatalf("alerts to the owner %q, want one about %q", alerts, m.Title)
	}
	// The whole stream again, in one batch: nothing more is sent.
	resp, err := h(ctx, events.DynamoDBEvent{Records: seen})
	if err != nil || len(resp.BatchItemFailures) > 0 {
		t.Fatalf("replay: %+v %v", resp, err)
	}
	if again := sesAlerts(t, sesURL, owner); len(again) != 1 {
		t.Fatalf("after a replay, alerts %q", again)
	}
}

// sesAlerts returns the subjects of the emails the SES emulator holds for to.
func sesAlerts(t *testing.T, sesURL, to string) []string {
	t.Helper()
	var out []string
	for _, e := range sestest.Emails(t, sesURL) {
		for _, addr := range e.Destination.To {
			if strings.Contains(addr, to) {
				out = append(out, e.Subject)
			}
		}
	}
	return out
}
