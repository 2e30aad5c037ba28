package console_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"leadgate/shared/console"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/localdev"
	"leadgate/shared/pagefile/reader"
)

// local is the local run, signed in to its console.
type local struct {
	srv           *localdev.Server
	base, session string
	csrf          string
}

func signedInLocal(t *testing.T) *local {
	t.Helper()
	srv, base := openLocal(t, "you@localhost.test")
	link, _, err := srv.ConsoleSignInURL(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	l := &local{srv: srv, base: base}
	for _, c := range send(t, "POST", link, "").Cookies() {
		if c.Name == console.CookieName {
			l.session = c.Value
		}
	}
	_, body := l.get(t, console.NewPagePath)
	m := csrfPattern.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF token on the new page form")
	}
	l.csrf = m[1]
	return l
}

func (l *local) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	res := send(t, "GET", l.base+path, l.session)
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (l *local) post(t *testing.T, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	form.Set("csrf", l.csrf)
	r, err := http.NewRequest("POST", l.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", l.base)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.AddCookie(&http.Cookie{Name: console.CookieName, Value: l.session})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// visit is a visitor's GET of a hosted path, as a browser sends it.
func (l *local) visit(t *testing.T, path string) int {
	t.Helper()
	r, _ := http.NewRequest("GET", l.base+path, nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (test)")
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// newPageForm is the editor's form of a page with a custom required field.
func newPageForm(slug, magnet string) url.Values {
	return url.Values{"do": {"save"}, "slug": {slug}, "title": {"The autumn guide"}, "magnet_id": {magnet},
		"opt_in": {"single"}, "thank_you_url": {"/p/" + slug + "/thanks"}, "hidden_fields": {"utm_source", "referrer"},
		"allowed_origins": {"https://www.example.com\r\n\r\nhttps://shop.example.com"},
		"rows.fields":     {"3"},
		"fields[0].name":  {"email"}, "fields[0].label": {"Email"}, "fields[0].type": {"email"}, "fields[0].required": {"on"},
		"fields[1].name": {"team_size"}, "fields[1].label": {"Team size"}, "fields[1].type": {"text"}, "fields[1].required": {"on"}, "fields[1].max_length": {"20"},
		"rows.nurture": {"1"}, "follow_up.nurture[0].id": {"day-2"}, "follow_up.nurture[0].after": {"48h"}, "follow_up.nurture[0].subject": {"Hi {{.FirstName}}"},
		"rows.fit": {"1"}, "scoring.fit[0].field": {"team_size"}, "scoring.fit[0].keywords": {"50\r\n100+"}, "scoring.fit[0].points": {"10"}, "scoring.mql_at": {"20"}, "scoring.sql_at": {"45"},
	}
}

// TestEditorLifecycle creates a page with a custom required field in the console,
// edits it, publishes and unpublishes it (its hosted page 404 as a draft, 200
// published), duplicates and deletes it (its lead kept), and downloads its page file.
func TestEditorLifecycle(t *testing.T) {
	l := signedInLocal(t)
	ctx := context.Background()
	sample, err := l.srv.Store.Page(ctx, localdev.SampleSlug)
	if err != nil {
		t.Fatal(err)
	}
	magnet := sample.MagnetID

	res, body := l.post(t, console.NewPagePath, newPageForm("autumn-guide", magnet))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != console.EditPagePath("autumn-guide")+"?saved=1" {
		t.Fatalf("create: %d to %q: %s", res.StatusCode, res.Header.Get("Location"), body[strings.Index(body, "<main"):])
	}
	p, err := l.srv.Store.Page(ctx, "autumn-guide")
	if err != nil {
		t.Fatal(err)
	}
	team, _ := p.Field("team_size")
	if !p.Draft || !team.Required || team.MaxLength != 20 || len(p.Fields) != 2 || len(p.AllowedOrigins) != 2 ||
		len(p.FollowUp.Nurture) != 1 || p.FollowUp.Nurture[0].After != 48*time.Hour || p.Scoring.Fit[0].Keywords[1] != "100+" {
		t.Fatalf("created page %+v", p)
	}
	if _, body := l.post(t, console.NewPagePath, newPageForm("autumn-guide", magnet)); !strings.Contains(body, "exists already") {
		t.Fatalf("a second page of the slug was not refused: %.500s", body)
	}

	// A draft is no page to visitors, and takes no posts.
	if got := l.visit(t, leadgate.PagePath("autumn-guide")); got != http.StatusNotFound {
		t.Fatalf("hosted draft: %d, want 404", got)
	}
	capture := func() int {
		form := url.Values{"email": {"ada@example.com"}, "team_size": {"12"}}
		res, err := http.PostForm(l.base+leadgate.CapturePath("autumn-guide"), form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := capture(); got != http.StatusNotFound {
		t.Fatalf("capture on a draft: %d, want 404", got)
	}
	if res, _ := l.post(t, console.PageActionPath("autumn-guide", "publish"), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", res.StatusCode)
	}
	if got := l.visit(t, leadgate.PagePath("autumn-guide")); got != http.StatusOK {
		t.Fatalf("hosted page once published: %d", got)
	}
	if _, err := l.srv.Store.Capture(ctx, storetest.Capture(p, "ada@example.com", time.Now().UTC().Truncate(time.Millisecond), "console")); err != nil {
		t.Fatal(err)
	}
	if res, _ := l.post(t, console.PageActionPath("autumn-guide", "unpublish"), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unpublish: %d", res.StatusCode)
	}
	if got := l.visit(t, leadgate.PagePath("autumn-guide")); got != http.StatusNotFound {
		t.Fatalf("hosted page unpublished: %d, want 404", got)
	}

	// Edit: a new title, the field moved up, an origin less; the draft flag stays.
	form := newPageForm("ignored", magnet)
	form.Set("title", "The autumn guide, revised")
	form.Set("allowed_origins", "https://www.example.com")
	if res, body := l.post(t, console.EditPagePath("autumn-guide"), form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d %.800s", res.StatusCode, body)
	}
	form.Set("do", "up:fields:1")
	if _, body := l.post(t, console.EditPagePath("autumn-guide"), form); !strings.Contains(body, `id="fields[0].name" name="fields[0].name" value="team_size"`) {
		t.Fatalf("move up did not move the field: %.3000s", body)
	}
	p, _ = l.srv.Store.Page(ctx, "autumn-guide")
	if p.Slug != "autumn-guide" || p.Title != "The autumn guide, revised" || len(p.AllowedOrigins) != 1 || !p.Draft || p.Fields[0].Name != "email" {
		t.Fatalf("edited page %+v (a move is not saved until Save)", p)
	}

	// Errors beside their inputs, 422, what was typed kept, nothing stored.
	form.Set("do", "save")
	form.Set("title", "")
	form.Set("fields[1].max_length", "lots")
	form.Set("scoring.fit[0].points", "0")
	res, body = l.post(t, console.EditPagePath("autumn-guide"), form)
	for _, want := range []string{`<p class="error" id="err-title">a page needs a title</p>`,
		`value="lots" aria-invalid="true" aria-describedby="err-fields[1].max_length"`,
		`<p class="error" id="err-scoring.fit[0].points">`} {
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
			t.Fatalf("invalid edit: %d, the form lacks %q: %.500s", res.StatusCode, want, body)
		}
	}
	if again, _ := l.srv.Store.Page(ctx, "autumn-guide"); again.Title != p.Title {
		t.Fatal("an invalid edit was stored")
	}

	// Preview: the hosted page's renderer, unsaved edits too, counting nothing.
	_, body = l.get(t, console.PageActionPath("autumn-guide", "preview"))
	if !strings.Contains(body, "<h2>Preview</h2>") || !strings.Contains(body, "<form novalidate>") || !strings.Contains(body, "disabled>Get your copy") {
		t.Fatalf("preview: %.1500s", body)
	}
	form.Set("title", "An unsaved title")
	if _, body := l.post(t, console.PreviewPath, form); !strings.Contains(body, "<h1>An unsaved title</h1>") {
		t.Fatalf("preview of unsaved edits: %.1500s", body)
	}
	// Unsaved Markdown is rendered, and sanitised, as saving would store it.
	form.Set("description", "**Bold** <script>alert(1)</script> [x](javascript:alert(1))")
	if _, body := l.post(t, console.PreviewPath, form); !strings.Contains(body, `<div class="rich"><p><strong>Bold</strong> alert(1) x</p></div>`) || strings.Contains(body, "<script>alert") {
		t.Fatalf("preview of unsaved Markdown: %.3000s", body)
	}
	if counts, _ := l.srv.Store.DailyCounts(ctx, "autumn-guide", leadgate.Day(time.Now())); counts.Views != 1 {
		t.Fatalf("views after previews: %d, want the one visit", counts.Views)
	}

	// The page file: an attachment Parse reads back as the stored page.
	res, body = l.get(t, console.PageActionPath("autumn-guide", "yaml"))
	if res.Header.Get("Content-Disposition") != "attachment; filename=autumn-guide.yaml" {
		t.Fatalf("page file: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	parsed, _, err := reader.Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	parsed.CreatedAt, parsed.UpdatedAt = p.CreatedAt, p.UpdatedAt
	if pageJSON(t, parsed) != pageJSON(t, p) {
		t.Fatalf("page file reads back as\n%s\nwant\n%s", pageJSON(t, parsed), pageJSON(t, p))
	}

	// Duplicate: every setting under a new slug, as a draft.
	if _, body := l.post(t, console.PageActionPath("autumn-guide", "duplicate"), url.Values{"slug": {"autumn-guide"}}); !strings.Contains(body, "exists already") {
		t.Fatalf("duplicate onto itself: %.500s", body)
	}
	if res, _ := l.post(t, console.PageActionPath("autumn-guide", "duplicate"), url.Values{"slug": {"winter-guide"}}); res.Header.Get("Location") != console.EditPagePath("winter-guide")+"?saved=1" {
		t.Fatalf("duplicate: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	copied, err := l.srv.Store.Page(ctx, "winter-guide")
	copied.Slug, copied.CreatedAt, copied.UpdatedAt = p.Slug, p.CreatedAt, p.UpdatedAt
	if err != nil || pageJSON(t, copied) != pageJSON(t, p) {
		t.Fatalf("copy %s, %v", pageJSON(t, copied), err)
	}

	// Delete: asked first, then gone; the lead stays.
	if _, body := l.get(t, console.PageActionPath("autumn-guide", "delete")); !strings.Contains(body, "Delete the page") {
		t.Fatalf("delete confirmation: %.500s", body)
	}
	if res, _ := l.post(t, console.PageActionPath("autumn-guide", "delete"), url.Values{}); res.StatusCode != http.StatusOK {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if _, err := l.srv.Store.Page(ctx, "autumn-guide"); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("deleted page: %v", err)
	}
	if _, err := l.srv.Store.LeadByEmail(ctx, "ada@example.com"); err != nil {
		t.Fatalf("the lead of a deleted page: %v", err)
	}
	for _, path := range []string{console.EditPagePath("autumn-guide"), console.PageActionPath("autumn-guide", "yaml"), console.EditPagePath("Not_A_Slug")} {
		if res, _ := l.get(t, path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
		}
	}

	// The list links each page to its editor and says which are drafts.
	_, body = l.get(t, console.PagesPath)
	for _, want := range []string{`href="/console/pages/winter-guide"`, `<span class="badge draft">Draft</span>`, `href="` + console.NewPagePath + `"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("pages list lacks %q", want)
		}
	}
}

// TestEditorRefusesLineBreaksInTextsOfOneLine saves a page whose consent text
// has a line break typed in its box, whose field label has a line separator pasted
// in, and whose email subject has a control character: the form comes again (422)
// with each error beside its input, and nothing is stored.
func TestEditorRefusesLineBreaksInTextsOfOneLine(t *testing.T) {
	l := signedInLocal(t)
	sample, err := l.srv.Store.Page(context.Background(), localdev.SampleSlug)
	if err != nil {
		t.Fatal(err)
	}
	form := newPageForm("line-breaks", sample.MagnetID)
	form.Set("privacy_url", "/privacy")
	form.Set("consent_text", "Yes, send me a few emails.\r\nI can leave with one click.")
	form.Set("consent_version", "2026-05")
	form.Set("fields[1].label", "Team\u2028size")
	form.Set("follow_up.nurture[0].subject", "Hi\x1b{{.FirstName}}")
	res, body := l.post(t, console.NewPagePath, form)
	for _, want := range []string{
		`<p class="error" id="err-consent_text">must be one line: remove the line break</p>`,
		`<p class="error" id="err-fields[1].label">must be one line: remove the line break (U&#43;2028), which some programs show and others do not</p>`,
		`<p class="error" id="err-follow_up.nurture[0].subject">holds a control character (U&#43;001B), which shows as nothing: remove it</p>`,
		`<a href="#consent_text">consent_text</a>: must be one line`,
	} {
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
			t.Fatalf("%d, the form lacks %q: %.3000s", res.StatusCode, want, body[strings.Index(body, "<main"):])
		}
	}
	if _, err := l.srv.Store.Page(context.Background(), "line-breaks"); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("a refused page was stored: %v", err)
	}
}

func pageJSON(t *testing.T, p leadgate.Page) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
