// Command links is the Lambda function behind the links of follow-up emails:
// GET|POST /v1/confirm/{token} (double opt-in) and GET|POST /v1/unsubscribe/{token}
// (RFC 8058 one-click). GETs show a page with a button; POSTs act.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"leadgate/shared/apigw"
	"leadgate/shared/followup"
	"leadgate/shared/httpapi"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdaruntime"
)

func main() {
	lambdaruntime.Start(apigw.Handler(lambdainit.Start("links", setup)))
}

// setup reads TABLE_NAME and FORM_SIGNING_SECRET.
func setup(_ context.Context, getenv func(string) string, log *slog.Logger) (http.Handler, error) {
	key, err := lambdainit.SigningKey(getenv)
	if err != nil {
		return nil, err
	}
	store, _, err := lambdainit.CachedStore(getenv)
	if err != nil {
		return nil, err
	}
	return httpapi.NewLinksAPI(followup.NewLinks(store, key, time.Now), log).Handler(), nil
}
