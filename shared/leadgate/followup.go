package leadgate

import (
	"fmt"
	"strings"
	"time"
)

// EmailTemplate is one email of a page, written by its marketer: subject, text and
// HTML with {{.FirstName}}-style placeholders over known fields (shared/emails says
// which). Empty fields take the defaults.
type EmailTemplate struct {
	Subject string `json:"subject,omitempty"`
	Text    string `json:"text,omitempty"`
	HTML    string `json:"html,omitempty"`
}

// NurtureStep is one follow-up email of a page's sequence, sent After the lead's
// submission (or confirmation, on double opt-in pages), only to leads who gave
// marketing consent and have not left.
type NurtureStep struct {
	ID    string        `json:"id"`
	After time.Duration `json:"after"`
	EmailTemplate
}

// FollowUp is what a page sends after a submission.
type FollowUp struct {
	FromName string `json:"from_name,omitempty"` // the sender's display name; the address is the deployment's
	// Delivery carries the download link; Confirmation asks a double opt-in lead to
	// confirm; Reminder asks once more, ReminderAfter later (0: a day), if they have
	// not.
	Delivery      EmailTemplate `json:"delivery,omitzero"`
	Confirmation  EmailTemplate `json:"confirmation,omitzero"`
	Reminder      EmailTemplate `json:"reminder,omitzero"`
	ReminderAfter time.Duration `json:"reminder_after,omitempty"`
	Nurture       []NurtureStep `json:"nurture,omitempty"`
	// PostalAddress, when set, replaces the deployment's postal address in the
	// footers of this page's emails (a page of another brand, say).
	PostalAddress string `json:"postal_address,omitempty"`
}

// MaxPostalAddress is the longest postal address, in characters, a footer carries.
const MaxPostalAddress = 300

// CheckPostalAddress returns why a postal address cannot be an email footer's:
// one line of printable text, at most MaxPostalAddress characters; nil if it can.
func CheckPostalAddress(field, v string) *FieldError {
	return CheckText(field, v, MaxPostalAddress, false)
}

// DefaultReminderAfter is when an unconfirmed lead is reminded, unless the page says.
const DefaultReminderAfter = 24 * time.Hour

// ReminderDelay is how long after the confirmation email the reminder goes out.
func (f FollowUp) ReminderDelay() time.Duration {
	if f.ReminderAfter > 0 {
		return f.ReminderAfter
	}
	return DefaultReminderAfter
}

// validate checks the sequence; template syntax is checked where they are parsed.
func (f FollowUp) validate() []FieldError {
	var errs []FieldError
	seen := map[string]bool{}
	for i, s := range f.Nurture {
		switch {
		case !validStepID(s.ID):
			errs = append(errs, FieldError{Field: "follow_up.nurture", Code: "invalid", Message: fmt.Sprintf("step %d: an id of lower-case letters, digits and hyphens", i+1)})
		case seen[s.ID]:
			errs = append(errs, FieldError{Field: "follow_up.nurture", Code: "duplicate", Message: "step id used twice: " + s.ID})
		case s.After <= 0:
			errs = append(errs, FieldError{Field: "follow_up.nurture", Code: "invalid", Message: "step " + s.ID + ": after must be positive"})
		}
		seen[s.ID] = true
	}
	if f.ReminderAfter < 0 {
		errs = append(errs, FieldError{Field: "follow_up.reminder_after", Code: "invalid", Message: "must not be negative"})
	}
	if fe := CheckPostalAddress("follow_up.postal_address", f.PostalAddress); fe != nil {
		errs = append(errs, *fe)
	}
	if fe := checkPageText("follow_up.from_name", f.FromName, 0, false); fe != nil {
		errs = append(errs, *fe)
	}
	errs = append(errs, f.Delivery.validate("follow_up.delivery")...)
	errs = append(errs, f.Confirmation.validate("follow_up.confirmation")...)
	errs = append(errs, f.Reminder.validate("follow_up.reminder")...)
	for i, s := range f.Nurture {
		errs = append(errs, s.EmailTemplate.validate(fmt.Sprintf("follow_up.nurture[%d]", i))...)
	}
	return errs
}

// validate checks the characters of an email's texts, each named at.subject,
// at.text or at.html: a subject of one line, a text and HTML that may have
// several. Whether they render is the emails package's to say (CheckTemplates).
func (t EmailTemplate) validate(at string) []FieldError {
	var errs []FieldError
	for _, part := range []struct {
		name, text string
		multiline  bool
	}{{"subject", t.Subject, false}, {"text", t.Text, true}, {"html", t.HTML, true}} {
		if fe := checkPageText(at+"."+part.name, part.text, 0, part.multiline); fe != nil {
			errs = append(errs, *fe)
		}
	}
	return errs
}

// StepKind says what a scheduled step sends.
type StepKind string

const (
	StepNurture  StepKind = "nurture"
	StepReminder StepKind = "reminder" // the one confirmation reminder of double opt-in
)

// StepStatus is where a scheduled step stands.
type StepStatus string

const (
	StepDue     StepStatus = "due"
	StepSent    StepStatus = "sent"
	StepSkipped StepStatus = "skipped" // the lead left, or no longer needs it
	StepFailed  StepStatus = "failed"  // the provider refused it for good
)

// Step is one email scheduled for a lead: a nurture step or the reminder. It is
// keyed by (Email, Key), so scheduling the same step twice keeps one.
type Step struct {
	Email        string     `json:"email"`
	Key          string     `json:"key"` // "nurture#<page>#<step id>" or "reminder#<submission id>"
	Kind         StepKind   `json:"kind"`
	LeadID       string     `json:"lead_id"`
	Page         string     `json:"page"`
	StepID       string     `json:"step_id,omitempty"`
	SubmissionID string     `json:"submission_id"`
	DueAt        time.Time  `json:"due_at"`
	Status       StepStatus `json:"status"`
	DoneAt       time.Time  `json:"done_at,omitzero"`
	Reason       string     `json:"reason,omitempty"`
}

// NurtureKey and ReminderKey name steps: one per lead, page and step; one reminder
// per submission.
func NurtureKey(page, stepID string) string  { return "nurture#" + page + "#" + stepID }
func ReminderKey(submissionID string) string { return "reminder#" + submissionID }

// The send keys of the emails a submission earns: each is sent at most once per
// lead, whatever retries and replays follow.
func DeliveryKey(submissionID string) string     { return "delivery#" + submissionID }
func ConfirmationKey(submissionID string) string { return "confirm#" + submissionID }

// The kinds of email a send key names, as ParseSendKey gives them.
const (
	SendDelivery     = "delivery"
	SendConfirmation = "confirm"
	SendReminder     = "reminder"
	SendNurture      = "nurture"
)

// ParseSendKey reads a send key made by the functions above: its kind, and for a
// nurture step its page and step id. A key of no known kind gives kind "".
func ParseSendKey(key string) (kind, page, step string) {
	kind, rest, _ := strings.Cut(key, "#")
	switch kind {
	case SendDelivery, SendConfirmation, SendReminder:
		return kind, "", ""
	case SendNurture:
		if page, step, ok := strings.Cut(rest, "#"); ok {
			return kind, page, step
		}
	}
	return "", "", ""
}

// SendStatus is where one email's send stands.
type SendStatus string

const (
	SendSending SendStatus = "sending" // claimed; the send is under way or crashed
	SendSent    SendStatus = "sent"
	SendFailed  SendStatus = "failed" // refused for good; never retried
)

// Send records one email to one lead, keyed by (Email, Key): "delivery#<submission>",
// "confirm#<submission>", or a step's key. Claiming it before the send is what makes
// a retried batch send nothing twice.
type Send struct {
	Email     string     `json:"email"`
	Key       string     `json:"key"`
	Status    SendStatus `json:"status"`
	ClaimedAt time.Time  `json:"claimed_at"`
	SentAt    time.Time  `json:"sent_at,omitzero"`
	MessageID string     `json:"message_id,omitempty"`
	Reason    string     `json:"reason,omitempty"`
	Attempts  int        `json:"attempts"`
}

// Confirmation lets a double opt-in lead confirm their address with the link of the
// confirmation email. Like a grant, it is stored under a hash of its token.
type Confirmation struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	LeadID       string    `json:"lead_id"`
	Page         string    `json:"page"`
	SubmissionID string    `json:"submission_id"`
	CreatedAt    time.Time `json:"created_at"`
	ExpiresAt    time.Time `json:"expires_at"`
	ConfirmedAt  time.Time `json:"confirmed_at,omitzero"`
}

// Usable returns nil while the confirmation link may still be confirmed at t.
func (c Confirmation) Usable(t time.Time) error {
	if c.ConfirmedAt.IsZero() && !t.Before(c.ExpiresAt) {
		return ErrConfirmationExpired
	}
	return nil
}

// ConfirmationTTL is how long a confirmation link works.
const ConfirmationTTL = 30 * 24 * time.Hour

// Unsubscribe maps an unsubscribe link's token (by its hash) to the lead's address,
// which the link must not carry.
type Unsubscribe struct {
	ID     string `json:"id"`
	Email  string `json:"email"`
	LeadID string `json:"lead_id"`
}

// MailEvent is a delivery event of a sent email, from SES through SNS.
type MailEvent struct {
	Kind      string    `json:"kind"` // "bounce" (hard), "soft_bounce", "complaint"
	Email     string    `json:"email"`
	MessageID string    `json:"message_id"`
	At        time.Time `json:"at"`
}
