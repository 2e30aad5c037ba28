// A Lambda Runtime API harness: it builds each function of template.yaml with its
// Makefile target, serves the documented Runtime API on 127.0.0.1 and runs the built
// bootstrap against it with the environment the template gives the function, the
// way Lambda's own sandbox would. No Lambda emulator is downloadable here, and
// `sam local` needs Docker.
//
// Runtime API: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
package functions_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/uuid"

	"leadgate/shared/dynamodb"
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
)

// fixtureSecret signed the form tokens of the events/ files (see
// functions/capture/main_test.go); it is 48 characters, like a resolved secret.
const fixtureSecret = "events-fixture-secret-never-used-in-a-deployment"

const (
	endpointEnv = "LEADGATE_DYNAMODB_ENDPOINT"
	region      = "us-east-1"
	accountID   = "123456789012"
)

// buildRoot holds the binaries the tests build, once per run of the test binary.
var buildRoot string

func TestMain(m *testing.M) {
	code := m.Run()
	if buildRoot != "" {
		os.RemoveAll(buildRoot)
	}
	os.Exit(code)
}

// dynamoEndpoint returns DynamoDB Local's endpoint, skipping the test without one
// and failing it under CI, where a missing emulator must not pass unnoticed.
func dynamoEndpoint(t *testing.T) string {
	t.Helper()
	ep := os.Getenv(endpointEnv)
	if ep == "" {
		msg := endpointEnv + " is not set; start DynamoDB Local with " +
			"`bash infra/local/dynamodb-local.sh install && bash infra/local/dynamodb-local.sh start` " +
			"and run with " + endpointEnv + "=http://127.0.0.1:8765"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return ep
}

// needsBootstraps skips where the linux bootstrap cannot run, or in -short mode.
func needsBootstraps(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the bootstraps are linux binaries")
	}
	if testing.Short() {
		t.Skip("builds and runs the bootstraps; not in -short mode")
	}
}

// ---------------------------------------------------------------------------
// Builds

// build is one bootstrap built by a Makefile target.
type build struct {
	path  string
	flags []string          // the go build flags make passed, without -o and the package
	env   map[string]string // GOOS, GOARCH and CGO_ENABLED as make set them
}

var builds struct {
	sync.Mutex
	done map[string]build
}

func buildDir(t *testing.T, parts ...string) string {
	t.Helper()
	if buildRoot == "" {
		dir, err := os.MkdirTemp("", "leadgate-bootstraps-")
		if err != nil {
			t.Fatal(err)
		}
		buildRoot = dir
	}
	dir := filepath.Join(append([]string{buildRoot}, parts...)...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// buildFunction runs `make build-<id> ARTIFACTS_DIR=<dir>`. For the host, make gets
// GO=<a wrapper> that records how it called go and builds with this machine's
// GOARCH; everything else is the Makefile's own. For arm64 it is make untouched.
func buildFunction(t *testing.T, id string, forHost bool) build {
	t.Helper()
	arch := "arm64"
	if forHost {
		arch = "host"
	}
	key := id + "/" + arch
	builds.Lock()
	defer builds.Unlock()
	if b, ok := builds.done[key]; ok {
		return b
	}
	dir := buildDir(t, id, arch)
	args := []string{"--no-print-directory", "-C", repoRoot, "build-" + id, "ARTIFACTS_DIR=" + dir}
	record := filepath.Join(dir, "go-call")
	if forHost {
		goBin, err := exec.LookPath("go")
		if err != nil {
			t.Fatal(err)
		}
		wrapper := filepath.Join(dir, "go-for-host")
		script := "#!/bin/sh\n" +
			"# Records how make calls go, then builds for this machine's architecture.\n" +
			"{ printf 'GOOS=%s\\nGOARCH=%s\\nCGO_ENABLED=%s\\n' \"$GOOS\" \"$GOARCH\" \"$CGO_ENABLED\"; for a in \"$@\"; do printf 'arg=%s\\n' \"$a\"; done; } >" + shellQuote(record) + "\n" +
			"GOARCH=" + runtime.GOARCH + " exec " + shellQuote(goBin) + " \"$@\"\n"
		if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		args = append(args, "GO="+wrapper)
	}
	cmd := exec.Command("make", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build-%s: %v\n%s", id, err, out)
	}
	b := build{path: filepath.Join(dir, "bootstrap"), env: map[string]string{}}
	if forHost {
		data, err := os.ReadFile(record)
		if err != nil {
			t.Fatalf("build-%s did not call $(GO): the harness cannot build it for this machine: %v", id, err)
		}
		var goArgs []string
		for line := range strings.SplitSeq(strings.TrimSuffix(string(data), "\n"), "\n") {
			if a, ok := strings.CutPrefix(line, "arg="); ok {
				goArgs = append(goArgs, a)
			} else if k, v, ok := strings.Cut(line, "="); ok {
				b.env[k] = v
			}
		}
		b.flags = buildFlags(t, goArgs)
	}
	checkELF(t, b.path, map[bool]string{true: runtime.GOARCH, false: "arm64"}[forHost])
	if builds.done == nil {
		builds.done = map[string]build{}
	}
	builds.done[key] = b
	return b
}

// buildFlags returns the flags of a `go build ... -o <file> <package>` call.
func buildFlags(t *testing.T, goArgs []string) []string {
	t.Helper()
	if len(goArgs) < 2 || goArgs[0] != "build" || strings.HasPrefix(goArgs[len(goArgs)-1], "-") {
		t.Fatalf("make called go %q, want go build [flags] <package>", goArgs)
	}
	var flags []string
	rest := goArgs[1 : len(goArgs)-1]
	for i := 0; i < len(rest); i++ {
		if rest[i] == "-o" {
			i++
			continue
		}
		if strings.HasPrefix(rest[i], "-o=") {
			continue
		}
		flags = append(flags, rest[i])
	}
	return flags
}

// quoteArgs formats args as a shell would take them back.
func quoteArgs(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = a
		if a == "" || strings.ContainsAny(a, " \t'\"$\\") {
			quoted[i] = shellQuote(a)
		}
	}
	return strings.Join(quoted, " ")
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// checkELF checks that path is a linux executable for arch ("amd64", "arm64").
func checkELF(t *testing.T, path, arch string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch]
	if want != 0 && f.Machine != want {
		t.Fatalf("%s is built for %s, want %s", path, f.Machine, arch)
	}
}

// stripped reports whether the binary at path has no symbol table.
func stripped(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return f.Section(".symtab") == nil
}

// helloSource is the smallest aws-lambda-go function: the floor of size and init.
const helloSource = `package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context) (string, error) { return "hello", nil })
}
`

// buildHello builds the hello-world function with like's flags and environment,
// for the host (to run it) or for arm64 (to weigh it as Lambda would get it).
func buildHello(t *testing.T, like build, forHost bool) string {
	t.Helper()
	arch := "arm64"
	if forHost {
		arch = runtime.GOARCH
	}
	dir := buildDir(t, "hello", arch)
	out := filepath.Join(dir, "bootstrap")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	// The module's own go.sum pins aws-lambda-go, so the build needs no network.
	sum, err := os.ReadFile(filepath.Join(repoRoot, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"main.go": helloSource,
		"go.mod": "module hello\n\ngo " + moduleVersion(t, "go") + "\n\nrequire github.com/aws/aws-lambda-go " +
			moduleVersion(t, "github.com/aws/aws-lambda-go") + "\n",
		"go.sum": string(sum),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", append(append([]string{"build"}, like.flags...), "-o", out, ".")...)
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"), "GOOS="+like.env["GOOS"], "GOARCH="+arch, "CGO_ENABLED="+like.env["CGO_ENABLED"])
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build hello world: %v\n%s", err, b)
	}
	checkELF(t, out, arch)
	return out
}

// moduleVersion returns the version the module's go.mod requires of module, or its
// go directive for "go".
func moduleVersion(t *testing.T, module string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	pattern := `(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(module) + `\s+(v\S+)`
	if module == "go" {
		pattern = `(?m)^go\s+(\S+)`
	}
	m := regexp.MustCompile(pattern).FindSubmatch(data)
	if m == nil {
		t.Fatalf("go.mod names no %s", module)
	}
	return string(m[1])
}

// ---------------------------------------------------------------------------
// The Runtime API

// runtimeAPI serves the Lambda Runtime API to one bootstrap process at a time.
type runtimeAPI struct {
	addr    string
	srv     *http.Server
	queue   chan *invocation // unbuffered: /next hands out one event at a time
	closing chan struct{}

	mu        sync.Mutex
	inflight  map[string]*invocation
	nexts     []time.Time // when each /next request came
	initErrs  []runtimeError
	protoErrs []string      // requests the harness could not match
	nextCame  chan struct{} // closed, and replaced, by each /next request
}

type invocation struct {
	id, functionARN string
	payload         []byte
	deadline        time.Time
	done            chan outcome
	takenBy         int // the number of the /next request that took it; guarded by runtimeAPI.mu
}

// outcome is what the bootstrap posted for an invocation.
type outcome struct {
	response []byte        // POST .../response
	err      *runtimeError // POST .../error
}

// runtimeError is the body and error type header of an /error or /init/error post.
type runtimeError struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
	StackTrace   []any  `json:"stackTrace,omitempty"`
	header       string // Lambda-Runtime-Function-Error-Type
	raw          []byte // the body as posted
}

// newRuntimeAPI serves the Runtime API on 127.0.0.1 at a random port until the test ends.
func newRuntimeAPI(t *testing.T) *runtimeAPI {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &runtimeAPI{
		addr:     ln.Addr().String(),
		queue:    make(chan *invocation),
		closing:  make(chan struct{}),
		inflight: map[string]*invocation{},
		nextCame: make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", a.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", a.response)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", a.invocationError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", a.initError)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.protocolError("unexpected request %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	})
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go a.srv.Serve(ln)
	// Registered before any process: cleanups run last-in first-out, so every
	// bootstrap is stopped before the server goes.
	t.Cleanup(func() {
		close(a.closing)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.srv.Shutdown(ctx); err != nil {
			a.srv.Close()
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		for _, e := range a.protoErrs {
			t.Errorf("runtime API: %s", e)
		}
	})
	return a
}

func (a *runtimeAPI) protocolError(format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.protoErrs = append(a.protoErrs, fmt.Sprintf(format, args...))
}

func (a *runtimeAPI) next(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.nexts = append(a.nexts, time.Now())
	n := len(a.nexts)
	close(a.nextCame)
	a.nextCame = make(chan struct{})
	a.mu.Unlock()
	select {
	case inv := <-a.queue:
		a.mu.Lock()
		a.inflight[inv.id] = inv
		inv.takenBy = n
		a.mu.Unlock()
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.functionARN)
		h.Set("Lambda-Runtime-Trace-Id", traceID())
		_, _ = w.Write(inv.payload)
	case <-r.Context().Done(): // the bootstrap went away
	case <-a.closing:
	}
}

// finish hands the outcome of invocation id to whoever waits for it.
func (a *runtimeAPI) finish(w http.ResponseWriter, id string, o outcome) {
	a.mu.Lock()
	inv, ok := a.inflight[id]
	delete(a.inflight, id)
	a.mu.Unlock()
	if !ok {
		a.protocolError("a result for request %q, which is not in flight", id)
		http.Error(w, `{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}`, http.StatusBadRequest)
		return
	}
	inv.done <- o
	accepted(w)
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

func (a *runtimeAPI) response(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		a.protocolError("read response of %s: %v", r.PathValue("id"), err)
	}
	a.finish(w, r.PathValue("id"), outcome{response: body})
}

func (a *runtimeAPI) invocationError(w http.ResponseWriter, r *http.Request) {
	e := readRuntimeError(a, r)
	a.finish(w, r.PathValue("id"), outcome{err: &e})
}

func (a *runtimeAPI) initError(w http.ResponseWriter, r *http.Request) {
	e := readRuntimeError(a, r)
	a.mu.Lock()
	a.initErrs = append(a.initErrs, e)
	a.mu.Unlock()
	accepted(w)
}

func readRuntimeError(a *runtimeAPI, r *http.Request) runtimeError {
	body, _ := io.ReadAll(r.Body)
	var e runtimeError
	if err := json.Unmarshal(body, &e); err != nil {
		a.protocolError("%s: body %q is not the documented error JSON: %v", r.URL.Path, body, err)
	}
	e.header = r.Header.Get("Lambda-Runtime-Function-Error-Type")
	e.raw = body
	return e
}

func (a *runtimeAPI) initErrors() []runtimeError {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.initErrs)
}

func (a *runtimeAPI) nextRequests() []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.nexts)
}

func traceID() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return fmt.Sprintf("Root=1-%x-%s;Parent=%s;Sampled=0", time.Now().Unix(), h[:24], h[24:40])
}

// ---------------------------------------------------------------------------
// Bootstrap processes

// process is a bootstrap running against a runtimeAPI.
type process struct {
	api       *runtimeAPI
	name, arn string
	timeout   time.Duration
	startedAt time.Time
	cmd       *exec.Cmd
	stdout    syncBuffer
	stderr    syncBuffer
	exited    chan struct{} // closed once the process has been waited for
}

// syncBuffer is a bytes.Buffer for a child's output, read while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start runs bootstrap with env (NAME=value) and the variables Lambda reserves,
// and kills it when the test ends, whatever the outcome.
func (a *runtimeAPI) start(t *testing.T, bootstrap string, fn lambdaFunction, env map[string]string) *process {
	t.Helper()
	name := "leadgate-test-" + fn.ID
	p := &process{
		api: a, name: name, timeout: time.Duration(fn.Timeout) * time.Second,
		arn:    fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, accountID, name),
		exited: make(chan struct{}),
	}
	logStream := time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + strings.ReplaceAll(uuid.NewString(), "-", "")
	reserved := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          a.addr,
		"AWS_LAMBDA_FUNCTION_NAME":        name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(fn.MemorySize),
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      logStream,
		"AWS_REGION":                      region,
		"AWS_DEFAULT_REGION":              region,
		"AWS_ACCESS_KEY_ID":               "harness",
		"AWS_SECRET_ACCESS_KEY":           "harness-secret-access-key",
		"AWS_SESSION_TOKEN":               "harness-session-token",
		"_HANDLER":                        fn.Handler,
		"LAMBDA_TASK_ROOT":                filepath.Dir(bootstrap),
		"LAMBDA_RUNTIME_DIR":              filepath.Dir(bootstrap),
		"LANG":                            "en_US.UTF-8",
		"TZ":                              ":UTC",
		"PATH":                            "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
	}
	if fn.LogFormat == "JSON" {
		reserved["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
		reserved["AWS_LAMBDA_LOG_LEVEL"] = "INFO"
	}
	var environ []string
	for k, v := range env {
		if _, ok := reserved[k]; !ok {
			environ = append(environ, k+"="+v)
		}
	}
	for k, v := range reserved {
		environ = append(environ, k+"="+v)
	}
	slices.Sort(environ)

	p.cmd = exec.Command(bootstrap)
	p.cmd.Dir = filepath.Dir(bootstrap)
	p.cmd.Env = environ // only what Lambda would give: nothing of this machine's
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.startedAt = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bootstrap, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("%s stdout:\n%s\n%s stderr:\n%s", fn.ID, p.stdout.String(), fn.ID, p.stderr.String())
		}
	})
	return p
}

// stdoutWith returns what the process wrote to stdout once it holds s, or after d.
// The output comes through a pipe, which may lag behind the Runtime API requests
// the process made after writing it.
func (p *process) stdoutWith(s string, d time.Duration) string {
	deadline := time.Now().Add(d)
	for {
		out := p.stdout.String()
		if strings.Contains(out, s) || time.Now().After(deadline) {
			return out
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop kills the process, if it still runs, and waits for it.
func (p *process) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// waitExit waits up to d for the process to end and returns its exit code.
func (p *process) waitExit(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		t.Fatalf("%s still runs after %s", p.name, d)
		return 0
	}
}

// waitNext waits until the process has made n /next requests, and returns when
// the nth came.
func (p *process) waitNext(t *testing.T, n int, d time.Duration) time.Time {
	t.Helper()
	timeout := time.After(d)
	for {
		p.api.mu.Lock()
		nexts, came := slices.Clone(p.api.nexts), p.api.nextCame
		p.api.mu.Unlock()
		if len(nexts) >= n {
			return nexts[n-1]
		}
		select {
		case <-came:
		case <-p.exited:
			t.Fatalf("%s exited (%s) before its /next request #%d", p.name, p.cmd.ProcessState, n)
		case <-timeout:
			t.Fatalf("%s made no /next request #%d within %s", p.name, n, d)
		}
	}
}

// invoke queues payload, waits for the bootstrap to answer and to ask for the next
// event, and returns the answer with the request ID it was given.
func (p *process) invoke(t *testing.T, payload []byte) (outcome, string) {
	t.Helper()
	inv := &invocation{
		id: uuid.NewString(), functionARN: p.arn, payload: payload,
		deadline: time.Now().Add(p.timeout), done: make(chan outcome, 1),
	}
	wait := p.timeout + 10*time.Second
	select {
	case p.api.queue <- inv:
	case <-p.exited:
		t.Fatalf("%s exited before taking the event: %s", p.name, p.cmd.ProcessState)
	case <-time.After(wait):
		t.Fatalf("%s took no event within %s", p.name, wait)
	}
	select {
	case o := <-inv.done:
		// As in Lambda, an invocation ends when the runtime asks for the next one:
		// the request after the one that took this invocation. (Counting the
		// requests made before queueing it would be one short when the process had
		// not yet asked for its first event.)
		p.api.mu.Lock()
		taken := inv.takenBy
		p.api.mu.Unlock()
		p.waitNext(t, taken+1, wait)
		return o, inv.id
	case <-p.exited:
		t.Fatalf("%s exited during the invocation: %s", p.name, p.cmd.ProcessState)
	case <-time.After(wait):
		t.Fatalf("%s did not answer within %s", p.name, wait)
	}
	return outcome{}, ""
}

// ---------------------------------------------------------------------------
// The function's environment

// harnessParameters give the template's parameters that have no default, and the
// pseudo parameters, the values a deployment would.
var harnessParameters = map[string]string{
	"SenderAddress":  "hello@example.com",
	"SenderIdentity": "example.com",
	"AWS::Region":    region,
	"AWS::AccountId": accountID,
	"AWS::Partition": "aws",
	"AWS::URLSuffix": "amazonaws.com",
	"AWS::StackName": "leadgate-harness",
}

// functionEnv resolves the environment template.yaml gives fn: parameters have their
// defaults already; a Ref to the table becomes table, a Ref to another resource a
// name of its own, a GetAtt a made-up ARN, and the Secrets Manager dynamic reference
// the fixture secret. Then come the overrides a local run needs.
func functionEnv(t *testing.T, tpl samTemplate, fn lambdaFunction, table, endpoint string) map[string]string {
	t.Helper()
	secretRef := regexp.MustCompile(`^\{\{resolve:secretsmanager:.+\}\}$`)
	resourceRef := regexp.MustCompile(`\$\{([A-Za-z0-9:]+)(\.[A-Za-z0-9.]+)?\}`)
	env := map[string]string{}
	for k, v := range fn.Env {
		if secretRef.MatchString(v) {
			env[k] = fixtureSecret
			continue
		}
		env[k] = resourceRef.ReplaceAllStringFunc(v, func(ref string) string {
			m := resourceRef.FindStringSubmatch(ref)
			if v, ok := harnessParameters[m[1]]; ok {
				return v
			}
			switch typ := tpl.resourceType(m[1]); {
			case typ == "":
				t.Fatalf("%s: %s=%q: %s is neither a resource nor a parameter with a default", fn.ID, k, v, m[1])
			case typ == "AWS::DynamoDB::Table" && m[2] == "":
				return table
			case m[2] == "":
				return "leadgate-harness-" + strings.ToLower(m[1])
			}
			return fmt.Sprintf("arn:aws:harness:%s:%s:%s", region, accountID, strings.ToLower(m[1]))
		})
	}
	env["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
	// The events' form tokens were signed at a fixed past time.
	env["FORM_TOKEN_MAX_AGE"] = "876000h"
	return env
}

func functionByID(t *testing.T, tpl samTemplate, id string) lambdaFunction {
	t.Helper()
	for _, fn := range tpl.functions(t) {
		if fn.ID == id {
			return fn
		}
	}
	t.Fatalf("template.yaml has no function %s", id)
	return lambdaFunction{}
}

// newTable creates a table of dynamodb.TableDefinition in DynamoDB Local, deleted
// when the test ends, and returns a store on it and its name.
func newTable(t *testing.T, endpoint string) (*dynamodb.Store, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := awsddb.New(awsddb.Options{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("harness", "harness", ""),
		BaseEndpoint: aws.String(endpoint),
	})
	table := fmt.Sprintf("leadgate-harness-%d", time.Now().UnixNano())
	if err := dynamodb.CreateTable(ctx, client, table); err != nil {
		t.Fatalf("CreateTable(%s): %v", table, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := client.DeleteTable(ctx, &awsddb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
			t.Errorf("DeleteTable(%s): %v", table, err)
		}
	})
	return dynamodb.New(client, table), table
}

// ---------------------------------------------------------------------------
// Tests

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
}

func TestCaptureBootstrapAnswersTheEvents(t *testing.T) {
	needsBootstraps(t)
	endpoint := dynamoEndpoint(t)
	tpl := loadTemplate(t)
	fn := functionByID(t, tpl, "CaptureFunction")
	bin := buildFunction(t, fn.ID, true)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	store, table := newTable(t, endpoint)
	seeded := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	if err := store.PutMagnet(ctx, localdev.SampleMagnet(seeded)); err != nil {
		t.Fatal(err)
	}
	if err := store.PutPage(ctx, localdev.SamplePage(seeded)); err != nil {
		t.Fatal(err)
	}

	files, err := filepath.Glob(filepath.Join(repoRoot, "events", "capture-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no events/capture-*.json (%v)", err)
	}
	api := newRuntimeAPI(t)
	p := api.start(t, bin.path, fn, functionEnv(t, tpl, fn, table, endpoint))
	requestIDs := map[string]string{}
	for _, file := range files {
		name := filepath.Base(file)
		check, ok := captureEvents[name]
		if !ok {
			t.Errorf("%s has no expectation in captureEvents: add one", name)
			continue
		}
		payload, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		// One warm process answers them all, as one Lambda sandbox would.
		o, id := p.invoke(t, payload)
		requestIDs[name] = id
		t.Run(name, func(t *testing.T) {
			if o.err != nil {
				t.Fatalf("invocation error %s (%s)", o.err.raw, o.err.header)
			}
			var res events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(o.response, &res); err != nil {
				t.Fatalf("response %.300s: %v", o.response, err)
			}
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
				lead, err := store.LeadByEmail(ctx, check.stores)
				if err != nil {
					t.Fatalf("LeadByEmail(%s) in DynamoDB Local: %v", check.stores, err)
				}
				if lead.Consent.IP != "198.51.100.23" || !lead.Consent.Given {
					t.Errorf("consent %+v, want given from API Gateway's source IP 198.51.100.23", lead.Consent)
				}
			}
			if check.absent != "" {
				if _, err := store.LeadByEmail(ctx, check.absent); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
					t.Errorf("LeadByEmail(%s): %v, want not found", check.absent, err)
				}
			}
		})
	}

	t.Run("logs", func(t *testing.T) {
		id := requestIDs["capture-json.json"]
		checkJSONLogs(t, p.stdoutWith(id, 5*time.Second), map[string]string{"msg": "lead captured", "request_id": id})
		if out := p.stdout.String() + p.stderr.String(); strings.Contains(out, fixtureSecret) {
			t.Errorf("the signing secret is in the function's output")
		}
	})
	if nexts := api.nextRequests(); len(nexts) != len(files)+1 {
		t.Errorf("%d /next requests for %d events, want one more than events (the last one waits)", len(nexts), len(files))
	}
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
	"download-get.json":  {status: 302, redirect: true, counts: true},
	"download-head.json": {status: 302, redirect: true}, // link checkers: answered, not counted
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

func TestDownloadBootstrapAnswersTheEvents(t *testing.T) {
	needsBootstraps(t)
	endpoint := dynamoEndpoint(t)
	tpl := loadTemplate(t)
	fn := functionByID(t, tpl, "DownloadFunction")
	bin := buildFunction(t, fn.ID, true)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	store, table := newTable(t, endpoint)
	// The bootstrap reads the real clock: the grant expires long after now.
	now := time.Now().UTC().Truncate(time.Millisecond)
	page, magnet := localdev.SamplePage(now), localdev.SampleMagnet(now)
	if err := store.PutPage(ctx, page); err != nil {
		t.Fatal(err)
	}
	grant := leadgate.Grant{
		ID: leadgate.GrantID(downloadToken), LeadID: "lead-harness", Email: "ada@example.com", Page: page.Slug,
		SubmissionID: "sub-harness", MagnetID: magnet.ID, ObjectKey: magnet.ObjectKey, FileName: magnet.FileName,
		ContentType: magnet.ContentType, CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(30 * 24 * time.Hour),
	}
	if err := store.PutGrant(ctx, grant); err != nil {
		t.Fatal(err)
	}
	disposition, fe := leadgate.Attachment(magnet.FileName)
	if fe != nil {
		t.Fatalf("Attachment(%q): %v", magnet.FileName, fe)
	}

	files, err := filepath.Glob(filepath.Join(repoRoot, "events", "download-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no events/download-*.json (%v)", err)
	}
	env := functionEnv(t, tpl, fn, table, endpoint)
	bucket := env["BUCKET_NAME"]
	if bucket == "" {
		t.Fatalf("template.yaml gives %s no BUCKET_NAME", fn.ID)
	}
	api := newRuntimeAPI(t)
	p := api.start(t, bin.path, fn, env)
	requestIDs := map[string]string{}
	counted := 0
	for _, file := range files {
		name := filepath.Base(file)
		check, ok := downloadEvents[name]
		if !ok {
			t.Errorf("%s has no expectation in downloadEvents: add one", name)
			continue
		}
		payload, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		o, id := p.invoke(t, payload)
		requestIDs[name] = id
		if check.counts {
			counted++
		}
		t.Run(name, func(t *testing.T) {
			if o.err != nil {
				t.Fatalf("invocation error %s (%s)", o.err.raw, o.err.header)
			}
			var res events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(o.response, &res); err != nil {
				t.Fatalf("response %.300s: %v", o.response, err)
			}
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
			g, err := store.Grant(ctx, grant.ID)
			if err != nil {
				t.Fatalf("Grant in DynamoDB Local: %v", err)
			}
			if g.Downloads != counted {
				t.Errorf("the grant counts %d downloads, want %d", g.Downloads, counted)
			}
		})
	}

	g, err := store.Grant(ctx, grant.ID)
	if err != nil || g.Downloads != 1 {
		t.Errorf("after the events the grant counts %d downloads (%v), want exactly 1", g.Downloads, err)
	}
	t.Run("logs", func(t *testing.T) {
		id := requestIDs["download-get.json"]
		checkJSONLogs(t, p.stdoutWith(id, 5*time.Second), map[string]string{
			"msg": "download", "request_id": id, "page": page.Slug, "n": "1",
		})
		if out := p.stdout.String() + p.stderr.String(); strings.Contains(out, downloadToken) {
			t.Errorf("the download token is in the function's output")
		}
	})
	if nexts := api.nextRequests(); len(nexts) != len(files)+1 {
		t.Errorf("%d /next requests for %d events, want one more than events (the last one waits)", len(nexts), len(files))
	}
}

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

// The page bootstrap against DynamoDB Local: the hosted page's HTML with its form and
// a fresh form token, the view counted on the page's day, and the not-found page.
func TestPageBootstrapAnswersTheEvents(t *testing.T) {
	needsBootstraps(t)
	endpoint := dynamoEndpoint(t)
	tpl := loadTemplate(t)
	fn := functionByID(t, tpl, "PageFunction")
	bin := buildFunction(t, fn.ID, true)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	store, table := newTable(t, endpoint)
	page := localdev.SamplePage(time.Now())
	if err := store.PutPage(ctx, page); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(repoRoot, "events", "page-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no events/page-*.json (%v)", err)
	}
	api := newRuntimeAPI(t)
	p := api.start(t, bin.path, fn, functionEnv(t, tpl, fn, table, endpoint))
	// The bootstrap reads the real clock: its view lands on today (or, run across
	// midnight, on the day before).
	days := []string{leadgate.Day(time.Now())}
	for _, file := range files {
		name := filepath.Base(file)
		check, ok := pageEvents[name]
		if !ok {
			t.Errorf("%s has no expectation in pageEvents: add one", name)
			continue
		}
		payload, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		o, _ := p.invoke(t, payload)
		if day := leadgate.Day(time.Now()); !slices.Contains(days, day) {
			days = append(days, day)
		}
		t.Run(name, func(t *testing.T) {
			if o.err != nil {
				t.Fatalf("invocation error %s (%s)", o.err.raw, o.err.header)
			}
			var res events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(o.response, &res); err != nil {
				t.Fatalf("response %.300s: %v", o.response, err)
			}
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
				c, err := store.DailyCounts(ctx, page.Slug, day)
				if err != nil {
					t.Fatalf("DailyCounts in DynamoDB Local: %v", err)
				}
				views += c.Views
			}
			if views != check.views {
				t.Errorf("the page counts %d views, want %d", views, check.views)
			}
		})
	}
	t.Run("logs", func(t *testing.T) {
		out := p.stdout.String() + p.stderr.String()
		if strings.Contains(out, "view not counted") || strings.Contains(out, fixtureSecret) {
			t.Errorf("the function's output:\n%s", out)
		}
	})
	if nexts := api.nextRequests(); len(nexts) != len(files)+1 {
		t.Errorf("%d /next requests for %d events, want one more than events (the last one waits)", len(nexts), len(files))
	}
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

// streamFixture holds real stream records of captures and of two counted downloads
// on the page stream-fixture on 2026-03-02 (see shared/dynamodb's tests).
const (
	streamFixture     = "dynamodb-stream-captures.json"
	streamFixturePage = "stream-fixture"
	streamFixtureDay  = "2026-03-02"
)

func TestStreamBootstrapCountsDownloads(t *testing.T) {
	needsBootstraps(t)
	endpoint := dynamoEndpoint(t)
	tpl := loadTemplate(t)
	fn := functionByID(t, tpl, "FollowupFunction")
	bin := buildFunction(t, fn.ID, true)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	store, table := newTable(t, endpoint)
	payload, err := os.ReadFile(filepath.Join(repoRoot, "events", streamFixture))
	if err != nil {
		t.Fatal(err)
	}
	poisoned, poisonedSeqs := poisonGrantRecord(t, payload)

	api := newRuntimeAPI(t)
	p := api.start(t, bin.path, fn, functionEnv(t, tpl, fn, table, endpoint))
	checkCounts := func(t *testing.T) {
		t.Helper()
		c, err := store.DailyCounts(ctx, streamFixturePage, streamFixtureDay)
		if err != nil || c.Downloads != 2 {
			t.Errorf("DailyCounts(%s, %s) in DynamoDB Local: %d downloads (%v), want 2", streamFixturePage, streamFixtureDay, c.Downloads, err)
		}
	}

	// The same batch twice, as the event source mapping redelivers a batch.
	first, _ := p.invoke(t, payload)
	again, _ := p.invoke(t, payload)
	t.Run("redelivered batch", func(t *testing.T) {
		for i, o := range []outcome{first, again} {
			if failed := batchItemFailures(t, o); len(failed) != 0 {
				t.Errorf("delivery %d: batchItemFailures %q, want none", i+1, failed)
			}
		}
		checkCounts(t)
	})

	o, id := p.invoke(t, poisoned)
	t.Run("poison record", func(t *testing.T) {
		// Reported, not thrown: an /error would retry the whole batch.
		if failed := batchItemFailures(t, o); !slices.Equal(failed, poisonedSeqs) {
			t.Errorf("batchItemFailures %q, want the poison record and the later records of its item: %q", failed, poisonedSeqs)
		}
		if strings.Contains(string(o.response), poisonValue) {
			t.Errorf("the response echoes record data: %s", o.response)
		}
		checkJSONLogs(t, p.stdoutWith(id, 5*time.Second), map[string]string{
			"level": "WARN", "request_id": id, "sequence_number": poisonedSeqs[0],
		})
		if out := p.stdout.String() + p.stderr.String(); strings.Contains(out, poisonValue) {
			t.Errorf("the function logs record data")
		}
		checkCounts(t)
	})
	if nexts := api.nextRequests(); len(nexts) != 4 {
		t.Errorf("%d /next requests for 3 events, want 4 (the last one waits)", len(nexts))
	}
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
		{"short FORM_SIGNING_SECRET", "FORM_SIGNING_SECRET", aws.String(shortSecret)},
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
				if tc.value == nil {
					delete(env, tc.variable)
				} else {
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
		t.Fatal("no function of template.yaml reads TABLE_NAME, FORM_SIGNING_SECRET or DEDUPE_WINDOW")
	}
}

// coldStarts is how many times each bootstrap is started to time its init.
const coldStarts = 7

// TestBootstrapSizeAndInitTime logs, for the notes, each bootstrap's size and its
// init time (process start to first /next request) next to a hello-world
// aws-lambda-go function built the same way. It asserts nothing about the figures:
// timings depend on the machine.
func TestBootstrapSizeAndInitTime(t *testing.T) {
	needsBootstraps(t)
	tpl := loadTemplate(t)
	type row struct {
		name             string
		arm64, host      string // paths
		initMin, initMed time.Duration
		initMax          time.Duration
	}
	var rows []row
	var like build
	measure := func(name string, host, arm64 string, fn lambdaFunction, env map[string]string) {
		var inits []time.Duration
		for range coldStarts {
			api := newRuntimeAPI(t)
			p := api.start(t, host, fn, env)
			inits = append(inits, p.waitNext(t, 1, 20*time.Second).Sub(p.startedAt))
			p.stop()
		}
		slices.Sort(inits)
		rows = append(rows, row{name: name, arm64: arm64, host: host,
			initMin: inits[0], initMed: inits[len(inits)/2], initMax: inits[len(inits)-1]})
	}
	for _, fn := range tpl.functions(t) {
		host := buildFunction(t, fn.ID, true)
		arm64 := buildFunction(t, fn.ID, false)
		like = host
		measure(fn.ID, host.path, arm64.path, fn, functionEnv(t, tpl, fn, "leadgate-harness", "http://127.0.0.1:9"))
	}
	hello := lambdaFunction{ID: "HelloWorld", Handler: "bootstrap", MemorySize: 128, Timeout: 3, LogFormat: "JSON"}
	measure("hello world (aws-lambda-go)", buildHello(t, like, true), buildHello(t, like, false), hello, nil)

	size := func(path string) string {
		fi, err := os.Stat(path)
		if err != nil {
			return "?"
		}
		s := fmt.Sprintf("%.2f MiB", float64(fi.Size())/(1<<20))
		if !stripped(path) {
			s += " (not stripped)"
		}
		return s
	}
	var b strings.Builder
	fmt.Fprintf(&b, "bootstraps built with %s (flags %s), init = process start to first /next, %d cold starts on this %s machine\n",
		runtime.Version(), quoteArgs(like.flags), coldStarts, runtime.GOARCH)
	fmt.Fprintf(&b, "%-30s %-14s %-14s %s\n", "binary", "linux/arm64", "linux/"+runtime.GOARCH, "init median (min-max)")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-30s %-14s %-14s %s (%s-%s)\n", r.name, size(r.arm64), size(r.host),
			r.initMed.Round(10*time.Microsecond), r.initMin.Round(10*time.Microsecond), r.initMax.Round(10*time.Microsecond))
	}
	t.Log("\n" + b.String())
}
