package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
	"leadgate/shared/pipeline"
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
	h := lambda.NewHandler(handler(pipeline.New(store, noFollowUp, time.Now), 4))
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
	out, err := lambda.NewHandler(handler(pipeline.New(store, noFollowUp, time.Now), 4)).Invoke(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	var res events.DynamoDBEventResponse
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	// The broken record fails with the later records of its item (their order is
	// kept); every other record succeeds.
	pk := e.Records[broken].Change.Keys["pk"].String()
	var want []string
	for _, r := range e.Records[broken:] {
		if r.Change.Keys["pk"].String() == pk {
			want = append(want, r.Change.SequenceNumber)
		}
	}
	var got []string
	for _, f := range res.BatchItemFailures {
		got = append(got, f.ItemIdentifier)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("failures %v, want %v: the broken record and the later records of its item", got, want)
	}
	if strings.Contains(string(out), "many") {
		t.Fatal("the answer echoes record data")
	}
}

// noFollowUp stands in for the email service: these tests are about counting.
var noFollowUp = pipeline.ReactionFunc(func(context.Context, leadgate.Change) error { return nil })

func TestSetupRefusesMissingSettings(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	base := map[string]string{"TABLE_NAME": "leads", "FORM_SIGNING_SECRET": strings.Repeat("s", 32),
		"PUBLIC_BASE_URL": "https://api.example.com", "SENDER_ADDRESS": "hello@example.com"}
	for name, want := range map[string]string{"TABLE_NAME": "TABLE_NAME", "FORM_SIGNING_SECRET": "FORM_SIGNING_SECRET",
		"PUBLIC_BASE_URL": "PUBLIC_BASE_URL", "SENDER_ADDRESS": "SENDER_ADDRESS"} {
		env := maps.Clone(base)
		delete(env, name)
		if _, err := setup(context.Background(), func(k string) string { return env[k] }, log); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("without %s: %v", name, err)
		}
	}
}
