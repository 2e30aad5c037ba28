package leadgate

import "fmt"

// LeadAlerts are a page's new-lead alerts: To get an email for each new lead at
// once, or, with Digest, one email a day listing the day's new leads (UTC days).
// Only new leads alert: a known lead's new submission does not, nor does a post the
// spam checks refused, which stores nothing.
type LeadAlerts struct {
	To     []string `json:"to,omitempty"`
	Digest bool     `json:"digest,omitempty"`
}

// MaxAlertAddresses bounds a page's alert addresses.
const MaxAlertAddresses = 10

// AlertKey and DigestKey are the send keys of alerts, recorded under the alert's
// address as follow-up sends are: one alert per lead, one digest per page and day.
func AlertKey(submissionID string) string { return "alert#" + submissionID }
func DigestKey(page, day string) string   { return "digest#" + page + "#" + day }

func (a LeadAlerts) validate() []FieldError {
	var errs []FieldError
	if len(a.To) > MaxAlertAddresses {
		errs = append(errs, FieldError{Field: "alerts.to", Code: "too_many", Message: fmt.Sprintf("at most %d addresses", MaxAlertAddresses)})
	}
	for _, to := range a.To {
		if n, fe := NormaliseEmail(to); fe != nil || n != to {
			errs = append(errs, FieldError{Field: "alerts.to", Code: "invalid", Message: "not an address, or not in lower case: " + clip(to, 60)})
			break
		}
	}
	if a.Digest && len(a.To) == 0 {
		errs = append(errs, FieldError{Field: "alerts.to", Code: "required", Message: "a digest needs an address to go to"})
	}
	return errs
}
