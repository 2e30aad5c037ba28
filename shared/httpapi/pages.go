package httpapi

import (
	"slices"
	"strings"

	"leadgate/shared/captcha"
	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// The pages a person is shown, written as Go code over a markup.Writer: each
// function below is one part of a page, and every value from data goes through the
// writer's escaping for its context. Each renderer here has at least one golden page
// (testdata/golden/), and golden_test.go checks that it does.

// headView is what the head of a page says: its title, language and stylesheet, and
// for a hosted page the link preview (Open Graph and Twitter card) and icon.
type headView struct {
	Title string
	Lang  string // "" is en
	Style string // the page's stylesheet; "" is baseStyle
	// Canonical is the page's own absolute URL; "" for a page with no preview.
	Canonical   string
	Description string // plain text
	Image       string // absolute URL of the preview image
	Icon        string // the favicon; "" asks for none
}

// writeHead starts a page, up to the opening of <main>.
func writeHead(m *markup.Writer, h headView, mainClass string) {
	lang := h.Lang
	if lang == "" {
		lang = "en"
	}
	style := h.Style
	if style == "" {
		style = baseStyle
	}
	m.Raw("<!doctype html>\n<html lang=\"")
	m.Attr(lang)
	m.Raw("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
	m.Text(h.Title)
	m.Raw("</title>\n")
	if h.Canonical != "" {
		m.Raw(`<link rel="canonical" href="`)
		m.URL(h.Canonical)
		m.Raw("\">\n")
		meta := func(attr, name, content string) {
			if content == "" {
				return
			}
			m.Raw("<meta " + attr + "=\"" + name + "\" content=\"")
			m.Attr(content)
			m.Raw("\">\n")
		}
		card := "summary"
		if h.Image != "" {
			card = "summary_large_image"
		}
		meta("name", "description", h.Description)
		meta("property", "og:type", "website")
		meta("property", "og:title", h.Title)
		meta("property", "og:description", h.Description)
		meta("property", "og:url", h.Canonical)
		meta("property", "og:image", h.Image)
		meta("property", "og:locale", lang)
		meta("name", "twitter:card", card)
		meta("name", "twitter:title", h.Title)
		meta("name", "twitter:description", h.Description)
		meta("name", "twitter:image", h.Image)
	}
	// Without a link the browser asks for /favicon.ico, a request we answer 404.
	m.Raw(`<link rel="icon" href="`)
	if h.Icon != "" {
		m.URL(h.Icon)
	} else {
		m.Raw("data:,")
	}
	// The policy allows the stylesheet by the hash of exactly this text.
	m.Raw("\">\n<style>")
	m.Raw(style) // constant CSS and colours checked as #rrggbb (pageStyle)
	m.Raw("</style>\n</head>\n<body>\n<main")
	if mainClass != "" {
		m.Raw(` class="`)
		m.Attr(mainClass)
		m.Raw(`"`)
	}
	m.Raw(">\n")
}

// writeFoot ends a page that writeHead started.
func writeFoot(m *markup.Writer) {
	m.Raw("</main>\n</body>\n</html>\n")
}

// writeFormPage writes the hosted page of a form: the logo, cover, title and
// description, the summary of the errors of an earlier try, and the form with its
// token, attribution fields, captcha and privacy link. The split layout puts the
// cover beside the card on wide screens.
func writeFormPage(m *markup.Writer, v FormView) {
	p := v.Page
	split := p.Look.Layout == leadgate.LayoutSplit && p.CoverImageURL != ""
	mainClass := ""
	if split {
		mainClass = "split"
	}
	writeHead(m, v.head(), mainClass)
	c := v.words()
	if v.Preview {
		m.Raw("\n<div class=\"summary\" role=\"note\">\n<h2>Preview</h2>\n<p>This is how visitors see the page. Its form sends nothing, and no view is counted.</p>\n</div>")
	}
	if split {
		m.Raw("\n<div class=\"split-grid\">\n")
		writeCover(m, p)
	}
	m.Raw("\n<div class=\"card\">\n")
	if p.Look.LogoURL != "" {
		// The title follows as the h1: the logo adds nothing to read.
		m.Raw(`<img class="logo" src="`)
		m.URL(p.Look.LogoURL)
		m.Raw("\" alt=\"\">\n")
	}
	if !split && p.CoverImageURL != "" {
		writeCover(m, p)
	}
	m.Raw("<h1>")
	m.Text(p.Title)
	m.Raw("</h1>\n")
	if v.DescriptionHTML != "" {
		m.Raw(`<div class="rich">`)
		m.Raw(v.DescriptionHTML) // sanitised when the page was saved, or escaped (storedHTML)
		m.Raw("</div>")
	}
	m.Raw("\n")
	if len(v.Summary) > 0 {
		m.Raw("<div class=\"summary\" role=\"alert\" tabindex=\"-1\" id=\"errors\">\n<h2>")
		m.Text(c.Label(leadgate.LabelCheckForm))
		m.Raw("</h2>\n<ul>")
		for _, fe := range v.Summary {
			m.Raw(`<li><a href="#`)
			m.URLPart(v.IDPrefix)
			m.URLPart(fe.Field)
			m.Raw(`">`)
			m.Text(fe.Message)
			m.Raw("</a></li>")
		}
		m.Raw("</ul>\n</div>")
	}
	if v.Preview {
		m.Raw("\n<form novalidate>\n")
	} else {
		m.Raw("\n<form method=\"post\" action=\"")
		m.URL(v.Action)
		m.Raw("\" novalidate>\n")
	}
	writeFields(m, v)
	m.Raw("\n<input type=\"hidden\" name=\"form_token\" value=\"")
	m.Attr(v.FormToken)
	m.Raw("\">\n")
	for _, h := range v.Attribution {
		m.Raw(`<input type="hidden" name="`)
		m.Attr(h.Name)
		m.Raw(`" value="`)
		m.Attr(h.Value)
		m.Raw("\">\n")
	}
	if !v.Preview {
		writeCaptcha(m, v)
	}
	m.Raw("<button type=\"submit\"")
	if v.Preview {
		m.Raw(" disabled")
	}
	m.Raw(">")
	m.Text(buttonText(p, c))
	m.Raw("</button>\n</form>\n")
	if p.PrivacyURL != "" {
		m.Raw(`<p class="muted"><a href="`)
		m.URL(p.PrivacyURL)
		m.Raw(`">`)
		m.Text(c.Label(leadgate.LabelPrivacy))
		m.Raw("</a></p>\n")
	}
	m.Raw("</div>\n")
	if split {
		m.Raw("</div>\n")
	}
	writeFoot(m)
}

// writeCover writes the page's cover image, with the title as its text.
func writeCover(m *markup.Writer, p leadgate.Page) {
	m.Raw(`<img class="cover" src="`)
	m.URL(p.CoverImageURL)
	m.Raw(`" alt="`)
	m.Attr(p.Title)
	m.Raw("\">\n")
}

// writeCaptcha writes the element the captcha provider's script fills with its
// widget, the script itself, and what a browser without JavaScript shows instead.
func writeCaptcha(m *markup.Writer, v FormView) {
	provider := v.Page.Captcha.Provider
	class, ok := captchaWidgetClass[provider]
	if !ok {
		return
	}
	// The id is where the error summary's link leads.
	m.Raw(`<div id="`)
	m.Attr(v.IDPrefix)
	m.Raw(`captcha" class="`)
	m.Attr(class)
	m.Raw(`" data-sitekey="`)
	m.Attr(v.Page.Captcha.SiteKey)
	m.Raw(`" data-language="`)
	m.Attr(v.Page.PageLocale())
	m.Raw("\"></div>\n")
	if msg := v.Errors[captcha.Field]; msg != "" {
		m.Raw(`<p class="error" role="alert">`)
		m.Text(msg)
		m.Raw("</p>\n")
	}
	m.Raw("<script src=\"")
	m.URL(captchaScripts[provider])
	m.Raw("\" async defer></script>\n<noscript><p class=\"error\">")
	m.Text(v.words().Label(leadgate.LabelCaptchaOff))
	m.Raw("</p></noscript>\n")
}

// writeFields writes a page's visible fields with their values and errors, the
// consent checkbox and the honeypot; the hosted form and the embed snippet both use
// it. It starts with a line break and ends without one.
func writeFields(m *markup.Writer, v FormView) {
	c := v.words()
	for _, f := range v.Page.Fields {
		fieldErr := v.Errors[f.Name]
		switch f.Type {
		case leadgate.FieldHidden:
			m.Raw("\n<input type=\"hidden\" name=\"")
			m.Attr(f.Name)
			m.Raw(`" value="`)
			m.Attr(f.Value)
			m.Raw("\">")
			continue
		case leadgate.FieldRadio, leadgate.FieldCheckboxes, leadgate.FieldCheckbox:
			writeChoiceField(m, v, f, fieldErr)
			continue
		}
		m.Raw("\n<label for=\"")
		m.Attr(v.IDPrefix)
		m.Attr(f.Name)
		m.Raw(`">`)
		m.Text(f.Label)
		writeOptional(m, c, f)
		m.Raw("</label>\n")
		switch f.Type {
		case leadgate.FieldTextarea:
			m.Raw(`<textarea id="`)
			m.Attr(v.IDPrefix)
			m.Attr(f.Name)
			m.Raw(`" name="`)
			m.Attr(f.Name)
			m.Raw(`" rows="4" maxlength="`)
			m.Int(f.Limit())
			m.Raw(`"`)
			writeControlState(m, f, fieldErr)
			m.Raw(">")
			m.Text(v.Values[f.Name])
			m.Raw("</textarea>")
		case leadgate.FieldSelect, leadgate.FieldCountry:
			m.Raw(`<select id="`)
			m.Attr(v.IDPrefix)
			m.Attr(f.Name)
			m.Raw(`" name="`)
			m.Attr(f.Name)
			m.Raw(`"`)
			if f.Type == leadgate.FieldCountry {
				m.Raw(` autocomplete="country"`)
			}
			writeControlState(m, f, fieldErr)
			m.Raw(">\n<option value=\"\">")
			m.Text(c.Label(leadgate.LabelChoose))
			m.Raw("</option>")
			writeOptions(m, f, v.Values[f.Name])
			m.Raw("\n</select>")
		default:
			m.Raw(`<input id="`)
			m.Attr(v.IDPrefix)
			m.Attr(f.Name)
			m.Raw(`" name="`)
			m.Attr(f.Name)
			m.Raw(`" type="`)
			m.Attr(string(f.Type))
			m.Raw(`" value="`)
			m.Attr(v.Values[f.Name])
			m.Raw(`"`)
			if f.Type == leadgate.FieldNumber {
				m.Raw(` inputmode="decimal" step="any"`)
				if f.Min != nil {
					m.Raw(` min="`)
					m.Attr(formatNumber(*f.Min))
					m.Raw(`"`)
				}
				if f.Max != nil {
					m.Raw(` max="`)
					m.Attr(formatNumber(*f.Max))
					m.Raw(`"`)
				}
			} else {
				m.Raw(` maxlength="`)
				m.Int(f.Limit())
				m.Raw(`"`)
			}
			switch {
			case f.Type == leadgate.FieldEmail:
				m.Raw(` autocomplete="email"`)
			case f.Name == "name":
				m.Raw(` autocomplete="name"`)
			case f.Name == "company":
				m.Raw(` autocomplete="organization"`)
			case f.Type == leadgate.FieldTel:
				m.Raw(` autocomplete="tel"`)
			case f.Type == leadgate.FieldURL:
				m.Raw(` autocomplete="url"`)
			}
			writeControlState(m, f, fieldErr)
			m.Raw(">")
		}
		writeFieldError(m, f, fieldErr)
	}
	m.Raw("\n")
	if v.Page.AsksConsent() {
		m.Raw(`<label class="consent" for="`)
		m.Attr(v.IDPrefix)
		m.Raw(`consent"><input id="`)
		m.Attr(v.IDPrefix)
		m.Raw(`consent" type="checkbox" name="consent" value="on"`)
		if v.Consent {
			m.Raw(" checked")
		}
		m.Raw("> <span>")
		m.Text(v.Page.ConsentText)
		m.Raw("</span></label>")
	}
	// The hosted page hides the honeypot with its stylesheet; a snippet pasted into
	// another site brings its own style, as it has no stylesheet of ours.
	if v.Embed {
		m.Raw("\n<div aria-hidden=\"true\" style=\"position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden\"><label for=\"")
	} else {
		m.Raw("\n<div aria-hidden=\"true\" class=\"hp\"><label for=\"")
	}
	m.Attr(v.IDPrefix)
	m.Raw(`website">`)
	m.Text(c.Label(leadgate.LabelHoneypot))
	m.Raw(`</label><input id="`)
	m.Attr(v.IDPrefix)
	m.Raw(`website" type="text" name="website" tabindex="-1" autocomplete="off"></div>`)
}

// writeOptional marks a field a person may leave empty.
func writeOptional(m *markup.Writer, c leadgate.Catalogue, f leadgate.Field) {
	if !f.Required {
		m.Raw(` <span class="muted">`)
		m.Text(c.Label(leadgate.LabelOptional))
		m.Raw(`</span>`)
	}
}

// writeOptions writes the options of a drop-down, the chosen one selected: the
// field's own, or the countries.
func writeOptions(m *markup.Writer, f leadgate.Field, chosen string) {
	option := func(value, text string) {
		m.Raw("\n<option value=\"")
		m.Attr(value)
		m.Raw(`"`)
		if value == chosen {
			m.Raw(" selected")
		}
		m.Raw(">")
		m.Text(text)
		m.Raw("</option>")
	}
	if f.Type == leadgate.FieldCountry {
		for _, c := range leadgate.Countries {
			option(c.Code, c.Name)
		}
		return
	}
	for _, o := range f.Options {
		option(o, o)
	}
}

// writeChoiceField writes a field of boxes to tick: a group of radio buttons or
// checkboxes under a legend, or a single checkbox with the label beside it.
func writeChoiceField(m *markup.Writer, v FormView, f leadgate.Field, fieldErr string) {
	c := v.words()
	if f.Type == leadgate.FieldCheckbox {
		m.Raw("\n<label class=\"choice\" for=\"")
		m.Attr(v.IDPrefix)
		m.Attr(f.Name)
		m.Raw(`"><input id="`)
		m.Attr(v.IDPrefix)
		m.Attr(f.Name)
		m.Raw(`" type="checkbox" name="`)
		m.Attr(f.Name)
		m.Raw(`" value="` + leadgate.CheckboxValue + `"`)
		if v.Values[f.Name] == leadgate.CheckboxValue {
			m.Raw(" checked")
		}
		writeControlState(m, f, fieldErr)
		m.Raw("> <span>")
		m.Text(f.Label)
		writeOptional(m, c, f)
		m.Raw("</span></label>")
		writeFieldError(m, f, fieldErr)
		return
	}
	kind, chosen := "radio", []string{v.Values[f.Name]}
	if f.Type == leadgate.FieldCheckboxes {
		kind, chosen = "checkbox", strings.Split(v.Values[f.Name], ",")
		for i := range chosen {
			chosen[i] = strings.TrimSpace(chosen[i])
		}
	}
	// The group's id is where the error summary's link leads.
	m.Raw("\n<fieldset id=\"")
	m.Attr(v.IDPrefix)
	m.Attr(f.Name)
	m.Raw(`"`)
	if fieldErr != "" {
		m.Raw(` aria-describedby="e-`)
		m.Attr(f.Name)
		m.Raw(`"`)
	}
	if f.Required && kind == "checkbox" {
		// No checkbox of a group is required itself: say it of the group.
		m.Raw(` aria-required="true"`)
	}
	m.Raw("><legend>")
	m.Text(f.Label)
	writeOptional(m, c, f)
	m.Raw("</legend>")
	for i, o := range f.Options {
		id := v.IDPrefix + f.Name + "-" + itoa(i+1)
		m.Raw("\n<label class=\"choice\" for=\"")
		m.Attr(id)
		m.Raw(`"><input id="`)
		m.Attr(id)
		m.Raw(`" type="` + kind + `" name="`)
		m.Attr(f.Name)
		m.Raw(`" value="`)
		m.Attr(o)
		m.Raw(`"`)
		if slices.Contains(chosen, o) {
			m.Raw(" checked")
		}
		if f.Required && kind == "radio" {
			m.Raw(" required")
		}
		if fieldErr != "" {
			m.Raw(` aria-invalid="true"`)
		}
		m.Raw("> <span>")
		m.Text(o)
		m.Raw("</span></label>")
	}
	writeFieldError(m, f, fieldErr)
	m.Raw("\n</fieldset>")
}

// writeFieldError writes the message beside a field whose value was refused.
func writeFieldError(m *markup.Writer, f leadgate.Field, fieldErr string) {
	if fieldErr != "" {
		m.Raw(`<p class="error" id="e-`)
		m.Attr(f.Name)
		m.Raw(`">`)
		m.Text(fieldErr)
		m.Raw("</p>")
	}
}

// writeControlState writes the attributes of a control that say it is required and
// whether its value was refused (fieldErr, the message beside it).
func writeControlState(m *markup.Writer, f leadgate.Field, fieldErr string) {
	if f.Required {
		m.Raw(" required")
	}
	if fieldErr != "" {
		m.Raw(` aria-invalid="true" aria-describedby="e-`)
		m.Attr(f.Name)
		m.Raw(`"`)
	}
}

// writeMessagePage writes a short page that tells a person what happened, with the
// page's own content and a link onwards if it has them.
func writeMessagePage(m *markup.Writer, v MessageView) {
	writeHead(m, headView{Title: v.Title, Lang: v.Lang, Style: v.Style}, "")
	m.Raw("\n<div class=\"card\" role=\"status\">\n")
	if v.LogoURL != "" {
		m.Raw(`<img class="logo" src="`)
		m.URL(v.LogoURL)
		m.Raw("\" alt=\"\">\n")
	}
	m.Raw("<h1>")
	m.Text(v.Title)
	m.Raw("</h1>\n<p>")
	m.Text(v.Message)
	m.Raw("</p>\n")
	switch {
	case v.LinkURL != "" && v.LinkPost:
		m.Raw(`<form method="post" action="`)
		m.URL(v.LinkURL)
		m.Raw(`"><button type="submit" class="button">`)
		m.Text(v.LinkText)
		m.Raw("</button></form>")
	case v.LinkURL != "":
		m.Raw(`<a class="button" href="`)
		m.URL(v.LinkURL)
		m.Raw(`">`)
		m.Text(v.LinkText)
		m.Raw("</a>")
	}
	if v.ContentHTML != "" {
		m.Raw("\n<div class=\"rich\">")
		m.Raw(v.ContentHTML) // sanitised when the page was saved, or escaped (storedHTML)
		m.Raw("</div>")
	}
	m.Raw("\n</div>\n")
	writeFoot(m)
}

// writeActionPage writes a page whose button POSTs to v.Action.
func writeActionPage(m *markup.Writer, v ActionView) {
	writeHead(m, headView{Title: v.Title, Lang: v.Lang}, "")
	if v.Status {
		m.Raw("\n<div class=\"card\" role=\"status\">\n<h1>")
	} else {
		m.Raw("\n<div class=\"card\">\n<h1>")
	}
	m.Text(v.Title)
	m.Raw("</h1>\n<p>")
	m.Text(v.Message)
	m.Raw("</p>\n<form method=\"post\" action=\"")
	m.URL(v.Action)
	m.Raw("\">\n<button type=\"submit\">")
	m.Text(v.Button)
	m.Raw("</button>\n</form>\n")
	if v.Note != "" {
		m.Raw(`<p class="muted">`)
		m.Text(v.Note)
		m.Raw("</p>")
	}
	m.Raw("\n</div>\n")
	writeFoot(m)
}

// writeEmbedForm writes the form of the embed snippet: the fields of writeFields
// in a plain form that posts to v.Action.
func writeEmbedForm(m *markup.Writer, v FormView) {
	m.Raw(`<form method="post" action="`)
	m.URL(v.Action)
	m.Raw(`">`)
	writeFields(m, v)
	m.Raw("\n<button type=\"submit\">")
	m.Text(buttonText(v.Page, v.words()))
	m.Raw("</button>\n</form>\n")
}

// buttonText is the form's button: the page's own words, or its locale's.
func buttonText(p leadgate.Page, c leadgate.Catalogue) string {
	if p.ButtonText != "" {
		return p.ButtonText
	}
	return c.Label(leadgate.LabelSubmit)
}
