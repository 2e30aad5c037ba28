// Command download is the Lambda function behind /v1/downloads/{token}: a GET or HEAD
// gets the link's page, whose button POSTs; the POST checks and counts the download
// in one DynamoDB request and redirects to a presigned S3 URL that lives five minutes.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"leadgate/shared/apigw"
	"leadgate/shared/downloads"
	"leadgate/shared/httpapi"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdaruntime"
	"leadgate/shared/leadgate"
	"leadgate/shared/s3url"
	"leadgate/shared/signing"
)

func main() {
	lambdaruntime.Start(apigw.Handler(lambdainit.Start("download", setup)))
}

// setup reads TABLE_NAME, BUCKET_NAME and the signing secret (which tells the decoy
// links of bots' fake successes, and signs trial magnets' tokens of the address)
// and returns the function's HTTP handler.
func setup(_ context.Context, getenv func(string) string, log *slog.Logger) (http.Handler, error) {
	bucket := getenv("BUCKET_NAME")
	if bucket == "" {
		return nil, errors.New("BUCKET_NAME is not set: name the S3 bucket of lead magnets")
	}
	key, err := lambdainit.SigningKey(getenv)
	if err != nil {
		return nil, err
	}
	store, awsCfg, err := lambdainit.CachedStore(getenv)
	if err != nil {
		return nil, err
	}
	// The function only mints URLs: it signs them itself and builds no S3 client.
	presigner, err := s3url.NewPresigner(awsCfg, s3url.PresignerOptions{})
	if err != nil {
		return nil, err
	}
	objects := s3url.New(presigner, bucket)
	return handler(store, objects, key, time.Now, log), nil
}

// handler composes the download route; the tests call it with the embedded store and
// the local bucket to run the events/ files through the Lambda entry.
func handler(store downloads.Store, objects leadgate.ObjectStore, key *signing.Key, now func() time.Time, log *slog.Logger) http.Handler {
	return httpapi.NewDownloadAPI(downloads.New(store, objects, key, now), log).Handler()
}
