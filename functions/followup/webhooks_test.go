package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/pipeline"
	"leadgate/shared/webhooks"
)

// TestStreamBatchDeliversWebhooksOnce runs the fixture's batch through the handler
// twice, as a retried batch: each download's magnet.downloaded reaches the receiver
// once, with one webhook-id.
func TestStreamBatchDeliversWebhooksOnce(t *testing.T) {
	ctx := context.Background()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var (
		mu  sync.Mutex
		ids = map[string]int{}
	)
	rx := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids[r.Header.Get(webhooks.HeaderID)]++
		mu.Unlock()
	}))
	defer rx.Close()
	e := storetest.Endpoint("crm")
	e.URL, e.Events, e.Pages = rx.URL, []string{leadgate.EventMagnetDownloaded, leadgate.EventLeadCreated}, nil
	if err := store.PutWebhookEndpoint(ctx, e); err != nil {
		t.Fatal(err)
	}
	// The local policy: the receiver is on loopback.
	hooks := webhooks.New(store, webhooks.NewSender(webhooks.LocalPolicy), time.Now, nil)
	h := lambda.NewHandler(handler(pipeline.New(store, noFollowUp, time.Now, hooks), 4))
	var batch events.DynamoDBEvent
	data := loadFixture(t)
	if err := json.Unmarshal(data, &batch); err != nil {
		t.Fatal(err)
	}
	// The downloads' leads, as the table holds them: a download of a lead gone
	// (erased) is announced to nobody. The fixture counts two downloads.
	const downloads = 2
	page := storetest.Page("stream-fixture")
	for _, r := range batch.Records {
		if r.EventName == "MODIFY" && r.Change.NewImage["item_type"].String() == "grant" {
			email := r.Change.NewImage["email"].String()
			if _, err := store.LeadByEmail(ctx, email); err == nil {
				continue
			}
			if _, err := store.Capture(ctx, storetest.Capture(page, email, storetest.T0, "x")); err != nil {
				t.Fatal(err)
			}
		}
	}
	for range 2 {
		out, err := h.Invoke(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		var res events.DynamoDBEventResponse
		if err := json.Unmarshal(out, &res); err != nil || len(res.BatchItemFailures) != 0 {
			t.Fatalf("failures %s %v", out, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(ids) != downloads {
		t.Fatalf("deliveries %v, want one for each of the %d downloads", ids, downloads)
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
}
