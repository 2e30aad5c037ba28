package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

var update = flag.Bool("update", false, "rewrite the events/ files")

var at = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func snsEvent(message map[string]any) events.SNSEvent {
	body, _ := json.Marshal(message)
	return events.SNSEvent{Records: []events.SNSEventRecord{{
		EventVersion: "1.0", EventSource: "aws:sns",
		EventSubscriptionArn: "arn:aws:sns:eu-west-1:123456789012:leadgate-ses-events:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
		SNS: events.SNSEntity{
			Type: "Notification", MessageID: "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
			TopicArn: "arn:aws:sns:eu-west-1:123456789012:leadgate-ses-events", Subject: "", Message: string(body),
			Timestamp: at.Add(time.Minute), SignatureVersion: "1", Signature: "EXAMPLE",
			SigningCertURL:    "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem",
			UnsubscribeURL:    "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
			MessageAttributes: map[string]any{},
		},
	}}}
}

func mail(id, to string) map[string]any {
	return map[string]any{"timestamp": at.Format(time.RFC3339Nano), "source": "Leadgate <hello@example.com>",
		"sourceArn": "arn:aws:ses:eu-west-1:123456789012:identity/example.com", "sendingAccountId": "123456789012",
		"messageId": id, "destination": []string{to}, "headersTruncated": false,
		"tags": map[string][]string{"kind": {"delivery"}, "page": {"lead-gen-playbook"}, "ses:configuration-set": {"leadgate-dev"}}}
}

var fixtures = []struct {
	file  string
	event events.SNSEvent
	email string
	check func(t *testing.T, l leadgate.Lead)
}{
	{"sns-ses-bounce-permanent.json", snsEvent(map[string]any{"eventType": "Bounce",
		"bounce": map[string]any{"bounceType": "Permanent", "bounceSubType": "General", "timestamp": at.Format(time.RFC3339Nano),
			"feedbackId": "0100018c-hard", "reportingMTA": "dsn; mta.example.com",
			"bouncedRecipients": []map[string]string{{"emailAddress": "Hard.Bounce@Example.com", "action": "failed", "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 user unknown"}}},
		"mail": mail("0100018c-msg-hard", "hard.bounce@example.com")}), "hard.bounce@example.com",
		func(t *testing.T, l leadgate.Lead) {
			if l.Status != leadgate.StatusBounced || l.Reachable() {
				t.Fatalf("hard bounce left %s", l.Status)
			}
		}},
	{"sns-ses-bounce-transient.json", snsEvent(map[string]any{"eventType": "Bounce",
		"bounce": map[string]any{"bounceType": "Transient", "bounceSubType": "MailboxFull", "timestamp": at.Format(time.RFC3339Nano),
			"feedbackId": "0100018c-soft", "bouncedRecipients": []map[string]string{{"emailAddress": "full@example.com", "status": "4.2.2"}}},
		"mail": mail("0100018c-msg-soft", "full@example.com")}), "full@example.com",
		func(t *testing.T, l leadgate.Lead) {
			if l.Status != leadgate.StatusActive || l.SoftBounces != 1 {
				t.Fatalf("soft bounce: %s, %d counted; want active, 1 (counted once however often delivered)", l.Status, l.SoftBounces)
			}
		}},
	{"sns-ses-complaint.json", snsEvent(map[string]any{"eventType": "Complaint",
		"complaint": map[string]any{"complaintFeedbackType": "abuse", "timestamp": at.Format(time.RFC3339Nano), "feedbackId": "0100018c-complaint",
			"userAgent": "ExampleCorp Feedback Loop (V0.01)", "complainedRecipients": []map[string]string{{"emailAddress": "angry@example.com"}}},
		"mail": mail("0100018c-msg-complaint", "angry@example.com")}), "angry@example.com",
		func(t *testing.T, l leadgate.Lead) {
			if l.Status != leadgate.StatusComplained || l.Consent.Given {
				t.Fatalf("complaint left %s, consent %v", l.Status, l.Consent.Given)
			}
		}},
	{"sns-ses-delivery.json", snsEvent(map[string]any{"eventType": "Delivery",
		"delivery": map[string]any{"timestamp": at.Format(time.RFC3339Nano), "recipients": []string{"fine@example.com"}, "smtpResponse": "250 2.6.0 Message received"},
		"mail":     mail("0100018c-msg-ok", "fine@example.com")}), "fine@example.com",
		func(t *testing.T, l leadgate.Lead) {
			if l.Status != leadgate.StatusActive || l.SoftBounces != 0 {
				t.Fatalf("a delivery changed the lead: %s", l.Status)
			}
		}},
}

func TestSESEventsSuppress(t *testing.T) {
	if *update {
		for _, f := range fixtures {
			data, _ := json.MarshalIndent(f.event, "", "  ")
			if err := os.WriteFile(filepath.Join("..", "..", "events", f.file), append(data, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range fixtures {
		t.Run(f.file, func(t *testing.T) {
			ctx := context.Background()
			store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			p := storetest.Page("p")
			if _, err := store.Capture(ctx, storetest.Capture(p, f.email, storetest.T0, "x")); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join("..", "..", "events", f.file))
			if err != nil {
				t.Fatalf("%v (go test ./functions/ses-events -update writes it)", err)
			}
			h := lambda.NewHandler(handler(store, slog.New(slog.NewTextHandler(io.Discard, nil))))
			for range 2 { // SNS delivers at least once
				if _, err := h.Invoke(ctx, data); err != nil {
					t.Fatal(err)
				}
			}
			l, err := store.LeadByEmail(ctx, f.email)
			if err != nil {
				t.Fatal(err)
			}
			f.check(t, l)
		})
	}
}

func TestSetupNeedsTheTable(t *testing.T) {
	if _, err := setup(context.Background(), func(string) string { return "" }, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil {
		t.Fatal("no error without TABLE_NAME")
	}
}
