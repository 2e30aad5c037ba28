package emails_test

import (
	"strings"
	"testing"

	"leadgate/shared/emails"
	"leadgate/shared/leadgate"
)

// The default emails and every footer speak the page's locale; the goldens hold each
// kind in German and the delivery and confirmation in French and Spanish.
func TestGoldenLocales(t *testing.T) {
	for _, locale := range []string{"de", "fr", "es"} {
		kinds := []string{emails.Delivery, emails.Confirmation}
		if locale == "de" {
			kinds = goldenKinds
		}
		for _, kind := range kinds {
			t.Run(locale+"/"+kind, func(t *testing.T) {
				d := goldenData["everyday"]
				d.Locale = locale
				checkGolden(t, "locale-"+locale+"-"+kind, kind, leadgate.EmailTemplate{}, d)
			})
		}
	}
	// A page's own text keeps its words; the footer is the page's language.
	t.Run("de/own-text", func(t *testing.T) {
		d := goldenData["minimal"]
		d.Locale = "de"
		checkGolden(t, "locale-de-own-text", emails.Nurture, leadgate.EmailTemplate{Subject: "Tag 2", Text: "Hallo,\n\nnoch ein Tipp."}, d)
	})
}

// The footer names the page only when its title is not the magnet's, in every
// locale, and carries the postal address in both parts.
func TestFooterReadsNaturally(t *testing.T) {
	for _, locale := range leadgate.Locales {
		d := goldenData["minimal"]
		d.Locale, d.PageTitle, d.MagnetTitle = locale, "The lead magnet playbook", "The Lead Magnet Playbook "
		d.PostalAddress = "Leadgate Ltd, 1 Harbour Street, Bristol"
		_, text, html, err := emails.Render(emails.Delivery, leadgate.EmailTemplate{}, d)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(strings.ToLower(text), "the lead magnet playbook"); n != 2 {
			t.Errorf("%s: the title appears %d times in the text, want 2 (intro and footer): %s", locale, n, text)
		}
		for part, body := range map[string]string{"text": text, "html": html} {
			if !strings.Contains(body, "Leadgate Ltd, 1 Harbour Street, Bristol") {
				t.Errorf("%s %s: no postal address", locale, part)
			}
			if !strings.Contains(body, `lang="`+locale+`"`) && part == "html" {
				t.Errorf("%s: html not in its language", locale)
			}
		}
	}
}
