// Command console-editor is the Lambda function behind the console's pages
// (console.PagesArea): the pages list and the page editor (new pages, saving,
// variants, publishing, copying, deleting), under /console/pages,
// /console/pages/{proxy+} and /console/new-page, but for a page's previews and
// page file. The console function serves the sign-in and every other area,
// console-content the previews, page files and magnets; they are split so that
// each binary stays under its size budget (this one links the Markdown renderer,
// which saving a page runs). Its routes have no IAM auth: a session of the
// console's sign-in and a CSRF token on every change are checked as in the
// console function.
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
	"leadgate/shared/emails"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdaruntime"
	"leadgate/shared/richtext"
)

func main() {
	lambdaruntime.Start(apigw.Handler(lambdainit.Start("console-editor", setup)))
}

// setup reads TABLE_NAME, FORM_SIGNING_SECRET, CONSOLE_USERS (a session of an
// address no longer listed is refused), PUBLIC_BASE_URL and POSTAL_ADDRESS (nurture
// steps need it), and returns the handler of the console's pages.
func setup(_ context.Context, getenv func(string) string, log *slog.Logger) (http.Handler, error) {
	key, err := lambdainit.SigningKey(getenv)
	if err != nil {
		return nil, err
	}
	users, err := lambdainit.ConsoleUsers(getenv)
	if err != nil {
		return nil, err
	}
	store, _, err := lambdainit.Store(getenv)
	if err != nil {
		return nil, err
	}
	postal, err := emails.PostalAddressFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	c, err := console.NewArea(console.Config{
		Auth: consoleauth.New(store, key, consoleauth.DefaultConfig(users), time.Now),
		// No bucket: the pages upload nothing (magnets are console-content's).
		Admin:   admin.New(store, nil, key, time.Now).WithPostalAddress(postal).WithMarkdown(richtext.HTML),
		Store:   store,
		Key:     key,
		BaseURL: getenv("PUBLIC_BASE_URL"),
		Log:     log,
	}, console.PagesArea)
	if err != nil {
		return nil, err
	}
	return c.Handler(), nil
}
