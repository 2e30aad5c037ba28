package leadgate

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The field types beyond free text: each is checked on the server against the page's
// definition (Field.CheckChoice), whatever the browser let the person type.
const (
	FieldSelect     FieldType = "select"     // one of Options, from a drop-down
	FieldRadio      FieldType = "radio"      // one of Options, as radio buttons
	FieldCheckbox   FieldType = "checkbox"   // a single box; ticked sends CheckboxValue
	FieldCheckboxes FieldType = "checkboxes" // any of Options; kept as "a, b"
	FieldNumber     FieldType = "number"     // a decimal number within Min and Max
	FieldCountry    FieldType = "country"    // an ISO 3166-1 alpha-2 code
	FieldURL        FieldType = "url"        // an http(s) address
	FieldHidden     FieldType = "hidden"     // the constant Value, whatever is posted
)

// FieldTypes lists every field type a page may declare, in the order an editor
// offers them.
var FieldTypes = []FieldType{FieldText, FieldEmail, FieldTel, FieldTextarea, FieldSelect, FieldRadio,
	FieldCheckbox, FieldCheckboxes, FieldNumber, FieldCountry, FieldURL, FieldHidden}

// CheckboxValue is what a ticked single checkbox field sends and keeps.
const CheckboxValue = "yes"

// OptionSeparator joins the ticked options of a checkboxes field into one value.
const OptionSeparator = ", "

// Limits of the choices a field offers.
const (
	MaxOptions      = 50
	MaxOptionLength = 100
	maxURLLength    = 2000
	maxNumberLength = 40
)

// Country is one country a country field offers.
type Country struct{ Code, Name string }

// ValidCountry reports whether code is an ISO 3166-1 alpha-2 code of Countries.
func ValidCountry(code string) bool {
	_, ok := slices.BinarySearchFunc(Countries, code, func(c Country, code string) int { return strings.Compare(c.Code, code) })
	return ok
}

// hasOptions reports whether a field of type t offers a list of Options.
func hasOptions(t FieldType) bool {
	return t == FieldSelect || t == FieldRadio || t == FieldCheckboxes
}

// choiceLimit is the longest value of the field types that are not free text.
func choiceLimit(f Field) (int, bool) {
	switch f.Type {
	case FieldSelect, FieldRadio, FieldCheckbox, FieldCountry, FieldHidden:
		// A wrong choice is refused as such, not as too long: the limit only
		// bounds what is read.
		return MaxOptionLength, true
	case FieldCheckboxes:
		return MaxOptions * (MaxOptionLength + len(OptionSeparator)), true
	case FieldNumber:
		return maxNumberLength, true
	case FieldURL:
		return maxURLLength, true
	}
	return 0, false
}

// CheckChoice checks a non-empty value of the field types that are not free text
// against the page's definition of the field; free text passes.
func (f Field) CheckChoice(v string) *FieldError {
	bad := func(msg string) *FieldError { return &FieldError{Field: f.Name, Code: "invalid", Message: msg} }
	switch f.Type {
	case FieldSelect, FieldRadio:
		if !slices.Contains(f.Options, v) {
			return bad("choose one of the options")
		}
	case FieldCheckboxes:
		seen := map[string]bool{}
		for o := range strings.SplitSeq(v, ",") {
			o = strings.TrimSpace(o)
			if !slices.Contains(f.Options, o) || seen[o] {
				return bad("tick only the options offered")
			}
			seen[o] = true
		}
	case FieldCheckbox:
		if v != CheckboxValue {
			return bad("tick the box, or leave it empty")
		}
	case FieldNumber:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
			return bad("enter a number")
		}
		if (f.Min != nil && n < *f.Min) || (f.Max != nil && n > *f.Max) {
			return bad("enter a number " + f.rangeText())
		}
	case FieldCountry:
		if !ValidCountry(v) {
			return bad("choose a country")
		}
	case FieldURL:
		if !validWebAddress(v) {
			return bad("enter a web address starting with https://")
		}
	}
	return nil
}

// rangeText says which numbers a number field accepts, as "between 1 and 10".
func (f Field) rangeText() string {
	num := func(p *float64) string { return strconv.FormatFloat(*p, 'f', -1, 64) }
	switch {
	case f.Min != nil && f.Max != nil:
		return "between " + num(f.Min) + " and " + num(f.Max)
	case f.Min != nil:
		return "of at least " + num(f.Min)
	case f.Max != nil:
		return "of at most " + num(f.Max)
	}
	return ""
}

func validWebAddress(s string) bool {
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}

// validateField lists the problems of one field's type-specific settings.
func validateField(f Field) []FieldError {
	var errs []FieldError
	add := func(msg string) {
		errs = append(errs, FieldError{Field: "fields", Code: "invalid", Message: msg + ": " + f.Name})
	}
	if hasOptions(f.Type) {
		switch {
		case len(f.Options) == 0:
			add("a " + string(f.Type) + " field needs options")
		case len(f.Options) > MaxOptions:
			add("at most 50 options")
		}
		seen := map[string]bool{}
		for _, o := range f.Options {
			// The comma joins the ticked options of a checkboxes field.
			if strings.TrimSpace(o) != o || o == "" || len([]rune(o)) > MaxOptionLength || strings.Contains(o, ",") ||
				CheckText("fields", o, MaxOptionLength, false) != nil {
				add("options are 1 to 100 characters, without commas or spaces around them")
				break
			}
			if seen[o] {
				add("option listed twice")
				break
			}
			seen[o] = true
		}
	} else if len(f.Options) > 0 {
		add("only select, radio and checkboxes fields have options")
	}
	if f.Type == FieldNumber {
		for _, p := range []*float64{f.Min, f.Max} {
			if p != nil && (math.IsInf(*p, 0) || math.IsNaN(*p)) {
				add("min and max are numbers")
			}
		}
		if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
			add("min is larger than max")
		}
	} else if f.Min != nil || f.Max != nil {
		add("only number fields have min and max")
	}
	if f.Type == FieldHidden {
		if f.Value == "" || CheckText("fields", f.Value, MaxOptionLength, false) != nil {
			add("a hidden field has a value of 1 to 100 characters")
		}
		if f.Required {
			add("a hidden field cannot be required")
		}
	} else if f.Value != "" {
		add("only hidden fields have a value")
	}
	return errs
}

// Locales are the languages a hosted page speaks: its built-in words (labels,
// errors, notices) come from the catalogue of its Locale.
var Locales = []string{"en", "de", "fr", "es"}

// Layout is how the hosted page places its cover beside its form.
type Layout string

const (
	LayoutCard  Layout = "card"  // one card: cover above the title and form
	LayoutSplit Layout = "split" // the cover beside the form on wide screens
)

// Look is how a hosted page looks: the marketer's brand on the shared design.
type Look struct {
	// LogoURL is shown above the title and used as the page's icon: an https URL or
	// an absolute path.
	LogoURL string `json:"logo_url,omitempty"`
	// AccentColor colours the button and links (#rrggbb): white text on it must keep
	// a contrast of 4.5:1, so a person with low vision can read the button.
	AccentColor string `json:"accent_color,omitempty"`
	// BackgroundColor is the page behind its card (#rrggbb).
	BackgroundColor string `json:"background_color,omitempty"`
	Layout          Layout `json:"layout,omitempty"` // empty: card
}

// Captcha is the challenge a page's form carries; the provider's site key is
// public, its secret is the deployment's configuration.
type Captcha struct {
	Provider CaptchaProvider `json:"provider,omitempty"` // empty: no captcha
	SiteKey  string          `json:"site_key,omitempty"`
}

// CaptchaProvider names a captcha service.
type CaptchaProvider string

const (
	CaptchaTurnstile CaptchaProvider = "turnstile" // Cloudflare Turnstile
	CaptchaHCaptcha  CaptchaProvider = "hcaptcha"
)

// Limits of a page's rich content.
const MaxMarkdownLength = 5000

// PageLocale is the page's locale, en when it sets none.
func (p Page) PageLocale() string {
	if p.Locale == "" {
		return "en"
	}
	return p.Locale
}

// validateLook lists the problems of a page's look, content, locale and captcha.
func (p Page) validateLook() []FieldError {
	var errs []FieldError
	add := func(field, msg string) { errs = append(errs, FieldError{Field: field, Code: "invalid", Message: msg}) }
	if p.Locale != "" && !slices.Contains(Locales, p.Locale) {
		add("locale", "one of en, de, fr, es")
	}
	if p.Look.LogoURL != "" && !validImage(p.Look.LogoURL) {
		add("look.logo_url", "an https URL or an absolute path")
	}
	if c := p.Look.AccentColor; c != "" {
		if !ValidColor(c) {
			add("look.accent_color", "a colour written #rrggbb")
		} else if ContrastRatio(c, "#ffffff") < 4.5 {
			add("look.accent_color", "too light: white text on it must reach a contrast of 4.5:1; choose a darker colour")
		}
	}
	if c := p.Look.BackgroundColor; c != "" && !ValidColor(c) {
		add("look.background_color", "a colour written #rrggbb")
	}
	if l := p.Look.Layout; l != "" && l != LayoutCard && l != LayoutSplit {
		add("look.layout", "card or split")
	}
	if p.Look.Layout == LayoutSplit && p.CoverImageURL == "" {
		add("look.layout", "the split layout shows the cover beside the form: set cover_image_url")
	}
	for _, c := range []struct{ field, text string }{{"description", p.Description}, {"thank_you_content", p.ThankYouContent}} {
		if fe := checkPageText(c.field, c.text, MaxMarkdownLength, true); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if p.PrivacyURL != "" && !validRedirect(p.PrivacyURL) {
		add("privacy_url", "an http(s) URL or an absolute path")
	}
	if p.AsksConsent() && p.PrivacyURL == "" {
		errs = append(errs, FieldError{Field: "privacy_url", Code: "required", Message: "a page that asks for consent links to its privacy policy"})
	}
	switch p.Captcha.Provider {
	case "":
		if p.Captcha.SiteKey != "" {
			add("captcha.provider", "name the provider of the site key: turnstile or hcaptcha")
		}
	case CaptchaTurnstile, CaptchaHCaptcha:
		if !validSiteKey(p.Captcha.SiteKey) {
			add("captcha.site_key", "the provider's site key: 1 to 100 letters, digits, - and _")
		}
	default:
		add("captcha.provider", "turnstile or hcaptcha")
	}
	return errs
}

func validSiteKey(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// ValidColor reports whether s is a colour written #rrggbb.
func ValidColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	_, err := strconv.ParseUint(s[1:], 16, 32)
	return err == nil
}

// ContrastRatio is the WCAG 2 contrast ratio of two #rrggbb colours, 1 to 21.
func ContrastRatio(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(c string) float64 {
	v, _ := strconv.ParseUint(strings.TrimPrefix(c, "#"), 16, 32)
	ch := func(shift uint) float64 {
		s := float64((v>>shift)&0xff) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(16) + 0.7152*ch(8) + 0.0722*ch(0)
}
