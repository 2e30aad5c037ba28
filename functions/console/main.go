// Command console is the Lambda function behind the marketer's web console,
// /console/...: sign-in by emailed link or passkey, sessions, and the leads,
// funnel, deliverability and webhooks pages (console.RestArea); the pages editor
// is console-editor's, the previews, page files and magnets console-content's
// (the whole console would not fit one binary's size budget). Its routes have no IAM auth: the console
// signs its users in itself, only the addresses of the ConsoleUsers parameter, and
// checks a session and a CSRF token on every change.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"leadgate/shared/admin"
	"leadgate/shared/apigw"
	"leadgate/shared/console"
	"leadgate/shared/consoleauth"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdaruntime"
	"leadgate/shared/sesmail"
	"leadgate/shared/webhooks"
)

func main() {
	lambdaruntime.Start(apigw.Handler(lambdainit.Start("console", setup)))
}

// setup reads TABLE_NAME, FORM_SIGNING_SECRET, CONSOLE_USERS (the addresses
// that may sign in), PUBLIC_BASE_URL (the origin of the emailed links),
// SENDER_ADDRESS, SENDER_NAME and SES_CONFIGURATION_SET, and returns the
// console's HTTP handler.
func setup(_ context.Context, getenv func(string) string, log *slog.Logger) (http.Handler, error) {
	key, err := lambdainit.SigningKey(getenv)
	if err != nil {
		return nil, err
	}
	users, err := lambdainit.ConsoleUsers(getenv)
	if err != nil {
		return nil, err
	}
	store, awsCfg, err := lambdainit.Store(getenv)
	if err != nil {
		return nil, err
	}
	// SES through a request signed here: the SDK's SES client weighs 0.7 MB.
	sesClient, err := sesmail.NewClient(awsCfg, sesmail.ClientOptions{})
	if err != nil {
		return nil, err
	}
	mailer := sesmail.NewMailer(sesClient, getenv("SES_CONFIGURATION_SET"))
	c, err := console.NewArea(console.Config{
		Auth: consoleauth.New(store, key, consoleauth.DefaultConfig(users), time.Now),
		// Webhook tests and redeliveries post from here, under the AWS policy.
		Admin: admin.New(store, nil, key, time.Now).
			WithWebhooks(webhooks.New(store, webhooks.NewSender(webhooks.AWSPolicy), time.Now, nil)),
		Store:    store,
		Key:      key,
		Mailer:   mailer,
		BaseURL:  getenv("PUBLIC_BASE_URL"),
		From:     getenv("SENDER_ADDRESS"),
		FromName: getenv("SENDER_NAME"),
		Log:      log,
	}, console.RestArea)
	if err != nil {
		return nil, err
	}
	return c.Handler(), nil
}
