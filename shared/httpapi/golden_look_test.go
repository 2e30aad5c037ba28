package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"leadgate/shared/golden"
	"leadgate/shared/httpapi"
	"leadgate/shared/leadgate"
)

// goldenBrandedPage has every look setting, Markdown content with markup that must
// not pass, a captcha and a field of every type, in German.
func goldenBrandedPage() leadgate.Page {
	p := goldenPage()
	p.Slug, p.ThankYouURL = "golden-branded", "/p/golden-branded/thanks"
	p.Locale = "de"
	p.Look = leadgate.Look{LogoURL: "https://cdn.example.com/logo.png?v=2&x=1", AccentColor: "#7a1fa2", BackgroundColor: "#fdf6e3", Layout: leadgate.LayoutSplit}
	p.CoverImageURL = "/covers/golden.png"
	p.Description = "**Zwölf Seiten** über [Gated Content](https://example.com/guide \"Guide\").\n\n" +
		"<script>alert(1)</script> [klick](javascript:alert(1)) <b onclick=\"x\">roh</b>\n\n- eins\n- zwei"
	p.ThankYouContent = "## Was nun?\n\nLesen Sie *zuerst* Kapitel 3. <img src=x onerror=alert(1)>"
	p.PrivacyURL = "https://www.example.com/datenschutz?lang=de&x=1"
	p.Captcha = leadgate.Captcha{Provider: leadgate.CaptchaTurnstile, SiteKey: "0x4AAAAAAA-golden"}
	lo, hi := 1.0, 5000.0
	p.Fields = append(p.Fields,
		leadgate.Field{Name: "role", Label: "Rolle", Type: leadgate.FieldSelect, Required: true, Options: []string{"Gründer", "Marketing & Vertrieb"}},
		leadgate.Field{Name: "size", Label: "Teamgröße", Type: leadgate.FieldRadio, Required: true, Options: []string{"1-10", "11-50", "51+"}},
		leadgate.Field{Name: "terms", Label: "Ich akzeptiere die Bedingungen", Type: leadgate.FieldCheckbox, Required: true},
		leadgate.Field{Name: "topics", Label: "Themen", Type: leadgate.FieldCheckboxes, Options: []string{"SEO", "E-Mail", "<Ads>"}},
		leadgate.Field{Name: "seats", Label: "Plätze", Type: leadgate.FieldNumber, Min: &lo, Max: &hi},
		leadgate.Field{Name: "country", Label: "Land", Type: leadgate.FieldCountry},
		leadgate.Field{Name: "site", Label: "Website", Type: leadgate.FieldURL},
		leadgate.Field{Name: "plan", Type: leadgate.FieldHidden, Value: "frühling \"26\""},
	)
	return p
}

// goldenLocalePage is the minimal page in a locale.
func goldenLocalePage(locale string) leadgate.Page {
	p := goldenMinimalPage()
	p.Slug, p.ThankYouURL, p.Locale = "golden-"+locale, "/p/golden-"+locale+"/thanks", locale
	p.Fields = append(p.Fields, leadgate.Field{Name: "name", Label: "Name", Type: leadgate.FieldText})
	return p
}

func TestGoldenBrandedPages(t *testing.T) {
	s := newGoldenSite(t)
	pages := []leadgate.Page{goldenBrandedPage()}
	for _, l := range leadgate.Locales {
		pages = append(pages, goldenLocalePage(l))
	}
	for _, p := range pages {
		if err := p.Validate(); err != nil {
			t.Fatalf("%s: %v", p.Slug, err)
		}
		if err := s.store.PutPage(context.Background(), saved(p)); err != nil {
			t.Fatal(err)
		}
	}
	token := func(slug string) string { return s.key.FormToken(slug, goldenNow.Add(-10*time.Second)) }
	cases := []struct {
		name, method, target string
		body                 url.Values
		status               int
	}{
		{name: "branded-page", method: "GET", target: "/p/golden-branded", status: 200},
		// Every choice refused, a ticked box kept, and no captcha answer.
		{name: "branded-page-errors", method: "POST", target: "/v1/pages/golden-branded/leads", body: url.Values{
			"email": {"ada@example.com"}, "name": {"Ada"}, "role": {"CEO"}, "size": {""}, "topics": {"SEO", "<Ads>"},
			"seats": {"0"}, "country": {"Germany"}, "site": {"javascript:alert(1)"}, "form_token": {token("golden-branded")},
		}, status: 422},
		{name: "branded-thanks", method: "GET", target: "/p/golden-branded/thanks", status: 200},
	}
	for _, l := range leadgate.Locales {
		cases = append(cases,
			struct {
				name, method, target string
				body                 url.Values
				status               int
			}{name: "locale-" + l + "-page-errors", method: "POST", target: "/v1/pages/golden-" + l + "/leads",
				body: url.Values{"email": {""}, "form_token": {token("golden-" + l)}}, status: 422},
			struct {
				name, method, target string
				body                 url.Values
				status               int
			}{name: "locale-" + l + "-thanks", method: "GET", target: "/p/golden-" + l + "/thanks", status: 200},
		)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			golden.Check(t, tc.name+".html", s.page(t, tc.method, tc.target, tc.body, nil, tc.status))
		})
	}
	t.Run("embed-branded", func(t *testing.T) {
		golden.Check(t, "embed-branded.html", []byte(httpapi.EmbedSnippet(goldenBrandedPage(), "https://abc123.execute-api.eu-west-1.amazonaws.com")))
	})
}

// The page's one stylesheet is what its policy allows, by hash; a captcha page
// allows its provider's origin, and no other page does.
func TestBrandedPagePolicy(t *testing.T) {
	s := newGoldenSite(t)
	p := goldenBrandedPage()
	if err := s.store.PutPage(context.Background(), saved(p)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		target, want, unwanted string
	}{
		{"/p/golden-branded", "script-src https://challenges.cloudflare.com; frame-src https://challenges.cloudflare.com", "unsafe-inline"},
		{"/p/golden", "style-src 'sha256-", "script-src"},
		{"/p/golden/thanks", "style-src 'sha256-", "script-src"},
	} {
		r := newRequest("GET", tc.target)
		w := serve(s.handler, r)
		csp := w.Header().Get("Content-Security-Policy")
		if !contains(csp, tc.want) || contains(csp, tc.unwanted) {
			t.Errorf("%s: Content-Security-Policy %q, want %q and no %q", tc.target, csp, tc.want, tc.unwanted)
		}
		if !styleAllowed(w.Body.String(), csp) {
			t.Errorf("%s: the page's stylesheet is not the one its policy allows", tc.target)
		}
	}
}

func newRequest(method, target string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func contains(s, sub string) bool { return sub != "" && strings.Contains(s, sub) }

var styleElement = regexp.MustCompile(`(?s)<style>(.*?)</style>`)

// styleAllowed reports whether the page has one stylesheet, allowed by its hash.
func styleAllowed(page, csp string) bool {
	m := styleElement.FindAllStringSubmatch(page, -1)
	if len(m) != 1 || strings.Contains(page, " style=") {
		return false
	}
	sum := sha256.Sum256([]byte(m[0][1]))
	return strings.Contains(csp, "style-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
}
