package localdev_test

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"leadgate/shared/browsertest"
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
	"leadgate/shared/samplemagnet"
)

// A person in a real browser: the hosted page from a campaign link, looked at on a
// desktop and a phone, filled in and submitted with no script at all, the
// thank-you page, and the ebook downloaded byte for byte; then the lead's
// attribution and the page's view and download of the day.
func TestHostedPageInARealBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("drives Chromium; not in -short mode")
	}
	shots := browsertest.ScreenshotDir(t)
	downloads := t.TempDir()
	r := startFollowUp(t) // on 127.0.0.1, the change feed followed

	// The whole run, the browser included, ends within two minutes.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bctx := browsertest.Start(t, ctx)

	pageURL := r.ts.URL + "/p/" + localdev.SampleSlug + "?utm_source=browser-test"
	viewDay := leadgate.Day(r.clock.Now())
	if err := chromedp.Do(bctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(pageURL),
		chromedp.WaitVisible(chromedp.ID("f-email")),
	); err != nil {
		t.Fatalf("open %s: %v", pageURL, err)
	}
	screenshot := func(name string) { t.Helper(); browsertest.Screenshot(t, bctx, shots, name) }
	browsertest.CheckAccessibility(t, bctx, "the hosted page")
	screenshot("hosted-page-desktop.png")
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	// On a phone the page fits the screen's width: nothing to scroll sideways.
	width, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil || width > 390 {
		t.Errorf("page width at 390 pixels: %d (%v), want no horizontal scrolling", width, err)
	}
	screenshot("hosted-page-phone.png")

	// The campaign reached the form's hidden field.
	utm, err := chromedp.Run(bctx, chromedp.Value(chromedp.CSS(`input[name="utm_source"]`)))
	if err != nil || utm != "browser-test" {
		t.Fatalf("hidden utm_source %q (%v)", utm, err)
	}
	if err := chromedp.Do(bctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.SendKeys(chromedp.ID("f-email"), "bea.browser@example.com"),
		chromedp.SendKeys(chromedp.ID("f-name"), "Bea Browser"),
		chromedp.Click(chromedp.ID("f-consent")),
	); err != nil {
		t.Fatalf("fill the form: %v", err)
	}
	if ticked, err := chromedp.Run(bctx, chromedp.JavascriptAttribute[bool](chromedp.ID("f-consent"), "checked")); err != nil || !ticked {
		t.Fatalf("consent box ticked: %t (%v)", ticked, err)
	}
	// A person takes a few seconds; the server's clock says so without a sleep.
	r.clock.Advance(5 * time.Second)
	res, err := chromedp.RunResponse(bctx, chromedp.Click(chromedp.CSS(`button[type="submit"]`)))
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	thanks, err := url.Parse(res.URL)
	if err != nil || res.Status != 200 || thanks.Path != "/p/"+localdev.SampleSlug+"/thanks" {
		t.Fatalf("after the submit: %d %s, want the thank-you page", res.Status, res.URL)
	}
	// The download is one button: a form that POSTs to the link (a GET of the link
	// is its page, which scanners and previewers fetch without counting).
	link, err := chromedp.Run(bctx, chromedp.AttributeValue(chromedp.CSS("main form"), "action"))
	if err != nil || !strings.HasPrefix(link.Value, r.ts.URL+"/v1/downloads/") {
		t.Fatalf("thank-you page's download button posts to %q (%v)", link.Value, err)
	}

	// Press the button: the answer is a redirect to an attachment, which the browser saves.
	progress := chromedp.Events(bctx, browser.DownloadProgress)
	downloadDay := leadgate.Day(r.clock.Now())
	if _, err := chromedp.Call(bctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: new(true),
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`main form button[type="submit"]`))); err != nil {
		t.Fatalf("press the download button: %v", err)
	}
	var file string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("waiting for the download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("the browser canceled the download")
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			file = filepath.Join(downloads, ev.GUID)
			break
		}
	}
	pdf, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pdf, samplemagnet.Playbook()) {
		t.Fatalf("downloaded %d bytes, want the sample PDF (%d bytes) byte for byte", len(pdf), len(samplemagnet.Playbook()))
	}

	lead, err := r.srv.Store.LeadByEmail(ctx, "bea.browser@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if lead.FirstTouch.UTMSource != "browser-test" || !lead.Consent.Given || lead.Name != "Bea Browser" {
		t.Errorf("lead %+v, want utm_source browser-test and consent", lead)
	}
	// The download is counted from the change feed, a moment after the click.
	deadline := time.Now().Add(15 * time.Second)
	for {
		views, err := r.srv.Store.DailyCounts(ctx, localdev.SampleSlug, viewDay)
		if err != nil {
			t.Fatal(err)
		}
		dl, err := r.srv.Store.DailyCounts(ctx, localdev.SampleSlug, downloadDay)
		if err != nil {
			t.Fatal(err)
		}
		if views.Views == 1 && dl.Downloads == 1 {
			break
		}
		if time.Now().After(deadline) || views.Views > 1 || dl.Downloads > 1 {
			t.Fatalf("daily counts: %d views on %s, %d downloads on %s; want 1 and 1", views.Views, viewDay, dl.Downloads, downloadDay)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The funnel's per-source rows hold the browser's visit, lead and download under
	// its utm_source (the lead is counted from the change feed too).
	from, to := min(viewDay, downloadDay), max(viewDay, downloadDay)
	for {
		rows, err := r.srv.Store.PageStats(ctx, localdev.SampleSlug, from, to)
		if err != nil {
			t.Fatal(err)
		}
		var got leadgate.SourceDayCounts
		for _, row := range rows {
			if row.Source.Source == "browser-test" {
				got.Views += row.Views
				got.Leads += row.Leads
				got.Downloads += row.Downloads
			}
		}
		if got.Views == 1 && got.Leads == 1 && got.Downloads == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats of utm_source browser-test: %+v; want 1 view, 1 lead, 1 download", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
