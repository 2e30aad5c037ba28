// Command console-content is the Lambda function behind the console's content
// (console.ContentArea): a page's previews (POST /console/preview, the editor's
// page as typed; GET /console/pages/{slug}/preview) and page file
// (GET /console/pages/{slug}/yaml), and the magnets with their uploads
// (/console/magnets...). It is split from the console and editor functions so
// that each binary stays under its size budget: this one links the hosted page's
// renderer beside the Markdown renderer. Its routes have no IAM auth: a session
// of the console's sign-in and a CSRF token on every POST are checked as in the
// console function.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"leadgate/shared/admin"
	"leadgate/shared/apigw"
	"leadgate/shared/console"
	"leadgate/shared/consoleauth"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdaruntime"
	"leadgate/shared/richtext"
	"leadgate/shared/s3url"
)

func main() {
	lambdaruntime.Start(apigw.Handler(lambdainit.Start("console-content", setup)))
}

// setup reads TABLE_NAME, BUCKET_NAME, FORM_SIGNING_SECRET, CONSOLE_USERS (a
// session of an address no longer listed is refused) and PUBLIC_BASE_URL, and
// returns the handler of the console's previews, page files and magnets.
func setup(_ context.Context, getenv func(string) string, log *slog.Logger) (http.Handler, error) {
	key, err := lambdainit.SigningKey(getenv)
	if err != nil {
		return nil, err
	}
	users, err := lambdainit.ConsoleUsers(getenv)
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
	presigner, err := s3url.NewPresigner(awsCfg, s3url.PresignerOptions{})
	if err != nil {
		return nil, err
	}
	c, err := console.NewArea(console.Config{
		// The browser PUTs magnet files there: the magnets pages allow it.
		UploadOrigin: presigner.Origin(bucket),
		Auth:         consoleauth.New(store, key, consoleauth.DefaultConfig(users), time.Now),
		// The unsaved preview renders the texts as saving would; nothing is saved.
		Admin:   admin.New(store, s3url.New(presigner, bucket), key, time.Now).WithMarkdown(richtext.HTML),
		Store:   store,
		Key:     key,
		BaseURL: getenv("PUBLIC_BASE_URL"),
		Log:     log,
	}, console.ContentArea)
	if err != nil {
		return nil, err
	}
	return c.Handler(), nil
}
