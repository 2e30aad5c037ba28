package lambdainit_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"leadgate/shared/lambdainit"
)

// helperEnv makes the test binary, started again by failInChild, call Fail with the
// variable's value as the error message instead of running the tests.
const helperEnv = "LEADGATE_LAMBDAINIT_FAIL_WITH"

func TestMain(m *testing.M) {
	if msg, ok := os.LookupEnv(helperEnv); ok {
		lambdainit.Fail(errors.New(msg))
	}
	os.Exit(m.Run())
}

// The secret a child process holds in FORM_SIGNING_SECRET.
const secret = "test-signing-secret-0123456789-abcdefghijklmnop"

type child struct {
	exitCode int
	output   string // stdout and stderr
}

// failInChild runs this test binary with Fail(errors.New(msg)) as its whole main,
// with runtimeAPI (host:port, or "" for outside Lambda) in AWS_LAMBDA_RUNTIME_API.
func failInChild(t *testing.T, runtimeAPI, msg string) child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_LAMBDA_RUNTIME_API=") && !strings.HasPrefix(kv, "FORM_SIGNING_SECRET=") {
			env = append(env, kv)
		}
	}
	env = append(env, helperEnv+"="+msg, "FORM_SIGNING_SECRET="+secret, "FORM_TOKEN_MAX_AGE=876000h")
	if runtimeAPI != "" {
		env = append(env, "AWS_LAMBDA_RUNTIME_API="+runtimeAPI)
	}
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("Fail did not exit within 20s; output:\n%s", out.String())
	}
	return child{exitCode: cmd.ProcessState.ExitCode(), output: out.String()}
}

// initErrors is a Runtime API that records the init errors posted to it.
type initErrors struct {
	mu       sync.Mutex
	requests []recorded
	status   int
}

type recorded struct {
	method, path, errorType, contentType string
	body                                 []byte
}

func (s *initErrors) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, recorded{
		method: r.Method, path: r.URL.Path, body: body,
		errorType:   r.Header.Get("Lambda-Runtime-Function-Error-Type"),
		contentType: r.Header.Get("Content-Type"),
	})
	status := s.status
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

func (s *initErrors) recorded() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.requests...)
}

// runtimeAPI serves api on 127.0.0.1 and returns its host:port.
func runtimeAPI(t *testing.T, api http.Handler) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(api)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return ln.Addr().String()
}

func TestFailReportsTheInitErrorAndExits(t *testing.T) {
	api := &initErrors{status: http.StatusAccepted}
	addr := runtimeAPI(t, api)

	got := failInChild(t, addr, "TABLE_NAME is not set: name the DynamoDB table of leads")

	if got.exitCode != 1 {
		t.Errorf("exit code %d, want 1; output:\n%s", got.exitCode, got.output)
	}
	reqs := api.recorded()
	if len(reqs) != 1 {
		t.Fatalf("%d requests to the Runtime API, want 1: %+v", len(reqs), reqs)
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/2018-06-01/runtime/init/error" {
		t.Errorf("request %s %s, want POST /2018-06-01/runtime/init/error", r.method, r.path)
	}
	if r.errorType != lambdainit.ErrorType || lambdainit.ErrorType != "Runtime.ConfigError" {
		t.Errorf("Lambda-Runtime-Function-Error-Type %q, want Runtime.ConfigError", r.errorType)
	}
	if r.contentType != "application/json" {
		t.Errorf("Content-Type %q, want application/json", r.contentType)
	}
	var body map[string]any
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	want := map[string]any{
		"errorMessage": "TABLE_NAME is not set: name the DynamoDB table of leads",
		"errorType":    "Runtime.ConfigError",
	}
	if len(body) != len(want) || body["errorMessage"] != want["errorMessage"] || body["errorType"] != want["errorType"] {
		t.Errorf("body %s, want %v", r.body, want)
	}
	if !strings.Contains(got.output, "TABLE_NAME is not set") {
		t.Errorf("the error is not logged; output:\n%s", got.output)
	}
}

func TestFailNeverPassesOnASecretValue(t *testing.T) {
	api := &initErrors{status: http.StatusAccepted}
	addr := runtimeAPI(t, api)

	// An error that quotes the secret, as a careless wrap of a parse error might.
	got := failInChild(t, addr, `FORM_SIGNING_SECRET="`+secret+`": not base64; FORM_TOKEN_MAX_AGE=876000h is fine`)

	if got.exitCode != 1 {
		t.Errorf("exit code %d, want 1", got.exitCode)
	}
	reqs := api.recorded()
	if len(reqs) != 1 {
		t.Fatalf("%d requests to the Runtime API, want 1", len(reqs))
	}
	for where, text := range map[string]string{"posted init error": string(reqs[0].body), "log": got.output} {
		if strings.Contains(text, secret) {
			t.Errorf("the %s holds the secret value:\n%s", where, text)
		}
		if !strings.Contains(text, "FORM_SIGNING_SECRET") {
			t.Errorf("the %s no longer names the setting:\n%s", where, text)
		}
		// Only secrets are cut: the other setting's value stays readable.
		if !strings.Contains(text, "876000h") {
			t.Errorf("the %s lost a value that is no secret:\n%s", where, text)
		}
	}
}

func TestFailOutsideLambdaOnlyLogsAndExits(t *testing.T) {
	got := failInChild(t, "", "DEDUPE_WINDOW=\"soon\": want a duration such as 3s or 24h")
	if got.exitCode != 1 {
		t.Errorf("exit code %d, want 1", got.exitCode)
	}
	if !strings.Contains(got.output, "DEDUPE_WINDOW") {
		t.Errorf("the error is not logged; output:\n%s", got.output)
	}
	if strings.Contains(got.output, "cannot report") {
		t.Errorf("tried to reach a Runtime API outside Lambda; output:\n%s", got.output)
	}
}

func TestFailExitsWhenTheRuntimeAPIRefuses(t *testing.T) {
	t.Run("error status", func(t *testing.T) {
		addr := runtimeAPI(t, &initErrors{status: http.StatusInternalServerError})
		got := failInChild(t, addr, "TABLE_NAME is not set")
		if got.exitCode != 1 || !strings.Contains(got.output, "status 500") {
			t.Errorf("exit code %d, output:\n%s\nwant 1 and the failed report logged", got.exitCode, got.output)
		}
	})
	t.Run("nothing listening", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		got := failInChild(t, addr, "TABLE_NAME is not set")
		if got.exitCode != 1 || !strings.Contains(got.output, "cannot report") {
			t.Errorf("exit code %d, output:\n%s\nwant 1 and the failed report logged", got.exitCode, got.output)
		}
	})
}
