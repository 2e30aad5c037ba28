package leadgate

import "context"

// MailDayCounts are the emails whose send finished on one UTC day, every page
// together: Sent the provider took, Failed it refused for good. A send is counted
// once, when FinishSend records its outcome; a send released for a retry is
// counted when a later try finishes it.
type MailDayCounts struct {
	Day    string `json:"day"`
	Sent   int    `json:"sent"`
	Failed int    `json:"failed"`
}

// MailStatsStore is the part of a store that keeps the per-day counts of sends.
// A send's key does not always name its page (a delivery's names its submission),
// so the counts are kept for every page together.
type MailStatsStore interface {
	// MailStats returns the counts of every day from from to to (UTC days, both
	// included) that has any, by day; none is an empty list.
	MailStats(ctx context.Context, from, to string) ([]MailDayCounts, error)
}

// FinishedDay is the UTC day a finished send counts on: the day it was sent, or,
// for a send that failed (it has no SentAt), the day of its claim.
func (s Send) FinishedDay() string {
	if !s.SentAt.IsZero() {
		return Day(s.SentAt)
	}
	return Day(s.ClaimedAt)
}
