// The events `sam local generate-event` makes for the project's triggers, run
// through the functions in-process: the HTTP API events through the API Gateway
// adapter and each HTTP function's routes, the DynamoDB stream event through the
// follow-up function, the SNS event through ses-events and the scheduled event
// through the dispatcher. A developer meets these first (`sam local invoke -e`); an
// event's shape must never be what a function refuses.
//
// The events are kept in events/sam/, so that the functions' test runs without SAM
// CLI; TestSAMEventFilesMatchSAMCLI checks them against SAM CLI and rewrites them
// with -update.
package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"leadgate/shared/admin"
	"leadgate/shared/adminapi"
	"leadgate/shared/apigw"
	"leadgate/shared/bolt"
	"leadgate/shared/capture"
	"leadgate/shared/downloads"
	"leadgate/shared/dynamodb"
	"leadgate/shared/followup"
	"leadgate/shared/httpapi"
	"leadgate/shared/leadgate"
	"leadgate/shared/localbucket"
	"leadgate/shared/localdev"
	"leadgate/shared/outbox"
	"leadgate/shared/pipeline"
	"leadgate/shared/richtext"
	"leadgate/shared/sesevents"
	"leadgate/shared/signing"
	"leadgate/shared/testenv"
)

var update = flag.Bool("update", false, "rewrite events/sam/ with sam local generate-event")

// samEventsDir holds the events as SAM CLI generates them.
var samEventsDir = filepath.Join(repoRoot, "events", "sam")

// samDownloadToken is the download link of the generated download event; the test
// stores the grant it names.
const samDownloadToken = "Zx3vQm8LrT2nWc5yKp7dHs4fJb9gNa6E"

// samEvents are the generated events: the file under events/sam/ and the arguments
// of `sam local generate-event`. The HTTP API events are SAM's sample with only the
// method and path set to a route (--path takes it without its leading slash); the
// first is SAM's sample untouched.
var samEvents = []struct {
	file string
	args []string
}{
	{"apigateway-http-api-proxy.json", []string{"apigateway", "http-api-proxy"}},
	{"apigateway-http-api-proxy-capture.json", []string{"apigateway", "http-api-proxy", "--path", "v1/pages/" + localdev.SampleSlug + "/leads"}},
	{"apigateway-http-api-proxy-form-token.json", []string{"apigateway", "http-api-proxy", "--method", "GET", "--path", "v1/pages/" + localdev.SampleSlug + "/form-token"}},
	{"apigateway-http-api-proxy-page.json", []string{"apigateway", "http-api-proxy", "--method", "GET", "--path", "p/" + localdev.SampleSlug}},
	{"apigateway-http-api-proxy-download.json", []string{"apigateway", "http-api-proxy", "--method", "GET", "--path", "v1/downloads/" + samDownloadToken}},
	{"apigateway-http-api-proxy-unsubscribe.json", []string{"apigateway", "http-api-proxy", "--method", "GET", "--path", "v1/unsubscribe/" + samDownloadToken}},
	{"apigateway-http-api-proxy-admin-pages.json", []string{"apigateway", "http-api-proxy", "--method", "GET", "--path", "v1/admin/pages"}},
	{"apigateway-http-api-proxy-admin-put-page.json", []string{"apigateway", "http-api-proxy", "--method", "PUT", "--path", "v1/admin/pages/" + localdev.SampleSlug}},
	{"dynamodb-update.json", []string{"dynamodb", "update"}},
	{"sns-notification.json", []string{"sns", "notification"}},
	{"cloudwatch-scheduled-event.json", []string{"cloudwatch", "scheduled-event"}},
}

// TestSAMEventFilesMatchSAMCLI generates every event with SAM CLI and compares it
// with its file (-update writes the files). It needs SAM CLI on PATH, as
// infra/test.sh puts it.
func TestSAMEventFilesMatchSAMCLI(t *testing.T) {
	sam := testenv.Command(t, "sam", "install it with `bash infra/local/sam-cli.sh install` and "+
		"put it on PATH with export PATH=\"$(bash infra/local/sam-cli.sh path):$PATH\"")
	if *update {
		if err := os.MkdirAll(samEventsDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, ev := range samEvents {
		t.Run(ev.file, func(t *testing.T) {
			cmd := exec.Command(sam, append([]string{"local", "generate-event"}, ev.args...)...)
			// A folder of its own: no samconfig.toml changes SAM's defaults.
			cmd.Dir = t.TempDir()
			cmd.Env = append(os.Environ(), "SAM_CLI_TELEMETRY=0")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			generated, err := cmd.Output()
			if err != nil {
				t.Fatalf("sam local generate-event %s: %v\n%s", strings.Join(ev.args, " "), err, stderr.Bytes())
			}
			path := filepath.Join(samEventsDir, ev.file)
			if *update {
				if err := os.WriteFile(path, generated, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			kept, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./functions -run SAMEvent -update)", err)
			}
			var got, want any
			if err := json.Unmarshal(generated, &got); err != nil {
				t.Fatalf("sam local generate-event %s: %v", strings.Join(ev.args, " "), err)
			}
			if err := json.Unmarshal(kept, &want); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s is not what sam local generate-event %s makes now: run go test ./functions -run SAMEvent -update",
					path, strings.Join(ev.args, " "))
			}
		})
	}
}

// samEvent reads a generated event from events/sam/.
func samEvent(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(samEventsDir, file))
	if err != nil {
		t.Fatalf("%v (run go test ./functions -run SAMEvent -update with SAM CLI on PATH)", err)
	}
	return data
}

// samAt is the functions' clock: the events' own times are SAM's, years ago.
var samAt = time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)

func samNow() time.Time { return samAt }

// samFixture is one embedded store, with the sample page and magnet and the grant
// of samDownloadToken, and what the functions are built from.
type samFixture struct {
	store  *bolt.Store
	bucket *localbucket.Bucket
	key    *signing.Key
	log    *slog.Logger
	logs   *bytes.Buffer
}

func newSAMFixture(t *testing.T) samFixture {
	t.Helper()
	ctx := context.Background()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	page, magnet := localdev.SamplePage(samAt), localdev.SampleMagnet(samAt)
	if err := store.PutMagnet(ctx, magnet); err != nil {
		t.Fatal(err)
	}
	if err := store.PutPage(ctx, page); err != nil {
		t.Fatal(err)
	}
	g := leadgate.Grant{ID: leadgate.GrantID(samDownloadToken), LeadID: "lead-1", Email: "ada@example.com", Page: page.Slug,
		MagnetID: magnet.ID, ObjectKey: magnet.ObjectKey, FileName: magnet.FileName, ContentType: magnet.ContentType,
		CreatedAt: samAt.Add(-time.Hour), ExpiresAt: samAt.Add(30 * 24 * time.Hour)}
	if err := store.PutGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	bucket, err := localbucket.New(t.TempDir(), bytes.Repeat([]byte("k"), 32), "https://files.example", samNow)
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.NewKey([]byte(fixtureSecret))
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	return samFixture{store: store, bucket: bucket, key: key, log: slog.New(slog.NewTextHandler(logs, nil)), logs: logs}
}

// httpFunctions composes each HTTP function's handler on the fixture, as the
// function's main does with DynamoDB and S3.
func (f samFixture) httpFunctions() map[string]http.Handler {
	return map[string]http.Handler{
		"CaptureFunction":  httpapi.New(capture.New(f.store, f.key, capture.DefaultConfig(), samNow), f.log).Handler(),
		"PageFunction":     httpapi.NewPageAPI(capture.New(f.store, f.key, capture.DefaultConfig(), samNow), f.store, f.log).Handler(),
		"DownloadFunction": httpapi.NewDownloadAPI(downloads.New(f.store, f.bucket, f.key, samNow), f.log).Handler(),
		"LinksFunction":    httpapi.NewLinksAPI(followup.NewLinks(f.store, f.key, samNow), f.log).Handler(),
		"AdminFunction":    adminapi.New(admin.New(f.store, f.bucket, f.key, samNow).WithPostalAddress("Leadgate Ltd, 1 Harbour Street, Bristol").WithMarkdown(richtext.HTML), f.log).Handler(),
	}
}

// followUpService is the follow-up service of the followup and dispatcher functions,
// sending to a local outbox.
func (f samFixture) followUpService(t *testing.T) *followup.Service {
	t.Helper()
	mailer, err := outbox.New(t.TempDir(), samNow)
	if err != nil {
		t.Fatal(err)
	}
	cfg := followup.DefaultConfig()
	cfg.BaseURL, cfg.From = "https://api.example.com", "hello@example.com"
	return followup.New(f.store, mailer, f.key, cfg, samNow, f.log)
}

// TestSAMHTTPEventsReachTheRoutes runs the generated HTTP API events through the
// adapter and each HTTP function. SAM's sample (POST /path/to/resource, a
// base64 {"test":"body"}, source IP 192.168.0.1/32) gets each function's own answer
// for a route it does not serve; with a route's method and path, a function answers
// as it does for API Gateway's events: 200 for a page, a form token, a list, a
// download link's page, and its own refusal of the sample's body where the route wants one.
func TestSAMHTTPEventsReachTheRoutes(t *testing.T) {
	tests := []struct {
		file, function string
		status         int
		want           string // in the body
	}{
		{"apigateway-http-api-proxy.json", "CaptureFunction", 404, ""},
		{"apigateway-http-api-proxy.json", "PageFunction", 404, "Page not found"},
		{"apigateway-http-api-proxy.json", "DownloadFunction", 404, ""},
		{"apigateway-http-api-proxy.json", "LinksFunction", 404, ""},
		{"apigateway-http-api-proxy.json", "AdminFunction", 404, ""},
		{"apigateway-http-api-proxy-capture.json", "CaptureFunction", 415, ""},
		{"apigateway-http-api-proxy-form-token.json", "CaptureFunction", 200, ""},
		{"apigateway-http-api-proxy-page.json", "PageFunction", 200, "<h1>The lead magnet playbook</h1>"},
		{"apigateway-http-api-proxy-download.json", "DownloadFunction", 200, `<button type="submit">Download</button>`},
		{"apigateway-http-api-proxy-unsubscribe.json", "LinksFunction", 200, ""},
		{"apigateway-http-api-proxy-admin-pages.json", "AdminFunction", 200, `"slug":"` + localdev.SampleSlug + `"`},
		{"apigateway-http-api-proxy-admin-put-page.json", "AdminFunction", 415, ""},
	}
	for _, tc := range tests {
		t.Run(strings.TrimSuffix(tc.file, ".json")+"/"+tc.function, func(t *testing.T) {
			f := newSAMFixture(t)
			h, ok := f.httpFunctions()[tc.function]
			if !ok {
				t.Fatalf("no HTTP function %s", tc.function)
			}
			out, err := lambda.NewHandler(apigw.Handler(h)).Invoke(context.Background(), samEvent(t, tc.file))
			if err != nil {
				t.Fatalf("invocation failed: %v", err)
			}
			var res events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatal(err)
			}
			switch {
			case res.StatusCode == http.StatusBadRequest && res.Body == "Bad Request\n":
				t.Fatalf("the adapter refused the event's shape: %s", f.logs)
			case res.StatusCode >= 500:
				t.Fatalf("status %d: %.300s\n%s", res.StatusCode, res.Body, f.logs)
			case res.StatusCode != tc.status:
				t.Fatalf("status %d, want %d: %.300s", res.StatusCode, tc.status, res.Body)
			case !strings.Contains(res.Body, tc.want):
				t.Fatalf("body %.300s, want it to hold %s", res.Body, tc.want)
			}
		})
	}
}

// TestSAMStreamEventIsSkipped runs SAM's DynamoDB stream sample (an INSERT, MODIFY
// and REMOVE of an item keyed Id, of another table) through the followup function:
// records that are not the project's are skipped, not failed, alone and in a batch
// with the project's own records (events/dynamodb-stream-captures.json), which are
// still handled.
func TestSAMStreamEventIsSkipped(t *testing.T) {
	var sample, fixture events.DynamoDBEvent
	if err := json.Unmarshal(samEvent(t, "dynamodb-update.json"), &sample); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(repoRoot, "events", "dynamodb-stream-captures.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &fixture); err != nil {
		t.Fatal(err)
	}
	mixed := events.DynamoDBEvent{Records: append(append([]events.DynamoDBEventRecord{}, sample.Records...), fixture.Records...)}
	mixedJSON, err := json.Marshal(mixed)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		event     []byte
		downloads int // counted on the fixture's page
	}{
		{"sam-sample", samEvent(t, "dynamodb-update.json"), 0},
		{"sam-sample-with-the-project's-records", mixedJSON, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSAMFixture(t)
			changes := pipeline.New(f.store, f.followUpService(t), samNow)
			// The followup function's handler: one batch to dynamodb.HandleBatch.
			handle := func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
				return dynamodb.HandleBatch(ctx, e, changes.HandleChange, 4), nil
			}
			out, err := lambda.NewHandler(handle).Invoke(context.Background(), tc.event)
			if err != nil {
				t.Fatalf("invocation failed: %v", err)
			}
			var res events.DynamoDBEventResponse
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatal(err)
			}
			if len(res.BatchItemFailures) != 0 {
				t.Fatalf("failed records %+v: records of another table must be skipped\n%s", res.BatchItemFailures, f.logs)
			}
			c, err := f.store.DailyCounts(context.Background(), "stream-fixture", "2026-03-02")
			if err != nil || c.Downloads != tc.downloads {
				t.Fatalf("daily counts %+v (%v), want %d downloads", c, err, tc.downloads)
			}
		})
	}
}

// TestSAMSNSEventIsSkipped runs SAM's SNS sample ("example message", not an SES
// notification) through the ses-events function: skipped and logged, no error, so
// SNS does not retry it.
func TestSAMSNSEventIsSkipped(t *testing.T) {
	f := newSAMFixture(t)
	var skipped int
	// The ses-events function's handler, counting what it skipped.
	handle := func(ctx context.Context, e events.SNSEvent) error {
		n, err := sesevents.Handle(ctx, f.store, e)
		skipped += n
		return err
	}
	if _, err := lambda.NewHandler(handle).Invoke(context.Background(), samEvent(t, "sns-notification.json")); err != nil {
		t.Fatalf("invocation failed: %v", err)
	}
	if skipped != 1 {
		t.Fatalf("%d messages skipped, want SAM's one", skipped)
	}
}

// TestSAMScheduledEventRunsTheDispatcher runs SAM's scheduled event (CloudWatch
// Events; SAM has no EventBridge Scheduler sample, whose events have the same shape)
// through the dispatcher function, with a due step for an erased lead: the run skips
// it and ends without error.
func TestSAMScheduledEventRunsTheDispatcher(t *testing.T) {
	f := newSAMFixture(t)
	ctx := context.Background()
	step := leadgate.Step{Email: "gone@example.com", Key: leadgate.NurtureKey(localdev.SampleSlug, "day-2"), Kind: leadgate.StepNurture,
		LeadID: "lead-gone", Page: localdev.SampleSlug, StepID: "day-2", SubmissionID: "sub-gone", DueAt: samAt.Add(-time.Minute)}
	if err := f.store.ScheduleSteps(ctx, []leadgate.Step{step}); err != nil {
		t.Fatal(err)
	}
	svc := f.followUpService(t)
	var run followup.RunResult
	// The dispatcher function's handler: due steps until none is due.
	handle := func(ctx context.Context, _ events.EventBridgeEvent) error {
		var err error
		run, err = svc.DispatchDue(ctx, 100, 15*time.Second)
		return err
	}
	if _, err := lambda.NewHandler(handle).Invoke(ctx, samEvent(t, "cloudwatch-scheduled-event.json")); err != nil {
		t.Fatalf("invocation failed: %v\n%s", err, f.logs)
	}
	if run != (followup.RunResult{Skipped: 1}) {
		t.Fatalf("run %+v, want the erased lead's step skipped", run)
	}
}
