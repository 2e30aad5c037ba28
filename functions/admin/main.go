// Command admin is the Lambda function behind the admin API, /v1/admin/...: pages
// and magnets listed, read, created and updated, presigned PUTs for magnet files,
// a page's leads exported, one lead's data exported or erased, funnel stats and
// spend, download links revoked, and webhook endpoints managed, tested and
// redelivered. It checks no
// credentials itself: every admin route of the HTTP API has AWS_IAM auth, so API
// Gateway lets only SigV4-signed requests of allowed principals reach it.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"leadgate/shared/admin"
	"leadgate/shared/adminapi"
	"leadgate/shared/apigw"
	"leadgate/shared/emails"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdaruntime"
	"leadgate/shared/leadgate"
	"leadgate/shared/richtext"
	"leadgate/shared/s3url"
	"leadgate/shared/signing"
	"leadgate/shared/webhooks"
)

func main() {
	lambdaruntime.Start(apigw.Handler(lambdainit.Start("admin", setup)))
}

// setup reads TABLE_NAME, BUCKET_NAME, FORM_SIGNING_SECRET (the lead routes
// derive the ids of a lead's links with it) and POSTAL_ADDRESS (nurture steps need
// it) and returns the function's HTTP handler.
// Pages and magnets are read from the table on every request (no cache): an admin
// sees what was just saved.
func setup(_ context.Context, getenv func(string) string, log *slog.Logger) (http.Handler, error) {
	key, err := lambdainit.SigningKey(getenv)
	if err != nil {
		return nil, err
	}
	bucket := getenv("BUCKET_NAME")
	if bucket == "" {
		return nil, errors.New("BUCKET_NAME is not set: name the S3 bucket of lead magnets")
	}
	store, awsCfg, err := lambdainit.Store(getenv)
	if err != nil {
		return nil, err
	}
	// The function only mints URLs: it signs them itself and builds no S3 client.
	presigner, err := s3url.NewPresigner(awsCfg, s3url.PresignerOptions{})
	if err != nil {
		return nil, err
	}
	objects := s3url.New(presigner, bucket)
	postal, err := emails.PostalAddressFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	return handler(store, objects, key, time.Now, log, postal), nil
}

// handler composes the admin service and its routes; the tests call it with the
// embedded store and the local bucket to run API Gateway events through the Lambda
// entry.
func handler(store adminStore, objects leadgate.ObjectStore, key *signing.Key, now func() time.Time, log *slog.Logger, postalAddress string) http.Handler {
	// Tests and redeliveries post from here, under the AWS policy: https to public
	// addresses only. No notifier: the stream and dispatcher functions email about
	// disabled endpoints.
	hooks := webhooks.New(store, webhooks.NewSender(webhooks.AWSPolicy), now, nil)
	return adminapi.New(admin.New(store, objects, key, now).WithWebhooks(hooks).WithPostalAddress(postalAddress).WithMarkdown(richtext.HTML), log).Handler()
}

// adminStore is what the admin service and its webhooks need of the store.
type adminStore interface {
	admin.Store
	webhooks.Store
}
