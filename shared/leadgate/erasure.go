package leadgate

import (
	"encoding/base64"
	"strings"
	"time"
)

// PageLead is one row of a page's export: a submission with its lead as it is now.
type PageLead struct {
	Submission Submission `json:"submission"`
	Lead       Lead       `json:"lead"`
}

// PageLeads is one page of a page's export, newest submission first. Next is the
// cursor of the following page; "" after the last one.
type PageLeads struct {
	Leads []PageLead `json:"leads"`
	Next  string     `json:"next"`
}

// DefaultPageLeadsLimit and MaxPageLeadsLimit bound one page of an export.
const (
	DefaultPageLeadsLimit = 100
	MaxPageLeadsLimit     = 1000
)

// PageLeadsLimit returns the page size a store uses for limit: the default for 0 or
// less, at most MaxPageLeadsLimit.
func PageLeadsLimit(limit int) int {
	if limit <= 0 {
		return DefaultPageLeadsLimit
	}
	return min(limit, MaxPageLeadsLimit)
}

// The cursor names the last submission handed out (its time and id), the position
// in the page's newest-first order that the next page starts after. It is the same
// in every store, opaque to callers, and never carries the lead's address.
const cursorVersion = "c1"

// EncodeLeadsCursor returns the cursor that continues after the submission (at, id).
func EncodeLeadsCursor(at time.Time, id string) string {
	raw := cursorVersion + "|" + at.UTC().Format(time.RFC3339Nano) + "|" + id
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// ParseLeadsCursor reads a cursor of EncodeLeadsCursor; EINVALID for anything else.
func ParseLeadsCursor(cursor string) (time.Time, string, error) {
	bad := Invalid(FieldError{Field: "cursor", Code: "invalid", Message: "not a cursor this API handed out"})
	if len(cursor) > 256 {
		return time.Time{}, "", bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return time.Time{}, "", bad
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 3 || parts[0] != cursorVersion || !validID(parts[2]) {
		return time.Time{}, "", bad
	}
	at, err := time.Parse(time.RFC3339Nano, parts[1])
	if err != nil {
		return time.Time{}, "", bad
	}
	return at.UTC(), parts[2], nil
}

// validID accepts the ids this code makes (and the suite's): letters, digits, '-'
// and '_', up to 64 characters.
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Before reports whether the submission (at, id) comes before (bAt, bID) in an
// export: newer first, and by id among submissions of the same time, as DynamoDB
// orders "<time>#<id>" sort keys.
func Before(at time.Time, id string, bAt time.Time, bID string) bool {
	if !at.Equal(bAt) {
		return at.After(bAt)
	}
	return id > bID
}

// Erasure names everything of one lead that an erasure removes. The store finds the
// lead's own items by its address; the link ids are hashes of tokens derived with the
// deployment's secret, which only the caller holds: the grant and confirmation ids of
// each of the lead's submissions, and the id of the lead's unsubscribe link.
type Erasure struct {
	Email           string   // normalised
	GrantIDs        []string // GrantID(GrantToken(submission id)) of each submission
	ConfirmationIDs []string // GrantID(ConfirmToken(submission id)) of each submission
	UnsubscribeID   string   // GrantID(UnsubscribeToken(lead id))
}

// Erased says what an erasure removed.
type Erased struct {
	LeadID      string `json:"lead_id"`
	Submissions int    `json:"submissions"`
	// Items counts every item deleted from the lead's partition: the lead, its
	// submissions, dedupe markers, sends and scheduled steps.
	Items int `json:"items"`
	// Grants counts the download links marked erased (kept without the address,
	// so that their links answer 410 and their downloads stay counted).
	Grants           int `json:"grants"`
	Confirmations    int `json:"confirmations"`
	UnsubscribeLinks int `json:"unsubscribe_links"`
	// WebhookDeliveries counts the lead's webhook deliveries emptied of its data
	// (the pending ones cancelled); the admin service fills it in.
	WebhookDeliveries int `json:"webhook_deliveries,omitempty"`
}
