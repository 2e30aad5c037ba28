// Command capture is the Lambda function behind POST /v1/pages/{slug}/leads (and the
// form-token route): it reads its settings, builds the DynamoDB store and serves the
// same handlers the local server mounts.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"leadgate/shared/apigw"
	"leadgate/shared/captcha"
	"leadgate/shared/capture"
	"leadgate/shared/httpapi"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdaruntime"
	"leadgate/shared/signing"
)

func main() {
	lambdaruntime.Start(apigw.Handler(lambdainit.Start("capture", setup)))
}

// setup reads TABLE_NAME, the signing secret, the capture settings
// (capture.ConfigFromEnv) and the captcha secrets (lambdainit.CaptchaSecrets: from
// Secrets Manager, never the environment) and returns the function's HTTP handler.
func setup(_ context.Context, getenv func(string) string, log *slog.Logger) (http.Handler, error) {
	key, err := lambdainit.SigningKey(getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := capture.ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	store, _, err := lambdainit.CachedStore(getenv)
	if err != nil {
		return nil, err
	}
	secrets, err := lambdainit.CaptchaSecrets(getenv)
	if err != nil {
		return nil, err
	}
	return handler(store, key, cfg, time.Now, log).WithCaptcha(captcha.New(secrets)).Handler(), nil
}

// handler composes the capture route on a store; the tests call it with the embedded
// store to run the events/ files through the Lambda entry.
func handler(store capture.Store, key *signing.Key, cfg capture.Config, now func() time.Time, log *slog.Logger) *httpapi.API {
	return httpapi.New(capture.New(store, key, cfg, now), log)
}
