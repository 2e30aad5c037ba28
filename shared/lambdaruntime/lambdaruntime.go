// Package lambdaruntime is the functions' client of the Lambda Runtime API: it asks
// for each invocation, runs the function's typed handler on its JSON event, and posts
// the JSON response or the error.
//
// It replaces aws-lambda-go's lambda.Start, whose package, built without the
// lambda.norpc tag, links net/rpc and with it text/template and html/template: a
// function's import graph must hold neither, whatever the tags (DESIGN.md,
// "Rendering and size"). The loop does what aws-lambda-go v1.55.1's does
// (lambda/invoke_loop.go, lambda/runtime_api_client.go): the same headers read, the
// same lambdacontext.LambdaContext in the context, _X_AMZN_TRACE_ID set, a handler
// error posted as {"errorMessage","errorType"} with the error's Go type as its type
// (and in the Lambda-Runtime-Function-Error-Type header the Runtime API documents),
// and the process ended after a panic or a failed call to the API. Where it differs:
// a panic is posted as Runtime.Panic without a stack trace (the stack is logged as
// code locations only), error messages lose the values of secret settings (Redact),
// and no X-Ray error cause is sent.
//
// Runtime API: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
package lambdaruntime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// APIEnv names the host:port of the Runtime API; Lambda sets it, and only there.
const APIEnv = "AWS_LAMBDA_RUNTIME_API"

// PanicErrorType is the errorType of an invocation whose handler panicked.
const PanicErrorType = "Runtime.Panic"

// The Runtime API's headers, as aws-lambda-go names them.
const (
	headerRequestID       = "Lambda-Runtime-Aws-Request-Id"
	headerDeadlineMS      = "Lambda-Runtime-Deadline-Ms"
	headerTraceID         = "Lambda-Runtime-Trace-Id"
	headerCognitoIdentity = "Lambda-Runtime-Cognito-Identity"
	headerClientContext   = "Lambda-Runtime-Client-Context"
	headerFunctionARN     = "Lambda-Runtime-Invoked-Function-Arn"
	headerTenantID        = "Lambda-Runtime-Aws-Tenant-Id"
	headerErrorType       = "Lambda-Runtime-Function-Error-Type"
	contentTypeJSON       = "application/json"
)

// Start serves invocations with h, at the Runtime API Lambda names in
// AWS_LAMBDA_RUNTIME_API, and never returns: when the loop stops (a panic in h, a
// failed call to the API) it logs why and exits with status 1, and Lambda starts a
// fresh process for the next invocation, as with aws-lambda-go.
func Start[In, Out any](h func(context.Context, In) (Out, error)) {
	api := os.Getenv(APIEnv)
	if api == "" {
		slog.Error("not in Lambda: " + APIEnv + " is not set")
		os.Exit(1)
	}
	err := Run(context.Background(), api, h)
	slog.Error("the Lambda runtime loop stopped", "error", err)
	os.Exit(1)
}

// NoResponse adapts a handler that returns only an error (a schedule's, a topic's)
// to Start: its invocations answer null, as aws-lambda-go answers them.
func NoResponse[In any](h func(context.Context, In) error) func(context.Context, In) (*struct{}, error) {
	return func(ctx context.Context, e In) (*struct{}, error) { return nil, h(ctx, e) }
}

// Run serves invocations with h at the Runtime API at api (host:port) until a call
// to the API fails, h panics or ctx ends, and returns why it stopped. Where Lambda
// lets one process take several invocations at once (AWS_LAMBDA_MAX_CONCURRENCY),
// it runs that many loops, as aws-lambda-go does.
func Run[In, Out any](ctx context.Context, api string, h func(context.Context, In) (Out, error)) error {
	n := lambdacontext.MaxConcurrency()
	c := newClient(api, n)
	handle := typed(h)
	if n <= 1 {
		return c.loop(ctx, handle, true)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(errors.New("no loop ran"))
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { cancel(c.loop(ctx, handle, false)) })
	}
	wg.Wait()
	return context.Cause(ctx)
}

// handlerFunc is a handler on raw payloads.
type handlerFunc func(ctx context.Context, payload []byte) ([]byte, error)

// typed decodes the event for h and encodes its response, as aws-lambda-go's
// reflection does: HTML characters left as they are, a newline after the value.
func typed[In, Out any](h func(context.Context, In) (Out, error)) handlerFunc {
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		var event In
		if err := json.Unmarshal(payload, &event); err != nil {
			return nil, err
		}
		out, err := h(ctx, event)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
}

// client calls the Runtime API.
type client struct {
	base      string // http://host:port/2018-06-01/runtime/invocation/
	userAgent string
	http      *http.Client
	served    atomic.Bool // whether an invocation was handed to a handler: the cold start is over
}

// coldStartKey is the context key of the first invocation's mark.
type coldStartKey struct{}

// ColdStart reports whether ctx is the context of the first invocation the process
// serves: the one that waited for the process to start (its init). The logs mark its
// lines (shared/lambdalog).
func ColdStart(ctx context.Context) bool {
	cold, _ := ctx.Value(coldStartKey{}).(bool)
	return cold
}

// WithColdStart returns ctx marked as the first invocation's (ColdStart).
func WithColdStart(ctx context.Context) context.Context {
	return context.WithValue(ctx, coldStartKey{}, true)
}

func newClient(api string, conns int) *client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// The Runtime API is local to the sandbox: never send it through a proxy.
	transport.Proxy = nil
	transport.MaxIdleConnsPerHost = max(conns, 2)
	return &client{
		base:      "http://" + api + "/2018-06-01/runtime/invocation/",
		userAgent: "leadgate/" + runtime.Version(),
		// No timeout: /next waits as long as no event comes.
		http: &http.Client{Transport: transport},
	}
}

// invocation is an event the Runtime API handed out.
type invocation struct {
	id      string
	header  http.Header
	payload []byte
}

// loop serves invocations one after the other until one cannot be served.
// setTraceEnv sets _X_AMZN_TRACE_ID, which only a process serving one invocation at
// a time may do.
func (c *client) loop(ctx context.Context, h handlerFunc, setTraceEnv bool) error {
	for {
		inv, err := c.next(ctx)
		if err != nil {
			return err
		}
		if err := c.serve(ctx, inv, h, setTraceEnv); err != nil {
			return err
		}
	}
}

// next waits for the next invocation; asking for it ends the one before.
func (c *client) next(ctx context.Context) (*invocation, error) {
	url := c.base + "next"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("build GET %s: %w", url, err)
	}
	req.Header.Set("User-Agent", c.userAgent)
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get the next invocation: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d, want 200", url, res.StatusCode)
	}
	payload, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("read the invocation's event: %w", err)
	}
	return &invocation{id: res.Header.Get(headerRequestID), header: res.Header, payload: payload}, nil
}

// invokeError is the documented body of an invocation error.
type invokeError struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

// serve runs h on inv and posts its outcome. It returns an error, and the loop
// stops, only when the outcome could not be posted or h panicked.
func (c *client) serve(ctx context.Context, inv *invocation, h handlerFunc, setTraceEnv bool) error {
	lc := &lambdacontext.LambdaContext{
		AwsRequestID:       inv.id,
		InvokedFunctionArn: inv.header.Get(headerFunctionARN),
		TenantID:           inv.header.Get(headerTenantID),
	}
	ctx = lambdacontext.NewContext(ctx, lc) // first, so that every log line has the request id
	if c.served.CompareAndSwap(false, true) {
		ctx = WithColdStart(ctx)
	}
	ms, err := strconv.ParseInt(inv.header.Get(headerDeadlineMS), 10, 64)
	if err != nil {
		return c.fail(ctx, inv, errorOf(fmt.Errorf("parse %s: %w", headerDeadlineMS, err)))
	}
	ctx, cancel := context.WithDeadline(ctx, time.UnixMilli(ms))
	defer cancel()
	if v := inv.header.Get(headerClientContext); v != "" {
		if err := json.Unmarshal([]byte(v), &lc.ClientContext); err != nil {
			return c.fail(ctx, inv, errorOf(fmt.Errorf("decode %s: %w", headerClientContext, err)))
		}
	}
	if v := inv.header.Get(headerCognitoIdentity); v != "" {
		if err := json.Unmarshal([]byte(v), &lc.Identity); err != nil {
			return c.fail(ctx, inv, errorOf(fmt.Errorf("decode %s: %w", headerCognitoIdentity, err)))
		}
	}
	// The SDK's recursion detection passes the trace on from this variable.
	if setTraceEnv {
		os.Setenv("_X_AMZN_TRACE_ID", inv.header.Get(headerTraceID))
	}

	response, ierr, panicked := call(ctx, h, inv.payload)
	if ierr != nil {
		if err := c.fail(ctx, inv, *ierr); err != nil {
			return err
		}
		if panicked {
			return errors.New("the handler panicked: the process ends, as its state is unknown")
		}
		return nil
	}
	if err := c.post(inv.id+"/response", response, ""); err != nil {
		return fmt.Errorf("post the response: %w", err)
	}
	return nil
}

// call runs h, turning a panic into an invocation error. The error's message is the
// panic's value; the stack is logged as code locations only (function, file, line:
// no argument or variable), never posted.
func call(ctx context.Context, h handlerFunc, payload []byte) (response []byte, ierr *invokeError, panicked bool) {
	defer func() {
		if v := recover(); v != nil {
			e := invokeError{Message: Redact(fmt.Sprint(v), os.Environ()), Type: PanicErrorType}
			slog.ErrorContext(ctx, "the handler panicked", "stack", stack()) // fail logs the message
			response, ierr, panicked = nil, &e, true
		}
	}()
	response, err := h(ctx, payload)
	if err != nil {
		e := errorOf(err)
		return nil, &e, false
	}
	return response, nil, false
}

// stack returns the frames of the panicking goroutine, below the runtime's.
func stack() []string {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(4, pcs) // Callers, stack, call's deferred func, gopanic
	frames := runtime.CallersFrames(pcs[:n])
	var out []string
	for {
		f, more := frames.Next()
		out = append(out, f.Function+" "+f.File+":"+strconv.Itoa(f.Line))
		if !more {
			return out
		}
	}
}

// errorOf is the invocation error of err: its message, without secret values, and
// its Go type's name as its type, as aws-lambda-go reports it.
func errorOf(err error) invokeError {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	name := t.Name()
	if name == "" {
		name = t.String() // an unnamed type
	}
	return invokeError{Message: Redact(err.Error(), os.Environ()), Type: name}
}

// fail logs e and posts it as the invocation's error.
func (c *client) fail(ctx context.Context, inv *invocation, e invokeError) error {
	slog.ErrorContext(ctx, "invocation failed", "error", e.Message, "error_type", e.Type)
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode the invocation error: %w", err)
	}
	if err := c.post(inv.id+"/error", body, e.Type); err != nil {
		return fmt.Errorf("post the invocation error: %w", err)
	}
	return nil
}

// post sends body to the invocation route path (<id>/response, <id>/error).
func (c *client) post(path string, body []byte, errorType string) error {
	url := c.base + path
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build POST %s: %w", url, err)
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Content-Type", contentTypeJSON)
	if errorType != "" {
		req.Header.Set(headerErrorType, errorType)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", url, err)
	}
	defer res.Body.Close()
	// Read to the end, so that the connection is kept for the next /next.
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode != http.StatusAccepted {
		return fmt.Errorf("POST %s: status %d, want 202", url, res.StatusCode)
	}
	return nil
}
