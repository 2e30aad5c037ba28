// Package webhooks sends the events of leads to the endpoints the marketer set up:
// signed JSON posts (Standard Webhooks) and Slack messages. It is a reaction of the
// change pipeline: each change becomes events (events.go), each event one delivery
// per endpoint that asks for it, claimed before it is sent and recorded after
// (service.go), retried with backoff through the store's due index, never by
// waiting in the process.
package webhooks

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"leadgate/shared/leadgate"
)

// Event is one webhook payload: its type, when it happened, and its data. ID names
// the event for deduplication: the same change gives the same ID on every replay.
type Event struct {
	ID        string    `json:"-"`
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      EventData `json:"data"`
	// Page is the page the event is about ("" for events of a lead as a whole); an
	// endpoint's page filter applies to it.
	Page string `json:"-"`
	// Email is the lead's address, so that erasure finds the deliveries; "" for
	// events of no lead.
	Email string `json:"-"`
}

// EventData is the data of every event type; each type sets what fits it.
type EventData struct {
	Lead       *LeadData       `json:"lead,omitempty"`
	Page       string          `json:"page,omitempty"`
	Submission *SubmissionData `json:"submission,omitempty"`
	// Of lead.suppressed: "bounce" or "complaint".
	Reason string `json:"reason,omitempty"`
	// Of lead.stage_changed.
	From  leadgate.Stage `json:"from,omitempty"`
	To    leadgate.Stage `json:"to,omitempty"`
	Score *int           `json:"score,omitempty"`
	// Of magnet.downloaded.
	Download *DownloadData `json:"download,omitempty"`
	// Of lead.erased, which carries nothing else: the lead's id only.
	LeadID   string    `json:"lead_id,omitempty"`
	ErasedAt time.Time `json:"erased_at,omitzero"`
	// Of webhook.test.
	EndpointID string `json:"endpoint_id,omitempty"`
	Message    string `json:"message,omitempty"`
}

// LeadData is a lead as an event shows it.
type LeadData struct {
	ID          string            `json:"id"`
	Email       string            `json:"email"`
	Name        string            `json:"name,omitempty"`
	Company     string            `json:"company,omitempty"`
	JobTitle    string            `json:"job_title,omitempty"`
	Phone       string            `json:"phone,omitempty"`
	Custom      map[string]string `json:"custom,omitempty"`
	Status      leadgate.Status   `json:"status"`
	Score       int               `json:"score"`
	Stage       leadgate.Stage    `json:"stage,omitempty"`
	Pages       []string          `json:"pages,omitempty"`
	Submissions int               `json:"submissions"`
	ConfirmedAt time.Time         `json:"confirmed_at,omitzero"`
	CreatedAt   time.Time         `json:"created_at"`
	FirstTouch  AttributionData   `json:"first_touch"`
}

// SubmissionData is one submission as an event shows it: the values, where the
// visit came from, and the consent given. The consent's IP address and browser are
// left out: a receiver needs the answer and its wording, not the device.
type SubmissionData struct {
	ID          string            `json:"id"`
	At          time.Time         `json:"at"`
	MagnetID    string            `json:"magnet_id,omitempty"`
	Values      map[string]string `json:"values,omitempty"`
	Attribution AttributionData   `json:"attribution"`
	Consent     ConsentData       `json:"consent"`
}

// AttributionData is where a visit came from.
type AttributionData struct {
	UTMSource   string `json:"utm_source,omitempty"`
	UTMMedium   string `json:"utm_medium,omitempty"`
	UTMCampaign string `json:"utm_campaign,omitempty"`
	UTMTerm     string `json:"utm_term,omitempty"`
	UTMContent  string `json:"utm_content,omitempty"`
	GCLID       string `json:"gclid,omitempty"`
	FBCLID      string `json:"fbclid,omitempty"`
	Referrer    string `json:"referrer,omitempty"`
	LandingURL  string `json:"landing_url,omitempty"`
}

// ConsentData is the answer to a page's marketing consent question.
type ConsentData struct {
	Given       bool      `json:"given"`
	TextVersion string    `json:"text_version,omitempty"`
	At          time.Time `json:"at,omitzero"`
}

// DownloadData is one download of a magnet.
type DownloadData struct {
	N  int       `json:"n"` // the how-manieth download of the link
	At time.Time `json:"at"`
}

func attribution(a leadgate.Attribution) AttributionData {
	return AttributionData{
		UTMSource: a.UTMSource, UTMMedium: a.UTMMedium, UTMCampaign: a.UTMCampaign,
		UTMTerm: a.UTMTerm, UTMContent: a.UTMContent, GCLID: a.GCLID, FBCLID: a.FBCLID,
		Referrer: a.Referrer, LandingURL: a.LandingURL,
	}
}

func leadData(l leadgate.Lead) *LeadData {
	return &LeadData{
		ID: l.ID, Email: l.Email, Name: l.Name, Company: l.Company, JobTitle: l.JobTitle,
		Phone: l.Phone, Custom: l.Custom, Status: l.Status, Score: l.Score, Stage: l.Stage,
		Pages: l.Pages, Submissions: l.Submissions, ConfirmedAt: l.ConfirmedAt,
		CreatedAt: l.CreatedAt, FirstTouch: attribution(l.FirstTouch),
	}
}

func submissionData(s leadgate.Submission) *SubmissionData {
	return &SubmissionData{
		ID: s.ID, At: s.At, MagnetID: s.MagnetID, Values: s.Values,
		Attribution: attribution(s.Attribution),
		Consent:     ConsentData{Given: s.Consent.Given, TextVersion: s.Consent.TextVersion, At: s.Consent.At},
	}
}

// eventID names an event by what it is about, so that a replayed change names it
// again: "evt_" and a hash of its type and keys.
func eventID(typ string, keys ...string) string {
	sum := sha256.Sum256([]byte(typ + "\x00" + strings.Join(keys, "\x00")))
	return "evt_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
}

// LeadReader is what deriving events reads: the lead as it is now.
type LeadReader interface {
	LeadByEmail(ctx context.Context, email string) (leadgate.Lead, error)
}

// EventsOf returns the events of one change, none for a change no event is about.
// A submission is lead.created when it made the lead and lead.updated otherwise; a
// lead's update is lead.unsubscribed, lead.suppressed or lead.stage_changed when its
// status or stage moved that way. A lead gone meanwhile (erased) gives no event.
func EventsOf(ctx context.Context, leads LeadReader, ch leadgate.Change) ([]Event, error) {
	lookup := func(email string) (*leadgate.Lead, error) {
		l, err := leads.LeadByEmail(ctx, email)
		if errors.Is(err, leadgate.ErrLeadNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &l, nil
	}
	switch ch.Kind {
	case leadgate.SubmissionCreated:
		sub := ch.Submission
		l, err := lookup(sub.Email)
		if l == nil || err != nil {
			return nil, err
		}
		typ := leadgate.EventLeadUpdated
		if l.ID == sub.LeadID && l.CreatedAt.Equal(sub.At) {
			typ = leadgate.EventLeadCreated
		}
		return []Event{{
			ID: eventID(typ, sub.ID), Type: typ, Timestamp: sub.At, Page: sub.Page, Email: sub.Email,
			Data: EventData{Lead: leadData(*l), Page: sub.Page, Submission: submissionData(*sub)},
		}}, nil
	case leadgate.LeadConfirmed:
		c := ch.Confirmation
		l, err := lookup(c.Email)
		if l == nil || err != nil {
			return nil, err
		}
		return []Event{{
			ID: eventID(leadgate.EventLeadConfirmed, c.ID), Type: leadgate.EventLeadConfirmed,
			Timestamp: c.ConfirmedAt, Page: c.Page, Email: c.Email,
			Data: EventData{Lead: leadData(*l), Page: c.Page},
		}}, nil
	case leadgate.DownloadMade:
		d := ch.Download
		ev := Event{
			ID: eventID(leadgate.EventMagnetDownloaded, d.GrantID, strconv.Itoa(d.N)), Type: leadgate.EventMagnetDownloaded,
			Timestamp: d.At, Page: d.Page, Email: d.Email,
			Data: EventData{Page: d.Page, Download: &DownloadData{N: d.N, At: d.At}},
		}
		if d.Email != "" {
			l, err := lookup(d.Email)
			if err != nil {
				return nil, err
			}
			if l == nil {
				return nil, nil
			}
			ev.Data.Lead = leadData(*l)
		}
		return []Event{ev}, nil
	case leadgate.LeadUpdated:
		return leadUpdateEvents(ch), nil
	}
	return nil, nil
}

// leadUpdateEvents returns the events of a lead's update, from its old and new
// images; the version names them, so a replay names them again.
func leadUpdateEvents(ch leadgate.Change) []Event {
	if ch.Lead == nil || ch.OldLead == nil {
		return nil
	}
	l, old := *ch.Lead, *ch.OldLead
	at := l.UpdatedAt
	if at.IsZero() {
		at = ch.At
	}
	version := strconv.FormatInt(l.Version, 10)
	var out []Event
	add := func(typ string, data EventData) {
		data.Lead = leadData(l)
		out = append(out, Event{ID: eventID(typ, l.ID, version), Type: typ, Timestamp: at, Email: l.Email, Data: data})
	}
	if l.Status != old.Status {
		switch l.Status {
		case leadgate.StatusUnsubscribed:
			add(leadgate.EventLeadUnsubscribed, EventData{})
		case leadgate.StatusBounced:
			add(leadgate.EventLeadSuppressed, EventData{Reason: "bounce"})
		case leadgate.StatusComplained:
			add(leadgate.EventLeadSuppressed, EventData{Reason: "complaint"})
		}
	}
	if l.Stage != old.Stage {
		score := l.Score
		from := old.Stage
		if from == "" {
			from = leadgate.StageCold
		}
		add(leadgate.EventLeadStageChanged, EventData{From: from, To: l.Stage, Score: &score})
	}
	return out
}

// ErasedEvent is the lead.erased event of an erasure: the lead's id, nothing else.
func ErasedEvent(leadID string, at time.Time) Event {
	return Event{
		ID: eventID(leadgate.EventLeadErased, leadID), Type: leadgate.EventLeadErased, Timestamp: at,
		Data: EventData{LeadID: leadID, ErasedAt: at},
	}
}

// TestEvent is the event the test button sends to one endpoint.
func TestEvent(endpointID string, at time.Time, nonce string) Event {
	return Event{
		ID: eventID(leadgate.EventWebhookTest, endpointID, nonce), Type: leadgate.EventWebhookTest, Timestamp: at,
		Data: EventData{EndpointID: endpointID, Message: "A test event from leadgate."},
	}
}

// Payload returns the event's JSON body.
func (e Event) Payload() (string, error) {
	e.Timestamp = e.Timestamp.UTC()
	b, err := json.Marshal(e)
	return string(b), err
}
