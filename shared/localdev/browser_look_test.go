package localdev_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"leadgate/shared/browsertest"
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
	"leadgate/shared/richtext"
)

// brandedPage is the sample page with a look, Markdown, a privacy link and a field
// of every type, in locale: what a marketer's branded page is.
func brandedPage(t *testing.T, r *followupRun, slug, locale string) leadgate.Page {
	t.Helper()
	p, err := r.srv.Store.Page(context.Background(), localdev.SampleSlug)
	if err != nil {
		t.Fatal(err)
	}
	p.Slug, p.ThankYouURL, p.Locale = slug, leadgate.ThanksPath(slug), locale
	p.Look = leadgate.Look{AccentColor: "#7a1fa2", BackgroundColor: "#fdf6e3", Layout: leadgate.LayoutSplit}
	if p.CoverImageURL == "" {
		p.CoverImageURL = "/covers/playbook.png"
	}
	p.Description = "**Twelve plays** that turn visitors into leads. Read [the method](https://example.com/method).\n\n- what to offer\n- how to ask"
	p.ThankYouContent = "## While you wait\n\nStart with *play three*."
	p.PrivacyURL = "https://example.com/privacy"
	lo, hi := 1.0, 5000.0
	p.Fields = append(p.Fields,
		leadgate.Field{Name: "role", Label: "Role", Type: leadgate.FieldSelect, Required: true, Options: []string{"Founder", "Marketer"}},
		leadgate.Field{Name: "size", Label: "Team size", Type: leadgate.FieldRadio, Required: true, Options: []string{"1-10", "11-50", "51+"}},
		leadgate.Field{Name: "topics", Label: "Topics", Type: leadgate.FieldCheckboxes, Options: []string{"SEO", "Email", "Ads"}},
		leadgate.Field{Name: "seats", Label: "Seats", Type: leadgate.FieldNumber, Min: &lo, Max: &hi},
		leadgate.Field{Name: "country", Label: "Country", Type: leadgate.FieldCountry},
		leadgate.Field{Name: "site", Label: "Website", Type: leadgate.FieldURL},
		leadgate.Field{Name: "notes2", Label: "Questions", Type: leadgate.FieldTextarea},
		leadgate.Field{Name: "terms", Label: "I accept the terms", Type: leadgate.FieldCheckbox, Required: true},
		leadgate.Field{Name: "plan", Type: leadgate.FieldHidden, Value: "spring"},
	)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	// Stored as the admin service saves it: with its texts' HTML.
	p.DescriptionHTML, p.ThankYouHTML = richtext.HTML(p.Description), richtext.HTML(p.ThankYouContent)
	if err := r.srv.Store.PutPage(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// A branded page with every field type, in two locales, at 1280 and 390 pixels:
// its stylesheet applies under the page's policy (the accent colours the button),
// axe-core finds no serious violation, nothing scrolls sideways on a phone, and a
// person fills every field without a script and lands on the branded thank-you page.
func TestBrandedPageInARealBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("drives Chromium; not in -short mode")
	}
	shots := browsertest.ScreenshotDir(t)
	r := startFollowUp(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bctx := browsertest.Start(t, ctx)

	for _, locale := range []string{"de", "fr"} {
		slug := "branded-" + locale
		brandedPage(t, r, slug, locale)
		if err := chromedp.Do(bctx,
			chromedp.EmulateViewport(1280, 900),
			chromedp.Navigate(r.ts.URL+"/p/"+slug),
			chromedp.WaitVisible(chromedp.ID("f-email")),
		); err != nil {
			t.Fatalf("open %s: %v", slug, err)
		}
		lang, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.documentElement.lang`))
		if err != nil || lang != locale {
			t.Errorf("%s: lang %q (%v)", slug, lang, err)
		}
		// The stylesheet is allowed by its hash: were it blocked, the button would
		// have no background at all.
		bg, err := chromedp.Run(bctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('button[type=submit]')).backgroundColor`))
		if err != nil || bg != "rgb(122, 31, 162)" {
			t.Errorf("%s: button background %q (%v), want the accent rgb(122, 31, 162)", slug, bg, err)
		}
		browsertest.CheckAccessibility(t, bctx, "the branded page ("+locale+")")
		browsertest.Screenshot(t, bctx, shots, "branded-page-"+locale+"-desktop.png")
		if err := chromedp.Do(bctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
			t.Fatal(err)
		}
		width, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil || width > 390 {
			t.Errorf("%s: page width at 390 pixels: %d (%v), want no horizontal scrolling", slug, width, err)
		}
		browsertest.CheckAccessibility(t, bctx, "the branded page ("+locale+") on a phone")
		browsertest.Screenshot(t, bctx, shots, "branded-page-"+locale+"-phone.png")
	}

	// Fill every field of the French page and send it.
	email := "cleo.choice@example.com"
	if err := chromedp.Do(bctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.SendKeys(chromedp.ID("f-email"), email),
		chromedp.SendKeys(chromedp.ID("f-name"), "Cleo Choice"),
		chromedp.SetValue(chromedp.ID("f-role"), "Marketer"),
		chromedp.Click(chromedp.ID("f-size-2")),
		chromedp.Click(chromedp.ID("f-topics-1")),
		chromedp.Click(chromedp.ID("f-topics-3")),
		chromedp.SendKeys(chromedp.ID("f-seats"), "12"),
		chromedp.SetValue(chromedp.ID("f-country"), "FR"),
		chromedp.SendKeys(chromedp.ID("f-site"), "https://cleo.example"),
		chromedp.Click(chromedp.ID("f-terms")),
	); err != nil {
		t.Fatalf("fill the form: %v", err)
	}
	r.clock.Advance(5 * time.Second)
	res, err := chromedp.RunResponse(bctx, chromedp.Click(chromedp.CSS(`button[type="submit"]`)))
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	thanks, err := url.Parse(res.URL)
	if err != nil || res.Status != 200 || thanks.Path != "/p/branded-fr/thanks" {
		t.Fatalf("after the submit: %d %s, want the thank-you page", res.Status, res.URL)
	}
	h1, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil || h1 != "Merci !" {
		t.Errorf("thank-you title %q (%v)", h1, err)
	}
	browsertest.CheckAccessibility(t, bctx, "the branded thank-you page")
	browsertest.Screenshot(t, bctx, shots, "branded-thanks-fr.png")
	subs, err := r.srv.Store.Submissions(ctx, email)
	if err != nil || len(subs) != 1 {
		t.Fatalf("submissions %v (%v)", subs, err)
	}
	want := map[string]string{"role": "Marketer", "size": "11-50", "topics": "SEO, Ads", "seats": "12", "country": "FR",
		"site": "https://cleo.example", "terms": "yes", "plan": "spring"}
	for k, v := range want {
		if got := subs[0].Values[k]; got != v {
			t.Errorf("value %s = %q, want %q", k, got, v)
		}
	}
}
