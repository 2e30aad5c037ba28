package leadgate_test

import (
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

func TestNormaliseEmail(t *testing.T) {
	cases := []struct {
		typed, want, code string
	}{
		{"Ada@Example.COM", "ada@example.com", ""},
		{"  ada.lovelace+guides@mail.example.co.uk ", "ada.lovelace+guides@mail.example.co.uk", ""},
		{"", "", "required"},
		{"ada", "", "invalid"},
		{"ada@", "", "invalid"},
		{"@example.com", "", "invalid"},
		{"ada@example", "", "invalid"},
		{"ada@-example.com", "", "invalid"},
		{"ada@exa_mple.com", "", "invalid"},
		{"ada@[192.0.2.1]", "", "invalid"},
		{"Ada <ada@example.com>", "", "invalid"},
		{"ada@example.com\r\nBcc: x@example.com", "", "invalid"},
		{"ada lovelace@example.com", "", "invalid"},
		{"adä@example.com", "", "invalid"},
		{strings.Repeat("a", 65) + "@example.com", "", "invalid"},
		{"a@" + strings.Repeat("b", 250) + ".com", "", "too_long"},
	}
	for _, tc := range cases {
		t.Run(tc.typed, func(t *testing.T) {
			got, fe := leadgate.NormaliseEmail(tc.typed)
			code := ""
			if fe != nil {
				code = fe.Code
			}
			if got != tc.want || code != tc.code {
				t.Fatalf("NormaliseEmail(%q) = %q, %q; want %q, %q", tc.typed, got, code, tc.want, tc.code)
			}
		})
	}
}

func TestCheckText(t *testing.T) {
	cases := []struct {
		name, value string
		limit       int
		multiline   bool
		code        string
	}{
		{"plain", "Ada Lovelace", 20, false, ""},
		{"accents count as one", strings.Repeat("é", 10), 10, false, ""},
		{"eleven runes", strings.Repeat("é", 11), 10, false, "too_long"},
		{"CR", "a\rb", 20, false, "control_character"},
		{"LF", "a\nb", 20, false, "control_character"},
		{"tab", "a\tb", 20, false, "control_character"},
		{"DEL", "a\x7fb", 20, false, "control_character"},
		{"C1 NEL", "a\u0085b", 20, false, "control_character"},
		{"line separator", "a\u2028b", 20, false, "control_character"},
		{"invalid UTF-8", "a\xffb", 20, false, "invalid"},
		{"multi-line keeps line breaks", "line one\r\nline two\tend", 40, true, ""},
		{"multi-line still refuses NUL", "a\x00b", 20, true, "control_character"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code := ""
			if fe := leadgate.CheckText("f", tc.value, tc.limit, tc.multiline); fe != nil {
				code = fe.Code
			}
			if code != tc.code {
				t.Fatalf("code %q, want %q", code, tc.code)
			}
		})
	}
}

func TestLeadApply(t *testing.T) {
	page := storetest.Page("p")
	first := storetest.Capture(page, "ada@example.com", storetest.T0, "first").Submission
	lead := leadgate.NewLead("lead-1", first, page)
	if lead.Status != leadgate.StatusActive || !lead.MarketingAllowed() || lead.Submissions != 1 {
		t.Fatalf("new lead %+v", lead)
	}

	later := storetest.Capture(page, "ada@example.com", storetest.T0.Add(time.Hour), "second").Submission
	later.Values = map[string]string{"email": "ADA@example.com", "company": "New Co"}
	later.Consent.Given = false
	got := lead.Apply(later, page)
	if got.FirstTouch.UTMSource != "first" || got.LastTouch.UTMSource != "second" {
		t.Fatalf("touches %q %q", got.FirstTouch.UTMSource, got.LastTouch.UTMSource)
	}
	if got.Name != "Ada Lovelace" || got.Company != "New Co" || got.EmailAsTyped != "ADA@example.com" {
		t.Fatalf("values: an empty value must not erase, a new one replaces: %+v", got)
	}
	if !got.Consent.Given || !got.MarketingAllowed() || got.Consent.At != lead.Consent.At {
		t.Fatal("an unticked box must keep consent given before: only unsubscribing withdraws it")
	}
	never := leadgate.NewLead("lead-2", later, page)
	if ticked := never.Apply(first, page); !ticked.Consent.Given || !ticked.MarketingAllowed() {
		t.Fatal("a tick must give consent a lead had not given")
	}
	if lead.Company != "Analytical Engines Ltd" {
		t.Fatal("Apply changed the lead it was called on")
	}

	noConsentPage := page
	noConsentPage.ConsentText = ""
	kept := lead.Apply(later, noConsentPage)
	if !kept.Consent.Given {
		t.Fatal("a page that does not ask must not change the consent record")
	}

	unsub := lead
	unsub.Status = leadgate.StatusUnsubscribed
	if again := unsub.Apply(later, page); again.Status != leadgate.StatusUnsubscribed {
		t.Fatalf("unsubscribed lead without a new tick became %s", again.Status)
	}
	later.Consent.Given = true
	if again := unsub.Apply(later, page); again.Status != leadgate.StatusActive {
		t.Fatalf("explicit new opt-in left status %s", again.Status)
	}
	bounced := lead
	bounced.Status = leadgate.StatusBounced
	if again := bounced.Apply(later, page); again.Status != leadgate.StatusBounced {
		t.Fatalf("a bounced address became %s", again.Status)
	}

	double := page
	double.OptIn = leadgate.OptInDouble
	if l := leadgate.NewLead("lead-2", first, double); l.Status != leadgate.StatusUnconfirmed || l.MarketingAllowed() {
		t.Fatalf("double opt-in lead %+v", l)
	}
}

func TestPageValidate(t *testing.T) {
	if err := storetest.Page("good-page").Validate(); err != nil {
		t.Fatalf("valid page refused: %v", err)
	}
	for _, cover := range []string{"https://cdn.example.com/covers/playbook.png", "/covers/playbook.png"} {
		p := storetest.Page("good-page")
		p.CoverImageURL = cover
		if err := p.Validate(); err != nil {
			t.Fatalf("cover image %q refused: %v", cover, err)
		}
	}
	cases := []struct {
		name  string
		edit  func(*leadgate.Page)
		field string
	}{
		{"bad slug", func(p *leadgate.Page) { p.Slug = "Bad Slug" }, "slug"},
		{"no title", func(p *leadgate.Page) { p.Title = " " }, "title"},
		{"no email field", func(p *leadgate.Page) { p.Fields = p.Fields[1:] }, "fields"},
		{"optional email", func(p *leadgate.Page) { p.Fields[0].Required = false }, "fields"},
		{"reserved name", func(p *leadgate.Page) {
			p.Fields = append(p.Fields, leadgate.Field{Name: "website", Label: "Site", Type: leadgate.FieldText})
		}, "fields"},
		{"duplicate field", func(p *leadgate.Page) { p.Fields = append(p.Fields, p.Fields[1]) }, "fields"},
		{"unknown type", func(p *leadgate.Page) { p.Fields[1].Type = "date" }, "fields"},
		{"unknown hidden field", func(p *leadgate.Page) { p.HiddenFields = append(p.HiddenFields, "session_id") }, "hidden_fields"},
		{"unversioned consent", func(p *leadgate.Page) { p.ConsentVersion = "" }, "consent_version"},
		{"opt-in", func(p *leadgate.Page) { p.OptIn = "triple" }, "opt_in"},
		{"thank-you URL", func(p *leadgate.Page) { p.ThankYouURL = "javascript:alert(1)" }, "thank_you_url"},
		{"protocol-relative URL", func(p *leadgate.Page) { p.ThankYouURL = "//evil.example/" }, "thank_you_url"},
		{"tab that browsers drop", func(p *leadgate.Page) { p.ThankYouURL = "/\t/evil.example/" }, "thank_you_url"},
		{"backslash", func(p *leadgate.Page) { p.ErrorURL = "/\\evil.example/" }, "error_url"},
		{"origin with path", func(p *leadgate.Page) { p.AllowedOrigins = []string{"https://example.com/page"} }, "allowed_origins"},
		{"cover over plain http", func(p *leadgate.Page) { p.CoverImageURL = "http://cdn.example/cover.png" }, "cover_image_url"},
		{"cover as a data URL", func(p *leadgate.Page) { p.CoverImageURL = "data:image/png;base64,AAAA" }, "cover_image_url"},
		{"cover as a script", func(p *leadgate.Page) { p.CoverImageURL = "javascript:alert(1)" }, "cover_image_url"},
		{"protocol-relative cover", func(p *leadgate.Page) { p.CoverImageURL = "//evil.example/cover.png" }, "cover_image_url"},
		{"relative cover", func(p *leadgate.Page) { p.CoverImageURL = "cover.png" }, "cover_image_url"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := storetest.Page("good-page")
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

// Each send key reads back as the email it names.
func TestParseSendKey(t *testing.T) {
	for key, want := range map[string][3]string{
		leadgate.DeliveryKey("s1"):                {leadgate.SendDelivery, "", ""},
		leadgate.ConfirmationKey("s1"):            {leadgate.SendConfirmation, "", ""},
		leadgate.ReminderKey("s1"):                {leadgate.SendReminder, "", ""},
		leadgate.NurtureKey("spring-guide", "d3"): {leadgate.SendNurture, "spring-guide", "d3"},
		"nurture#no-step":                         {"", "", ""},
		"other#x":                                 {"", "", ""},
	} {
		kind, page, step := leadgate.ParseSendKey(key)
		if got := [3]string{kind, page, step}; got != want {
			t.Errorf("ParseSendKey(%q) = %q, want %q", key, got, want)
		}
	}
}
