package webhooks_test

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"testing"

	"leadgate/shared/leadgate"
	"leadgate/shared/webhooks"
)

// TestDocumentedExamples checks docs/webhooks.md's examples: one of each event
// type, each with only the fields the payloads have.
func TestDocumentedExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/webhooks.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, block := range regexp.MustCompile("(?s)```json\n(.*?)```").FindAllSubmatch(doc, -1) {
		dec := json.NewDecoder(bytes.NewReader(block[1]))
		dec.DisallowUnknownFields()
		var ev webhooks.Event
		if err := dec.Decode(&ev); err != nil {
			t.Errorf("example %.60s…: %v", block[1], err)
			continue
		}
		if ev.Timestamp.IsZero() {
			t.Errorf("%s example has no timestamp", ev.Type)
		}
		seen[ev.Type] = true
	}
	for _, typ := range append(slices.Clone(leadgate.WebhookEvents), leadgate.EventWebhookTest) {
		if !seen[typ] {
			t.Errorf("docs/webhooks.md has no example of %s", typ)
		}
	}
}
