package console_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"leadgate/shared/browsertest"
	"leadgate/shared/console"
	"leadgate/shared/leadgate"
	"leadgate/shared/samplemagnet"
)

// A marketer runs a page from the console in a real browser, as the console's
// users would, each console page checked with axe-core and photographed at 1280
// and 390 pixels: signs in by email link and adds a passkey, signs out and in again
// with it; creates a magnet and uploads its PDF, watching the progress reach 100%;
// creates a page with a custom required field and publishes it; then a visitor
// submits the hosted page; the marketer finds the lead by search, exports the
// CSV, and erases the lead, and the page's counts stay.
func TestConsoleInARealBrowser(t *testing.T) {
	b := openSignedInConsoleBrowser(t, "ada@example.com")
	shots := browsertest.ScreenshotDir(t)
	ctx := context.Background()
	look := func(name string) {
		t.Helper()
		browsertest.CheckAccessibility(t, b.Ctx, "console "+name)
		browsertest.Screenshot(t, b.Ctx, shots, "console-"+name+"-1280.png")
		if err := chromedp.Do(b.Ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
			t.Fatal(err)
		}
		// On a phone the page fits the screen's width; wide tables scroll in their
		// own box.
		width, err := chromedp.Run(b.Ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil || width > 390 {
			wide, _ := chromedp.Run(b.Ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > 390).map(e => e.tagName + "." + e.className + "#" + e.id + " " + Math.round(e.getBoundingClientRect().right))`))
			t.Errorf("console %s at 390 pixels is %d wide (%v), want no horizontal scrolling; wider: %v", name, width, err, wide)
		}
		browsertest.Screenshot(t, b.Ctx, shots, "console-"+name+"-390.png")
		if err := chromedp.Do(b.Ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
			t.Fatal(err)
		}
	}
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(b.Ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	look("pages-empty")

	// 1–2. Signed in by email (openSignedInConsoleBrowser); a passkey, then back in
	// with it.
	b.passkeyRoundTrip(t)
	look("passkeys")

	// 3. A magnet, and its PDF uploaded from the browser straight to the bucket.
	const magnetID, slug = "browser-guide-pdf", "browser-guide"
	do("open the new-magnet form", chromedp.Navigate(b.Base+console.NewMagnetPath), chromedp.WaitVisible(chromedp.ID("id")))
	look("magnet-new")
	do("create the magnet",
		chromedp.SendKeys(chromedp.ID("id"), magnetID),
		chromedp.SendKeys(chromedp.ID("title"), "The browser guide"),
		chromedp.SendKeys(chromedp.ID("kind"), "ebook"),
		chromedp.SendKeys(chromedp.ID("file_name"), "browser-guide.pdf"),
		chromedp.Click(chromedp.CSS(`main form button.primary[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("upload-file")),
	)
	pdf := filepath.Join(t.TempDir(), "browser-guide.pdf")
	if err := os.WriteFile(pdf, samplemagnet.Playbook(), 0o600); err != nil {
		t.Fatal(err)
	}
	do("upload the PDF",
		chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{pdf}),
		chromedp.Click(chromedp.ID("upload-start")),
	)
	deadline := time.Now().Add(30 * time.Second)
	for {
		progress, _ := chromedp.Run(b.Ctx, chromedp.Evaluate[float64](`document.getElementById("upload-progress").value`))
		status := text("#upload-status")
		if progress == 100 && strings.Contains(status, "Uploaded") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("upload: progress %v, status %q", progress, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	look("magnet-uploaded")
	m, err := b.Srv.Store.Magnet(ctx, magnetID)
	if err != nil || m.Size != int64(len(samplemagnet.Playbook())) || m.UploadedAt.IsZero() {
		t.Fatalf("magnet after the upload: %+v, %v; want the PDF's %d bytes confirmed", m, err, len(samplemagnet.Playbook()))
	}

	// 4. A page with a custom required field, published.
	do("open the new-page editor", chromedp.Navigate(b.Base+console.NewPagePath), chromedp.WaitVisible(chromedp.ID("slug")))
	look("editor-new")
	field := func(id string) string { return `[id="` + id + `"]` }
	do("fill in the page",
		chromedp.SendKeys(chromedp.ID("slug"), slug),
		chromedp.SendKeys(chromedp.ID("title"), "The browser guide"),
		chromedp.SetValue(chromedp.ID("magnet_id"), magnetID),
		chromedp.SendKeys(chromedp.CSS(field("fields[1].name")), "company_size"),
		chromedp.SendKeys(chromedp.CSS(field("fields[1].label")), "Company size"),
		chromedp.Click(chromedp.CSS(field("fields[1].required"))),
		chromedp.SendKeys(chromedp.ID("thank_you_url"), leadgate.ThanksPath(slug)),
		chromedp.Click(chromedp.CSS(`button[name="do"][value="save"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/console/pages/`+slug+`/publish"] button`)),
	)
	page, err := b.Srv.Store.Page(ctx, slug)
	if err != nil || !page.Draft || len(page.Fields) != 2 || page.Fields[1].Name != "company_size" || !page.Fields[1].Required {
		t.Fatalf("page saved %+v, %v; want a draft with a required company_size field", page, err)
	}
	look("editor-saved")
	do("publish", chromedp.Click(chromedp.CSS(`form[action="/console/pages/`+slug+`/publish"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/console/pages/`+slug+`/unpublish"] button`)))

	// 5. A visitor fills in the hosted page.
	do("open the hosted page", chromedp.Navigate(b.Base+leadgate.PagePath(slug)), chromedp.WaitVisible(chromedp.ID("f-email")))
	browsertest.CheckAccessibility(t, b.Ctx, "the hosted page")
	do("fill in the hosted page",
		chromedp.SendKeys(chromedp.ID("f-email"), "cleo.browser@example.com"),
		chromedp.SendKeys(chromedp.ID("f-company_size"), "51-200"),
	)
	time.Sleep(3100 * time.Millisecond) // a person takes longer than the minimum fill time
	do("submit the hosted page", chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`main form[action*="/v1/downloads/"] button`)))
	lead, err := b.Srv.Store.LeadByEmail(ctx, "cleo.browser@example.com")
	if err != nil || lead.Custom["company_size"] != "51-200" {
		t.Fatalf("lead %+v, %v; want the custom field kept", lead, err)
	}

	b.leadsRoundTrip(t, slug, lead, look)
}

// leadsRoundTrip: the marketer finds the lead by search, opens it, exports the
// filtered set as CSV, and erases the lead; it leaves the table, and the page's
// count of leads stays.
func (b *consoleBrowser) leadsRoundTrip(t *testing.T, slug string, lead leadgate.Lead, look func(string)) {
	t.Helper()
	ctx := context.Background()
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(b.Ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// 6. Search by part of the address.
	do("search the leads",
		chromedp.Navigate(b.Base+console.LeadsPath),
		chromedp.SendKeys(chromedp.ID("f-search"), "CLEO.BROW"),
		chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main table tbody a[href^="/console/leads/"]`)),
	)
	rows, err := chromedp.Run(b.Ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("main table tbody tr")].map(r => r.innerText)`))
	if err != nil || len(rows) != 1 || !strings.Contains(rows[0], lead.Email) {
		t.Fatalf("search rows %q (%v), want the one lead", rows, err)
	}
	look("leads-search")

	// 7. The CSV of the filtered set, as the browser downloads it (the session's
	// cookie goes with it).
	csvLink, err := chromedp.Run(b.Ctx, chromedp.AttributeValue(chromedp.CSS(`a[href^="/console/leads.csv"]`), "href"))
	if err != nil {
		t.Fatalf("CSV link: %v", err)
	}
	csv, err := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`fetch(`+strconv.Quote(csvLink.Value)+`).then(r => r.ok ? r.text() : "status " + r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(csv, lead.Email) || !strings.Contains(csv, "51-200") || strings.Count(strings.TrimSpace(csv), "\n") != 1 {
		t.Fatalf("CSV %q (%v), want a header and the lead's row with its custom field", csv, err)
	}

	// The page counted the lead (the change feed's follower does, a moment after
	// the capture).
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := b.Srv.Store.DailyCounts(ctx, slug, leadgate.Day(lead.CreatedAt))
		if err == nil && c.Leads == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page's counts of the day: %+v, %v; want its lead counted", c, err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// 8. Erase, after the confirmation page.
	do("open the lead", chromedp.Click(chromedp.CSS(`main table tbody a[href^="/console/leads/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="/erase"]`)))
	look("lead")
	do("ask to erase", chromedp.Click(chromedp.CSS(`a[href$="/erase"]`)), chromedp.WaitVisible(chromedp.CSS(`button.danger`)))
	look("lead-erase")
	do("erase", chromedp.Click(chromedp.CSS(`button.danger`)), chromedp.WaitVisible(chromedp.CSS(`div[role="status"] h1`)))
	if _, err := b.Srv.Store.LeadByEmail(ctx, lead.Email); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("the lead after erasure: %v, want not found", err)
	}
	do("search again", chromedp.Navigate(b.Base+console.LeadsPath+"?search=cleo.brow"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if n, _ := chromedp.Run(b.Ctx, chromedp.Evaluate[int](`document.querySelectorAll('main table tbody a[href^="/console/leads/"]').length`)); n != 0 {
		t.Fatalf("%d leads found after erasure", n)
	}
	// The page's counts stay: its one lead of today, on the pages list.
	do("open the pages", chromedp.Navigate(b.Base+console.PagesPath), chromedp.WaitVisible(chromedp.CSS("main table")))
	row, err := chromedp.Run(b.Ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("main table tbody tr")].filter(r => r.innerText.includes(`+strconv.Quote(slug)+`)).map(r => [...r.querySelectorAll("td.n")].map(c => c.innerText).join(" "))`))
	if err != nil || len(row) != 1 || !strings.HasPrefix(row[0], "1 1 100.0%") {
		t.Fatalf("pages row of %s: %q (%v), want 1 view, 1 lead, 100.0%% kept after erasure", slug, row, err)
	}
	look("pages")
	for _, path := range []string{console.FunnelPath + "?page=" + slug, console.DeliverabilityPath, console.MagnetsPath} {
		do("open "+path, chromedp.Navigate(b.Base+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		look(strings.TrimPrefix(strings.SplitN(path, "?", 2)[0], "/console/"))
	}
}
