package localdev_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"leadgate/shared/capture"
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
	"leadgate/shared/testenv"
)

// awsConfig points the SDK at DynamoDB Local, as make dev-aws does through
// AWS_ENDPOINT_URL.
func awsConfig(t *testing.T) aws.Config {
	t.Helper()
	endpoint := testenv.Endpoint(t, "LEADGATE_DYNAMODB_ENDPOINT",
		"start DynamoDB Local with `bash infra/local/dynamodb-local.sh start` (make test does)")
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

func TestEmulatorModeCapturesIntoDynamoDBAndFollowsTheStream(t *testing.T) {
	cfg := awsConfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	table := "leadgate-devaws-" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	backend, err := localdev.AWS(ctx, cfg, localdev.AWSOptions{Table: table, StateDir: t.TempDir(), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = awsddb.NewFromConfig(cfg).DeleteTable(context.Background(), &awsddb.DeleteTableInput{TableName: aws.String(table)})
	})
	c := &clock{now: time.Now()}
	srv, err := localdev.OpenOn(ctx, localdev.Config{DataDir: t.TempDir(), Capture: capture.DefaultConfig(), Now: c.Now, Log: log}, backend)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	changes := make(chan leadgate.Change, 16)
	followCtx, stopFollow := context.WithCancel(ctx)
	followed := make(chan error, 1)
	go func() {
		followed <- backend.Follow(followCtx, func(_ context.Context, ch leadgate.Change) error { changes <- ch; return nil })
	}()

	status, start := get(t, ts.URL+"/")
	if status != 200 || !strings.Contains(start, table) {
		t.Fatalf("start page %d does not name the table", status)
	}
	_, form := get(t, ts.URL+"/p/"+localdev.SampleSlug)
	m := tokenInput.FindStringSubmatch(form)
	if m == nil {
		t.Fatal("no form token")
	}
	c.now = c.now.Add(5 * time.Second)
	body := `{"email":"stream@example.com","name":"Stella Stream","consent":true,"form_token":"` + m[1] + `"}`
	res, err := ts.Client().Post(ts.URL+"/v1/pages/"+localdev.SampleSlug+"/leads", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("capture: %d", res.StatusCode)
	}
	lead, err := srv.Store.LeadByEmail(ctx, "stream@example.com")
	if err != nil {
		t.Fatalf("lead in DynamoDB Local: %v", err)
	}

	var kinds []leadgate.ChangeKind
	for len(kinds) < 2 {
		select {
		case ch := <-changes:
			kinds = append(kinds, ch.Kind)
			if ch.Kind == leadgate.LeadCreated && (ch.Lead == nil || ch.Lead.ID != lead.ID) {
				t.Fatalf("lead_created carries %+v, want lead %s", ch.Lead, lead.ID)
			}
			if ch.Kind == leadgate.SubmissionCreated && (ch.Submission == nil || ch.Submission.LeadID != lead.ID) {
				t.Fatalf("submission_created carries %+v", ch.Submission)
			}
		case <-ctx.Done():
			t.Fatalf("the stream handed over %v, want lead_created and submission_created", kinds)
		}
	}
	if kinds[0] != leadgate.LeadCreated || kinds[1] != leadgate.SubmissionCreated {
		t.Fatalf("changes %v, want lead_created then submission_created", kinds)
	}
	stopFollow()
	if err := <-followed; err != nil {
		t.Fatalf("stream poller: %v", err)
	}
}
