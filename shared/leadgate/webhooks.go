package leadgate

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Webhooks push leads to other tools: an endpoint is a URL that gets a signed POST
// (Standard Webhooks) or a Slack message for each event it asks for; a delivery is
// one event sent to one endpoint, claimed before it is sent and recorded after, as a
// follow-up email is, so that retries and replays never send it twice.

// The event types an endpoint may ask for. WebhookTest is the one the test button
// sends; it is always delivered.
const (
	EventLeadCreated      = "lead.created"
	EventLeadUpdated      = "lead.updated" // a new submission of a known lead
	EventLeadConfirmed    = "lead.confirmed"
	EventLeadUnsubscribed = "lead.unsubscribed"
	EventLeadSuppressed   = "lead.suppressed" // a hard bounce or a complaint
	EventLeadStageChanged = "lead.stage_changed"
	EventMagnetDownloaded = "magnet.downloaded"
	EventLeadErased       = "lead.erased" // carries no personal data
	EventWebhookTest      = "webhook.test"
)

// WebhookEvents lists the event types an endpoint may ask for, in the order the
// console shows them.
var WebhookEvents = []string{
	EventLeadCreated, EventLeadUpdated, EventLeadConfirmed, EventLeadUnsubscribed,
	EventLeadSuppressed, EventLeadStageChanged, EventMagnetDownloaded, EventLeadErased,
}

// EndpointKind says what an endpoint receives.
type EndpointKind string

const (
	EndpointWebhook EndpointKind = "webhook" // a signed JSON POST
	EndpointSlack   EndpointKind = "slack"   // a readable message to a Slack incoming webhook
)

// WebhookSecret is one signing secret of an endpoint, "whsec_<base64>". A rotated
// secret keeps signing until ExpiresAt, so that a receiver can switch over.
type WebhookSecret struct {
	Secret    string    `json:"secret"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// WebhookEndpoint is where events go.
type WebhookEndpoint struct {
	ID          string       `json:"id"`
	URL         string       `json:"url"`
	Kind        EndpointKind `json:"kind"`
	Events      []string     `json:"events"`
	Pages       []string     `json:"pages,omitempty"` // none: every page
	Description string       `json:"description,omitempty"`
	Enabled     bool         `json:"enabled"`
	// Secrets sign the payloads, the newest first; a webhook endpoint has at least one.
	Secrets   []WebhookSecret `json:"secrets,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at,omitzero"`
	// FailingSince is when the first of the deliveries failing now failed; zero
	// while the last delivery succeeded. DisabledAt is set when failing too long
	// disabled the endpoint.
	FailingSince time.Time `json:"failing_since,omitzero"`
	DisabledAt   time.Time `json:"disabled_at,omitzero"`
}

// Limits of an endpoint.
const (
	MaxWebhookURL         = 2000
	MaxWebhookDescription = 500
	MaxWebhookPages       = 100
	MaxWebhookEndpoints   = 50
)

// Validate checks an endpoint's fields; whether its address may be reached is the
// sender's check (it depends on the deployment).
func (e WebhookEndpoint) Validate() error {
	var errs []FieldError
	if !validID(e.ID) {
		errs = append(errs, FieldError{Field: "id", Code: "invalid", Message: "letters, digits, '-' and '_'"})
	}
	u, err := url.Parse(e.URL)
	switch {
	case e.URL == "":
		errs = append(errs, FieldError{Field: "url", Code: "required", Message: "an address to send to"})
	case len(e.URL) > MaxWebhookURL:
		errs = append(errs, FieldError{Field: "url", Code: "too_long", Message: "at most 2000 characters"})
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Fragment != "":
		errs = append(errs, FieldError{Field: "url", Code: "invalid", Message: "an http or https address, without a user or a #fragment"})
	}
	if e.Kind != EndpointWebhook && e.Kind != EndpointSlack {
		errs = append(errs, FieldError{Field: "kind", Code: "invalid", Message: "webhook or slack"})
	}
	if len(e.Events) == 0 {
		errs = append(errs, FieldError{Field: "events", Code: "required", Message: "at least one event"})
	}
	for _, ev := range e.Events {
		if !slices.Contains(WebhookEvents, ev) {
			errs = append(errs, FieldError{Field: "events", Code: "invalid", Message: "unknown event: " + clip(ev, 40)})
			break
		}
	}
	if len(e.Pages) > MaxWebhookPages {
		errs = append(errs, FieldError{Field: "pages", Code: "too_many", Message: "at most 100 pages"})
	}
	for _, p := range e.Pages {
		if !ValidSlug(p) {
			errs = append(errs, FieldError{Field: "pages", Code: "invalid", Message: "not a page address: " + clip(p, 40)})
			break
		}
	}
	if len(e.Description) > MaxWebhookDescription {
		errs = append(errs, FieldError{Field: "description", Code: "too_long", Message: "at most 500 characters"})
	}
	if e.Kind == EndpointWebhook && len(e.Secrets) == 0 {
		errs = append(errs, FieldError{Field: "secret", Code: "required", Message: "a signing secret"})
	}
	for _, s := range e.Secrets {
		if !strings.HasPrefix(s.Secret, WebhookSecretPrefix) {
			errs = append(errs, FieldError{Field: "secret", Code: "invalid", Message: "a secret starts with whsec_"})
			break
		}
	}
	if len(errs) > 0 {
		return Invalid(errs...)
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// WebhookSecretPrefix starts every signing secret (Standard Webhooks).
const WebhookSecretPrefix = "whsec_"

// Wants reports whether the endpoint takes an event of type typ about page ("" for
// an event of no page, which every page filter lets through).
func (e WebhookEndpoint) Wants(typ, page string) bool {
	if !e.Enabled || !slices.Contains(e.Events, typ) {
		return false
	}
	return len(e.Pages) == 0 || page == "" || slices.Contains(e.Pages, page)
}

// SigningSecrets returns the secrets that sign at now, the newest first.
func (e WebhookEndpoint) SigningSecrets(now time.Time) []string {
	var out []string
	for _, s := range e.Secrets {
		if s.ExpiresAt.IsZero() || now.Before(s.ExpiresAt) {
			out = append(out, s.Secret)
		}
	}
	return out
}

// Rotate makes secret the newest one; the others keep signing for overlap, then stop.
func (e *WebhookEndpoint) Rotate(secret string, now time.Time, overlap time.Duration) {
	kept := []WebhookSecret{{Secret: secret, CreatedAt: now}}
	for _, s := range e.Secrets {
		if !s.ExpiresAt.IsZero() && !now.Before(s.ExpiresAt) {
			continue
		}
		if s.ExpiresAt.IsZero() || s.ExpiresAt.After(now.Add(overlap)) {
			s.ExpiresAt = now.Add(overlap)
		}
		kept = append(kept, s)
	}
	e.Secrets = kept
}

// DeliveryStatus is where a delivery stands.
type DeliveryStatus string

const (
	DeliveryPending   DeliveryStatus = "pending"   // due at NextAttemptAt
	DeliverySending   DeliveryStatus = "sending"   // claimed; under way or crashed
	DeliveryDelivered DeliveryStatus = "delivered" // a 2xx answer
	DeliveryFailed    DeliveryStatus = "failed"    // retried for WebhookRetryFor in vain, or refused for good
	DeliveryCancelled DeliveryStatus = "cancelled" // its lead was erased, or its endpoint removed
)

// DeliveryAttempt is one try of a delivery, kept in its log.
type DeliveryAttempt struct {
	At         time.Time     `json:"at"`
	StatusCode int           `json:"status_code,omitempty"` // 0: no answer
	Error      string        `json:"error,omitempty"`       // why it failed, without personal data
	Duration   time.Duration `json:"duration"`
}

// WebhookDelivery is one event sent to one endpoint, keyed by (EndpointID, ID). Its
// ID is the Standard Webhooks message id, the same on every attempt.
type WebhookDelivery struct {
	ID         string `json:"id"`
	EndpointID string `json:"endpoint_id"`
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type"`
	Page       string `json:"page,omitempty"`
	// Email is the lead's address, so that erasure finds the delivery; "" for an
	// event of no lead.
	Email string `json:"email,omitempty"`
	// Payload is the JSON body; erasure empties it.
	Payload       string            `json:"payload,omitempty"`
	Status        DeliveryStatus    `json:"status"`
	CreatedAt     time.Time         `json:"created_at"`
	NextAttemptAt time.Time         `json:"next_attempt_at,omitzero"` // while pending
	ClaimedAt     time.Time         `json:"claimed_at,omitzero"`
	DeliveredAt   time.Time         `json:"delivered_at,omitzero"`
	Attempts      []DeliveryAttempt `json:"attempts,omitempty"` // the last MaxDeliveryAttemptsKept
	// KeepUntil is when the log forgets the delivery (CreatedAt + WebhookLogRetention).
	KeepUntil time.Time `json:"keep_until"`
}

// How deliveries are kept and retried.
const (
	WebhookLogRetention     = 30 * 24 * time.Hour
	WebhookRetryFor         = 3 * 24 * time.Hour
	WebhookDisableAfter     = 5 * 24 * time.Hour
	MaxDeliveryAttemptsKept = 20
)

// DeliveryID returns the message id of the event eventID sent to endpoint: the same
// for every retry and replay of the event, so that a receiver can drop duplicates.
func DeliveryID(eventID, endpointID string) string {
	sum := sha256.Sum256([]byte(eventID + "\x00" + endpointID))
	return "msg_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
}

// Record appends an attempt to the log, keeping the last MaxDeliveryAttemptsKept.
func (d *WebhookDelivery) Record(a DeliveryAttempt) {
	d.Attempts = append(d.Attempts, a)
	if n := len(d.Attempts) - MaxDeliveryAttemptsKept; n > 0 {
		d.Attempts = slices.Delete(d.Attempts, 0, n)
	}
}

// Errors of the webhooks.
var (
	ErrWebhookNotFound          = &Error{Code: ENOTFOUND, Message: "no such webhook"}
	ErrDeliveryNotFound         = &Error{Code: ENOTFOUND, Message: "no such delivery"}
	ErrDeliveryClaimLost        = &Error{Code: ECONFLICT, Message: "the delivery was claimed by another worker"}
	ErrDeliveryExists           = &Error{Code: ECONFLICT, Message: "the delivery exists"}
	ErrTooManyWebhooks          = &Error{Code: ECONFLICT, Message: "too many webhooks: at most 50"}
	ErrWebhookDeliveryNoPayload = &Error{Code: EGONE, Message: "this delivery's content was erased"}
)

// WebhookStore is the part of the store that keeps endpoints and deliveries.
type WebhookStore interface {
	// PutWebhookEndpoint creates or replaces an endpoint.
	PutWebhookEndpoint(ctx context.Context, e WebhookEndpoint) error
	// WebhookEndpoint returns an endpoint, or ErrWebhookNotFound.
	WebhookEndpoint(ctx context.Context, id string) (WebhookEndpoint, error)
	// WebhookEndpoints returns every endpoint, by id; none is an empty list.
	WebhookEndpoints(ctx context.Context) ([]WebhookEndpoint, error)
	// DeleteWebhookEndpoint removes an endpoint; its deliveries stay in the log
	// until they expire, its pending ones leave the due index. ErrWebhookNotFound
	// for an unknown id.
	DeleteWebhookEndpoint(ctx context.Context, id string) error

	// CreateDelivery stores a new pending delivery, due at its NextAttemptAt. It
	// reports false, storing nothing, when the delivery (EndpointID, ID) exists: a
	// replayed event creates nothing.
	CreateDelivery(ctx context.Context, d WebhookDelivery) (bool, error)
	// Delivery returns one delivery, or ErrDeliveryNotFound.
	Delivery(ctx context.Context, endpointID, id string) (WebhookDelivery, error)
	// ClaimDelivery claims a delivery at now before it is sent: it reports true
	// when it was pending and due, or claimed longer than lease ago (its worker
	// crashed), and returns the delivery claimed. Otherwise it returns the
	// delivery as stored. ErrDeliveryNotFound for none.
	ClaimDelivery(ctx context.Context, endpointID, id string, now time.Time, lease time.Duration) (WebhookDelivery, bool, error)
	// FinishDelivery records the outcome of the claim d (delivered, failed, or
	// pending again at a later NextAttemptAt), if the claim is still the caller's:
	// ErrDeliveryClaimLost otherwise.
	FinishDelivery(ctx context.Context, d WebhookDelivery) error
	// RedeliverDelivery makes a delivered or failed delivery pending again, due at
	// now. A pending or sending one stays as it is.
	RedeliverDelivery(ctx context.Context, endpointID, id string, now time.Time) (WebhookDelivery, error)
	// DueDeliveries returns up to limit pending deliveries due at now, the oldest
	// due first.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]WebhookDelivery, error)
	// Deliveries returns an endpoint's newest deliveries, up to limit, newest first.
	Deliveries(ctx context.Context, endpointID string, limit int) ([]WebhookDelivery, error)
	// EraseDeliveries erases the lead email from the log: its pending deliveries,
	// and those being sent, are cancelled (a claim in flight is lost) and every delivery of it loses its payload and address. It
	// returns how many deliveries it changed.
	EraseDeliveries(ctx context.Context, email string) (int, error)
}
