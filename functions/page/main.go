// Command page is the Lambda function behind the hosted landing page, GET /p/{slug},
// and its thank-you page, GET /p/{slug}/thanks: it renders the page's form with a
// signed render time and counts the view (two DynamoDB UpdateItems: the day's total and its source row).
package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"leadgate/shared/apigw"
	"leadgate/shared/capture"
	"leadgate/shared/httpapi"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdaruntime"
	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

func main() {
	lambdaruntime.Start(apigw.Handler(lambdainit.Start("page", setup)))
}

// setup reads TABLE_NAME and FORM_SIGNING_SECRET and returns the function's HTTP
// handler. Pages are cached per container for a minute.
func setup(_ context.Context, getenv func(string) string, log *slog.Logger) (http.Handler, error) {
	key, err := lambdainit.SigningKey(getenv)
	if err != nil {
		return nil, err
	}
	store, _, err := lambdainit.CachedStore(getenv)
	if err != nil {
		return nil, err
	}
	return handler(store, key, time.Now, log), nil
}

// handler composes the page routes on a store; the tests call it with the embedded
// store to run the events/ files through the Lambda entry. The capture settings
// are the defaults: rendering a form only signs its time.
func handler(store leadgate.Store, key *signing.Key, now func() time.Time, log *slog.Logger) http.Handler {
	return httpapi.NewPageAPI(capture.New(store, key, capture.DefaultConfig(), now), store, log).Handler()
}
