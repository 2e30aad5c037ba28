package console

import (
	"fmt"
	"net/http"
	"net/url"

	"leadgate/shared/consoleauth"
)

// An Area is a part of the console's routes. The whole console is too large for
// one Lambda function (its binary must stay under the size budget), so on AWS
// functions each serve a part, and API Gateway sends each path prefix to its
// function. The parts are plain functions rather than flags so that a function's
// binary links only the handlers of its own part: the Go linker drops code that
// no registered route reaches. On AWS three functions serve PagesArea,
// ContentArea and RestArea.
//
// Any path a Console does not serve, another part's included, gets the same
// private 404 page as an unknown path: a session first, then "no such page".
type Area struct {
	name string
	// mails: the area emails sign-in links, so Mailer and From are required.
	mails bool
	// routes registers the area's routes on mux; it may fail on a bad Config.
	routes func(c *Console, mux *http.ServeMux, base *url.URL) error
}

var (
	// Everything is the whole console: the local run and the tests.
	Everything = Area{name: "everything", mails: true, routes: everythingRoutes}
	// PagesArea is the pages list and the editor (new pages, saving, variants,
	// publishing, copying, deleting): the routes that save pages, which link the
	// Markdown renderer. ConsoleEditorFunction serves it.
	PagesArea = Area{name: "pages", routes: pagesRoutes}
	// ContentArea is what pages show and hand out: a page's previews, unsaved (the
	// editor's) and saved, its page file, and the magnets with their uploads. The
	// previews link the hosted page's renderer beside the Markdown renderer, which
	// together do not fit beside the editor. ConsoleContentFunction serves it.
	ContentArea = Area{name: "content", routes: contentRoutes}
	// RestArea is every other route: signing in and out, passkeys, leads,
	// the funnel, deliverability, webhooks, and the 404 page of unknown paths.
	// ConsoleFunction serves it.
	RestArea = Area{name: "rest", mails: true, routes: restRoutes}
)

// The API Gateway routes (method and path) of the areas' functions, as
// template.yaml declares them: a more specific path wins over ConsoleFunction's
// /console/{proxy+}, which takes every other.
var (
	PagesAreaRoutes = []string{
		"GET " + PagesPath, "GET " + PagesPath + "/{proxy+}", "POST " + PagesPath + "/{proxy+}",
		"GET " + NewPagePath, "POST " + NewPagePath,
	}
	ContentAreaRoutes = []string{
		"POST " + PreviewPath, "GET " + PreviewPagePattern, "GET " + PageFilePattern,
		"GET " + MagnetsPath, "GET " + MagnetsPath + "/{proxy+}", "POST " + MagnetsPath + "/{proxy+}", "GET " + UploadScriptPath,
	}
)

func everythingRoutes(c *Console, mux *http.ServeMux, base *url.URL) error {
	if err := restRoutes(c, mux, base); err != nil {
		return err
	}
	if err := contentRoutes(c, mux, base); err != nil {
		return err
	}
	return pagesRoutes(c, mux, base)
}

// pagesRoutes registers PagesArea's routes.
func pagesRoutes(c *Console, mux *http.ServeMux, _ *url.URL) error {
	mux.Handle(PagesPath, c.private(c.pages, nil))
	c.editorRoutes(mux)
	c.variantRoutes(mux)
	return nil
}

// contentRoutes registers ContentArea's routes.
func contentRoutes(c *Console, mux *http.ServeMux, _ *url.URL) error {
	mux.Handle(PreviewPath, c.private(nil, c.previewUnsaved))
	mux.Handle(PreviewPagePattern, c.private(c.previewSaved, nil))
	mux.Handle(PageFilePattern, c.private(c.pageFile, nil))
	c.magnetRoutes(mux)
	return nil
}

// restRoutes registers RestArea's routes.
func restRoutes(c *Console, mux *http.ServeMux, base *url.URL) error {
	if err := c.setUpPasskeys(base); err != nil {
		return err
	}
	// Open to anyone: signing in, and being told one is signed out.
	mux.Handle(SignInPath, c.open(c.signInForm, c.requestLink))
	mux.Handle(SignInLinkPattern, c.open(c.linkButton, c.useLink))
	mux.Handle(SignedOutPath, c.open(c.signedOut, nil))
	mux.Handle(PasskeySignInBeginPath, c.open(nil, c.signInBegin))
	mux.Handle(PasskeySignInFinishPath, c.open(nil, c.signInFinish))
	mux.Handle(PasskeysScriptPath, c.open(c.passkeysAsset, nil))
	// Everything else needs a session.
	mux.Handle(RootPath, http.RedirectHandler(HomePath, http.StatusSeeOther))
	mux.Handle(Prefix+"{$}", http.RedirectHandler(HomePath, http.StatusSeeOther))
	mux.Handle(FunnelPath, c.private(c.funnelPage, nil))
	mux.Handle(SpendPath, c.private(nil, c.saveSpend))
	mux.Handle(DeliverabilityPath, c.private(c.deliverability, nil))
	mux.Handle(LeadsPath, c.private(c.leads, nil))
	mux.Handle(LeadsCSVPath, c.private(c.leadsCSV, nil))
	mux.Handle(LeadPattern, c.private(c.lead, nil))
	mux.Handle(LeadExportPattern, c.private(c.leadExport, nil))
	mux.Handle(LeadErasePattern, c.private(c.eraseForm, c.erase))
	mux.Handle(SignOutPath, c.private(nil, c.signOut))
	mux.Handle(SignOutEverywherePath, c.private(nil, c.signOutEverywhere))
	c.webhookRoutes(mux)
	mux.Handle(PasskeysPath, c.private(c.passkeysPage, nil))
	mux.Handle(PasskeyRegisterBeginPath, c.private(nil, c.registerBegin))
	mux.Handle(PasskeyRegisterFinishPath, c.private(nil, c.registerFinish))
	mux.Handle(PasskeyRemovePath, c.private(nil, c.removePasskey))
	return nil
}

// setUpPasskeys readies the passkey ceremonies at the console's origin, or says
// why that address cannot carry passkeys.
func (c *Console) setUpPasskeys(base *url.URL) error {
	// Passkeys belong to the origin; a mapping's base path is no part of it.
	origin := base.Scheme + "://" + base.Host
	var err error
	if c.passkeys, err = c.cfg.Auth.Passkeys(origin, consoleName); err != nil {
		_, why := consoleauth.PasskeyOrigin(origin)
		if why == nil {
			return fmt.Errorf("console: %w", err)
		}
		c.passkeysOff = "This console's address, " + base.Host + ", " + why.Error() + ". Signing in with an email link works as before."
	}
	return nil
}
