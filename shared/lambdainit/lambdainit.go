// Package lambdainit is what every function's main shares: Start (JSON logs, setup
// from the environment, a failed setup reported to Lambda), the settings every
// function reads (the table, the signing key, the AWS configuration built from the
// Lambda environment alone), and Fail, which reports a failed initialisation.
//
// aws-lambda-go (v1.55.1) reports invocation errors but has no call for an init
// error: a main that cannot start can only exit, which Lambda records as
// "Runtime.ExitError" with no reason. Fail posts the reason to the Runtime API's
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
	"strings"
	"time"
)

// ErrorType is what Fail reports as the error's type, in the
// Lambda-Runtime-Function-Error-Type header and in the body's errorType.
const ErrorType = "Runtime.ConfigError"

// runtimeAPIEnv names the host:port of the Runtime API; Lambda sets it, and only there.
const runtimeAPIEnv = "AWS_LAMBDA_RUNTIME_API"

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
	msg := redact(err.Error(), os.Environ())
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

// isSecretName reports whether an environment variable's name marks its value as a
// secret: a word SECRET, PASSWORD, PASSWD, PRIVATE or CREDENTIALS anywhere
// (FORM_SIGNING_SECRET, AWS_SECRET_ACCESS_KEY), or a last word TOKEN or KEY
// (AWS_SESSION_TOKEN, API_KEY), but not FORM_TOKEN_MAX_AGE.
func isSecretName(name string) bool {
	words := strings.Split(strings.ToUpper(name), "_")
	for _, w := range words {
		switch w {
		case "SECRET", "PASSWORD", "PASSWD", "PRIVATE", "CREDENTIALS":
			return true
		}
	}
	last := words[len(words)-1]
	return last == "TOKEN" || last == "KEY"
}

// minRedacted is the shortest value redacted: cutting every "a" out of a message
// would hide more than it protects.
const minRedacted = 4

// redact replaces, in msg, the value of every variable of environ (NAME=value)
// whose name marks it as a secret.
func redact(msg string, environ []string) string {
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || len(value) < minRedacted || !isSecretName(name) {
			continue
		}
		msg = strings.ReplaceAll(msg, value, "[value of "+name+" redacted]")
	}
	return msg
}
