// Package sestest reads what the local SES emulator (infra/local/ses-local.sh) kept
// of the messages sent to it, for tests that check an email went out.
package sestest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"
)

// Email is one message in the emulator's GET /store answer (its Email type).
type Email struct {
	MessageID   string   `json:"messageId"`
	From        string   `json:"from"`
	ReplyTo     []string `json:"replyTo"`
	Destination struct {
		To []string `json:"to"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		Text string `json:"text"`
		HTML string `json:"html"`
	} `json:"body"`
	Headers []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"headers"`
	At int64 `json:"at"` // Unix seconds
}

// To reports whether the message went to address alone.
func (e Email) To(address string) bool {
	return len(e.Destination.To) == 1 && e.Destination.To[0] == address
}

// Header returns the value of the message's header name, "" if it has none.
func (e Email) Header(name string) string {
	for _, h := range e.Headers {
		if h.Name == name {
			return h.Value
		}
	}
	return ""
}

// Emails returns every message the emulator at endpoint keeps, oldest first; it
// fails the test if the emulator does not answer within 30 seconds.
func Emails(tb testing.TB, endpoint string) []Email {
	tb.Helper()
	var store struct {
		Emails []Email `json:"emails"`
	}
	GetJSON(tb, endpoint+"/store", &store)
	return store.Emails
}

// GetJSON decodes the JSON answer of GET u into v; it fails the test on any error or
// a status other than 200.
func GetJSON(tb testing.TB, u string, v any) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("GET %s: %v", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: status %d: %s", u, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("GET %s: %v in %s", u, err, b)
	}
}
