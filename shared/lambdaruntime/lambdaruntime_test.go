package lambdaruntime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"leadgate/shared/lambdalog"
	"leadgate/shared/lambdaruntime"
)

// event is what the Runtime API hands out for one invocation.
type event struct {
	id       string
	payload  string
	deadline time.Time
	header   map[string]string // extra headers
}

// posted is what the loop posted for an invocation.
type posted struct {
	id, kind    string // kind: "response" or "error"
	body        []byte
	contentType string
	errorType   string // Lambda-Runtime-Function-Error-Type
}

// fakeAPI is a Runtime API on 127.0.0.1 that hands out events in order, then makes
// the next /next fail (status 500) so that the loop stops.
type fakeAPI struct {
	mu     sync.Mutex
	events []event
	posts  []posted
	nexts  int
	handed int // events handed out
	agents []string
}

func (a *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.agents = append(a.agents, r.UserAgent())
	const prefix = "/2018-06-01/runtime/invocation/"
	path, ok := strings.CutPrefix(r.URL.Path, prefix)
	switch {
	case ok && r.Method == http.MethodGet && path == "next":
		a.nexts++
		if len(a.events) == 0 {
			// Once every event handed out is answered: the loops stop there, and
			// ones stopped sooner would drop what they hold.
			for deadline := time.Now().Add(10 * time.Second); len(a.posts) < a.handed && time.Now().Before(deadline); {
				a.mu.Unlock()
				time.Sleep(time.Millisecond)
				a.mu.Lock()
			}
			http.Error(w, "no more events", http.StatusInternalServerError)
			return
		}
		e := a.events[0]
		a.events = a.events[1:]
		a.handed++
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", e.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(e.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:123456789012:function:test")
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000001;Sampled=0")
		for k, v := range e.header {
			h.Set(k, v)
		}
		_, _ = io.WriteString(w, e.payload)
	case ok && r.Method == http.MethodPost:
		id, kind, _ := strings.Cut(path, "/")
		body, _ := io.ReadAll(r.Body)
		a.posts = append(a.posts, posted{
			id: id, kind: kind, body: body,
			contentType: r.Header.Get("Content-Type"),
			errorType:   r.Header.Get("Lambda-Runtime-Function-Error-Type"),
		})
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"OK"}`)
	default:
		http.NotFound(w, r)
	}
}

// serve starts a on 127.0.0.1 and returns its host:port.
func serve(t *testing.T, a *fakeAPI) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(a)
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return ln.Addr().String()
}

// logTo makes the default logger the functions' JSON logger on a buffer, for the
// test's length.
func logTo(t *testing.T) *bytes.Buffer {
	t.Helper()
	var buf syncBuffer
	old := slog.Default()
	slog.SetDefault(lambdalog.New(&buf))
	t.Cleanup(func() { slog.SetDefault(old) })
	return &buf.Buffer
}

type syncBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

type order struct {
	Item  string `json:"item"`
	Count int    `json:"count"`
}

type receipt struct {
	Text string `json:"text"`
}

// run serves evs with h until the fake API runs out of events, and returns what
// the loop posted and the error it stopped with.
func run[In, Out any](t *testing.T, h func(context.Context, In) (Out, error), evs ...event) (*fakeAPI, error) {
	t.Helper()
	a := &fakeAPI{events: evs}
	addr := serve(t, a)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := lambdaruntime.Run(ctx, addr, h)
	if err == nil {
		t.Fatal("Run returned nil, want why it stopped")
	}
	return a, err
}

func newEvent(id, payload string) event {
	return event{id: id, payload: payload, deadline: time.Now().Add(time.Minute)}
}

func TestSuccess(t *testing.T) {
	var got []order
	h := func(_ context.Context, o order) (receipt, error) {
		got = append(got, o)
		return receipt{Text: "<b>" + o.Item + "</b> x" + strconv.Itoa(o.Count)}, nil
	}
	a, err := run(t, h, newEvent("req-1", `{"item":"book","count":2}`), newEvent("req-2", `{"item":"pen","count":1}`))
	if !strings.Contains(err.Error(), "status 500") {
		t.Errorf("stopped with %v, want the failed /next", err)
	}
	if len(got) != 2 || got[0] != (order{"book", 2}) || got[1] != (order{"pen", 1}) {
		t.Errorf("handler got %+v", got)
	}
	if a.nexts != 3 {
		t.Errorf("%d /next requests, want 3 (two events, then the failure)", a.nexts)
	}
	if len(a.posts) != 2 {
		t.Fatalf("posts %+v, want two responses", a.posts)
	}
	for i, want := range []struct{ id, body string }{
		{"req-1", `{"text":"<b>book</b> x2"}` + "\n"}, // HTML left as is, as aws-lambda-go encodes it
		{"req-2", `{"text":"<b>pen</b> x1"}` + "\n"},
	} {
		p := a.posts[i]
		if p.id != want.id || p.kind != "response" || string(p.body) != want.body || p.contentType != "application/json" {
			t.Errorf("post %d: %s %s %q (%s), want %s response %q", i, p.id, p.kind, p.body, p.contentType, want.id, want.body)
		}
	}
	for _, ua := range a.agents {
		if !strings.HasPrefix(ua, "leadgate/go") {
			t.Errorf("User-Agent %q", ua)
		}
	}
}

// codedError is an error type of the handler's own: its name is the errorType.
type codedError struct{ code string }

func (e *codedError) Error() string { return "refused: " + e.code }

func TestHandlerErrorIsPostedAndTheLoopGoesOn(t *testing.T) {
	const secretValue = "a-secret-value-from-the-environment"
	t.Setenv("TEST_SIGNING_SECRET", secretValue)
	logs := logTo(t)
	h := func(_ context.Context, o order) (receipt, error) {
		switch o.Item {
		case "coded":
			return receipt{}, &codedError{"E42"}
		case "leaky":
			return receipt{}, errors.New("bad key " + secretValue)
		}
		return receipt{Text: "ok"}, nil
	}
	a, _ := run(t, h, newEvent("req-1", `{"item":"coded"}`), newEvent("req-2", `{"item":"leaky"}`), newEvent("req-3", `{"item":"fine"}`))
	if len(a.posts) != 3 {
		t.Fatalf("posts %+v, want 3", a.posts)
	}
	for i, want := range []struct{ message, typ string }{
		{"refused: E42", "codedError"},
		{"bad key [value of TEST_SIGNING_SECRET redacted]", "errorString"},
	} {
		p := a.posts[i]
		var body map[string]any
		if err := json.Unmarshal(p.body, &body); err != nil {
			t.Fatalf("error body %q: %v", p.body, err)
		}
		if p.kind != "error" || len(body) != 2 || body["errorMessage"] != want.message || body["errorType"] != want.typ {
			t.Errorf("post %d: %s %s, want an error {errorMessage %q, errorType %q}", i, p.kind, p.body, want.message, want.typ)
		}
		if p.errorType != want.typ || p.contentType != "application/json" {
			t.Errorf("post %d: Lambda-Runtime-Function-Error-Type %q, Content-Type %q", i, p.errorType, p.contentType)
		}
	}
	if p := a.posts[2]; p.id != "req-3" || p.kind != "response" {
		t.Errorf("after the errors: %s %s, want the response to req-3", p.id, p.kind)
	}
	if strings.Contains(logs.String(), secretValue) {
		t.Errorf("the secret is in the logs:\n%s", logs)
	}
	if !strings.Contains(logs.String(), `"requestId":"req-1"`) {
		t.Errorf("the error's log line has no request id:\n%s", logs)
	}
}

func TestMalformedEventIsAnErrorAndTheLoopGoesOn(t *testing.T) {
	called := 0
	h := func(_ context.Context, o order) (receipt, error) {
		called++
		return receipt{Text: o.Item}, nil
	}
	a, _ := run(t, h,
		newEvent("req-1", `{"item":`),
		newEvent("req-2", `{"item":"book","count":"two"}`),
		newEvent("req-3", `{"item":"book"}`))
	if called != 1 {
		t.Errorf("handler called %d times, want once (the well-formed event)", called)
	}
	if len(a.posts) != 3 {
		t.Fatalf("posts %+v, want 3", a.posts)
	}
	for i, typ := range []string{"SyntaxError", "UnmarshalTypeError"} {
		if p := a.posts[i]; p.kind != "error" || p.errorType != typ {
			t.Errorf("post %d: %s %s (%s), want an error of type %s", i, p.kind, p.body, p.errorType, typ)
		}
	}
	if p := a.posts[2]; p.kind != "response" || string(p.body) != `{"text":"book"}`+"\n" {
		t.Errorf("post 3: %s %q", p.kind, p.body)
	}
}

func TestContextCarriesTheInvocation(t *testing.T) {
	logs := logTo(t)
	deadline := time.Now().Add(10 * time.Second).Truncate(time.Millisecond) // before run's own timeout
	ev := newEvent("req-ctx", `{}`)
	ev.deadline = deadline
	ev.header = map[string]string{
		"Lambda-Runtime-Client-Context":   `{"Client":{"app_title":"shop"},"custom":{"k":"v"}}`,
		"Lambda-Runtime-Cognito-Identity": `{"CognitoIdentityID":"id-1","CognitoIdentityPoolID":"pool-1"}`,
	}
	t.Setenv("_X_AMZN_TRACE_ID", "")
	var (
		gotDeadline time.Time
		hasDeadline bool
		lc          *lambdacontext.LambdaContext
		trace       string
	)
	h := func(ctx context.Context, _ struct{}) (*struct{}, error) {
		gotDeadline, hasDeadline = ctx.Deadline()
		lc, _ = lambdacontext.FromContext(ctx)
		trace = os.Getenv("_X_AMZN_TRACE_ID")
		slog.InfoContext(ctx, "handled")
		return nil, nil
	}
	a, _ := run(t, h, ev)
	if !hasDeadline || !gotDeadline.Equal(deadline) {
		t.Errorf("deadline %v (%v), want %v", gotDeadline, hasDeadline, deadline)
	}
	if lc == nil || lc.AwsRequestID != "req-ctx" || lc.InvokedFunctionArn != "arn:aws:lambda:eu-west-1:123456789012:function:test" {
		t.Fatalf("LambdaContext %+v", lc)
	}
	if lc.ClientContext.Client.AppTitle != "shop" || lc.ClientContext.Custom["k"] != "v" || lc.Identity.CognitoIdentityPoolID != "pool-1" {
		t.Errorf("client context %+v, identity %+v", lc.ClientContext, lc.Identity)
	}
	if trace != "Root=1-00000000-000000000000000000000001;Sampled=0" {
		t.Errorf("_X_AMZN_TRACE_ID %q", trace)
	}
	if !strings.Contains(logs.String(), `"message":"handled","requestId":"req-ctx","coldStart":true`) {
		t.Errorf("the handler's log line has no request id:\n%s", logs)
	}
	if len(a.posts) != 1 || string(a.posts[0].body) != "null\n" {
		t.Errorf("posts %+v, want the response null", a.posts)
	}
}

// The first invocation a process serves waited for its start: its lines, and only
// its, say coldStart; every line of each invocation has its request id.
func TestFirstInvocationIsTheColdStart(t *testing.T) {
	logs := logTo(t)
	var cold []bool
	h := func(ctx context.Context, o order) (receipt, error) {
		cold = append(cold, lambdaruntime.ColdStart(ctx))
		slog.InfoContext(ctx, "handled", "item", o.Item)
		slog.WarnContext(ctx, "and again", "item", o.Item)
		return receipt{}, nil
	}
	run(t, h, newEvent("req-1", `{"item":"book"}`), newEvent("req-2", `{"item":"pen"}`), newEvent("req-3", `{"item":"ink"}`))
	if len(cold) != 3 || !cold[0] || cold[1] || cold[2] {
		t.Errorf("ColdStart per invocation %v, want [true false false]", cold)
	}
	want := map[string]string{"book": "req-1", "pen": "req-2", "ink": "req-3"}
	n := 0
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		item, _ := rec["item"].(string)
		if item == "" {
			continue
		}
		n++
		if rec["requestId"] != want[item] {
			t.Errorf("line %s: requestId %v, want %s", line, rec["requestId"], want[item])
		}
		if cs, has := rec["coldStart"]; (item == "book") != has || (has && cs != true) {
			t.Errorf("line %s: coldStart %v, want true on the first invocation's lines only", line, cs)
		}
	}
	if n != 6 {
		t.Errorf("%d handler lines, want 6:\n%s", n, logs)
	}
}

func TestBadHeadersAreAnErrorOfTheInvocation(t *testing.T) {
	ev := newEvent("req-1", `{}`)
	ev.header = map[string]string{"Lambda-Runtime-Deadline-Ms": "soon"}
	ev2 := newEvent("req-2", `{}`)
	ev2.header = map[string]string{"Lambda-Runtime-Client-Context": "{"}
	called := 0
	h := func(context.Context, struct{}) (int, error) { called++; return called, nil }
	a, _ := run(t, h, ev, ev2, newEvent("req-3", `{}`))
	if called != 1 || len(a.posts) != 3 || a.posts[0].kind != "error" || a.posts[1].kind != "error" || string(a.posts[2].body) != "1\n" {
		t.Errorf("called %d, posts %+v: want errors for the bad headers, then one response", called, a.posts)
	}
}

func TestPanicIsReportedAndStopsTheLoop(t *testing.T) {
	logs := logTo(t)
	h := func(_ context.Context, o order) (receipt, error) {
		var items []string
		_ = items[o.Count] // index out of range
		return receipt{}, nil
	}
	a, err := run(t, h, newEvent("req-panic", `{"item":"ada@example.com","count":3}`), newEvent("req-never", `{}`))
	if err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("stopped with %v, want the panic", err)
	}
	if a.nexts != 1 {
		t.Errorf("%d /next requests, want 1: the process ends after a panic, as with aws-lambda-go", a.nexts)
	}
	if len(a.posts) != 1 {
		t.Fatalf("posts %+v, want the panic's error", a.posts)
	}
	p := a.posts[0]
	var body map[string]any
	if err := json.Unmarshal(p.body, &body); err != nil {
		t.Fatal(err)
	}
	if p.id != "req-panic" || p.kind != "error" || p.errorType != lambdaruntime.PanicErrorType || body["errorType"] != lambdaruntime.PanicErrorType {
		t.Errorf("post %s %s %s (%s), want a %s error", p.id, p.kind, p.body, p.errorType, lambdaruntime.PanicErrorType)
	}
	if msg, _ := body["errorMessage"].(string); !strings.Contains(msg, "index out of range [3]") {
		t.Errorf("errorMessage %q, want the panic's value", msg)
	}
	if _, ok := body["stackTrace"]; ok || len(body) != 2 {
		t.Errorf("body %s, want errorMessage and errorType alone", p.body)
	}
	out := logs.String()
	if !strings.Contains(out, `"requestId":"req-panic"`) || !strings.Contains(out, "TestPanicIsReportedAndStopsTheLoop") {
		t.Errorf("logs lack the request id or the panicking function:\n%s", out)
	}
	if strings.Contains(out, "ada@example.com") || strings.Contains(string(p.body), "ada@example.com") {
		t.Errorf("the event's data is in the logs or the error:\n%s\n%s", out, p.body)
	}
}

func TestNoResponseAnswersNull(t *testing.T) {
	got := ""
	h := lambdaruntime.NoResponse(func(_ context.Context, o order) error {
		got = o.Item
		if o.Item == "bad" {
			return errors.New("bad item")
		}
		return nil
	})
	a, _ := run(t, h, newEvent("req-1", `{"item":"tick"}`), newEvent("req-2", `{"item":"bad"}`))
	if got != "bad" || len(a.posts) != 2 || string(a.posts[0].body) != "null\n" || a.posts[1].kind != "error" {
		t.Errorf("got %q, posts %+v", got, a.posts)
	}
}

func TestFailedPostStopsTheLoop(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", "req-1")
			w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
			_, _ = io.WriteString(w, `{}`)
			return
		}
		// The Runtime API refuses a response over its size limit with 413.
		http.Error(w, `{"errorMessage":"too large","errorType":"RequestEntityTooLarge"}`, http.StatusRequestEntityTooLarge)
	}))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	err = lambdaruntime.Run(context.Background(), ln.Addr().String(), func(context.Context, struct{}) (string, error) { return "x", nil })
	if err == nil || !strings.Contains(err.Error(), "413") {
		t.Errorf("Run: %v, want the refused response", err)
	}
}

func TestRedact(t *testing.T) {
	env := []string{"FORM_SIGNING_SECRET=s3cr3t-value", "FORM_TOKEN_MAX_AGE=876000h", "API_KEY=abc", "AWS_SESSION_TOKEN=tok-123"}
	got := lambdaruntime.Redact("s3cr3t-value tok-123 876000h abc", env)
	want := "[value of FORM_SIGNING_SECRET redacted] [value of AWS_SESSION_TOKEN redacted] 876000h abc"
	if got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
}

// helperEnv makes the test binary, started again by TestStartExitsAfterAPanic, run
// Start with a handler that panics instead of running the tests.
const helperEnv = "LEADGATE_LAMBDARUNTIME_PANIC"

// echoEnv makes the test binary run Start with a handler that answers the event's
// item and whether _X_AMZN_TRACE_ID is set.
const echoEnv = "LEADGATE_LAMBDARUNTIME_ECHO"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		slog.SetDefault(lambdalog.New(os.Stdout))
		lambdaruntime.Start(func(context.Context, order) (receipt, error) { panic("out of stock") })
	}
	if os.Getenv(echoEnv) != "" {
		// The handler waits until three invocations have come, which only three
		// loops at once can deliver, or a while, and says which it was.
		var (
			mu       sync.Mutex
			arrivals int
			three    = make(chan struct{})
		)
		lambdaruntime.Start(func(_ context.Context, o order) (receipt, error) {
			mu.Lock()
			if arrivals++; arrivals == 3 {
				close(three)
			}
			mu.Unlock()
			together := "together"
			select {
			case <-three:
			case <-time.After(5 * time.Second):
				together = "alone"
			}
			return receipt{Text: o.Item + " " + together + " trace=" + os.Getenv("_X_AMZN_TRACE_ID")}, nil
		})
	}
	os.Exit(m.Run())
}

func TestStartExitsAfterAPanic(t *testing.T) {
	a := &fakeAPI{events: []event{newEvent("req-1", `{}`), newEvent("req-2", `{}`)}}
	for name, api := range map[string]string{"in Lambda": serve(t, a), "outside Lambda": ""} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"=1", lambdaruntime.APIEnv+"="+api)
			cmd.WaitDelay = 5 * time.Second
			out, err := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != 1 {
				t.Errorf("exit code %d (%v), want 1; output:\n%s", code, err, out)
			}
			if api == "" {
				return
			}
			a.mu.Lock()
			defer a.mu.Unlock()
			if a.nexts != 1 || len(a.posts) != 1 || a.posts[0].errorType != lambdaruntime.PanicErrorType {
				t.Errorf("%d /next requests, posts %+v: want one invocation, its panic reported", a.nexts, a.posts)
			}
			if !strings.Contains(string(out), `"message":"the handler panicked","stack":`) ||
				!strings.Contains(string(out), `"error":"out of stock","error_type":"Runtime.Panic","requestId":"req-1"`) {
				t.Errorf("output:\n%s", out)
			}
		})
	}
}

// With AWS_LAMBDA_MAX_CONCURRENCY, one process takes that many invocations at once,
// and leaves _X_AMZN_TRACE_ID alone: one variable cannot hold several traces.
func TestConcurrentLoops(t *testing.T) {
	var evs []event
	for i := range 6 {
		evs = append(evs, newEvent("req-"+strconv.Itoa(i), `{"item":"item-`+strconv.Itoa(i)+`"}`))
	}
	a := &fakeAPI{events: evs}
	api := serve(t, a)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), echoEnv+"=1", lambdaruntime.APIEnv+"="+api, "AWS_LAMBDA_MAX_CONCURRENCY=3", "_X_AMZN_TRACE_ID=")
	cmd.WaitDelay = 5 * time.Second
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit code %d, want 1 once the API fails; output:\n%s", code, out)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.posts) != len(evs) {
		t.Fatalf("posts %+v, want one response per event", a.posts)
	}
	for _, p := range a.posts {
		n, _ := strings.CutPrefix(p.id, "req-")
		if want := `{"text":"item-` + n + ` together trace="}` + "\n"; p.kind != "response" || string(p.body) != want {
			t.Errorf("%s: %s %q, want %q", p.id, p.kind, p.body, want)
		}
	}
}
