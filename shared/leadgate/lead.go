package leadgate

import (
	"maps"
	"slices"
	"time"
)

// Status is where a lead stands for email.
type Status string

const (
	StatusActive       Status = "active"      // may get the email it asked for
	StatusUnconfirmed  Status = "unconfirmed" // double opt-in, address not confirmed yet
	StatusUnsubscribed Status = "unsubscribed"
	StatusBounced      Status = "bounced"
	StatusComplained   Status = "complained"
	StatusErased       Status = "erased"
)

// Consent records a lead's answer to a page's marketing consent question.
type Consent struct {
	Given       bool      `json:"given"`
	TextVersion string    `json:"text_version,omitempty"` // empty: never asked
	Page        string    `json:"page,omitempty"`
	At          time.Time `json:"at"`
	IP          string    `json:"ip,omitempty"`
	UserAgent   string    `json:"user_agent,omitempty"`
}

// AttributionFields are the hidden fields a page may accept, in form order.
var AttributionFields = []string{
	"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
	"gclid", "fbclid", "referrer", "landing_url",
}

// Attribution says where one visit came from.
type Attribution struct {
	Page        string    `json:"page,omitempty"`
	At          time.Time `json:"at"`
	UTMSource   string    `json:"utm_source,omitempty"`
	UTMMedium   string    `json:"utm_medium,omitempty"`
	UTMCampaign string    `json:"utm_campaign,omitempty"`
	UTMTerm     string    `json:"utm_term,omitempty"`
	UTMContent  string    `json:"utm_content,omitempty"`
	GCLID       string    `json:"gclid,omitempty"`
	FBCLID      string    `json:"fbclid,omitempty"`
	Referrer    string    `json:"referrer,omitempty"`
	LandingURL  string    `json:"landing_url,omitempty"`
}

// Set stores the value of the attribution field name; it reports false for a name
// that is not an attribution field.
func (a *Attribution) Set(name, value string) bool {
	switch name {
	case "utm_source":
		a.UTMSource = value
	case "utm_medium":
		a.UTMMedium = value
	case "utm_campaign":
		a.UTMCampaign = value
	case "utm_term":
		a.UTMTerm = value
	case "utm_content":
		a.UTMContent = value
	case "gclid":
		a.GCLID = value
	case "fbclid":
		a.FBCLID = value
	case "referrer":
		a.Referrer = value
	case "landing_url":
		a.LandingURL = value
	default:
		return false
	}
	return true
}

// Lead is a person who gave their address on at least one page. The normalised email
// is the identity: one lead per address across all pages.
type Lead struct {
	ID           string            `json:"id"`
	Email        string            `json:"email"`
	EmailAsTyped string            `json:"email_as_typed"`
	Name         string            `json:"name,omitempty"`
	Company      string            `json:"company,omitempty"`
	JobTitle     string            `json:"job_title,omitempty"`
	Phone        string            `json:"phone,omitempty"`
	Custom       map[string]string `json:"custom,omitempty"`
	Status       Status            `json:"status"`
	Consent      Consent           `json:"consent"`
	FirstTouch   Attribution       `json:"first_touch"`
	LastTouch    Attribution       `json:"last_touch"`
	Submissions  int               `json:"submissions"`
	// Pages are the slugs of the pages the lead submitted on, in the order of
	// their first submission: the console's lead table filters on them.
	Pages []string `json:"pages,omitempty"`
	// ConfirmedAt is when the lead first proved the address through a confirmation
	// link; zero: never. Double opt-in pages need it, whatever the Status.
	ConfirmedAt time.Time `json:"confirmed_at,omitzero"`
	// SuppressedAt is when Status last became bounced, complained or unsubscribed;
	// zero while it is none of them (a lead who opts in again loses it).
	SuppressedAt time.Time `json:"suppressed_at,omitzero"`
	// SoftBounces counts temporary delivery failures; a hard bounce sets Status.
	SoftBounces int `json:"soft_bounces,omitempty"`
	// FirstDownloadAt is when the lead first downloaded a magnet; zero: never.
	FirstDownloadAt time.Time `json:"first_download_at,omitzero"`
	// Score and Stage are the lead's qualification, recomputed from the change feed
	// with the rules of its last-touch page; StageHistory keeps the latest stage
	// changes (MaxStageHistory), oldest first. An unscored lead has Stage "" (cold).
	Score        int           `json:"score,omitempty"`
	Stage        Stage         `json:"stage,omitempty"`
	StageHistory []StageChange `json:"stage_history,omitempty"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	// Version increases with every write, for optimistic concurrency in stores that
	// need it.
	Version int64 `json:"version"`
}

// Reachable reports whether the lead may get any email at all, even the one they
// asked for: never once unsubscribed, bounced, complained or erased.
func (l Lead) Reachable() bool {
	return l.Status == StatusActive || l.Status == StatusUnconfirmed
}

// MarketingAllowed reports whether the lead may get marketing (nurture) emails: only
// with consent given, and never once unsubscribed, bounced, complained or erased.
func (l Lead) MarketingAllowed() bool {
	return l.Consent.Given && (l.Status == StatusActive)
}

// Confirm records that the lead proved the address at t through a confirmation link:
// an unconfirmed lead becomes active (one who left stays left), and ConfirmedAt is
// set the first time. It returns the lead as it is to be written, with a new version,
// and whether anything changed; an erased lead cannot confirm.
func (l Lead) Confirm(t time.Time) (Lead, bool, error) {
	if l.Status == StatusErased {
		return l, false, ErrConfirmationGone
	}
	if l.Status != StatusUnconfirmed && !l.ConfirmedAt.IsZero() {
		return l, false, nil
	}
	if l.Status == StatusUnconfirmed {
		l.Status = StatusActive
	}
	if l.ConfirmedAt.IsZero() {
		l.ConfirmedAt = t
	}
	l.UpdatedAt = t
	l.Version++
	return l, true, nil
}

// Submission is one lead's form post on one page at one time, with that visit's
// attribution and consent answer.
type Submission struct {
	ID          string            `json:"id"`
	LeadID      string            `json:"lead_id"`
	Email       string            `json:"email"` // normalised
	Page        string            `json:"page"`
	MagnetID    string            `json:"magnet_id"`
	At          time.Time         `json:"at"`
	Values      map[string]string `json:"values"` // the page's visible fields as given
	Attribution Attribution       `json:"attribution"`
	Consent     Consent           `json:"consent"`
	// Variant is the arm of the page's A/B test the form was shown as; "" outside
	// a test.
	Variant string `json:"variant,omitempty"`
	// NewLeadStage is the stage the capture gave the lead this submission created;
	// "" when the lead existed before. Counting the submission (CountLead) counts
	// the new lead into its page's stage counters at that stage.
	NewLeadStage Stage `json:"new_lead_stage,omitempty"`
}

// NewLead makes the lead that a first submission describes.
func NewLead(id string, sub Submission, page Page) Lead {
	l := Lead{
		ID:          id,
		Email:       sub.Email,
		Status:      StatusActive,
		FirstTouch:  sub.Attribution,
		LastTouch:   sub.Attribution,
		Submissions: 1,
		Pages:       []string{sub.Page},
		CreatedAt:   sub.At,
		UpdatedAt:   sub.At,
		Version:     1,
	}
	if page.OptIn == OptInDouble {
		l.Status = StatusUnconfirmed
	}
	l.EmailAsTyped = sub.Values[FieldNameEmail]
	l.Consent = sub.Consent
	l.fill(sub.Values)
	return l
}

// Apply returns the lead updated by a later submission: last-touch attribution moves,
// first touch stays; non-empty values replace old ones; a page that asks for consent
// records the new answer, so the latest statement of the person wins. An unsubscribed
// lead who ticks consent again has opted in again explicitly; bounced, complained and
// erased leads keep their status.
func (l Lead) Apply(sub Submission, page Page) Lead {
	l.Custom = maps.Clone(l.Custom)
	l.LastTouch = sub.Attribution
	l.Submissions++
	if !slices.Contains(l.Pages, sub.Page) {
		l.Pages = append(slices.Clip(l.Pages), sub.Page)
	}
	l.UpdatedAt = sub.At
	l.Version++
	if typed := sub.Values[FieldNameEmail]; typed != "" {
		l.EmailAsTyped = typed
	}
	l.fill(sub.Values)
	// Consent is given by a tick and withdrawn only by unsubscribing: a box left
	// unticked on another page (or a JSON false) keeps what the lead said before.
	if page.AsksConsent() && (sub.Consent.Given || !l.Consent.Given) {
		l.Consent = sub.Consent
		if l.Status == StatusUnsubscribed && sub.Consent.Given {
			l.Status = StatusActive
			l.SuppressedAt = time.Time{}
			if page.OptIn == OptInDouble {
				l.Status = StatusUnconfirmed
			}
		}
	}
	return l
}

func (l *Lead) fill(values map[string]string) {
	for name, v := range values {
		if v == "" {
			continue
		}
		switch name {
		case FieldNameEmail:
		case FieldNameName:
			l.Name = v
		case FieldNameCompany:
			l.Company = v
		case FieldNameJobTitle:
			l.JobTitle = v
		case FieldNamePhone:
			l.Phone = v
		default:
			if l.Custom == nil {
				l.Custom = map[string]string{}
			}
			l.Custom[name] = v
		}
	}
}
