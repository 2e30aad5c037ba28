package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"leadgate/shared/bolt"
	"leadgate/shared/downloads"
)

// The fixture holds real stream records of captures and two counted downloads on the
// page stream-fixture, made with DynamoDB Local (see shared/dynamodb's tests).
func loadFixture(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "events", "dynamodb-stream-captures.json"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestStreamBatchCountsDownloadsOnce(t *testing.T) {
	ctx := context.Background()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h := lambda.NewHandler(handler(downloads.NewCounter(store).HandleChange))
	data := loadFixture(t)
	// The same batch delivered twice, as a retried batch would be.
	for range 2 {
		out, err := h.Invoke(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		var res events.DynamoDBEventResponse
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatal(err)
		}
		if len(res.BatchItemFailures) != 0 {
			t.Fatalf("failures %+v", res.BatchItemFailures)
		}
	}
	c, err := store.DailyCounts(ctx, "stream-fixture", "2026-03-02")
	if err != nil || c.Downloads != 2 {
		t.Fatalf("daily counts %+v (%v), want 2 downloads", c, err)
	}
}

func TestPoisonRecordIsReportedWithTheRest(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var e events.DynamoDBEvent
	if err := json.Unmarshal(loadFixture(t), &e); err != nil {
		t.Fatal(err)
	}
	// Break the first grant record that counts a download: its downloads become text.
	broken := -1
	for i, r := range e.Records {
		img := r.Change.NewImage
		if r.EventName == "MODIFY" && img["item_type"].String() == "grant" {
			img["downloads"] = events.NewStringAttribute("many")
			broken = i
			break
		}
	}
	if broken < 0 {
		t.Fatal("fixture has no grant MODIFY")
	}
	data, _ := json.Marshal(e)
	out, err := lambda.NewHandler(handler(downloads.NewCounter(store).HandleChange)).Invoke(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	var res events.DynamoDBEventResponse
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.BatchItemFailures) != len(e.Records)-broken || res.BatchItemFailures[0].ItemIdentifier != e.Records[broken].Change.SequenceNumber {
		t.Fatalf("failures %+v, want the broken record (%d) and every later one", res.BatchItemFailures, broken)
	}
	if strings.Contains(string(out), "many") {
		t.Fatal("the answer echoes record data")
	}
}

func TestSetupNeedsTheTable(t *testing.T) {
	if _, err := setup(context.Background(), func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "TABLE_NAME") {
		t.Fatalf("setup error %v", err)
	}
}
