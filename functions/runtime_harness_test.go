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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/uuid"

	"leadgate/shared/dynamodb"
	"leadgate/shared/testenv"
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
func dynamoEndpoint(t testing.TB) string {
	t.Helper()
	return testenv.Endpoint(t, endpointEnv, "start DynamoDB Local with "+
		"`bash infra/local/dynamodb-local.sh install && bash infra/local/dynamodb-local.sh start` "+
		"and run with "+endpointEnv+"=http://127.0.0.1:8765")
}

// needsBootstraps skips where the linux bootstrap cannot run, or in -short mode.
func needsBootstraps(t testing.TB) {
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

func buildDir(t testing.TB, parts ...string) string {
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

// buildFunction runs `make build-<id> ARTIFACTS_DIR=<dir> LAMBDA_OUT=<dir>/out`. For the host, make gets
// GO=<a wrapper> that records how it called go and builds with this machine's
// GOARCH; everything else is the Makefile's own. For arm64 it is make untouched.
func buildFunction(t testing.TB, id string, forHost bool) build {
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
	// LAMBDA_OUT: the binary kept between builds goes to the test's directory, not
	// the repository's .build, which sam build relies on being Lambda's.
	args := []string{"--no-print-directory", "-C", repoRoot, "build-" + id, "ARTIFACTS_DIR=" + dir, "LAMBDA_OUT=" + filepath.Join(dir, "out")}
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
func buildFlags(t testing.TB, goArgs []string) []string {
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
func checkELF(t testing.TB, path, arch string) {
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
func buildHello(t testing.TB, like build, forHost bool) string {
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
func moduleVersion(t testing.TB, module string) string {
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
func newRuntimeAPI(t testing.TB) *runtimeAPI {
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
func (a *runtimeAPI) start(t testing.TB, bootstrap string, fn lambdaFunction, env map[string]string) *process {
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
func (p *process) waitExit(t testing.TB, d time.Duration) int {
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
func (p *process) waitNext(t testing.TB, n int, d time.Duration) time.Time {
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
func (p *process) invoke(t testing.TB, payload []byte) (outcome, string) {
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
	"ConsoleUsers":   consoleUser,
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
func functionEnv(t testing.TB, tpl samTemplate, fn lambdaFunction, table, endpoint string) map[string]string {
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
	if _, ok := env["SIGNING_SECRET_ARN"]; ok {
		// The fixture secret, read from moto's Secrets Manager as on AWS.
		env["AWS_ENDPOINT_URL_SECRETS_MANAGER"], env["SIGNING_SECRET_ARN"] = motoSecret(t, fixtureSecret)
	}
	if _, ok := env["CAPTCHA_SECRET_ARN"]; ok {
		// The captcha keys as the operator puts them in; the events' pages have none.
		env["AWS_ENDPOINT_URL_SECRETS_MANAGER"], env["CAPTCHA_SECRET_ARN"] = motoSecretString(t, `{"turnstile": "harness-turnstile-key"}`)
	}
	// The events' form tokens were signed at a fixed past time.
	env["FORM_TOKEN_MAX_AGE"] = "876000h"
	return env
}

func functionByID(t testing.TB, tpl samTemplate, id string) lambdaFunction {
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
func newTable(t testing.TB, endpoint string) (*dynamodb.Store, string) {
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
