// Package lambdainit is what every function's main shares: Start (JSON logs, setup
// from the environment, a failed setup reported to Lambda), the settings every
// function reads (the table, the signing key, the AWS configuration built from the
// Lambda environment alone), and Fail, which reports a failed initialisation.
//
// The runtime loop (shared/lambdaruntime, like aws-lambda-go's lambda.Start) starts
// only once the handler is built: a main that cannot build it could only exit, which
// Lambda records as "Runtime.ExitError" with no reason. Fail posts the reason to the Runtime API's
// documented init error route first, so the console, the invoke response and the
// INIT_REPORT line all name the setting that is missing or bad.
package lambdainit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"leadgate/shared/lambdaruntime"
)

// ErrorType is what Fail reports as the error's type, in the
// Lambda-Runtime-Function-Error-Type header and in the body's errorType.
const ErrorType = "Runtime.ConfigError"

// runtimeAPIEnv names the host:port of the Runtime API; Lambda sets it, and only there.
const runtimeAPIEnv = lambdaruntime.APIEnv

// Fail logs err with slog's default logger, reports it to the Lambda Runtime API
// as the function's init error (POST /2018-06-01/runtime/init/error), and exits
// with status 1. Outside Lambda, where AWS_LAMBDA_RUNTIME_API is unset, it only
// logs and exits.
//
// The values of environment variables whose names mark them as secrets
// (FORM_SIGNING_SECRET, AWS_SESSION_TOKEN, ...) are cut out of the message first, in
// case an error quotes one: the init error shows in the console and in invoke
// responses.
func Fail(err error) {
	msg := lambdaruntime.Redact(err.Error(), os.Environ())
	slog.Error("function cannot start", "error", msg, "error_type", ErrorType)
	if api := os.Getenv(runtimeAPIEnv); api != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := report(ctx, api, msg); err != nil {
			slog.Error("cannot report the init error to the Lambda Runtime API", "error", err)
		}
	}
	os.Exit(1)
}

// initError is the documented body of an init error.
type initError struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

// report posts msg as the init error to the Runtime API at api (host:port).
func report(ctx context.Context, api, msg string) error {
	body, err := json.Marshal(initError{ErrorMessage: msg, ErrorType: ErrorType})
	if err != nil {
		return fmt.Errorf("encode init error: %w", err)
	}
	url := "http://" + api + "/2018-06-01/runtime/init/error"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build init error request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Lambda-Runtime-Function-Error-Type", ErrorType)
	// The Runtime API is local to the sandbox: never send it through a proxy.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post init error to %s: %w", url, err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode != http.StatusAccepted {
		return fmt.Errorf("post init error to %s: status %d, want 202", url, res.StatusCode)
	}
	return nil
}
