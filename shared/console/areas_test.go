package console_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"leadgate/shared/console"
	"leadgate/shared/consoleauth"
	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

// areaSite serves area alone, as its Lambda function does, on the store of s (whose
// whole console signs the user in); mailer nil: the Config has no Mailer or From.
func areaSite(t *testing.T, s *site, area console.Area, withMailer bool) *site {
	t.Helper()
	key, err := signing.NewKey([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	list, err := leadgate.ParseConsoleUsers(users)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	cfg := console.Config{
		Auth: consoleauth.New(s.store, key, consoleauth.DefaultConfig(list), s.clock.now), Admin: newAdmin(t, s.store, key, s.clock.now),
		Store: s.store, Key: key, BaseURL: srv.URL, Now: s.clock.now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if withMailer {
		cfg.Mailer, cfg.From = s.box, "console@example.com"
	}
	c, err := console.NewArea(cfg, area)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = c.Handler()
	return &site{store: s.store, clock: s.clock, box: s.box, url: srv.URL}
}

// TestAreasServeTheirOwnPaths checks the two parts the Lambda functions serve: each
// answers its own paths, and a path of the other part as the whole console answers
// an unknown one (sign in first, then the 404 page), never with its data.
func TestAreasServeTheirOwnPaths(t *testing.T) {
	whole := newSite(t)
	whole.seedPage(t)
	session := whole.signIn(t, "ada@example.com")
	pages := areaSite(t, whole, console.PagesArea, false)
	rest := areaSite(t, whole, console.RestArea, true)

	for _, path := range []string{console.PagesPath, console.EditPagePath("spring-guide"), console.NewPagePath,
		console.PageActionPath("spring-guide", "variants"), console.PageActionPath("spring-guide", "yaml")} {
		want(t, "pages area: GET "+path, pages.get(t, path, session), http.StatusOK)
		want(t, "rest area: GET "+path, rest.get(t, path, session), http.StatusNotFound, "There is nothing at this address")
		wantRedirect(t, "rest area: GET "+path+" without a session", rest.get(t, path, ""), console.SignInPath)
	}
	csrf := whole.csrf(t, session)
	for _, path := range []string{console.PreviewPath, console.PageActionPath("spring-guide", "publish")} {
		r := rest.post(t, path, map[string][]string{"csrf": {csrf}}, session)
		want(t, "rest area: POST "+path, r, http.StatusNotFound, "There is nothing at this address")
	}

	for _, path := range []string{console.LeadsPath, console.MagnetsPath, console.FunnelPath, console.DeliverabilityPath,
		console.WebhooksPath, console.PasskeysPath} {
		want(t, "rest area: GET "+path, rest.get(t, path, session), http.StatusOK)
		want(t, "pages area: GET "+path, pages.get(t, path, session), http.StatusNotFound, "There is nothing at this address")
		wantRedirect(t, "pages area: GET "+path+" without a session", pages.get(t, path, ""), console.SignInPath)
	}
	want(t, "rest area: the sign-in page", rest.get(t, console.SignInPath, ""), http.StatusOK)
	wantRedirect(t, "rest area: /console", rest.get(t, console.RootPath, session), console.HomePath)
	want(t, "pages area: a sign-in request", pages.post(t, console.SignInPath, map[string][]string{"email": {"ada@example.com"}}, ""),
		http.StatusForbidden)
	want(t, "pages area: sign-out", pages.post(t, console.SignOutPath, map[string][]string{"csrf": {csrf}}, session),
		http.StatusNotFound, "There is nothing at this address")
	// The session outlived every request to the pages area.
	want(t, "whole console after", whole.get(t, console.LeadsPath, session), http.StatusOK)
}

// TestAreaConfigChecked: only an area that emails sign-in links needs a Mailer.
func TestAreaConfigChecked(t *testing.T) {
	whole := newSite(t)
	areaSite(t, whole, console.PagesArea, false) // fails the test if refused
	key, err := signing.NewKey([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	cfg := console.Config{Auth: consoleauth.New(whole.store, key, consoleauth.Config{}, whole.clock.now),
		Admin: newAdmin(t, whole.store, key, whole.clock.now), Store: whole.store, Key: key, BaseURL: "https://console.example.com"}
	for _, area := range []console.Area{console.RestArea, console.Everything} {
		if _, err := console.NewArea(cfg, area); err == nil {
			t.Error("an area that emails sign-in links was built without a Mailer")
		}
	}
	if _, err := console.NewArea(cfg, console.Area{}); err == nil {
		t.Error("a console was built with no area")
	}
}
