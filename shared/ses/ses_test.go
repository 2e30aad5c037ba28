package ses_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"leadgate/shared/mailtest"
	"leadgate/shared/ses"
	"leadgate/shared/ses/sestest"
	"leadgate/shared/testenv"
)

const endpointEnv = "LEADGATE_SES_ENDPOINT"

// endpoint returns the emulator's endpoint, skipping the test without one (and
// failing it under CI, where a missing emulator must not pass unnoticed).
func endpoint(t *testing.T) string {
	t.Helper()
	return testenv.Endpoint(t, endpointEnv, "start aws-ses-v2-local with "+
		"`bash infra/local/ses-local.sh install && bash infra/local/ses-local.sh start` "+
		"and run with "+endpointEnv+"=http://127.0.0.1:8005")
}

// newClient builds the real SDK client against the emulator, which takes any
// credentials that are signed at all, with the deployment's options.
func newClient(t *testing.T) *sesv2.Client {
	t.Helper()
	return sesv2.New(sesv2.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
		BaseEndpoint: aws.String(endpoint(t)),
	}, ses.ClientOptions())
}

// store returns every message the emulator keeps, oldest first.
func store(t *testing.T) []sestest.Email { return sestest.Emails(t, endpoint(t)) }

// eml returns the MIME the emulator builds for a message. The emulator answers a
// Node Buffer as JSON: {"body": {"type": "Buffer", "data": [bytes]}}.
func eml(t *testing.T, id string) []byte {
	t.Helper()
	var e struct {
		MessageID string `json:"messageId"`
		Body      struct {
			Type string `json:"type"`
			Data []byte `json:"-"`
			Raw  []int  `json:"data"`
		} `json:"body"`
	}
	sestest.GetJSON(t, endpoint(t)+"/get-emlContent?messageId="+url.QueryEscape(id), &e)
	if e.MessageID != id || e.Body.Type != "Buffer" {
		t.Fatalf("get-emlContent for %s: message %q body type %q", id, e.MessageID, e.Body.Type)
	}
	raw := make([]byte, len(e.Body.Raw))
	for i, b := range e.Body.Raw {
		raw[i] = byte(b)
	}
	return raw
}

// newHarness returns a mailer on the emulator. The emulator's store is shared, so
// the harness counts as its own only the messages that arrived after it was made.
func newHarness(t *testing.T) mailtest.Harness {
	var before []string
	for _, e := range store(t) {
		before = append(before, e.MessageID)
	}
	return mailtest.Harness{
		Mailer: ses.New(newClient(t), ses.Options{ConfigurationSetName: "leadgate-test"}),
		Sent: func(t *testing.T) [][]byte {
			t.Helper()
			var sent [][]byte
			for _, e := range store(t) {
				if !slices.Contains(before, e.MessageID) {
					sent = append(sent, eml(t, e.MessageID))
				}
			}
			return sent
		},
		Message: eml,
	}
}

func TestConformance(t *testing.T) {
	endpoint(t)
	mailtest.RunConformanceTests(t, newHarness)
}

// TestStoredAsSent checks what the emulator kept of a message, as its API gives it:
// the custom headers travel in the Simple message's Headers field and arrive.
func TestStoredAsSent(t *testing.T) {
	client := newClient(t)
	id := mailtest.MustSend(t, ses.New(client, ses.Options{}), mailtest.FullMessage())
	i := slices.IndexFunc(store(t), func(e sestest.Email) bool { return e.MessageID == id })
	if i < 0 {
		t.Fatalf("message %s is not in the emulator's store", id)
	}
	e := store(t)[i]
	headers := map[string]string{}
	for _, h := range e.Headers {
		headers[h.Name] = h.Value
	}
	want := map[string]string{"List-Unsubscribe": mailtest.Unsubscribe, "List-Unsubscribe-Post": mailtest.OneClick}
	if fmt.Sprint(headers) != fmt.Sprint(want) {
		t.Errorf("stored headers %v, want %v", headers, want)
	}
	if e.Subject != mailtest.Subject || e.Body.Text != mailtest.Text || e.Body.HTML != mailtest.HTML {
		t.Errorf("stored subject %q text %q html %q, want the message's", e.Subject, e.Body.Text, e.Body.HTML)
	}
	if e.From != "=?utf-8?q?=C3=89quipe_Leadgate?= <hello@example.com>" ||
		fmt.Sprint(e.Destination.To) != `["Ada Lovelace" <ada@example.com>]` ||
		fmt.Sprint(e.ReplyTo) != `["Leadgate Sales" <sales@example.com>]` {
		t.Errorf("stored from %q to %q reply-to %q", e.From, e.Destination.To, e.ReplyTo)
	}
}
