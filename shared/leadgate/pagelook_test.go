package leadgate_test

import (
	"slices"
	"strings"
	"testing"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// Every locale says every notice and label, with the same parts and the same
// placeholders as English, so no visitor meets an English word on a translated page.
func TestCataloguesComplete(t *testing.T) {
	if len(leadgate.Catalogues) != len(leadgate.Locales) {
		t.Fatalf("catalogues %d, locales %d", len(leadgate.Catalogues), len(leadgate.Locales))
	}
	verbs := func(s string) int { return strings.Count(s, "%s") + strings.Count(s, "%d") }
	for _, locale := range leadgate.Locales {
		c, ok := leadgate.Catalogues[locale]
		if !ok {
			t.Fatalf("no catalogue for %s", locale)
		}
		if len(c) != len(leadgate.English) {
			t.Errorf("%s has %d messages, English %d", locale, len(c), len(leadgate.English))
		}
		for id, en := range leadgate.English {
			n, ok := c[id]
			if !ok {
				t.Errorf("%s lacks %s", locale, id)
				continue
			}
			for i, pair := range [][2]string{{en.Title, n.Title}, {en.Message, n.Message}, {en.Button, n.Button}, {en.Note, n.Note}} {
				if (pair[0] == "") != (pair[1] == "") || verbs(pair[0]) != verbs(pair[1]) {
					t.Errorf("%s %s part %d: %q against English %q", locale, id, i, pair[1], pair[0])
				}
			}
		}
	}
	if leadgate.CatalogueFor("xx")[leadgate.NoticePageNotFound] != leadgate.English[leadgate.NoticePageNotFound] {
		t.Error("an unknown locale must fall back to English")
	}
	if got := leadgate.CatalogueFor("de").Label(leadgate.LabelSubmit); got != "Exemplar anfordern" {
		t.Errorf("German submit label %q", got)
	}
}

func TestCountriesSorted(t *testing.T) {
	if !slices.IsSortedFunc(leadgate.Countries, func(a, b leadgate.Country) int { return strings.Compare(a.Code, b.Code) }) {
		t.Fatal("Countries must be sorted by code for ValidCountry's search")
	}
	for _, code := range []string{"DE", "US", "FR", "ES", "AD", "ZW"} {
		if !leadgate.ValidCountry(code) {
			t.Errorf("%s refused", code)
		}
	}
	for _, code := range []string{"", "de", "XX", "USA", "EU"} {
		if leadgate.ValidCountry(code) {
			t.Errorf("%s accepted", code)
		}
	}
}

func num(f float64) *float64 { return &f }

// BrandedPage is a page with every look setting and every field type, valid.
func brandedPage() leadgate.Page {
	p := storetest.Page("branded")
	p.Look = leadgate.Look{LogoURL: "https://cdn.example.com/logo.png", AccentColor: "#7a1fa2", BackgroundColor: "#fdf6e3", Layout: leadgate.LayoutSplit}
	p.CoverImageURL = "/covers/playbook.png"
	p.Locale = "de"
	p.Description = "**Bold** words and a [link](https://example.com)."
	p.ThankYouContent = "Read *more* soon."
	p.Captcha = leadgate.Captcha{Provider: leadgate.CaptchaTurnstile, SiteKey: "0x4AAAAAAA-site_key"}
	p.Fields = append(p.Fields,
		leadgate.Field{Name: "role", Label: "Role", Type: leadgate.FieldSelect, Options: []string{"Founder", "Marketer"}},
		leadgate.Field{Name: "size", Label: "Team size", Type: leadgate.FieldRadio, Options: []string{"1-10", "11-50"}, Required: true},
		leadgate.Field{Name: "terms", Label: "I accept the terms", Type: leadgate.FieldCheckbox, Required: true},
		leadgate.Field{Name: "topics", Label: "Topics", Type: leadgate.FieldCheckboxes, Options: []string{"SEO", "Email"}},
		leadgate.Field{Name: "budget", Label: "Budget", Type: leadgate.FieldNumber, Min: num(0), Max: num(1e6)},
		leadgate.Field{Name: "country", Label: "Country", Type: leadgate.FieldCountry},
		leadgate.Field{Name: "site", Label: "Website", Type: leadgate.FieldURL},
		leadgate.Field{Name: "plan", Type: leadgate.FieldHidden, Value: "spring"},
	)
	return p
}

func TestPageLookValidate(t *testing.T) {
	if err := brandedPage().Validate(); err != nil {
		t.Fatalf("branded page refused: %v", err)
	}
	cases := []struct {
		name  string
		edit  func(*leadgate.Page)
		field string
	}{
		{"unknown locale", func(p *leadgate.Page) { p.Locale = "klingon" }, "locale"},
		{"logo as a script", func(p *leadgate.Page) { p.Look.LogoURL = "javascript:alert(1)" }, "look.logo_url"},
		{"accent not a colour", func(p *leadgate.Page) { p.Look.AccentColor = "red;}body{" }, "look.accent_color"},
		{"accent too light for white text", func(p *leadgate.Page) { p.Look.AccentColor = "#ffd54f" }, "look.accent_color"},
		{"background not a colour", func(p *leadgate.Page) { p.Look.BackgroundColor = "url(x)" }, "look.background_color"},
		{"unknown layout", func(p *leadgate.Page) { p.Look.Layout = "grid" }, "look.layout"},
		{"split without a cover", func(p *leadgate.Page) { p.CoverImageURL = "" }, "look.layout"},
		{"privacy as a script", func(p *leadgate.Page) { p.PrivacyURL = "javascript:alert(1)" }, "privacy_url"},
		{"consent without privacy", func(p *leadgate.Page) { p.PrivacyURL = "" }, "privacy_url"},
		{"description too long", func(p *leadgate.Page) { p.Description = strings.Repeat("a", 5001) }, "description"},
		{"unknown captcha", func(p *leadgate.Page) { p.Captcha.Provider = "recaptcha" }, "captcha.provider"},
		{"captcha without key", func(p *leadgate.Page) { p.Captcha.SiteKey = "" }, "captcha.site_key"},
		{"key without provider", func(p *leadgate.Page) { p.Captcha.Provider = "" }, "captcha.provider"},
		{"select without options", func(p *leadgate.Page) { p.Fields[len(p.Fields)-8].Options = nil }, "fields"},
		{"option with a comma", func(p *leadgate.Page) { p.Fields[len(p.Fields)-5].Options = []string{"a,b"} }, "fields"},
		{"duplicate option", func(p *leadgate.Page) { p.Fields[len(p.Fields)-7].Options = []string{"a", "a"} }, "fields"},
		{"options on text", func(p *leadgate.Page) { p.Fields[1].Options = []string{"a"} }, "fields"},
		{"min above max", func(p *leadgate.Page) {
			p.Fields[len(p.Fields)-4].Min = num(10)
			p.Fields[len(p.Fields)-4].Max = num(1)
		}, "fields"},
		{"max on text", func(p *leadgate.Page) { p.Fields[1].Max = num(1) }, "fields"},
		{"hidden without value", func(p *leadgate.Page) { p.Fields[len(p.Fields)-1].Value = "" }, "fields"},
		{"required hidden", func(p *leadgate.Page) { p.Fields[len(p.Fields)-1].Required = true }, "fields"},
		{"value on text", func(p *leadgate.Page) { p.Fields[1].Value = "x" }, "fields"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := brandedPage()
			tc.edit(&p)
			err := p.Validate()
			de, ok := err.(*leadgate.Error)
			if !ok || de.Code != leadgate.EINVALID {
				t.Fatalf("Validate() = %v, want EINVALID", err)
			}
			for _, fe := range de.Fields {
				if fe.Field == tc.field {
					return
				}
			}
			t.Fatalf("errors %+v do not name %s", de.Fields, tc.field)
		})
	}
}

func TestFieldCheckChoice(t *testing.T) {
	p := brandedPage()
	cases := []struct {
		field, value string
		ok           bool
	}{
		{"role", "Founder", true}, {"role", "founder", false}, {"role", "CEO", false},
		{"size", "11-50", true}, {"size", "51+", false},
		{"terms", "yes", true}, {"terms", "on", false},
		{"topics", "SEO", true}, {"topics", "SEO, Email", true}, {"topics", "SEO,SEO", false}, {"topics", "SEO, Ads", false},
		{"budget", "2500", true}, {"budget", "2500.5", true}, {"budget", "-1", false}, {"budget", "1e7", false}, {"budget", "Inf", false}, {"budget", "NaN", false}, {"budget", "lots", false},
		{"country", "DE", true}, {"country", "de", false}, {"country", "Germany", false},
		{"site", "https://example.com/about", true}, {"site", "javascript:alert(1)", false}, {"site", "example.com", false}, {"site", "https://user@example.com", false},
	}
	for _, tc := range cases {
		f, ok := p.Field(tc.field)
		if !ok {
			t.Fatalf("no field %s", tc.field)
		}
		if fe := f.CheckChoice(tc.value); (fe == nil) != tc.ok {
			t.Errorf("%s=%q: %v, want ok %v", tc.field, tc.value, fe, tc.ok)
		} else if fe != nil && fe.Field != tc.field {
			t.Errorf("%s=%q names %s", tc.field, tc.value, fe.Field)
		}
	}
}

func TestContrastRatio(t *testing.T) {
	if r := leadgate.ContrastRatio("#000000", "#ffffff"); r < 20.9 || r > 21.1 {
		t.Errorf("black on white %.2f, want 21", r)
	}
	if r := leadgate.ContrastRatio("#0b5cad", "#ffffff"); r < 4.5 {
		t.Errorf("the default brand colour %.2f, want at least 4.5", r)
	}
}
