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
	// Pages returns every page, by slug; none is an empty list, not an error.
	Pages(ctx context.Context) ([]Page, error)
	PutMagnet(ctx context.Context, m Magnet) error
	// Magnet returns ENOTFOUND for an unknown id.
	Magnet(ctx context.Context, id string) (Magnet, error)
	// Magnets returns every magnet, by id; none is an empty list, not an error.
	Magnets(ctx context.Context) ([]Magnet, error)
	// DeletePage deletes the page's configuration only: its leads, submissions,
	// grants and counters stay, and a page saved later under the slug takes them
	// up. ENOTFOUND for an unknown slug.
	DeletePage(ctx context.Context, slug string) error
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
	// RevokeGrant stops a grant's links for good; ENOTFOUND for no such grant. While
	// the grant's submission is the last of its address on its page, its dedupe
	// marker goes too: the form sent again is a new submission with a new link.
	RevokeGrant(ctx context.Context, id string) error
	// CountDownload adds a download to its page's daily counters. Counting the
	// same (grant, N) again changes nothing, so a redelivered change is harmless.
	// The lead's first download is recorded by the download's rescoring
	// (ScoreDownload), in the same write as its score.
	CountDownload(ctx context.Context, d Download) error
	// CountView adds one view of the page to its counters of day (a UTC day, as Day
	// names it) and to those of the visit's source. Views are not deduplicated:
	// each call counts.
	CountView(ctx context.Context, page, day string, src Source) error
	// CountArmView counts a view as CountView does, in the counters of the arm of
	// the page's A/B test the visitor saw (SourceDayCounts.Variant), in the same
	// one write. Leads, confirmations and downloads count under the arm of their
	// submission (Submission.Variant) by themselves.
	CountArmView(ctx context.Context, page, day string, src Source, arm string) error
	// CountLead counts a new submission (SubmissionCreated) into its page's
	// counters of its day and of its attribution's source, and the lead it
	// created, if any, into the page's stage counters (NewLeadMoves). Counting the
	// same submission ID again changes nothing.
	CountLead(ctx context.Context, sub Submission) error
	// CountConfirmation counts a first confirmation (LeadConfirmed) into its page's
	// counters of the day it was confirmed, under the source of the submission it
	// confirms (Direct when that submission is gone). Counting the same
	// confirmation ID again changes nothing.
	CountConfirmation(ctx context.Context, c Confirmation) error
	// DailyCounts returns a page's counters for one day (zero counts when none).
	DailyCounts(ctx context.Context, page, day string) (DailyCounts, error)
	// PageStats returns the page's per-source counters of every day from from to
	// to (UTC days, both included), by day then source key; none is an empty list.
	PageStats(ctx context.Context, page, from, to string) ([]SourceDayCounts, error)
	// PutSpend creates or replaces what was spent on one campaign of a page.
	PutSpend(ctx context.Context, s Spend) error
	// Spends returns the spends of a page, by campaign; none is an empty list.
	Spends(ctx context.Context, page string) ([]Spend, error)
	// AllPageStats returns every page's per-source counters of every day from from
	// to to (UTC days, both included), in no set order; none is an empty list. It
	// reads them at once, not page by page, for the console's lists.
	AllPageStats(ctx context.Context, from, to string) ([]SourceDayCounts, error)
	// Overview returns every page's spends and stage counters (stages.go), read
	// at once. The stage counters move in the same write as the lead whose stage
	// or pages change: a capture that brings a known lead to a new page,
	// SetScore, EraseLead; a new lead is counted by its submission's CountLead.
	Overview(ctx context.Context) (Overview, error)

	// PageLeads returns the page's submissions made at or after since, newest
	// first, each with its lead, limit at a time (0: DefaultPageLeadsLimit; at most
	// MaxPageLeadsLimit). cursor is "" for the first page, else the Next of the
	// page before; a cursor that is not one gives EINVALID. A submission whose lead
	// is gone (erased meanwhile) is left out.
	PageLeads(ctx context.Context, page string, since time.Time, cursor string, limit int) (PageLeads, error)
	// EraseLead erases the lead with address e.Email: the lead, its submissions,
	// dedupe markers, sends and steps are deleted, and so are the confirmations
	// and the unsubscribe link e names; each grant e names that is the lead's is
	// kept marked erased without its address, so its link answers EGONE and its
	// downloads stay counted. Daily and rate counters, keyed by page or by digest,
	// stay. ENOTFOUND when no lead has the address (an erasure done already).
	EraseLead(ctx context.Context, e Erasure) (Erased, error)

	// SetScore sets the lead's score and stage at at, if the lead's version is still
	// version: ECONFLICT if it changed (re-read and retry), ENOTFOUND for no lead. A
	// stage that moves appends a StageChange (the last MaxStageHistory kept); the
	// same score and stage write nothing, so a feed's own lead update cannot loop.
	SetScore(ctx context.Context, email string, score int, stage Stage, at time.Time, version int64) error
	// ScoreDownload is SetScore for the rescoring of a lead after a download made
	// at downloadedAt: the same write sets the lead's first download time to it
	// where the lead has none or a later one (Lead.Downloaded), so that a download
	// and the score it brings cost one write. It writes nothing when neither the
	// score, the stage nor the first download time changes.
	ScoreDownload(ctx context.Context, email string, downloadedAt time.Time, score int, stage Stage, at time.Time, version int64) error

	FollowUpStore
	ConsoleStore
	MailStatsStore
	LeadLister
	LeadReader
	WebhookStore
	DeliveryStore
}

// FollowUpStore is the part of the store the follow-up emails work on.
type FollowUpStore interface {
	// ClaimSend claims the send (email, key) at now before the email goes out. It
	// reports true when the caller should send: nothing was recorded, or an earlier
	// claim is older than lease (its worker crashed). Otherwise it returns the send
	// as stored (sent, failed, or claimed by a worker still within its lease).
	ClaimSend(ctx context.Context, email, key string, now time.Time, lease time.Duration) (Send, bool, error)
	// FinishSend records the outcome (SendSent or SendFailed) of the claim s, as
	// ClaimSend returned it, and counts it into the MailStats of its FinishedDay.
	// ECONFLICT if the claim is no longer the caller's: its lease ran out and
	// another worker claimed the send; nothing is counted then, so a finish
	// repeated (a retried batch) counts once.
	FinishSend(ctx context.Context, s Send) error
	// ReleaseSend drops the claim s after a send failed in a way a retry may fix;
	// ECONFLICT, changing nothing, if the claim is no longer the caller's.
	ReleaseSend(ctx context.Context, s Send) error

	// ScheduleSteps stores each step that is not stored yet; steps already stored
	// (scheduled, sent or skipped) stay as they are.
	ScheduleSteps(ctx context.Context, steps []Step) error
	// DueSteps returns up to limit steps still due at now, the oldest due first.
	DueSteps(ctx context.Context, now time.Time, limit int) ([]Step, error)
	// FinishStep records a step's outcome (sent, skipped or failed); it is no longer
	// due.
	FinishStep(ctx context.Context, s Step) error

	// PutConfirmation stores a confirmation unless it exists.
	PutConfirmation(ctx context.Context, c Confirmation) error
	// Confirmation returns a confirmation, or ENOTFOUND.
	Confirmation(ctx context.Context, id string) (Confirmation, error)
	// Confirm confirms the lead's address at now, in one write: the lead's
	// ConfirmedAt is set if it has none, an unconfirmed lead becomes active, and the
	// first confirmation appears in the change feed as LeadConfirmed. Confirming again changes nothing. ENOTFOUND for no such
	// confirmation; EGONE once it expired unconfirmed, or the lead is gone.
	Confirm(ctx context.Context, id string, now time.Time) (Confirmation, error)

	// PutUnsubscribe stores an unsubscribe link's mapping unless it exists.
	PutUnsubscribe(ctx context.Context, u Unsubscribe) error
	// Unsubscribe withdraws the lead's consent for good, at now: every page stops
	// mailing the address until it opts in again. ENOTFOUND for no such link.
	Unsubscribe(ctx context.Context, id string, now time.Time) error

	// RecordMailEvent applies a delivery event: a hard bounce or a complaint stops all
	// email to the address; a soft bounce is counted once per message.
	RecordMailEvent(ctx context.Context, e MailEvent) error
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
	// ScoreNew: a new lead is scored at once (NewLead), so that the rescoring its
	// submission starts finds nothing to write; without it a new lead starts cold
	// at 0. A known lead is rescored after its capture either way.
	ScoreNew bool
}

// NewLead is the lead the capture creates for a new address from sub (the
// submission as the store records it): scored by its page's rules and its one
// submission, as its first rescoring would score it, if ScoreNew.
func (c Capture) NewLead(sub Submission) Lead {
	l := NewLead(c.NewLeadID, sub, c.Page)
	if c.ScoreNew {
		score, stage := Score(l, []Submission{sub}, c.Page.ScoringRules())
		l, _ = l.WithScore(score, stage, sub.At)
	}
	return l
}

// RateLimit allows at most Limit captures per Key in each fixed window; a repeat
// within the dedupe window counts like any capture.
type RateLimit struct {
	Key    string // e.g. "ip:<hash>" or "form:<hash>"; never a raw address
	Limit  int
	Window time.Duration
	// Start, when set, is the start of the limit's one window (a form token's render
	// time), instead of the fixed window of the clock that holds t.
	Start time.Time
}

// WindowStart returns the start of the fixed window that holds t.
func (r RateLimit) WindowStart(t time.Time) time.Time {
	if !r.Start.IsZero() {
		return r.Start
	}
	return t.Truncate(r.Window)
}

// Exceeded returns the ERATELIMITED error for a limit reached at t; it wraps a
// LimitReached that names the limit's key.
func (r RateLimit) Exceeded(t time.Time) *Error {
	wait := max(r.WindowStart(t).Add(r.Window).Sub(t), 0)
	wait = wait.Truncate(time.Second) + time.Second
	return &Error{Code: ERATELIMITED, Message: "too many submissions, please try again later", RetryAfter: wait, Err: LimitReached{Key: r.Key}}
}

// LimitReached names the rate limit a capture was refused by, for the service that
// set it to tell its limits apart.
type LimitReached struct{ Key string }

func (LimitReached) Error() string { return "rate limit reached" }

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
	LeadConfirmed     ChangeKind = "lead_confirmed"
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
	// Confirmation is set on LeadConfirmed.
	Confirmation *Confirmation `json:"confirmation,omitempty"`
}
