// The bootstraps of template.yaml run against the Runtime API harness
// (runtime_harness_test.go): each answers the events/ files, or a stream batch, in
// one warm process against DynamoDB Local, and each reports a bad setting at init.
// Their sizes and cold-start times are a benchmark (runtime_bench_test.go).

package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"leadgate/shared/dynamodb"
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
)

// bootstrapRun is one bootstrap answering a sequence of events in one warm process,
// as one Lambda sandbox would.
type bootstrapRun struct {
	ctx   context.Context
	store *dynamodb.Store   // the function's table in DynamoDB Local
	env   map[string]string // the function's environment
	p     *process
	ids   map[string]string // the request ID each event was given, by event name
}

// bootstrapEvent is one invocation and the check of its answer.
type bootstrapEvent struct {
	name    string
	payload []byte
	// build, if set, makes the payload when its turn comes, from what the events
	// before it answered (a session cookie, say).
	build func(t *testing.T) []byte
	check func(t *testing.T, r *bootstrapRun, o outcome)
}

// bootstrapCase is a function of template.yaml and the events it must answer.
type bootstrapCase struct {
	function string
	// setup seeds the table and returns the events, in the order they are invoked,
	// and a check of what the whole run left (nil: none).
	setup func(t *testing.T, r *bootstrapRun) (evs []bootstrapEvent, after func(t *testing.T))
}

var bootstrapCases = []bootstrapCase{
	{"CaptureFunction", captureCase},
	{"DownloadFunction", downloadCase},
	{"PageFunction", pageCase},
	{"FollowupFunction", streamCase},
	{"ConsoleFunction", consoleCase},
	{"ConsoleEditorFunction", consoleEditorCase},
	{"ConsoleContentFunction", consoleContentCase},
}

// TestBootstrapsAnswerTheEvents builds each function for this machine with its
// Makefile target, starts it against the Runtime API with the template's
// environment and a fresh table in DynamoDB Local, and invokes it with its events.
func TestBootstrapsAnswerTheEvents(t *testing.T) {
	needsBootstraps(t)
	endpoint := dynamoEndpoint(t)
	tpl := loadTemplate(t)
	for _, tc := range bootstrapCases {
		t.Run(tc.function, func(t *testing.T) {
			fn := functionByID(t, tpl, tc.function)
			bin := buildFunction(t, fn.ID, true)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			store, table := newTable(t, endpoint)
			r := &bootstrapRun{ctx: ctx, store: store, env: functionEnv(t, tpl, fn, table, endpoint), ids: map[string]string{}}
			evs, after := tc.setup(t, r)
			api := newRuntimeAPI(t)
			r.p = api.start(t, bin.path, fn, r.env)
			var order []string
			for _, ev := range evs {
				payload := ev.payload
				if ev.build != nil {
					payload = ev.build(t)
				}
				o, id := r.p.invoke(t, payload)
				r.ids[ev.name] = id
				order = append(order, id)
				t.Run(ev.name, func(t *testing.T) { ev.check(t, r, o) })
			}
			if after != nil {
				t.Run("afterwards", after)
			}
			t.Run("log lines", func(t *testing.T) { checkInvocationLogs(t, r.p.stdout.String(), order) })
			if nexts := api.nextRequests(); len(nexts) != len(evs)+1 {
				t.Errorf("%d /next requests for %d events, want one more than events (the last one waits)", len(nexts), len(evs))
			}
		})
	}
}

// checkInvocationLogs checks the request ids and cold start of a process's JSON log
// lines: each line from the first with a requestId on (the lines before are the
// init's) names one of the invocations, ids in the order they were invoked; the first
// invocation's lines say coldStart: true, no other line has coldStart.
func checkInvocationLogs(t *testing.T, stdout string, ids []string) {
	t.Helper()
	seen, cold := false, 0
	for line := range strings.SplitSeq(strings.TrimSpace(stdout), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		id, has := rec["requestId"].(string)
		switch {
		case !has && seen:
			t.Errorf("a line of an invocation has no requestId: %s", line)
		case has && !slices.Contains(ids, id):
			t.Errorf("requestId %q is none of the invocations' %v: %s", id, ids, line)
		}
		seen = seen || has
		if cs, ok := rec["coldStart"]; ok {
			cold++
			if cs != true || id != ids[0] {
				t.Errorf("coldStart %v on a line of %q, want true on the first invocation's (%s) lines only: %s", cs, id, ids[0], line)
			}
		} else if has && id == ids[0] {
			t.Errorf("a line of the first invocation has no coldStart: %s", line)
		}
	}
	t.Logf("%d lines of the first invocation say coldStart", cold)
}

// eventFiles returns the events/ files that match pattern as events, each checked
// with checks[its file name]; a file without an entry fails the test.
func eventFiles[C any](t *testing.T, pattern string, checks map[string]C, check func(t *testing.T, r *bootstrapRun, c C, o outcome)) []bootstrapEvent {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "events", pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no events/%s (%v)", pattern, err)
	}
	var evs []bootstrapEvent
	for _, file := range files {
		name := filepath.Base(file)
		c, ok := checks[name]
		if !ok {
			t.Errorf("%s has no expectation: add one", name)
			continue
		}
		payload, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, bootstrapEvent{name: name, payload: payload, check: func(t *testing.T, r *bootstrapRun, o outcome) {
			check(t, r, c, o)
		}})
	}
	return evs
}

// httpResponse decodes the API Gateway answer of an invocation, failing the test if
// the invocation posted an error instead.
func httpResponse(t *testing.T, o outcome) events.APIGatewayV2HTTPResponse {
	t.Helper()
	if o.err != nil {
		t.Fatalf("invocation error %s (%s)", o.err.raw, o.err.header)
	}
	var res events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(o.response, &res); err != nil {
		t.Fatalf("response %.300s: %v", o.response, err)
	}
	return res
}

// checkJSONLogs checks that every line the function wrote is a JSON object, and that
// one record has all the fields of want (values compared as fmt.Sprint prints them).
func checkJSONLogs(t *testing.T, stdout string, want map[string]string) {
	t.Helper()
	found := false
	for line := range strings.SplitSeq(strings.TrimSpace(stdout), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		if !found {
			found = true
			for k, v := range want {
				if got, ok := rec[k]; !ok || fmt.Sprint(got) != v {
					found = false
					break
				}
			}
		}
	}
	if !found {
		t.Errorf("no log record with %v in:\n%s", want, stdout)
	}
}

// ---------------------------------------------------------------------------
// Capture

// eventCheck is what the capture bootstrap must answer to one events/ file.
type eventCheck struct {
	status  int
	headers map[string]string // exact values; for Location, of its path only
	body    func(t *testing.T, body string)
	stores  string // the address that must be stored, or "" for none
	absent  string // an address that must not be stored
}

var captureEvents = map[string]eventCheck{
	"capture-json.json": {
		status: 201,
		headers: map[string]string{
			"Access-Control-Allow-Origin": "http://localhost:3000",
		},
		body: func(t *testing.T, body string) {
			var b struct {
				LeadID string `json:"lead_id"`
				Status string `json:"status"`
			}
			if err := json.Unmarshal([]byte(body), &b); err != nil || b.LeadID == "" || b.Status != "created" {
				t.Errorf("body %s (%v), want a lead_id and status created", body, err)
			}
		},
		stores: "ada@example.com",
	},
	"capture-form.json": {
		status:  303,
		headers: map[string]string{"Location": localdev.SamplePage(time.Time{}).ThankYouURL},
		stores:  "grace.hopper@example.com",
	},
	"capture-invalid.json": {
		status: 422,
		body: func(t *testing.T, body string) {
			if !strings.Contains(body, `"field":"email"`) || strings.Contains(body, "everyone@") {
				t.Errorf("body %s, want an error naming the email field, without the injected header", body)
			}
		},
		absent: "everyone@example.com",
	},
	"capture-oversized.json": {
		status: 413,
		body: func(t *testing.T, body string) {
			if !strings.Contains(body, `"code":"too_large"`) {
				t.Errorf("body %.200s, want code too_large", body)
			}
		},
		absent: "big@example.com",
	},
	"capture-preflight.json": {
		status:  204,
		headers: map[string]string{"Access-Control-Allow-Origin": "http://localhost:3000"},
	},
	// An origin the page does not list: refused at the preflight, by the function.
	"capture-preflight-other-origin.json": {status: 403},
}

// captureCase: the sample page and magnet seeded, the capture events answered, the
// leads stored with API Gateway's source IP as their consent's, and the logs JSON.
func captureCase(t *testing.T, r *bootstrapRun) ([]bootstrapEvent, func(t *testing.T)) {
	seeded := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	if err := r.store.PutMagnet(r.ctx, localdev.SampleMagnet(seeded)); err != nil {
		t.Fatal(err)
	}
	if err := r.store.PutPage(r.ctx, localdev.SamplePage(seeded)); err != nil {
		t.Fatal(err)
	}
	evs := eventFiles(t, "capture-*.json", captureEvents, func(t *testing.T, r *bootstrapRun, check eventCheck, o outcome) {
		res := httpResponse(t, o)
		if res.StatusCode != check.status {
			t.Fatalf("status %d, want %d: %.300s", res.StatusCode, check.status, res.Body)
		}
		for k, want := range check.headers {
			got := res.Headers[k]
			if k == "Location" {
				got, _, _ = strings.Cut(got, "?") // the page may pass on a download link
			}
			if got != want {
				t.Errorf("%s %q, want %q (headers %v)", k, got, want, res.Headers)
			}
		}
		if check.body != nil {
			check.body(t, res.Body)
		}
		if check.stores != "" {
			lead, err := r.store.LeadByEmail(r.ctx, check.stores)
			if err != nil {
				t.Fatalf("LeadByEmail(%s) in DynamoDB Local: %v", check.stores, err)
			}
			if lead.Consent.IP != "198.51.100.23" || !lead.Consent.Given {
				t.Errorf("consent %+v, want given from API Gateway's source IP 198.51.100.23", lead.Consent)
			}
		}
		if check.absent != "" {
			if _, err := r.store.LeadByEmail(r.ctx, check.absent); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
				t.Errorf("LeadByEmail(%s): %v, want not found", check.absent, err)
			}
		}
	})
	// An event that is not JSON is the invocation's error, posted as aws-lambda-go
	// posts it, and the process serves on (invoke waits for its next /next).
	evs = append(evs, bootstrapEvent{name: "malformed event", payload: []byte(`{"rawPath":`), check: func(t *testing.T, r *bootstrapRun, o outcome) {
		if o.err == nil {
			t.Fatalf("response %.300s, want an invocation error", o.response)
		}
		if o.err.ErrorType != "SyntaxError" || o.err.header != "SyntaxError" || !strings.Contains(o.err.ErrorMessage, "JSON") {
			t.Errorf("error %s (header %q), want a SyntaxError", o.err.raw, o.err.header)
		}
	}})
	after := func(t *testing.T) {
		id := r.ids["capture-json.json"]
		checkJSONLogs(t, r.p.stdoutWith(id, 5*time.Second), map[string]string{"message": "lead captured", "requestId": id})
		if out := r.p.stdout.String() + r.p.stderr.String(); strings.Contains(out, fixtureSecret) {
			t.Errorf("the signing secret is in the function's output")
		}
	}
	return evs, after
}

// ---------------------------------------------------------------------------
// Download

// downloadToken is the grant token of events/download-*.json (see
// functions/download/main_test.go); download-unknown.json carries one of no grant.
const downloadToken = "Zx3vQm8LrT2nWc5yKp7dHs4fJb9gNa6E"

// downloadCheck is what the download bootstrap must answer to one events/ file.
type downloadCheck struct {
	status   int
	redirect bool // Location is a presigned URL of the grant's object
	counts   bool // the answer counts a download of the grant
	body     func(t *testing.T, res events.APIGatewayV2HTTPResponse)
}

var downloadEvents = map[string]downloadCheck{
	// A GET or HEAD of the link is its page, which scanners fetch too: not counted.
	"download-get.json": {status: 200, body: func(t *testing.T, res events.APIGatewayV2HTTPResponse) {
		if !strings.Contains(res.Body, `<form method="post" action="/v1/downloads/`+downloadToken+`">`) {
			t.Errorf("body %.300s, want the page whose button POSTs to the link", res.Body)
		}
	}},
	"download-head.json": {status: 200},
	// The button: counted, and sent on to the file.
	"download-post.json": {status: 303, redirect: true, counts: true},
	"download-unknown.json": {
		status: 404,
		body: func(t *testing.T, res events.APIGatewayV2HTTPResponse) {
			if ct := res.Headers["Content-Type"]; !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q, want an HTML page", ct)
			}
			if !strings.Contains(res.Body, "Link not found") {
				t.Errorf("body %.300s, want the page saying the link does not exist", res.Body)
			}
		},
	},
}

// downloadCase: a grant of the sample magnet stored, the download events answered
// with presigned URLs or a page, each GET counted once and nothing else counted,
// and the token kept out of the logs.
func downloadCase(t *testing.T, r *bootstrapRun) ([]bootstrapEvent, func(t *testing.T)) {
	// The bootstrap reads the real clock: the grant expires long after now.
	now := time.Now().UTC().Truncate(time.Millisecond)
	page, magnet := localdev.SamplePage(now), localdev.SampleMagnet(now)
	if err := r.store.PutPage(r.ctx, page); err != nil {
		t.Fatal(err)
	}
	grant := leadgate.Grant{
		ID: leadgate.GrantID(downloadToken), LeadID: "lead-harness", Email: "ada@example.com", Page: page.Slug,
		SubmissionID: "sub-harness", MagnetID: magnet.ID, ObjectKey: magnet.ObjectKey, FileName: magnet.FileName,
		ContentType: magnet.ContentType, CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(30 * 24 * time.Hour),
	}
	if err := r.store.PutGrant(r.ctx, grant); err != nil {
		t.Fatal(err)
	}
	disposition, fe := leadgate.Attachment(magnet.FileName)
	if fe != nil {
		t.Fatalf("Attachment(%q): %v", magnet.FileName, fe)
	}
	bucket := r.env["BUCKET_NAME"]
	if bucket == "" {
		t.Fatal("template.yaml gives the function no BUCKET_NAME")
	}
	counted := 0
	evs := eventFiles(t, "download-*.json", downloadEvents, func(t *testing.T, r *bootstrapRun, check downloadCheck, o outcome) {
		if check.counts {
			counted++
		}
		res := httpResponse(t, o)
		if res.StatusCode != check.status {
			t.Fatalf("status %d, want %d: %.300s", res.StatusCode, check.status, res.Body)
		}
		// The link's token is in the URL: no cache keeps the answer, no Referer
		// carries it on.
		for k, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"} {
			if got := res.Headers[k]; got != want {
				t.Errorf("%s %q, want %q (headers %v)", k, got, want, res.Headers)
			}
		}
		if check.redirect {
			checkPresignedURL(t, res.Headers["Location"], bucket, grant.ObjectKey, map[string]string{
				"X-Amz-Expires":                "300", // the template's 5-minute URLs
				"response-content-disposition": disposition,
				"response-content-type":        grant.ContentType,
			})
		} else if loc, ok := res.Headers["Location"]; ok {
			t.Errorf("Location %q on a %d", loc, res.StatusCode)
		}
		if check.body != nil {
			check.body(t, res)
		}
		g, err := r.store.Grant(r.ctx, grant.ID)
		if err != nil {
			t.Fatalf("Grant in DynamoDB Local: %v", err)
		}
		if g.Downloads != counted {
			t.Errorf("the grant counts %d downloads, want %d", g.Downloads, counted)
		}
	})
	after := func(t *testing.T) {
		if g, err := r.store.Grant(r.ctx, grant.ID); err != nil || g.Downloads != 1 {
			t.Errorf("after the events the grant counts %d downloads (%v), want exactly 1", g.Downloads, err)
		}
		id := r.ids["download-post.json"]
		checkJSONLogs(t, r.p.stdoutWith(id, 5*time.Second), map[string]string{
			"message": "download", "requestId": id, "page": page.Slug, "n": "1",
		})
		if out := r.p.stdout.String() + r.p.stderr.String(); strings.Contains(out, downloadToken) {
			t.Errorf("the download token is in the function's output")
		}
	}
	return evs, after
}

// checkPresignedURL checks that location is a SigV4 presigned GET of key in bucket,
// signed in the harness's region with the credentials Lambda gave the function, and
// that its query has the values of want.
func checkPresignedURL(t *testing.T, location, bucket, key string, want map[string]string) {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil || u.Scheme != "https" {
		t.Fatalf("Location %q (%v), want an https URL", location, err)
	}
	// Virtual-hosted style, which the SDK uses for DNS-compatible names, or path style.
	var gotKey string
	switch regional := "s3." + region + ".amazonaws.com"; u.Host {
	case bucket + "." + regional:
		gotKey = strings.TrimPrefix(u.Path, "/")
	case regional:
		gotKey = strings.TrimPrefix(u.Path, "/"+bucket+"/")
	default:
		t.Fatalf("Location host %q, want bucket %s in %s", u.Host, bucket, region)
	}
	if gotKey != key {
		t.Errorf("Location names object %q, want %q", gotKey, key)
	}
	q := u.Query()
	for k, v := range want {
		if got := q.Get(k); got != v {
			t.Errorf("Location's %s %q, want %q", k, got, v)
		}
	}
	if got := q.Get("X-Amz-Algorithm"); got != "AWS4-HMAC-SHA256" {
		t.Errorf("X-Amz-Algorithm %q, want AWS4-HMAC-SHA256", got)
	}
	if got, scope := q.Get("X-Amz-Credential"), "/"+region+"/s3/aws4_request"; !strings.HasPrefix(got, "harness/") || !strings.HasSuffix(got, scope) {
		t.Errorf("X-Amz-Credential %q, want the function's key harness and scope .../%s", got, scope)
	}
	if got := q.Get("X-Amz-Security-Token"); got != "harness-session-token" {
		t.Errorf("X-Amz-Security-Token %q, want the function's session token", got)
	}
	if q.Get("X-Amz-Signature") == "" || q.Get("X-Amz-SignedHeaders") != "host" {
		t.Errorf("Location %q is not signed for its host alone", location)
	}
}

// ---------------------------------------------------------------------------
// Page

// pageCheck is what the page bootstrap must answer to one events/ file.
type pageCheck struct {
	status int
	views  int // the page's views of the day after the event
	body   []string
}

var pageEvents = map[string]pageCheck{
	"page-get.json": {status: 200, views: 1, body: []string{
		`<form method="post" action="/v1/pages/lead-gen-playbook/leads" novalidate>`,
		`<input type="hidden" name="form_token" value="`,
		`<input type="hidden" name="utm_source" value="newsletter">`,
	}},
	"page-unknown.json": {status: 404, views: 1, body: []string{"Page not found"}},
}

// pageCase: the hosted page's HTML with its form and a fresh form token, the view
// counted on the page's day, and the not-found page.
func pageCase(t *testing.T, r *bootstrapRun) ([]bootstrapEvent, func(t *testing.T)) {
	page := localdev.SamplePage(time.Now())
	if err := r.store.PutPage(r.ctx, page); err != nil {
		t.Fatal(err)
	}
	// The bootstrap reads the real clock: its view lands on today (or, run across
	// midnight, on the day before).
	days := []string{leadgate.Day(time.Now())}
	evs := eventFiles(t, "page-*.json", pageEvents, func(t *testing.T, r *bootstrapRun, check pageCheck, o outcome) {
		if day := leadgate.Day(time.Now()); !slices.Contains(days, day) {
			days = append(days, day)
		}
		res := httpResponse(t, o)
		if res.StatusCode != check.status {
			t.Fatalf("status %d, want %d: %.300s", res.StatusCode, check.status, res.Body)
		}
		if ct := res.Headers["Content-Type"]; ct != "text/html; charset=utf-8" {
			t.Errorf("Content-Type %q, want an HTML page", ct)
		}
		for _, want := range check.body {
			if !strings.Contains(res.Body, want) {
				t.Errorf("body lacks %s", want)
			}
		}
		views := 0
		for _, day := range days {
			c, err := r.store.DailyCounts(r.ctx, page.Slug, day)
			if err != nil {
				t.Fatalf("DailyCounts in DynamoDB Local: %v", err)
			}
			views += c.Views
		}
		if views != check.views {
			t.Errorf("the page counts %d views, want %d", views, check.views)
		}
	})
	after := func(t *testing.T) {
		out := r.p.stdout.String() + r.p.stderr.String()
		if strings.Contains(out, "view not counted") || strings.Contains(out, fixtureSecret) {
			t.Errorf("the function's output:\n%s", out)
		}
	}
	return evs, after
}

// ---------------------------------------------------------------------------
// Stream

// streamFixture holds real stream records of captures and of two counted downloads
// on the page stream-fixture on 2026-03-02 (see shared/dynamodb's tests).
const (
	streamFixture     = "dynamodb-stream-captures.json"
	streamFixturePage = "stream-fixture"
	streamFixtureDay  = "2026-03-02"
)

// streamCase: real stream records of captures and two counted downloads, delivered
// twice as the event source mapping redelivers a batch, count the downloads once;
// then a poison record is reported as a batch item failure, with the later records
// of its item, and its data kept out of the answer and the logs.
func streamCase(t *testing.T, r *bootstrapRun) ([]bootstrapEvent, func(t *testing.T)) {
	payload, err := os.ReadFile(filepath.Join(repoRoot, "events", streamFixture))
	if err != nil {
		t.Fatal(err)
	}
	poisoned, poisonedSeqs := poisonGrantRecord(t, payload)
	checkCounts := func(t *testing.T) {
		t.Helper()
		c, err := r.store.DailyCounts(r.ctx, streamFixturePage, streamFixtureDay)
		if err != nil || c.Downloads != 2 {
			t.Errorf("DailyCounts(%s, %s) in DynamoDB Local: %d downloads (%v), want 2", streamFixturePage, streamFixtureDay, c.Downloads, err)
		}
	}
	batch := func(t *testing.T, _ *bootstrapRun, o outcome) {
		if failed := batchItemFailures(t, o); len(failed) != 0 {
			t.Errorf("batchItemFailures %q, want none", failed)
		}
		checkCounts(t)
	}
	evs := []bootstrapEvent{
		{name: "batch", payload: payload, check: batch},
		{name: "redelivered batch", payload: payload, check: batch},
		{name: "poison record", payload: poisoned, check: func(t *testing.T, r *bootstrapRun, o outcome) {
			// Reported, not thrown: an /error would retry the whole batch.
			if failed := batchItemFailures(t, o); !slices.Equal(failed, poisonedSeqs) {
				t.Errorf("batchItemFailures %q, want the poison record and the later records of its item: %q", failed, poisonedSeqs)
			}
			if strings.Contains(string(o.response), poisonValue) {
				t.Errorf("the response echoes record data: %s", o.response)
			}
			id := r.ids["poison record"]
			checkJSONLogs(t, r.p.stdoutWith(id, 5*time.Second), map[string]string{
				"level": "WARN", "requestId": id, "sequence_number": poisonedSeqs[0],
			})
			if out := r.p.stdout.String() + r.p.stderr.String(); strings.Contains(out, poisonValue) {
				t.Errorf("the function logs record data")
			}
			checkCounts(t)
		}},
	}
	return evs, nil
}

// poisonValue replaces a grant's download count in the poison record.
const poisonValue = "poison-downloads"

// poisonGrantRecord returns a copy of the stream event in which the first MODIFY of
// a grant has a string for its downloads, and the sequence numbers the function must
// report: that record's and those of every later record. The rest of the event is
// left as it was, numbers included.
func poisonGrantRecord(t *testing.T, payload []byte) ([]byte, []string) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var event map[string]any
	if err := dec.Decode(&event); err != nil {
		t.Fatal(err)
	}
	records, _ := event["Records"].([]any)
	// The poison record fails with the later records of its item (the same partition
	// key), whose order must be kept; the other records succeed.
	var (
		seqs   []string
		poison any
	)
	for _, r := range records {
		seq, _ := dig(r, "dynamodb", "SequenceNumber").(string)
		img, _ := dig(r, "dynamodb", "NewImage").(map[string]any)
		pk := dig(r, "dynamodb", "Keys", "pk", "S")
		if poison == nil && dig(r, "eventName") == "MODIFY" && dig(img, "item_type", "S") == "grant" {
			if _, ok := dig(img, "downloads", "N").(string); !ok {
				t.Fatalf("grant record %s has no number of downloads", seq)
			}
			img["downloads"] = map[string]any{"S": poisonValue}
			poison = pk
			seqs = append(seqs, seq)
		} else if poison != nil && pk == poison {
			seqs = append(seqs, seq)
		}
	}
	if len(seqs) < 2 {
		t.Fatalf("%s has no MODIFY of a grant followed by later records of the grant", streamFixture)
	}
	data, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	return data, seqs
}

// batchItemFailures returns the item identifiers of a stream function's response,
// failing the test if the invocation posted an error instead.
func batchItemFailures(t *testing.T, o outcome) []string {
	t.Helper()
	if o.err != nil {
		t.Fatalf("invocation error %s (%s)", o.err.raw, o.err.header)
	}
	var res events.DynamoDBEventResponse
	if err := json.Unmarshal(o.response, &res); err != nil {
		t.Fatalf("response %.300s: %v", o.response, err)
	}
	ids := []string{}
	for _, f := range res.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

// ---------------------------------------------------------------------------
// Settings at init

func TestBootstrapsReportBadSettingsAtInit(t *testing.T) {
	needsBootstraps(t)
	tpl := loadTemplate(t)
	const shortSecret = "too-short-but-still-a-secret" // 28 bytes: under signing.MinKeyLength
	cases := []struct {
		name     string
		variable string
		value    *string // nil: unset
	}{
		{"no TABLE_NAME", "TABLE_NAME", nil},
		{"short secret", "SIGNING_SECRET_ARN", aws.String(shortSecret)}, // the ARN of a secret this short
		{"DEDUPE_WINDOW=soon", "DEDUPE_WINDOW", aws.String("soon")},
	}
	ran := 0
	for _, fn := range tpl.functions(t) {
		for _, tc := range cases {
			if _, ok := fn.Env[tc.variable]; !ok {
				continue // this function does not read that setting
			}
			ran++
			t.Run(fn.ID+"/"+tc.name, func(t *testing.T) {
				bin := buildFunction(t, fn.ID, true)
				// No table is touched before the settings are read.
				env := functionEnv(t, tpl, fn, "leadgate-harness", "http://127.0.0.1:9")
				switch {
				case tc.value == nil:
					delete(env, tc.variable)
				case tc.variable == "SIGNING_SECRET_ARN":
					_, env[tc.variable] = motoSecret(t, *tc.value)
				default:
					env[tc.variable] = *tc.value
				}
				api := newRuntimeAPI(t)
				p := api.start(t, bin.path, fn, env)
				if code := p.waitExit(t, 20*time.Second); code == 0 {
					t.Errorf("exit code 0, want a failure")
				}
				if nexts := api.nextRequests(); len(nexts) != 0 {
					t.Errorf("asked for %d invocations despite the bad setting", len(nexts))
				}
				reports := api.initErrors()
				if len(reports) != 1 {
					t.Fatalf("%d init errors posted, want 1; stdout:\n%s", len(reports), p.stdout.String())
				}
				r := reports[0]
				if r.header != "Runtime.ConfigError" || r.ErrorType != "Runtime.ConfigError" {
					t.Errorf("error type header %q, body %q, want Runtime.ConfigError", r.header, r.ErrorType)
				}
				if !strings.Contains(r.ErrorMessage, tc.variable) {
					t.Errorf("message %q does not name %s", r.ErrorMessage, tc.variable)
				}
				output := p.stdout.String() + p.stderr.String()
				for _, secret := range []string{fixtureSecret, shortSecret} {
					if strings.Contains(string(r.raw), secret) || strings.Contains(output, secret) {
						t.Errorf("a secret value is in the init error or the logs:\n%s\n%s", r.raw, output)
					}
				}
				t.Logf("%s: %s", tc.name, r.ErrorMessage)
			})
		}
	}
	if ran == 0 {
		t.Fatal("no function of template.yaml reads TABLE_NAME, SIGNING_SECRET_ARN or DEDUPE_WINDOW")
	}
}
