package console

import (
	"net/url"
	"strconv"
	"strings"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// The editor's inputs for how a hosted page looks and speaks (logo, colours,
// layout, locale, Markdown thank-you content, privacy link, captcha) and for the
// settings of the field types beyond text (options, min and max, a hidden value).

// readLookSettings reads the look and content settings of the editor's form.
func readLookSettings(form url.Values, f *editorForm) {
	p := &f.Page
	get := func(name string) string { return strings.TrimSpace(form.Get(name)) }
	p.Look = leadgate.Look{LogoURL: get("look.logo_url"), AccentColor: strings.ToLower(get("look.accent_color")),
		BackgroundColor: strings.ToLower(get("look.background_color")), Layout: leadgate.Layout(get("look.layout"))}
	if p.Look.Layout == leadgate.LayoutCard {
		p.Look.Layout = "" // the default, as page files leave it out
	}
	p.Locale = get("locale")
	if p.Locale == "en" {
		p.Locale = ""
	}
	p.PrivacyURL = get("privacy_url")
	p.ThankYouContent = strings.ReplaceAll(form.Get("thank_you_content"), "\r\n", "\n")
	p.Captcha = leadgate.Captcha{Provider: leadgate.CaptchaProvider(get("captcha.provider")), SiteKey: get("captcha.site_key")}
}

// readFieldExtras reads the type-specific settings of the field row at.
func readFieldExtras(form url.Values, f *editorForm, at string, fd *leadgate.Field) {
	fd.Options = lines(form.Get(at + "options"))
	fd.Min = f.decimal(form, at+"min")
	fd.Max = f.decimal(form, at+"max")
	fd.Value = strings.TrimSpace(form.Get(at + "value"))
}

// fieldRowBlank reports whether a field row's extras are empty too.
func fieldRowBlank(form url.Values, at string) bool {
	for _, name := range []string{"options", "min", "max", "value"} {
		if strings.TrimSpace(form.Get(at+name)) != "" {
			return false
		}
	}
	return true
}

// decimal reads a number that may have decimals; empty is none. One that does not
// read is kept as typed, with its error.
func (f *editorForm) decimal(form url.Values, name string) *float64 {
	s := strings.TrimSpace(form.Get(name))
	if s == "" {
		return nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		f.Raw[name] = s
		f.addError(name, "a number, such as 10 or 2.5")
		return nil
	}
	return &n
}

// shownDecimal returns what a decimal's input shows: as typed when it did not read.
func (f editorForm) shownDecimal(name string, n *float64) string {
	if s, ok := f.Raw[name]; ok {
		return s
	}
	if n == nil {
		return ""
	}
	return strconv.FormatFloat(*n, 'f', -1, 64)
}

// writeLookSettings writes the fieldset of the page's look, language, thank-you
// content, privacy link and captcha.
func writeLookSettings(m *markup.Writer, f editorForm) {
	p := f.Page
	m.Raw("<fieldset id=\"look\">\n<legend>Look and language</legend>\n")
	writeInput(m, f, "look.logo_url", "Logo URL", p.Look.LogoURL, "An https URL or an absolute path; shown above the title and as the page's icon. Optional.")
	writeInput(m, f, "look.accent_color", "Accent colour", p.Look.AccentColor, "The button and links, as #rrggbb; white text on it needs a contrast of 4.5:1. Empty: blue.")
	writeInput(m, f, "look.background_color", "Background colour", p.Look.BackgroundColor, "Behind the card, as #rrggbb. Empty: light grey.")
	m.Raw("<p class=\"hint\" id=\"look.layout\">Layout</p>\n")
	writeRadio(m, "look.layout", string(leadgate.LayoutCard), "Card: the cover above the form", p.Look.Layout != leadgate.LayoutSplit)
	writeRadio(m, "look.layout", string(leadgate.LayoutSplit), "Split: the cover beside the form on wide screens", p.Look.Layout == leadgate.LayoutSplit)
	writeInputErrors(m, f, "look.layout")
	m.Raw("<label for=\"locale\">Language</label>\n<select id=\"locale\" name=\"locale\"")
	writeInvalid(m, f, "locale")
	m.Raw(">\n")
	names := map[string]string{"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}
	for _, l := range leadgate.Locales {
		writeOption(m, l, names[l]+" ("+l+")", p.PageLocale() == l)
	}
	m.Raw("</select>\n<p class=\"hint\">The page's own words: labels, errors, thank-you and notices. Your title, labels and texts stay as you write them.</p>\n")
	writeInputErrors(m, f, "locale")
	writeTextarea(m, f, "thank_you_content", "Thank-you content", p.ThankYouContent, "Markdown shown on the thank-you page below its message. Optional.")
	writeInput(m, f, "privacy_url", "Privacy policy URL", p.PrivacyURL, "Linked below the form; required when the form asks for consent.")
	m.Raw("<label for=\"captcha.provider\">Captcha</label>\n<select id=\"captcha.provider\" name=\"captcha.provider\"")
	writeInvalid(m, f, "captcha.provider")
	m.Raw(">\n")
	writeOption(m, "", "None", p.Captcha.Provider == "")
	writeOption(m, string(leadgate.CaptchaTurnstile), "Cloudflare Turnstile", p.Captcha.Provider == leadgate.CaptchaTurnstile)
	writeOption(m, string(leadgate.CaptchaHCaptcha), "hCaptcha", p.Captcha.Provider == leadgate.CaptchaHCaptcha)
	m.Raw("</select>\n<p class=\"hint\">Needs JavaScript on the page and the provider's secret in the deployment's settings.</p>\n")
	writeInputErrors(m, f, "captcha.provider")
	writeInput(m, f, "captcha.site_key", "Captcha site key", p.Captcha.SiteKey, "The provider's public site key.")
	m.Raw("</fieldset>\n")
}

// writeFieldExtras writes the inputs of a field row that only some types use.
func writeFieldExtras(m *markup.Writer, f editorForm, at string, fd leadgate.Field) {
	writeTextarea(m, f, at+"options", "Options", strings.Join(fd.Options, "\n"), "select, radio, checkboxes: one a line.")
	writeInput(m, f, at+"min", "Min", f.shownDecimal(at+"min", fd.Min), "number only.")
	writeInput(m, f, at+"max", "Max", f.shownDecimal(at+"max", fd.Max), "number only.")
	writeInput(m, f, at+"value", "Value", fd.Value, "hidden only: kept with every lead.")
}
