package leadgate

import (
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// OptIn says whether a lead gets the magnet at once (single) or after confirming the
// address from an email (double).
type OptIn string

const (
	OptInSingle OptIn = "single"
	OptInDouble OptIn = "double"
)

// FieldType is the kind of a form field; it decides the checks and the HTML input.
type FieldType string

const (
	FieldText     FieldType = "text"
	FieldEmail    FieldType = "email"
	FieldTel      FieldType = "tel"
	FieldTextarea FieldType = "textarea"
)

// Names of the form fields the capture route gives a meaning of its own. A page may not
// declare a field with one of these names.
const (
	FieldNameEmail     = "email"
	FieldNameHoneypot  = "website"    // hidden from people; bots fill it in
	FieldNameFormToken = "form_token" // signed render time of the form
	FieldNameConsent   = "consent"    // the marketing consent checkbox
)

// Standard lead fields: values of these names fill the lead's own columns; any other
// declared field is kept among the lead's custom fields.
const (
	FieldNameName     = "name"
	FieldNameCompany  = "company"
	FieldNameJobTitle = "job_title"
	FieldNamePhone    = "phone"
)

// Field is one visible field of a page's form.
type Field struct {
	Name      string    `json:"name"`
	Label     string    `json:"label"`
	Type      FieldType `json:"type"`
	Required  bool      `json:"required"`
	MaxLength int       `json:"max_length,omitempty"` // 0: the type's default
	// Options are the choices of a select, radio or checkboxes field: each is both
	// the value kept and the text shown.
	Options []string `json:"options,omitempty"`
	// Min and Max bound a number field; nil: no bound.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Value is a hidden field's constant: kept with every lead, whatever is posted.
	Value string `json:"value,omitempty"`
}

// Limits of field values, by type, when a page does not set a smaller one.
const (
	MaxEmailLength       = 254 // RFC 5321 path limit less the angle brackets
	maxEmailLocalLength  = 64
	DefaultTextLength    = 200
	DefaultTelLength     = 40
	DefaultTextareaLimit = 2000
	MaxFieldLength       = 5000
)

// Limit returns the maximum length in characters of the field's value.
func (f Field) Limit() int {
	if n, ok := choiceLimit(f); ok {
		return n
	}
	def := DefaultTextLength
	switch f.Type {
	case FieldEmail:
		def = MaxEmailLength
	case FieldTel:
		def = DefaultTelLength
	case FieldTextarea:
		def = DefaultTextareaLimit
	}
	if f.MaxLength > 0 && f.MaxLength < def {
		return f.MaxLength
	}
	if f.MaxLength > def && f.Type == FieldTextarea && f.MaxLength <= MaxFieldLength {
		return f.MaxLength
	}
	return def
}

// Page is a landing page that gates one magnet behind a form.
type Page struct {
	Slug  string `json:"slug"`
	Title string `json:"title"`
	// Description and ThankYouContent are Markdown, shown as sanitised HTML on the
	// hosted page and its thank-you page: raw HTML never passes.
	Description     string `json:"description,omitempty"`
	ThankYouContent string `json:"thank_you_content,omitempty"`
	// DescriptionHTML and ThankYouHTML are those texts rendered to sanitised HTML
	// when the page is saved (admin.Service.RenderTexts), so that the hosted page
	// writes them as they are and its function links no Markdown renderer or
	// sanitiser. They are derived, never settings: the admin service overwrites
	// whatever a client sends, and a page file leaves them out. A page stored
	// before they existed has neither (see httpapi's storedHTML).
	DescriptionHTML string  `json:"description_html,omitempty"`
	ThankYouHTML    string  `json:"thank_you_html,omitempty"`
	MagnetID        string  `json:"magnet_id"`
	Fields          []Field `json:"fields"`
	// CoverImageURL is the image the hosted page shows above its form (the magnet's
	// cover, say), with the title as its alt text: an https URL or an absolute path;
	// empty: no image.
	CoverImageURL string `json:"cover_image_url,omitempty"`
	// Look is the page's brand: logo, colours and layout.
	Look Look `json:"look,omitzero"`
	// Locale is the language of the page's built-in words: en (the default), de,
	// fr or es.
	Locale string `json:"locale,omitempty"`
	// PrivacyURL is the page's privacy policy, linked below its form; required when
	// the page asks for consent.
	PrivacyURL string `json:"privacy_url,omitempty"`
	// Captcha is the challenge the form carries, verified on the server; empty: none.
	Captcha Captcha `json:"captcha,omitzero"`
	// HiddenFields lists the attribution fields (AttributionFields) this page accepts;
	// any other hidden value is ignored.
	HiddenFields []string `json:"hidden_fields"`
	// ConsentText is the marketing consent the form asks for; empty: the page does not
	// ask, and its leads get no marketing follow-ups.
	ConsentText    string   `json:"consent_text,omitempty"`
	ConsentVersion string   `json:"consent_version,omitempty"`
	OptIn          OptIn    `json:"opt_in"`
	ThankYouURL    string   `json:"thank_you_url"`
	ErrorURL       string   `json:"error_url,omitempty"`
	AllowedOrigins []string `json:"allowed_origins,omitempty"`
	// UntimedFormsAllowed accepts posts without a form token, for static forms on the
	// marketer's own site that cannot carry a signed render time. The honeypot and the
	// rate limits still apply.
	UntimedFormsAllowed bool `json:"untimed_forms_allowed,omitempty"`
	// DownloadLinkDays is how long a lead's download link works; 0 means
	// DefaultDownloadLinkDays. Each click still gets a URL that lives minutes.
	DownloadLinkDays int `json:"download_link_days,omitempty"`
	// FormURL is where a person finds the form again, offered when a link has
	// expired; empty: the expired-link page says to submit the form again.
	FormURL string `json:"form_url,omitempty"`
	// FollowUp is the emails the page sends: delivery or confirmation, the reminder,
	// and the nurture sequence.
	FollowUp FollowUp `json:"follow_up,omitzero"`
	// Scoring is how the page scores its leads; empty: DefaultScoringRules.
	Scoring ScoringRules `json:"scoring,omitzero"`
	// Alerts tells people of the page's new leads by email (alerts.go).
	Alerts LeadAlerts `json:"alerts,omitzero"`
	// ButtonText is the form's button; empty: the locale's default.
	ButtonText string `json:"button_text,omitempty"`
	// Variants are the challengers of the page's A/B test (variants.go), the page
	// itself being the control with ControlWeight (0: the default weight).
	Variants      []Variant `json:"variants,omitempty"`
	ControlWeight int       `json:"control_weight,omitempty"`
	// VariantsSince is when the running test started and VariantHistory the tests
	// that ended, oldest first: both kept by the admin service, never settings.
	VariantsSince  time.Time     `json:"variants_since,omitzero"`
	VariantHistory []VariantTest `json:"variant_history,omitempty"`
	// Draft keeps the page from visitors: its hosted page and capture route answer
	// as for no such page, while its leads and counts stay. The zero value is
	// published, so pages stored and files written before drafts existed stay live.
	Draft     bool      `json:"draft,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DefaultDownloadLinkDays is how long download links work unless a page says.
const DefaultDownloadLinkDays = 30

// DownloadLinkTTL is how long a download link of this page works.
func (p Page) DownloadLinkTTL() time.Duration {
	days := p.DownloadLinkDays
	if days <= 0 {
		days = DefaultDownloadLinkDays
	}
	return time.Duration(days) * 24 * time.Hour
}

// AsksConsent reports whether the page's form carries the marketing consent checkbox.
func (p Page) AsksConsent() bool { return p.ConsentText != "" }

// Field returns the declared field of that name.
func (p Page) Field(name string) (Field, bool) {
	for _, f := range p.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// AcceptsHidden reports whether the page accepts the hidden attribution field name.
func (p Page) AcceptsHidden(name string) bool { return slices.Contains(p.HiddenFields, name) }

// AllowsOrigin reports whether a browser on origin may post to this page's form.
func (p Page) AllowsOrigin(origin string) bool { return slices.Contains(p.AllowedOrigins, origin) }

// Validate checks a page configuration and lists every problem found.
func (p Page) Validate() error {
	var errs []FieldError
	add := func(field, code, msg string) { errs = append(errs, FieldError{Field: field, Code: code, Message: msg}) }
	if !ValidSlug(p.Slug) {
		add("slug", "invalid", "use 1 to 64 lower-case letters, digits and inner hyphens")
	}
	if strings.TrimSpace(p.Title) == "" {
		add("title", "required", "a page needs a title")
	}
	// Texts of one line (the title, the labels, the consent) hold no line break
	// and no character no one sees: the hosted page shows them on one line, and
	// the title heads the subjects of the page's lead alerts too.
	if fe := checkPageText("title", p.Title, 0, false); fe != nil {
		errs = append(errs, *fe)
	}
	if !ValidSlug(p.MagnetID) {
		add("magnet_id", "invalid", "name the magnet this page gates")
	}
	seen := map[string]bool{}
	hasEmail := false
	for i, f := range p.Fields {
		if fe := checkPageText("fields["+strconv.Itoa(i)+"].label", f.Label, 0, false); fe != nil {
			errs = append(errs, *fe)
		}
		switch {
		case !validFieldName(f.Name):
			add("fields", "invalid", "field names are 1 to 40 lower-case letters, digits and underscores: "+f.Name)
		case seen[f.Name]:
			add("fields", "duplicate", "field declared twice: "+f.Name)
		case f.Name == FieldNameHoneypot || f.Name == FieldNameFormToken || f.Name == FieldNameConsent || slices.Contains(AttributionFields, f.Name):
			add("fields", "reserved", "field name is reserved: "+f.Name)
		}
		seen[f.Name] = true
		if slices.Contains(FieldTypes, f.Type) {
			errs = append(errs, validateField(f)...)
		} else {
			add("fields", "invalid", "unknown field type for "+f.Name)
		}
		if f.Name == FieldNameEmail {
			hasEmail = true
			if f.Type != FieldEmail || !f.Required {
				add("fields", "invalid", "the email field must be of type email and required")
			}
		}
		if f.MaxLength < 0 || f.MaxLength > MaxFieldLength {
			add("fields", "invalid", "max_length out of range for "+f.Name)
		}
	}
	if !hasEmail {
		add("fields", "required", "every page needs an email field")
	}
	for _, h := range p.HiddenFields {
		if !slices.Contains(AttributionFields, h) {
			add("hidden_fields", "invalid", "not an attribution field: "+h)
		}
	}
	if p.ConsentText != "" && strings.TrimSpace(p.ConsentVersion) == "" {
		add("consent_version", "required", "version the consent text so each lead's record says what they agreed to")
	}
	for _, t := range []struct{ field, text string }{{"consent_text", p.ConsentText}, {"consent_version", p.ConsentVersion}} {
		if fe := checkPageText(t.field, t.text, 0, false); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if p.OptIn != OptInSingle && p.OptIn != OptInDouble {
		add("opt_in", "invalid", "opt_in is single or double")
	}
	if !validRedirect(p.ThankYouURL) {
		add("thank_you_url", "invalid", "an http(s) URL or an absolute path")
	}
	if p.DownloadLinkDays < 0 || p.DownloadLinkDays > 3650 {
		add("download_link_days", "invalid", "between 1 and 3650 days, or 0 for the default of 30")
	}
	if p.FormURL != "" && !validRedirect(p.FormURL) {
		add("form_url", "invalid", "an http(s) URL or an absolute path")
	}
	if p.CoverImageURL != "" && !validImage(p.CoverImageURL) {
		add("cover_image_url", "invalid", "an https URL or an absolute path")
	}
	if p.ErrorURL != "" && !validRedirect(p.ErrorURL) {
		add("error_url", "invalid", "an http(s) URL or an absolute path")
	}
	for _, o := range p.AllowedOrigins {
		if !validOrigin(o) {
			add("allowed_origins", "invalid", "an origin is scheme://host[:port] with no path: "+o)
		}
	}
	errs = append(errs, p.validateLook()...)
	errs = append(errs, p.FollowUp.validate()...)
	errs = append(errs, p.Alerts.validate()...)
	errs = append(errs, p.Scoring.validate()...)
	errs = append(errs, p.validateVariants()...)
	if len(errs) > 0 {
		return &Error{Code: EINVALID, Message: "the page configuration is not valid", Fields: errs}
	}
	return nil
}

func validRedirect(s string) bool {
	// Browsers drop tabs and line breaks from URLs, so "/\t/evil.example" would
	// become "//evil.example": refuse every control character and space.
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }) {
		return false
	}
	if strings.HasPrefix(s, "/") {
		return !strings.HasPrefix(s, "//")
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// validImage accepts what a page may show as its cover: an absolute path or an https
// URL, never a script or a data URL.
func validImage(s string) bool {
	if strings.HasPrefix(s, "/") {
		return validRedirect(s)
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil && !strings.ContainsAny(s, "\\\r\n ")
}

func validOrigin(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		u.Path == "" && u.RawQuery == "" && u.Fragment == "" && u.User == nil
}

// Magnet is a gated file: an ebook, a whitepaper, a checklist...
type Magnet struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Kind        string `json:"kind"`
	ObjectKey   string `json:"object_key"`
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	// Size and UploadedAt describe the file as the bucket confirmed it after an
	// upload from the console (admin.FinishUpload); zero: not confirmed, such as a
	// file put with leadctl. A client never sets them.
	Size       int64     `json:"size,omitempty"`
	UploadedAt time.Time `json:"uploaded_at,omitzero"`
	CreatedAt  time.Time `json:"created_at"`
	// Delivery is how the magnet reaches a lead (delivery.go); empty: a file.
	Delivery Delivery     `json:"delivery,omitempty"`
	Bundle   []MagnetFile `json:"bundle,omitempty"`   // a bundle's files
	LinkURL  string       `json:"link_url,omitempty"` // a link's target
	// A trial's signup URL, and whether it carries the address or a signed token
	// of it (TrialEmail, TrialSigned), in the query parameter TrialParam.
	TrialURL   string `json:"trial_url,omitempty"`
	TrialMode  string `json:"trial_mode,omitempty"`
	TrialParam string `json:"trial_param,omitempty"`
	// A coupon pool's alert: an email to CouponAlertTo when fewer than
	// CouponAlertBelow codes are left (0: no alert).
	CouponAlertBelow int    `json:"coupon_alert_below,omitempty"`
	CouponAlertTo    string `json:"coupon_alert_to,omitempty"`
}

// MagnetKeyPrefix is where magnet files live in the bucket: the functions' roles may
// read and write nothing else.
const MagnetKeyPrefix = "magnets/"

// MagnetObjectKey is where the file of magnet id is kept: magnets/<id><ext>, the
// extension taken from fileName when it is a plain one.
func MagnetObjectKey(id, fileName string) string {
	ext := strings.ToLower(path.Ext(fileName))
	if !plainExtension(ext) {
		ext = ""
	}
	return MagnetKeyPrefix + id + ext
}

// Validate checks a magnet's description; its file must live under MagnetKeyPrefix.
func (m Magnet) Validate() error {
	var errs []FieldError
	if !ValidSlug(m.ID) {
		errs = append(errs, FieldError{Field: "id", Code: "invalid", Message: "use lower-case letters, digits and inner hyphens"})
	}
	if strings.TrimSpace(m.Title) == "" {
		errs = append(errs, FieldError{Field: "title", Code: "required", Message: "a magnet needs a title"})
	}
	if m.HasFile() {
		if fe := CheckObjectKey(m.ObjectKey); fe != nil {
			errs = append(errs, FieldError{Field: "object_key", Code: fe.Code, Message: fe.Message})
		} else if !strings.HasPrefix(m.ObjectKey, MagnetKeyPrefix) {
			errs = append(errs, FieldError{Field: "object_key", Code: "invalid", Message: "magnet files live under " + MagnetKeyPrefix})
		}
		if _, fe := Attachment(m.FileName); fe != nil {
			errs = append(errs, *fe)
		}
		if fe := checkContentType(m.ContentType); fe != nil {
			errs = append(errs, *fe)
		}
	}
	errs = append(errs, m.validateDelivery()...)
	if len(errs) > 0 {
		return &Error{Code: EINVALID, Message: "the magnet is not valid", Fields: errs}
	}
	return nil
}
