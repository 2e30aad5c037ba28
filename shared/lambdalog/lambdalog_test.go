package lambdalog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"leadgate/shared/lambdalog"
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

func TestRequestIDFromTheInvocationContext(t *testing.T) {
	var buf bytes.Buffer
	log := lambdalog.New(&buf)

	log.InfoContext(invocation("8476a536-e9f4-11e8-9739-2dfe598c3fcd"), "lead captured", "page", "playbook")
	log.Info("no context")
	log.InfoContext(context.Background(), "a context from elsewhere")

	got := lines(t, &buf)
	if len(got) != 3 {
		t.Fatalf("%d lines, want 3", len(got))
	}
	if got[0]["request_id"] != "8476a536-e9f4-11e8-9739-2dfe598c3fcd" || got[0]["msg"] != "lead captured" ||
		got[0]["level"] != "INFO" || got[0]["page"] != "playbook" || got[0]["time"] == nil {
		t.Errorf("record %v, want the request id, message, level, time and attrs", got[0])
	}
	for _, m := range got[1:] {
		if _, ok := m["request_id"]; ok {
			t.Errorf("record %v has a request_id without an invocation", m)
		}
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
	if got[0]["request_id"] != "req-1" || got[0]["function"] != "capture" ||
		lead["page"] != "playbook" || lead["source"] != "linkedin" || lead["request_id"] != nil {
		t.Errorf("record %v, want request_id and function at the top, page and source in lead", got[0])
	}
	lead, _ = got[1]["lead"].(map[string]any)
	if _, ok := got[1]["request_id"]; ok || got[1]["function"] != "capture" || lead["source"] != "newsletter" {
		t.Errorf("record %v, want no request_id, the logger's attrs and the group", got[1])
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
