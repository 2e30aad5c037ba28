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
// whole console signs the user in); without withMailer the Config has no Mailer
// or From.
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

// TestAreasServeTheirOwnPaths checks the three parts the Lambda functions serve:
// each answers its own paths, and a path of another part as the whole console
// answers an unknown one (sign in first, then the 404 page), never with its data.
func TestAreasServeTheirOwnPaths(t *testing.T) {
	whole := newSite(t)
	whole.seedPage(t)
	session := whole.signIn(t, "ada@example.com")
	csrf := whole.csrf(t, session)
	areas := map[string]*site{
		"pages":   areaSite(t, whole, console.PagesArea, false),
		"content": areaSite(t, whole, console.ContentArea, false),
		"rest":    areaSite(t, whole, console.RestArea, true),
	}
	owner := map[string][]string{
		"pages": {console.PagesPath, console.EditPagePath("spring-guide"), console.NewPagePath,
			console.PageActionPath("spring-guide", "variants"), console.PageActionPath("spring-guide", "delete")},
		"content": {console.PageActionPath("spring-guide", "preview"), console.PageActionPath("spring-guide", "yaml"),
			console.MagnetsPath, console.NewMagnetPath},
		"rest": {console.LeadsPath, console.FunnelPath, console.DeliverabilityPath, console.WebhooksPath, console.PasskeysPath},
	}
	for name, paths := range owner {
		for _, path := range paths {
			for other, s := range areas {
				if other == name {
					want(t, other+" area: GET "+path, s.get(t, path, session), http.StatusOK)
					continue
				}
				want(t, other+" area: GET "+path, s.get(t, path, session), http.StatusNotFound, "There is nothing at this address")
				wantRedirect(t, other+" area: GET "+path+" without a session", s.get(t, path, ""), console.SignInPath)
			}
		}
	}
	for _, name := range []string{"pages", "rest"} {
		r := areas[name].post(t, console.PreviewPath, map[string][]string{"csrf": {csrf}}, session)
		want(t, name+" area: POST "+console.PreviewPath, r, http.StatusNotFound, "There is nothing at this address")
	}
	want(t, "content area: POST "+console.PreviewPath, areas["content"].post(t, console.PreviewPath,
		map[string][]string{"csrf": {csrf}, "slug": {"spring-guide"}, "title": {"Typed, not saved"}}, session), http.StatusOK, "Typed, not saved")
	want(t, "rest area: the sign-in page", areas["rest"].get(t, console.SignInPath, ""), http.StatusOK)
	wantRedirect(t, "rest area: /console", areas["rest"].get(t, console.RootPath, session), console.HomePath)
	want(t, "pages area: a sign-in request", areas["pages"].post(t, console.SignInPath, map[string][]string{"email": {"ada@example.com"}}, ""),
		http.StatusForbidden)
	want(t, "content area: sign-out", areas["content"].post(t, console.SignOutPath, map[string][]string{"csrf": {csrf}}, session),
		http.StatusNotFound, "There is nothing at this address")
	// The session outlived every request to the other areas.
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
	if _, err := console.NewArea(cfg, console.ContentArea); err != nil {
		t.Errorf("the content area needs no Mailer: %v", err)
	}
	for _, area := range []console.Area{console.RestArea, console.Everything} {
		if _, err := console.NewArea(cfg, area); err == nil {
			t.Error("an area that emails sign-in links was built without a Mailer")
		}
	}
	if _, err := console.NewArea(cfg, console.Area{}); err == nil {
		t.Error("a console was built with no area")
	}
}
