package lambdalog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"leadgate/shared/lambdalog"
	"leadgate/shared/metrics"
)

// A record that counts a metric is an EMF document: CloudWatch extracts the metric
// from the log line, with the page as its dimension.
func TestMetricRecordsAreEmbeddedMetricFormat(t *testing.T) {
	t.Setenv("METRICS_NAMESPACE", "leadgate-test")
	var buf bytes.Buffer
	log := lambdalog.New(&buf)
	log.InfoContext(context.Background(), "lead captured", "page", "playbook", "lead_id", "L1", metrics.Count(metrics.LeadsCaptured))

	var line struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Page          string `json:"page"`
		LeadsCaptured int    `json:"LeadsCaptured"`
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	cw := line.AWS.CloudWatchMetrics
	if line.AWS.Timestamp == 0 || len(cw) != 1 || cw[0].Namespace != "leadgate-test" ||
		!reflect.DeepEqual(cw[0].Dimensions, [][]string{{"page"}, {}}) || len(cw[0].Metrics) != 1 || cw[0].Metrics[0].Name != "LeadsCaptured" {
		t.Errorf("EMF metadata %+v", line.AWS)
	}
	if line.Page != "playbook" || line.LeadsCaptured != 1 {
		t.Errorf("dimension %q, value %d: %s", line.Page, line.LeadsCaptured, buf.String())
	}

	// Records that count nothing stay plain log lines.
	buf.Reset()
	log.InfoContext(context.Background(), "page saved", "page", "playbook")
	if bytes.Contains(buf.Bytes(), []byte("_aws")) {
		t.Errorf("plain record became EMF: %s", buf.String())
	}
}
