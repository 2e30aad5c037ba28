// Package metrics names what the functions count, and turns a log record that
// counts one into CloudWatch embedded metric format (EMF): the record itself carries
// the metric, so CloudWatch extracts it from the function's log with no API call and
// no client in the binary.
//
// A record counts a metric when it has the attribute Key with the metric's name:
//
//	log.InfoContext(ctx, "lead captured", metrics.Count(metrics.LeadsCaptured), "page", slug)
//
// Locally the attribute is one more field of the log line.
package metrics

import (
	"log/slog"
	"time"
)

// Key is the log attribute that names the metric a record counts.
const Key = "metric"

// The metrics, each a count of 1 per record.
const (
	LeadsCaptured   = "LeadsCaptured"   // by page
	SpamRejected    = "SpamRejected"    // by reason
	Downloads       = "Downloads"       // by page
	EmailsSent      = "EmailsSent"      // by kind (delivery, confirmation, step)
	EmailsFailed    = "EmailsFailed"    // refused for good, by kind
	EmailsThrottled = "EmailsThrottled" // not sent for now (throttled or unavailable), retried
	EmailsHeld      = "EmailsHeld"      // a submission past its address's email limit, sent nothing
	Bounces         = "Bounces"         // hard bounces
	SoftBounces     = "SoftBounces"
	Complaints      = "Complaints"
)

// dimensions are the record attributes each metric is split by. Each becomes a
// metric of its own per value (CloudWatch bills per metric), so they are few: pages
// and spam reasons, which the owner acts on, and no address or id.
var dimensions = map[string][]string{
	LeadsCaptured: {"page"},
	SpamRejected:  {"reason"},
	Downloads:     {"page"},
	EmailsSent:    {"kind"},
	EmailsFailed:  {"kind"},
}

// Count is the attribute that makes a record count metric name.
func Count(name string) slog.Attr { return slog.String(Key, name) }

// Known reports whether name is one of the metrics above.
func Known(name string) bool {
	switch name {
	case LeadsCaptured, SpamRejected, Downloads, EmailsSent, EmailsFailed, EmailsThrottled, EmailsHeld, Bounces, SoftBounces, Complaints:
		return true
	}
	return false
}

// EMF returns the attributes that make r an EMF document in namespace: the _aws
// metadata and the metric's value, or nothing when r counts no known metric. The
// dimensions are r's attributes of those names, which must sit at the top level of
// the log line (a logger without groups); one that r lacks is left out.
func EMF(r slog.Record, namespace string) []slog.Attr {
	var name string
	attrs := map[string]bool{}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == Key {
			name = a.Value.String()
		} else if a.Value.Kind() == slog.KindString {
			attrs[a.Key] = true
		}
		return true
	})
	if !Known(name) {
		return nil
	}
	// The metric by its dimensions, and its total (the empty set), which the
	// dashboard and alarms read: CloudWatch does not add up across dimensions.
	dims := []string{}
	for _, d := range dimensions[name] {
		if attrs[d] {
			dims = append(dims, d)
		}
	}
	sets := [][]string{{}}
	if len(dims) > 0 {
		sets = [][]string{dims, {}}
	}
	at := r.Time
	if at.IsZero() {
		at = time.Now()
	}
	return []slog.Attr{
		slog.Any("_aws", map[string]any{
			"Timestamp": at.UnixMilli(),
			"CloudWatchMetrics": []map[string]any{{
				"Namespace":  namespace,
				"Dimensions": sets,
				"Metrics":    []map[string]string{{"Name": name, "Unit": "Count"}},
			}},
		}),
		slog.Int(name, 1),
	}
}
