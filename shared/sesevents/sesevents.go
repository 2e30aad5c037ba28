// Package sesevents reads the delivery events SES publishes through SNS for the
// configuration set (event publishing) or an identity (notifications): hard bounces
// and complaints stop all email to the address; soft bounces are counted.
package sesevents

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"leadgate/shared/leadgate"
	"leadgate/shared/metrics"
)

// notification is the part of an SES event we use. Event publishing says
// eventType; identity notifications say notificationType.
type notification struct {
	EventType        string `json:"eventType"`
	NotificationType string `json:"notificationType"`
	Mail             struct {
		MessageID string `json:"messageId"`
	} `json:"mail"`
	Bounce *struct {
		BounceType        string      `json:"bounceType"` // Permanent, Transient, Undetermined
		BouncedRecipients []recipient `json:"bouncedRecipients"`
		Timestamp         time.Time   `json:"timestamp"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients []recipient `json:"complainedRecipients"`
		Timestamp            time.Time   `json:"timestamp"`
	} `json:"complaint"`
}

type recipient struct {
	EmailAddress string `json:"emailAddress"`
}

// Parse returns the mail events of one SES notification; deliveries, sends, opens and
// other types give none.
func Parse(message string) ([]leadgate.MailEvent, error) {
	var n notification
	if err := json.Unmarshal([]byte(message), &n); err != nil {
		return nil, fmt.Errorf("not an SES notification: %w", err)
	}
	kind := n.EventType
	if kind == "" {
		kind = n.NotificationType
	}
	var out []leadgate.MailEvent
	add := func(k string, rs []recipient, at time.Time) {
		for _, r := range rs {
			email, fe := leadgate.NormaliseEmail(bareAddress(r.EmailAddress))
			if fe != nil {
				continue // nothing of ours can carry it
			}
			out = append(out, leadgate.MailEvent{Kind: k, Email: email, MessageID: n.Mail.MessageID, At: at.UTC()})
		}
	}
	switch {
	case kind == "Bounce" && n.Bounce != nil:
		k := "soft_bounce"
		if n.Bounce.BounceType == "Permanent" {
			k = "bounce"
		}
		add(k, n.Bounce.BouncedRecipients, n.Bounce.Timestamp)
	case kind == "Complaint" && n.Complaint != nil:
		add("complaint", n.Complaint.ComplainedRecipients, n.Complaint.Timestamp)
	}
	return out, nil
}

// bareAddress takes the address out of "Name <address>", which SES may report.
func bareAddress(s string) string {
	if i, j := strings.LastIndexByte(s, '<'), strings.LastIndexByte(s, '>'); i >= 0 && j > i {
		return s[i+1 : j]
	}
	return s
}

// Recorder applies mail events to the lead store.
type Recorder interface {
	RecordMailEvent(ctx context.Context, e leadgate.MailEvent) error
}

// Handle applies every event of an SNS delivery. A message that is not an SES
// notification is skipped (logged by the caller); a store failure fails the
// invocation so SNS retries it, which is safe: applying an event twice changes
// nothing more.
func Handle(ctx context.Context, store Recorder, e events.SNSEvent) (skipped int, err error) {
	for _, rec := range e.Records {
		evs, perr := Parse(rec.SNS.Message)
		if perr != nil {
			skipped++
			continue
		}
		for _, ev := range evs {
			if err := store.RecordMailEvent(ctx, ev); err != nil {
				return skipped, err
			}
		}
	}
	return skipped, nil
}

// Counted returns store with each recorded event logged as a metric (Bounces,
// SoftBounces, Complaints), without the address. An SNS delivery retried after a
// failure counts its earlier events again; SES's own reputation metrics, which the
// alarms watch, count each once.
func Counted(store Recorder, log *slog.Logger) Recorder { return counted{store, log} }

type counted struct {
	Recorder
	log *slog.Logger
}

func (c counted) RecordMailEvent(ctx context.Context, e leadgate.MailEvent) error {
	if err := c.Recorder.RecordMailEvent(ctx, e); err != nil {
		return err
	}
	name := map[string]string{"bounce": metrics.Bounces, "soft_bounce": metrics.SoftBounces, "complaint": metrics.Complaints}[e.Kind]
	if name != "" {
		c.log.InfoContext(ctx, "mail event recorded", "kind", e.Kind, metrics.Count(name))
	}
	return nil
}
