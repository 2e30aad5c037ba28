package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"leadgate/shared/leadgate"
	"leadgate/shared/richtext"
)

// saved returns p with the HTML of its texts as the admin service stores it when
// the page is saved (admin.Service.RenderTexts).
func saved(p leadgate.Page) leadgate.Page {
	p.DescriptionHTML, p.ThankYouHTML = richtext.HTML(p.Description), richtext.HTML(p.ThankYouContent)
	return p
}

// The hosted page and its thank-you page write the HTML stored with the page, as it
// is: the Markdown is not rendered again when the page is shown.
func TestStoredHTMLIsWrittenAsItIs(t *testing.T) {
	h := newPageHarness(t, nil)
	p := h.page
	p.Description, p.DescriptionHTML = "**Markdown** of the page", "<p>Stored <strong>HTML</strong> &amp; more</p>\n<ul>\n<li>one</li>\n</ul>"
	p.ThankYouContent, p.ThankYouHTML = "*Markdown* of the thanks", "<h2>Stored thanks</h2>"
	if err := h.store.PutPage(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	page := h.get(t, "GET", leadgate.PagePath(p.Slug), nil).Body.String()
	if want := `<div class="rich"><p>Stored <strong>HTML</strong> &amp; more</p>` + "\n<ul>\n<li>one</li>\n</ul></div>"; !strings.Contains(page, want) {
		t.Errorf("hosted page lacks the stored HTML %q:\n%s", want, page)
	}
	if strings.Contains(page, "Markdown") {
		t.Errorf("hosted page rendered the Markdown again:\n%s", page)
	}
	// The link preview is the stored HTML as plain text, on one line.
	if want := `<meta name="description" content="Stored HTML &amp; more one">`; !strings.Contains(page, want) {
		t.Errorf("hosted page lacks the description %q:\n%s", want, page)
	}
	thanks := h.get(t, "GET", leadgate.ThanksPath(p.Slug), nil).Body.String()
	if want := `<div class="rich"><h2>Stored thanks</h2></div>`; !strings.Contains(thanks, want) || strings.Contains(thanks, "Markdown") {
		t.Errorf("thank-you page lacks the stored HTML %q or renders the Markdown:\n%s", want, thanks)
	}
}

// A page stored before its texts' HTML was kept shows its Markdown as plain
// paragraphs, every character escaped, until it is saved again.
func TestPageStoredWithoutHTMLShowsEscapedText(t *testing.T) {
	h := newPageHarness(t, nil)
	p := h.page
	p.Description = "**Bold** <script>alert(1)</script> & [x](javascript:alert(1))\nsame paragraph\n\n\n  Second\n"
	p.ThankYouContent = "<img src=x onerror=alert(1)>"
	p.DescriptionHTML, p.ThankYouHTML = "", ""
	if err := h.store.PutPage(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	page := h.get(t, "GET", leadgate.PagePath(p.Slug), nil).Body.String()
	want := `<div class="rich"><p>**Bold** &lt;script&gt;alert(1)&lt;/script&gt; &amp; [x](javascript:alert(1))` + "\nsame paragraph</p>\n<p>Second</p></div>"
	if !strings.Contains(page, want) {
		t.Errorf("hosted page lacks %q:\n%s", want, page)
	}
	if want := `<meta name="description" content="**Bold** &lt;script&gt;alert(1)&lt;/script&gt; &amp; [x](javascript:alert(1)) same paragraph Second">`; !strings.Contains(page, want) {
		t.Errorf("hosted page lacks the description %q:\n%s", want, page)
	}
	thanks := h.get(t, "GET", leadgate.ThanksPath(p.Slug), nil).Body.String()
	if want := `<div class="rich"><p>&lt;img src=x onerror=alert(1)&gt;</p></div>`; !strings.Contains(thanks, want) {
		t.Errorf("thank-you page lacks %q:\n%s", want, thanks)
	}
}

// A long description's link preview is cut at 300 characters.
func TestLinkPreviewDescriptionIsShort(t *testing.T) {
	h := newPageHarness(t, nil)
	p := h.page
	p.Description = strings.Repeat("word ", 100)
	if err := h.store.PutPage(context.Background(), saved(p)); err != nil {
		t.Fatal(err)
	}
	page := h.get(t, "GET", leadgate.PagePath(p.Slug), nil).Body.String()
	want := `<meta name="description" content="` + strings.TrimSpace(strings.Repeat("word ", 60)) + `…">`
	if !strings.Contains(page, want) {
		t.Errorf("hosted page lacks the short description %q:\n%s", want, page)
	}
}
