package leadgate

import (
	"context"
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
	// Leads returns a page of the leads q selects, newest first. A cursor that is
	// not one gives EINVALID.
	Leads(ctx context.Context, q LeadQuery) (LeadList, error)
}
