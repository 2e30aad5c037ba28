package leadgate

import (
	"crypto/sha256"
	"encoding/base64"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Direct names an empty utm part of a source: a visit without that tag.
const Direct = "(direct)"

// MaxSourcePartLength is the longest utm part, in characters, that counters keep;
// longer values are cut, so a source's key stays short.
const MaxSourcePartLength = 100

// Day names the UTC day of t, the key of daily counters.
func Day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// DailyCounts are one page's counters for one UTC day.
type DailyCounts struct {
	Page string `json:"page"`
	Day  string `json:"day"`
	// Views counts the hosted page's GETs by people (known bots and HEAD requests
	// are not counted).
	Views         int `json:"views"`
	Leads         int `json:"leads"`
	Confirmations int `json:"confirmations"`
	Downloads     int `json:"downloads"`
}

// Source is where a visit came from, as the funnel counters group it: its
// utm_source, utm_medium and utm_campaign, each Direct when the visit had none.
type Source struct {
	Source   string `json:"utm_source"`
	Medium   string `json:"utm_medium"`
	Campaign string `json:"utm_campaign"`
}

// SourceOf returns the source of an attribution, normalised as NewSource does.
func SourceOf(a Attribution) Source { return NewSource(a.UTMSource, a.UTMMedium, a.UTMCampaign) }

// NewSource returns the source of the three utm values: each trimmed and cut to
// MaxSourcePartLength characters; an empty one, or one that is not clean text
// (control characters, invalid UTF-8), is Direct.
func NewSource(source, medium, campaign string) Source {
	return Source{Source: sourcePart(source), Medium: sourcePart(medium), Campaign: sourcePart(campaign)}
}

func sourcePart(v string) string {
	v = strings.TrimSpace(v)
	if v == "" || !utf8.ValidString(v) || hasControlChar(v) {
		return Direct
	}
	if utf8.RuneCountInString(v) > MaxSourcePartLength {
		v = string([]rune(v)[:MaxSourcePartLength])
	}
	return v
}

// Normal returns the source as NewSource would make it, so that a zero Source (or
// one decoded from an older record) counts under Direct.
func (s Source) Normal() Source { return NewSource(s.Source, s.Medium, s.Campaign) }

// Key is a short, fixed-width key of the source (a digest of its three parts) for
// stores whose keys must stay small; the counters keep the parts themselves.
func (s Source) Key() string {
	s = s.Normal()
	sum := sha256.Sum256([]byte(s.Source + "\x00" + s.Medium + "\x00" + s.Campaign))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// SourceDayCounts are one page's funnel counters of one UTC day for one source.
type SourceDayCounts struct {
	Page   string `json:"page"`
	Day    string `json:"day"`
	Source Source `json:"source"`
	// Variant is the arm of the page's A/B test the visits saw; "" outside a
	// test (no test, a bot, a visitor without the cookie).
	Variant       string `json:"variant,omitempty"`
	Views         int    `json:"views"`
	Leads         int    `json:"leads"`
	Confirmations int    `json:"confirmations"`
	Downloads     int    `json:"downloads"`
}

// Spend is what a marketer paid for one utm_campaign of a page, in total.
type Spend struct {
	Page      string    `json:"page"`
	Campaign  string    `json:"campaign"`
	Amount    float64   `json:"amount"`
	Currency  string    `json:"currency"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MaxSpendAmount bounds a campaign's spend: beyond it a typo is likelier than a
// budget.
const MaxSpendAmount = 1e12

// Validate checks the spend's campaign, amount (finite, from 0 to MaxSpendAmount,
// at most two decimals) and currency (an ISO 4217 code: three capital letters).
func (s Spend) Validate() error {
	var fields []FieldError
	if c := strings.TrimSpace(s.Campaign); c == "" || c != s.Campaign || hasControlChar(c) || !utf8.ValidString(c) || utf8.RuneCountInString(c) > MaxSourcePartLength {
		fields = append(fields, FieldError{Field: "campaign", Code: "invalid", Message: "a utm_campaign value, 1 to 100 characters, no control characters or surrounding spaces"})
	}
	switch {
	case math.IsNaN(s.Amount) || math.IsInf(s.Amount, 0) || s.Amount < 0 || s.Amount > MaxSpendAmount:
		fields = append(fields, FieldError{Field: "amount", Code: "invalid", Message: "an amount from 0 to 1e12"})
	case math.Abs(s.Amount*100-math.Round(s.Amount*100)) > 1e-6*math.Max(1, s.Amount):
		fields = append(fields, FieldError{Field: "amount", Code: "invalid", Message: "an amount with at most two decimals"})
	}
	if len(s.Currency) != 3 || strings.ToUpper(s.Currency) != s.Currency || strings.ContainsFunc(s.Currency, func(r rune) bool { return r < 'A' || r > 'Z' }) {
		fields = append(fields, FieldError{Field: "currency", Code: "invalid", Message: "an ISO 4217 currency code such as EUR"})
	}
	if len(fields) > 0 {
		return Invalid(fields...)
	}
	return nil
}

// MaxStatsDays is the longest range PageStats is asked for at once.
const MaxStatsDays = 366

// ParseDayRange reads a range of UTC days (2006-01-02), both included: from not
// after to, at most MaxStatsDays long. An empty from or to defaults to the 30
// days that end today.
func ParseDayRange(from, to string, today time.Time) (string, string, error) {
	var fields []FieldError
	end := today.UTC().Truncate(24 * time.Hour)
	if to != "" {
		t, err := time.Parse(time.DateOnly, to)
		if err != nil {
			fields = append(fields, FieldError{Field: "to", Code: "invalid", Message: "a day such as 2026-01-02"})
		}
		end = t
	}
	start := end.AddDate(0, 0, -29)
	if from != "" {
		t, err := time.Parse(time.DateOnly, from)
		if err != nil {
			fields = append(fields, FieldError{Field: "from", Code: "invalid", Message: "a day such as 2026-01-02"})
		}
		start = t
	}
	if len(fields) == 0 {
		switch {
		case start.After(end):
			fields = append(fields, FieldError{Field: "from", Code: "invalid", Message: "from must not be after to"})
		case end.Sub(start) >= MaxStatsDays*24*time.Hour:
			fields = append(fields, FieldError{Field: "to", Code: "invalid", Message: "at most 366 days at once"})
		}
	}
	if len(fields) > 0 {
		return "", "", Invalid(fields...)
	}
	return Day(start), Day(end), nil
}
