package leadgate

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// A/B tests of a page: the page itself is the control arm, and its Variants are
// the challengers, each shown to a stable share of the visitors (AssignArm). Views,
// leads, confirmations and downloads are counted per arm (SourceDayCounts.Variant)
// while a test runs; a lead's submission records the arm it converted on.

// ControlArm names the page itself among the arms of a test.
const ControlArm = "control"

// Limits of a test.
const (
	MaxVariants      = 3    // challengers, so 2 to 4 arms with the control
	DefaultArmWeight = 100  // an arm's weight when none is set: an equal split
	MaxArmWeight     = 1000 // weights are relative shares
	MaxButtonText    = 60
	maxArmIDLength   = 20
)

// Variant is one challenger of the page: what it changes, and its share of the
// traffic. An empty override keeps the page's own value.
type Variant struct {
	// ID is short and stable: b, c, d or a slug of 1 to 20 lower-case letters,
	// digits and hyphens; never "control".
	ID string `json:"id"`
	// Weight is the arm's relative share of the visitors, 1 to 1000; 0: the
	// default, 100.
	Weight      int    `json:"weight,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"` // Markdown, as the page's
	// DescriptionHTML is Description rendered when the page is saved, as the
	// page's own DescriptionHTML is: derived, never a setting.
	DescriptionHTML string `json:"description_html,omitempty"`
	CoverImageURL   string `json:"cover_image_url,omitempty"`
	ButtonText      string `json:"button_text,omitempty"`
	Layout          Layout `json:"layout,omitempty"`
	// Fields, when set, are the names of the page's fields this variant asks,
	// shown in the page's order: a required field left out is not asked here.
	// It must keep the email field.
	Fields []string `json:"fields,omitempty"`
}

// ArmCounts are one arm's counters over a whole test.
type ArmCounts struct {
	Arm           string `json:"arm"`
	Views         int    `json:"views"`
	Leads         int    `json:"leads"`
	Confirmations int    `json:"confirmations"`
	Downloads     int    `json:"downloads"`
}

// Conversion is leads per view; 0 without views.
func (c ArmCounts) Conversion() float64 {
	if c.Views <= 0 {
		return 0
	}
	return float64(c.Leads) / float64(c.Views)
}

// VariantTest is a test that ended: when it ran, each arm's counts at its end,
// and the arm promoted ("" when the test was ended without a winner).
type VariantTest struct {
	Started time.Time   `json:"started"`
	Ended   time.Time   `json:"ended"`
	Winner  string      `json:"winner,omitempty"`
	Arms    []ArmCounts `json:"arms"`
}

// HasVariants reports whether the page runs a test.
func (p Page) HasVariants() bool { return len(p.Variants) > 0 }

// Arms returns the ids of the test's arms, the control first; nil without a test.
func (p Page) Arms() []string {
	if !p.HasVariants() {
		return nil
	}
	arms := []string{ControlArm}
	for _, v := range p.Variants {
		arms = append(arms, v.ID)
	}
	return arms
}

// ArmWeight is the weight of the arm (0 for no such arm).
func (p Page) ArmWeight(arm string) int {
	w := -1
	if arm == ControlArm {
		w = p.ControlWeight
	} else if v, ok := p.Variant(arm); ok {
		w = v.Weight
	}
	switch {
	case w < 0:
		return 0
	case w == 0:
		return DefaultArmWeight
	}
	return w
}

// Variant returns the challenger with that id.
func (p Page) Variant(id string) (Variant, bool) {
	for _, v := range p.Variants {
		if v.ID == id {
			return v, true
		}
	}
	return Variant{}, false
}

// HasArm reports whether arm is one of the test's arms.
func (p Page) HasArm(arm string) bool { return slices.Contains(p.Arms(), arm) }

// WithArm returns the page as the arm shows it: the variant's overrides on the
// page. The control, "" and an arm the page does not have give the page itself.
func (p Page) WithArm(arm string) Page {
	v, ok := p.Variant(arm)
	if !ok {
		return p
	}
	if v.Title != "" {
		p.Title = v.Title
	}
	if v.Description != "" || v.DescriptionHTML != "" {
		p.Description, p.DescriptionHTML = v.Description, v.DescriptionHTML
	}
	if v.CoverImageURL != "" {
		p.CoverImageURL = v.CoverImageURL
	}
	if v.ButtonText != "" {
		p.ButtonText = v.ButtonText
	}
	if v.Layout != "" {
		p.Look.Layout = v.Layout
	}
	if len(v.Fields) > 0 {
		fields := make([]Field, 0, len(v.Fields))
		for _, f := range p.Fields {
			if slices.Contains(v.Fields, f.Name) {
				fields = append(fields, f)
			}
		}
		p.Fields = fields
	}
	return p
}

// Promote returns the page with the variant's overrides made its own, the test
// ended (no variants left), and the history entry of the test appended; the
// counts are those of the test's arms at its end. ENOTFOUND for no such variant.
func (p Page) Promote(arm string, counts []ArmCounts, at time.Time) (Page, error) {
	if _, ok := p.Variant(arm); !ok && arm != ControlArm {
		return p, Errorf(ENOTFOUND, "the page has no variant %s", arm)
	}
	won := p.WithArm(arm)
	won.EndTest(arm, counts, at)
	return won, nil
}

// EndTest ends the page's test at at, if it runs one: the variants go and an entry
// with the arms' counts and the winner ("" for none) joins the history.
func (p *Page) EndTest(winner string, counts []ArmCounts, at time.Time) {
	if !p.HasVariants() {
		return
	}
	arms := make([]ArmCounts, 0, len(p.Variants)+1)
	for _, a := range p.Arms() {
		c := ArmCounts{Arm: a}
		for _, got := range counts {
			if got.Arm == a {
				c = got
			}
		}
		arms = append(arms, c)
	}
	p.VariantHistory = append(slices.Clip(p.VariantHistory), VariantTest{Started: p.VariantsSince, Ended: at, Winner: winner, Arms: arms})
	p.Variants, p.ControlWeight, p.VariantsSince = nil, 0, time.Time{}
}

// ValidArmID reports whether id may name a variant: 1 to 20 lower-case letters,
// digits and hyphens, and not the control's name.
func ValidArmID(id string) bool {
	if id == "" || len(id) > maxArmIDLength || id == ControlArm {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validateVariants lists the problems of the page's test. Each error names the
// variant's attribute: variants.<id>.<attribute>.
func (p Page) validateVariants() []FieldError {
	var errs []FieldError
	add := func(field, msg string) { errs = append(errs, FieldError{Field: field, Code: "invalid", Message: msg}) }
	if p.ControlWeight < 0 || p.ControlWeight > MaxArmWeight {
		add("control_weight", "a relative weight from 1 to 1000, or 0 for the default of 100")
	}
	if bt := p.ButtonText; bt != "" {
		if fe := checkPageText("button_text", bt, MaxButtonText, false); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if len(p.Variants) > MaxVariants {
		add("variants", "at most 3 variants besides the page itself")
	}
	seen := map[string]bool{}
	for i, v := range p.Variants {
		at := "variants." + v.ID + "."
		if !ValidArmID(v.ID) {
			at = "variants." + strconv.Itoa(i) + "."
			add(at+"id", "1 to 20 lower-case letters, digits and hyphens, not control")
		} else if seen[v.ID] {
			add(at+"id", "two variants are named "+v.ID)
		}
		seen[v.ID] = true
		if v.Weight < 0 || v.Weight > MaxArmWeight {
			add(at+"weight", "a relative weight from 1 to 1000, or 0 for the default of 100")
		}
		if v.Title != "" && strings.TrimSpace(v.Title) == "" {
			add(at+"title", "a title, or none to keep the page's")
		} else if fe := checkPageText(at+"title", v.Title, 0, false); fe != nil {
			errs = append(errs, *fe)
		}
		if fe := checkPageText(at+"description", v.Description, MaxMarkdownLength, true); fe != nil {
			errs = append(errs, *fe)
		}
		if v.CoverImageURL != "" && !validImage(v.CoverImageURL) {
			add(at+"cover_image_url", "an https URL or an absolute path")
		}
		if v.ButtonText != "" {
			if fe := checkPageText(at+"button_text", v.ButtonText, MaxButtonText, false); fe != nil {
				errs = append(errs, *fe)
			}
		}
		switch v.Layout {
		case "", LayoutCard:
		case LayoutSplit:
			if v.CoverImageURL == "" && p.CoverImageURL == "" {
				add(at+"layout", "the split layout shows the cover beside the form: set a cover")
			}
		default:
			add(at+"layout", "card or split")
		}
		if len(v.Fields) > 0 {
			names := map[string]bool{}
			for _, name := range v.Fields {
				if _, ok := p.Field(name); !ok {
					add(at+"fields", "not a field of the page: "+name)
				} else if names[name] {
					add(at+"fields", "field named twice: "+name)
				}
				names[name] = true
			}
			if !names[FieldNameEmail] {
				add(at+"fields", "every variant asks for the email")
			}
		}
	}
	return errs
}

// AssignArm is the arm of the page's test that the visitor sees: a pick weighted by
// the arms' weights from a hash of the page and the visitor's id, so the same id
// always gets the same arm. It is rendezvous hashing (each arm scores
// -weight/ln(u), u uniform from the hash of page, visitor and arm; the highest
// wins): a change of one arm's weight moves only visitors to or from that arm,
// and adding or removing an arm only those it takes or leaves. "" for a page
// without a test.
func (p Page) AssignArm(visitor string) string {
	best, bestScore := "", math.Inf(-1)
	for _, arm := range p.Arms() {
		w := float64(p.ArmWeight(arm))
		if w <= 0 {
			continue
		}
		h := sha256.Sum256([]byte(p.Slug + "\x00" + visitor + "\x00" + arm))
		// 53 bits, shifted into (0, 1): never 0 nor 1, so the logarithm is finite
		// and negative.
		u := (float64(binary.BigEndian.Uint64(h[:8])>>11) + 0.5) / (1 << 53)
		if score := -w / math.Log(u); score > bestScore {
			best, bestScore = arm, score
		}
	}
	return best
}

// ValidVisitorID reports whether s may be a visitor id from a cookie: 16 to 64
// URL-safe characters, so a forged cookie cannot carry anything else.
func ValidVisitorID(s string) bool {
	if len(s) < 16 || len(s) > 64 || !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
