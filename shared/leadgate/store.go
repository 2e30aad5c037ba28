package leadgate

import (
	"context"
	"time"
)

// Store is the port every lead store implements: the embedded store for local runs and
// the DynamoDB store on AWS. Each implementation passes storetest.RunConformanceTests.
type Store interface {
	PutPage(ctx context.Context, p Page) error
	// Page returns ENOTFOUND for an unknown slug.
	Page(ctx context.Context, slug string) (Page, error)
	PutMagnet(ctx context.Context, m Magnet) error
	// Magnet returns ENOTFOUND for an unknown id.
	Magnet(ctx context.Context, id string) (Magnet, error)
	// Capture records one submission atomically, in one write: the rate limits are
	// checked and counted, a repeat within the dedupe window is recognised, and the
	// lead is created or updated with the submission. A capture over a rate limit
	// returns ERATELIMITED with RetryAfter set and writes nothing.
	Capture(ctx context.Context, c Capture) (CaptureResult, error)
	// LeadByEmail returns the lead with that normalised address, or ENOTFOUND.
	LeadByEmail(ctx context.Context, email string) (Lead, error)
	// Submissions returns the lead's submissions, oldest first.
	Submissions(ctx context.Context, email string) ([]Submission, error)

	// PutGrant creates a grant; ECONFLICT if one with its ID exists.
	PutGrant(ctx context.Context, g Grant) error
	// Grant returns the grant with that ID, or ENOTFOUND.
	Grant(ctx context.Context, id string) (Grant, error)
	// UseGrant checks the grant and counts one download at t in one write: ENOTFOUND
	// for no such grant; EGONE for an expired, revoked or erased one, counting
	// nothing. Each counted download appears in the change feed as DownloadMade.
	UseGrant(ctx context.Context, id string, t time.Time) (Grant, error)
	// RevokeGrant stops a grant's links for good; ENOTFOUND for no such grant.
	RevokeGrant(ctx context.Context, id string) error
	// CountDownload adds a download to its page's daily counters and records the
	// lead's first download. Counting the same (grant, N) again changes nothing, so a
	// redelivered change is harmless.
	CountDownload(ctx context.Context, d Download) error
	// DailyCounts returns a page's counters for one day (zero counts when none).
	DailyCounts(ctx context.Context, page, day string) (DailyCounts, error)
}

// Capture is what the capture service asks a store to record.
type Capture struct {
	Submission Submission // ID, Email, Page, At and the values are set; LeadID is filled in
	Page       Page
	// NewLeadID is the id the lead gets if the address is new.
	NewLeadID string
	// DedupeWindow: a submission of the same address on the same page less than this
	// long after the last recorded one is a repeat; it records nothing new.
	DedupeWindow time.Duration
	RateLimits   []RateLimit
	// Grant, if set, is created with a new (not repeated) submission, its LeadID
	// filled in with the lead's.
	Grant *Grant
}

// RateLimit allows at most Limit captures per Key in each fixed window.
type RateLimit struct {
	Key    string // e.g. "email:<hash>" or "ip:<hash>"; never a raw address
	Limit  int
	Window time.Duration
}

// WindowStart returns the start of the fixed window that holds t.
func (r RateLimit) WindowStart(t time.Time) time.Time { return t.Truncate(r.Window) }

// Exceeded returns the ERATELIMITED error for a limit reached at t.
func (r RateLimit) Exceeded(t time.Time) *Error {
	wait := r.WindowStart(t).Add(r.Window).Sub(t)
	wait = wait.Truncate(time.Second) + time.Second
	return &Error{Code: ERATELIMITED, Message: "too many submissions, please try again later", RetryAfter: wait}
}

// CaptureResult is what a store recorded for a Capture.
type CaptureResult struct {
	Lead        Lead
	Submission  Submission // for a repeat: the earlier submission
	LeadCreated bool
	Repeat      bool
}

// ChangeKind names a change to stored leads that other services react to.
type ChangeKind string

const (
	LeadCreated       ChangeKind = "lead_created"
	LeadUpdated       ChangeKind = "lead_updated"
	SubmissionCreated ChangeKind = "submission_created"
	DownloadMade      ChangeKind = "download_made"
)

// Change is one entry of a store's change feed: the embedded store's feed and the
// decoded DynamoDB stream both emit these, one per item written. A lead change
// carries the lead's new image (and its old one on update); a submission change
// carries the submission only, as a stream record of its item would.
type Change struct {
	// ID names the change in its feed: the embedded feed's sequence number in
	// decimal, or the stream record's event ID.
	ID string `json:"id"`
	// Seq orders the embedded feed; 0 for stream records, whose order is the shard's.
	Seq        uint64      `json:"seq"`
	Kind       ChangeKind  `json:"kind"`
	At         time.Time   `json:"at"`
	Lead       *Lead       `json:"lead,omitempty"`
	OldLead    *Lead       `json:"old_lead,omitempty"`
	Submission *Submission `json:"submission,omitempty"`
	Download   *Download   `json:"download,omitempty"`
}
