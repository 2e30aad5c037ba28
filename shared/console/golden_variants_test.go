package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/console"
	"leadgate/shared/golden"
	"leadgate/shared/leadgate"
)

// seedTest puts a page that runs an A/B test, with a test that ended before, and
// counts each arm's views and leads.
func seedTest(t *testing.T, store *bolt.Store) {
	t.Helper()
	ctx := context.Background()
	p := leadgate.Page{Slug: "tested", Title: `The "tested" <page>`, MagnetID: "m", OptIn: leadgate.OptInSingle, ThankYouURL: "/p/tested/thanks",
		Fields:        []leadgate.Field{{Name: "email", Label: "Email", Type: leadgate.FieldEmail, Required: true}},
		Variants:      []leadgate.Variant{{ID: "b", Weight: 50, Title: "Free <today>"}, {ID: "short", Weight: 50}},
		VariantsSince: goldenNow.Add(-48 * time.Hour),
		VariantHistory: []leadgate.VariantTest{{Started: goldenNow.AddDate(0, -1, 0), Ended: goldenNow.AddDate(0, 0, -3), Winner: "c",
			Arms: []leadgate.ArmCounts{{Arm: "control", Views: 300, Leads: 30}, {Arm: "c", Views: 310, Leads: 45, Downloads: 40}}}},
	}
	if err := store.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := store.PutMagnet(ctx, leadgate.Magnet{ID: "m", Title: "The magnet", ObjectKey: "magnets/m.pdf", FileName: "m.pdf", ContentType: "application/pdf"}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range []struct {
		arm          string
		views, leads int
	}{{"control", 400, 40}, {"b", 410, 66}, {"short", 90, 9}} {
		for range c.views {
			if err := store.CountArmView(ctx, p.Slug, leadgate.Day(goldenNow), leadgate.Source{}, c.arm); err != nil {
				t.Fatal(err)
			}
		}
		for range c.leads {
			n++
			if err := store.CountLead(ctx, leadgate.Submission{ID: "sub-" + strconv.Itoa(n), Page: p.Slug, At: goldenNow, Variant: c.arm}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A page's A/B test: its arms (one short of the minimum sample), the
// confirmation of a promotion, and the page after it, with the test in its
// history.
func TestGoldenVariantPages(t *testing.T) {
	s := newGoldenSite(t, false, func(store leadgate.Store) { seedTest(t, store.(*bolt.Store)) })
	golden.Check(t, "variants-not-enough.html", s.page(t, "GET", console.VariantsPath("tested"), nil, true, 200))
	if err := s.store.CountLead(context.Background(), leadgate.Submission{ID: "sub-short", Page: "tested", At: goldenNow, Variant: "short"}); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if err := s.store.CountArmView(context.Background(), "tested", leadgate.Day(goldenNow), leadgate.Source{}, "short"); err != nil {
			t.Fatal(err)
		}
	}
	golden.Check(t, "variants.html", s.page(t, "GET", console.VariantsPath("tested"), nil, true, 200))
	golden.Check(t, "variants-promote.html", s.page(t, "GET", console.PromoteVariantPath("tested", "b"), nil, true, 200))
	s.page(t, "GET", console.PromoteVariantPath("tested", "nope"), nil, true, 404)

	r := httptest.NewRequest("POST", console.PromoteVariantPath("tested", "b"), strings.NewReader(url.Values{"csrf": {goldenCSRF(t)}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: console.CookieName, Value: goldenSession})
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != console.VariantsPath("tested")+"?promoted=b" {
		t.Fatalf("promote: %d %s", w.Code, w.Header().Get("Location"))
	}
	p, err := s.store.Page(context.Background(), "tested")
	if err != nil || p.Title != "Free <today>" || p.HasVariants() || len(p.VariantHistory) != 2 {
		t.Fatalf("promoted page %+v, %v", p, err)
	}
	golden.Check(t, "variants-promoted.html", s.page(t, "GET", console.VariantsPath("tested")+"?promoted=b", nil, true, 200))

	// The form of the variants: refused with each error beside its input, then
	// saved, starting a new test.
	bad := url.Values{"csrf": {goldenCSRF(t)}, "control_weight": {"many"},
		"variants[0].id": {""}, "variants[1].id": {"c"}, "variants[1].weight": {"5000"}, "variants[1].layout": {"split"},
		"variants[1].fields": {"nope"}, "variants[1].title": {`Quick & "short"`},
		"variants[2].id": {"Bad Id"}, "variants[2].weight": {"x"}}
	golden.Check(t, "variants-form-errors.html", s.page(t, "POST", console.VariantsPath("tested"), bad, true, 422))
	good := url.Values{"csrf": {goldenCSRF(t)}, "control_weight": {"60"}, "button_text": {"Get it"},
		"variants[1].id": {"c"}, "variants[1].weight": {"40"}, "variants[1].title": {"Quick"}, "variants[1].fields": {"email"}}
	r = httptest.NewRequest("POST", console.VariantsPath("tested"), strings.NewReader(good.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: console.CookieName, Value: goldenSession})
	w = httptest.NewRecorder()
	s.handler.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != console.VariantsPath("tested")+"?saved=1" {
		t.Fatalf("save: %d %s %q", w.Code, w.Header().Get("Location"), regexp.MustCompile(`<p class="error"[^>]*>[^<]*`).FindAllString(w.Body.String(), -1))
	}
	p, err = s.store.Page(context.Background(), "tested")
	if err != nil || p.ControlWeight != 60 || p.ButtonText != "Get it" || len(p.Variants) != 1 || p.Variants[0].ID != "c" ||
		p.Variants[0].Weight != 40 || len(p.Variants[0].Fields) != 1 || !p.VariantsSince.Equal(goldenNow) || len(p.VariantHistory) != 2 {
		t.Fatalf("saved variants %+v", p)
	}
}

// variantMarks are the marks of the A/B test's renderers.
var variantMarks = map[string]string{
	"writeVariantsPage":   `<h1>A/B test of `,
	"writeVariantReport":  `<p><strong>Significance: `,
	"writeVariantHistory": `<caption>The test from `,
	"writePromoteConfirm": `<a href="/console/pages/tested/variants">Keep testing</a>`,
	"writeVariantsForm":   `<button type="submit" class="primary">Save the variants</button>`,
}
