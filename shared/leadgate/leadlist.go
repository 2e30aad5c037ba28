package leadgate

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// LeadQuery selects leads for the console's table: every field is a filter, and
// the zero value selects every lead. The leads come newest first (by CreatedAt).
type LeadQuery struct {
	// Search matches leads whose email, name or company contains it, ignoring
	// case.
	Search string
	// Page keeps the leads with a submission on that page.
	Page string
	// Stage keeps the leads at that stage (StageCold takes the unscored ones
	// too); StageAny ("") for any.
	Stage Stage
	// Source keeps the leads whose first touch came from that utm_source.
	Source string
	// Consent keeps the leads that gave (ConsentGiven) or did not give
	// (ConsentNotGiven) marketing consent; "" for either.
	Consent ConsentFilter
	// Statuses keeps the leads with one of these statuses; none for any.
	Statuses []Status
	// From and To bound CreatedAt: From included, To excluded; zero for no bound.
	From, To time.Time
	// Cursor is "" for the first page, else the Next of the page before.
	Cursor string
	// Limit is the page size (0: DefaultLeadListLimit; at most MaxLeadListLimit).
	Limit int
}

// ConsentFilter filters leads by their marketing consent.
type ConsentFilter string

const (
	ConsentAny      ConsentFilter = ""
	ConsentGiven    ConsentFilter = "given"
	ConsentNotGiven ConsentFilter = "not_given"
)

// StageAny is the LeadQuery.Stage of no stage filter.
const StageAny Stage = ""

// LeadList is one page of the console's lead table. A store examines a bounded
// number of leads per call, so a selective filter can return fewer than Limit
// leads (even none) with Next still set: the caller asks again from Next to
// search further. Next is "" once every lead was examined.
type LeadList struct {
	Leads []Lead `json:"leads"`
	Next  string `json:"next"`
	// Examined is how many leads this call looked at.
	Examined int `json:"examined"`
}

// DefaultLeadListLimit and MaxLeadListLimit bound one page of the lead table.
const (
	DefaultLeadListLimit = 50
	MaxLeadListLimit     = 200
)

// LeadLister is the part of a store the console's lead table reads.
type LeadLister interface {
	// Leads returns a page of the leads q selects, newest first (ties by id). A
	// cursor that is not one, or any other bad field, gives EINVALID. The leads
	// carry at least what the table and the suppressed list show and filter on
	// (ID, Email, Name, Company, Pages, Status, SuppressedAt, Stage, Score,
	// Consent.Given, FirstTouch, CreatedAt); read one whole with LeadByEmail or
	// LeadByRef. Erased leads are gone, so never listed.
	Leads(ctx context.Context, q LeadQuery) (LeadList, error)
}

// LeadReader is what the console's lead detail reads besides the lead table.
type LeadReader interface {
	// LeadByRef returns the lead that ref (LeadRef of it) names, or ENOTFOUND; a ref
	// that is not one is ENOTFOUND too.
	LeadByRef(ctx context.Context, ref string) (Lead, error)
	// Sends returns the emails sent (or claimed) to the address, by send key; none
	// is an empty list.
	Sends(ctx context.Context, email string) ([]Send, error)
}

// LeadRef names a lead in URLs without its address (URLs land in logs and
// browser histories): its creation time and id, which are also where the lead
// table's index keeps it, so that every store finds it with one lookup.
func LeadRef(l Lead) string {
	return strconv.FormatInt(l.CreatedAt.UnixNano(), 36) + "." + l.ID
}

// ParseLeadRef reads a ref of LeadRef; false for anything else.
func ParseLeadRef(ref string) (created time.Time, id string, ok bool) {
	t, id, found := strings.Cut(ref, ".")
	if !found || len(t) > 13 || !validID(id) {
		return time.Time{}, "", false
	}
	n, err := strconv.ParseInt(t, 36, 64)
	if err != nil || n < 0 {
		return time.Time{}, "", false
	}
	return time.Unix(0, n).UTC(), id, true
}

// LeadListLimit returns the page size a store uses for limit: the default for 0 or
// less, at most MaxLeadListLimit.
func LeadListLimit(limit int) int {
	if limit <= 0 {
		return DefaultLeadListLimit
	}
	return min(limit, MaxLeadListLimit)
}

// MaxSearchLength bounds LeadQuery.Search.
const MaxSearchLength = 100

// Validate checks each field of the query, naming every bad one: the stage,
// consent and statuses known, the dates in order, the cursor one a store handed
// out (its time and id: the position after which the next page starts).
func (q LeadQuery) Validate() error {
	var fields []FieldError
	bad := func(field, msg string) {
		fields = append(fields, FieldError{Field: field, Code: "invalid", Message: msg})
	}
	if len(q.Search) > MaxSearchLength {
		bad("search", "at most "+strconv.Itoa(MaxSearchLength)+" characters")
	}
	if q.Stage != StageAny && !slices.Contains(Stages, q.Stage) {
		bad("stage", "one of cold, mql and sql")
	}
	if q.Consent != ConsentAny && q.Consent != ConsentGiven && q.Consent != ConsentNotGiven {
		bad("consent", "given or not_given")
	}
	for _, s := range q.Statuses {
		if !slices.Contains(statuses, s) {
			bad("status", "a lead status such as active or bounced")
			break
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		bad("to", "after the start of the range")
	}
	if q.Limit < 0 || q.Limit > MaxLeadListLimit {
		bad("limit", "a number from 1 to "+strconv.Itoa(MaxLeadListLimit))
	}
	if q.Cursor != "" {
		if _, _, err := ParseLeadsCursor(q.Cursor); err != nil {
			fields = append(fields, AsError(err).Fields...)
		}
	}
	if len(fields) > 0 {
		return Invalid(fields...)
	}
	return nil
}

var statuses = []Status{StatusActive, StatusUnconfirmed, StatusUnsubscribed, StatusBounced, StatusComplained, StatusErased}
