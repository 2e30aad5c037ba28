package lambdalog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"leadgate/shared/lambdalog"
	"leadgate/shared/lambdaruntime"
)

// lines decodes the JSON objects written to buf, one per line.
func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not one JSON object per line: %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func invocation(id string) context.Context {
	return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: id})
}

// The keys of Lambda's JSON application logs (LogFormat: JSON): timestamp, level,
// message and requestId; the rest are the record's own.
func TestRecordsUseLambdasJSONLogKeys(t *testing.T) {
	var buf bytes.Buffer
	log := lambdalog.New(&buf)

	log.InfoContext(invocation("8476a536-e9f4-11e8-9739-2dfe598c3fcd"), "lead captured", "page", "playbook")
	log.Info("no context")
	log.InfoContext(context.Background(), "a context from elsewhere")

	got := lines(t, &buf)
	if len(got) != 3 {
		t.Fatalf("%d lines, want 3", len(got))
	}
	keys := slices.Sorted(maps.Keys(got[0]))
	if want := []string{"level", "message", "page", "requestId", "timestamp"}; !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v: %v", keys, want, got[0])
	}
	if got[0]["requestId"] != "8476a536-e9f4-11e8-9739-2dfe598c3fcd" || got[0]["message"] != "lead captured" ||
		got[0]["level"] != "INFO" || got[0]["page"] != "playbook" {
		t.Errorf("record %v, want the request id, message, level and attrs", got[0])
	}
	if ts, _ := got[0]["timestamp"].(string); ts == "" {
		t.Errorf("timestamp %v, want the record's time", got[0]["timestamp"])
	} else if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
		t.Errorf("timestamp %q: %v", ts, err)
	}
	for _, m := range got[1:] {
		if _, ok := m["requestId"]; ok {
			t.Errorf("record %v has a requestId without an invocation", m)
		}
	}
}

// The first invocation's lines say coldStart: true, at the top even under groups;
// the others' have no coldStart.
func TestColdStartMarksTheFirstInvocation(t *testing.T) {
	var buf bytes.Buffer
	log := lambdalog.New(&buf)
	grouped := log.WithGroup("lead")

	first := lambdaruntime.WithColdStart(invocation("req-cold"))
	log.InfoContext(first, "first")
	grouped.InfoContext(first, "first, grouped", "page", "playbook")
	log.InfoContext(invocation("req-warm"), "second")

	got := lines(t, &buf)
	if len(got) != 3 {
		t.Fatalf("%d lines, want 3", len(got))
	}
	for _, m := range got[:2] {
		if m["coldStart"] != true || m["requestId"] != "req-cold" {
			t.Errorf("record %v, want coldStart true and the request id at the top", m)
		}
	}
	if lead, _ := got[1]["lead"].(map[string]any); lead["page"] != "playbook" || lead["coldStart"] != nil {
		t.Errorf("grouped record %v, want the page in lead and coldStart outside it", got[1])
	}
	if _, ok := got[2]["coldStart"]; ok || got[2]["requestId"] != "req-warm" {
		t.Errorf("record %v, want the request id and no coldStart", got[2])
	}
}

func TestRequestIDStaysAtTheTopWithGroupsAndAttrs(t *testing.T) {
	var buf bytes.Buffer
	log := lambdalog.New(&buf).With("function", "capture").WithGroup("lead").With("page", "playbook")

	log.WarnContext(invocation("req-1"), "repeat submission", "source", "linkedin")
	log.Warn("outside an invocation", "source", "newsletter")

	got := lines(t, &buf)
	if len(got) != 2 {
		t.Fatalf("%d lines, want 2", len(got))
	}
	lead, _ := got[0]["lead"].(map[string]any)
	if got[0]["requestId"] != "req-1" || got[0]["function"] != "capture" || got[0]["message"] != "repeat submission" ||
		lead["page"] != "playbook" || lead["source"] != "linkedin" || lead["requestId"] != nil {
		t.Errorf("record %v, want requestId, message and function at the top, page and source in lead", got[0])
	}
	lead, _ = got[1]["lead"].(map[string]any)
	if _, ok := got[1]["requestId"]; ok || got[1]["function"] != "capture" || lead["source"] != "newsletter" {
		t.Errorf("record %v, want no requestId, the logger's attrs and the group", got[1])
	}
}

func TestLevelFromLambdaLoggingConfig(t *testing.T) {
	for _, tc := range []struct {
		env       string
		wantLines int
	}{
		{env: "", wantLines: 2},      // INFO and WARN
		{env: "DEBUG", wantLines: 3}, // all
		{env: "WARN", wantLines: 1},
		{env: "ERROR", wantLines: 0},
		{env: "bogus", wantLines: 2},
	} {
		t.Run("AWS_LAMBDA_LOG_LEVEL="+tc.env, func(t *testing.T) {
			t.Setenv("AWS_LAMBDA_LOG_LEVEL", tc.env)
			var buf bytes.Buffer
			log := lambdalog.New(&buf)
			ctx := invocation("req-2")
			log.DebugContext(ctx, "d")
			log.InfoContext(ctx, "i")
			log.WarnContext(ctx, "w")
			if got := lines(t, &buf); len(got) != tc.wantLines {
				t.Errorf("%d lines, want %d: %v", len(got), tc.wantLines, got)
			}
		})
	}
}
