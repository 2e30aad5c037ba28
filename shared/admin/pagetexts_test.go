package admin_test

import (
	"context"
	"strings"
	"testing"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/richtext"
)

// hostileMarkdown carries markup, scripts and links no visitor may get.
const hostileMarkdown = "**Bold** <script>alert(1)</script> [click](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n" +
	"<div onclick=\"alert(1)\">raw</div>\n\n[ok](https://example.com/ok)"

// wantSafe fails unless html is what the sanitiser makes of markdown and carries
// nothing that runs.
func wantSafe(t *testing.T, what, html, markdown string) {
	t.Helper()
	if want := richtext.HTML(markdown); html != want {
		t.Errorf("%s = %q, want %q", what, html, want)
	}
	for _, bad := range []string{"<script", "onerror", "onclick", "javascript:", "<img", "<div"} {
		if strings.Contains(strings.ToLower(html), bad) {
			t.Errorf("%s = %q carries %s", what, html, bad)
		}
	}
}

// A page saved with hostile Markdown stores sanitised HTML, and never the HTML a
// client sent with it.
func TestSavePageStoresSanitisedHTML(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	p := storetest.Page("spring-guide")
	p.Description, p.ThankYouContent = hostileMarkdown, "## Next\n\n"+hostileMarkdown
	p.DescriptionHTML, p.ThankYouHTML = `<script>alert("sent")</script>`, `<img src=x onerror=alert(1)>`
	got, _, err := h.svc.SavePage(ctx, p.Slug, p)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := h.store.Page(ctx, p.Slug)
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range []leadgate.Page{got, stored} {
		wantSafe(t, "DescriptionHTML", page.DescriptionHTML, p.Description)
		wantSafe(t, "ThankYouHTML", page.ThankYouHTML, p.ThankYouContent)
	}
	if want := `<strong>Bold</strong>`; !strings.Contains(stored.DescriptionHTML, want) {
		t.Errorf("DescriptionHTML = %q, want the Markdown rendered (%s)", stored.DescriptionHTML, want)
	}
	if want := `<a href="https://example.com/ok" rel="nofollow noreferrer">ok</a>`; !strings.Contains(stored.ThankYouHTML, want) {
		t.Errorf("ThankYouHTML = %q, want the safe link %s", stored.ThankYouHTML, want)
	}

	// Texts taken out take their HTML with them.
	p.Description, p.ThankYouContent = "", ""
	if _, _, err := h.svc.SavePage(ctx, p.Slug, p); err != nil {
		t.Fatal(err)
	}
	if stored, err = h.store.Page(ctx, p.Slug); err != nil || stored.DescriptionHTML != "" || stored.ThankYouHTML != "" {
		t.Fatalf("page without texts stored HTML %q, %q (%v)", stored.DescriptionHTML, stored.ThankYouHTML, err)
	}
}

// Every way a page is saved renders its texts: creating, duplicating and
// publishing, even a page stored before the HTML was kept.
func TestEverySaveRendersTexts(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	old := storetest.Page("old-guide")
	old.Description, old.ThankYouContent, old.Draft = "Stored *before*", "Thanks **then**", true
	if err := h.store.PutPage(ctx, old); err != nil { // as stored before: no HTML
		t.Fatal(err)
	}
	wantRendered := func(what string, p leadgate.Page) {
		t.Helper()
		stored, err := h.store.Page(ctx, p.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if stored.DescriptionHTML != "<p>Stored <em>before</em></p>" || stored.ThankYouHTML != "<p>Thanks <strong>then</strong></p>" {
			t.Errorf("%s stored HTML %q, %q", what, stored.DescriptionHTML, stored.ThankYouHTML)
		}
	}

	created := old
	created.Slug = "new-guide"
	created.DescriptionHTML = "<script>alert(1)</script>"
	p, err := h.svc.CreatePage(ctx, created)
	if err != nil {
		t.Fatal(err)
	}
	wantRendered("CreatePage", p)
	p, err = h.svc.DuplicatePage(ctx, old.Slug, "copy-guide")
	if err != nil {
		t.Fatal(err)
	}
	wantRendered("DuplicatePage", p)
	p, err = h.svc.SetDraft(ctx, old.Slug, false)
	if err != nil {
		t.Fatal(err)
	}
	wantRendered("SetDraft (publish)", p)
}

// RenderTexts, the console's preview of unsaved edits, renders as saving does and
// replaces whatever HTML the page carried.
func TestRenderTexts(t *testing.T) {
	h := newHarness(t)
	p := storetest.Page("spring-guide")
	p.Description, p.DescriptionHTML = hostileMarkdown, "<p>stale</p>"
	p.ThankYouContent, p.ThankYouHTML = "", "<p>stale</p>"
	got := h.svc.RenderTexts(p)
	wantSafe(t, "DescriptionHTML", got.DescriptionHTML, p.Description)
	if got.ThankYouHTML != "" {
		t.Errorf("ThankYouHTML of no text = %q, want none", got.ThankYouHTML)
	}
}
