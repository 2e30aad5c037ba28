package dynamodb_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"leadgate/shared/admin"
	"leadgate/shared/console"
	"leadgate/shared/consoleauth"
	"leadgate/shared/dynamodb"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/signing"
)

// consolePages is how many pages the console's lists are counted over.
const consolePages = 30

// The console's lists read every page at once: the pages list and the funnel of
// every page make at most 3 DynamoDB requests for their data (besides the session's
// one UpdateItem that every console page makes), whatever the number of pages.
func TestConsoleListRequests(t *testing.T) {
	counting := &countingTransport{next: http.DefaultTransport}
	client := newClient(t, &http.Client{Transport: counting})
	s := dynamodb.New(client, newTable(t, client))
	ctx := testContext(t)
	now := storetest.T0.Add(12 * time.Hour)
	clock := func() time.Time { return now }

	// 30 pages, each with views and leads on 30 days from two sources, a spend,
	// and a lead (stage counters).
	for i := range consolePages {
		p := storetest.Page(fmt.Sprintf("page-%02d", i))
		if err := s.PutPage(ctx, p); err != nil {
			t.Fatal(err)
		}
		for d := range 30 {
			day := leadgate.Day(now.AddDate(0, 0, -d))
			for _, src := range []leadgate.Source{leadgate.NewSource("google", "cpc", "spring"), {}} {
				if err := s.CountView(ctx, p.Slug, day, src); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := s.PutSpend(ctx, leadgate.Spend{Page: p.Slug, Campaign: "spring", Amount: 10, Currency: "EUR", UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Capture(ctx, storetest.Capture(p, fmt.Sprintf("lead%02d@example.com", i), now, "google")); err != nil {
			t.Fatal(err)
		}
	}

	key, err := signing.NewKey([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	users, err := leadgate.ParseConsoleUsers("ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	c, err := console.New(console.Config{
		Auth: consoleauth.New(s, key, consoleauth.DefaultConfig(users), clock), Admin: admin.New(s, nil, key, clock),
		Store: s, Key: key, Mailer: noMail{}, BaseURL: "https://console.example.com", From: "console@example.com",
		Now: clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	token := consoleauth.NewToken()
	if err := s.PutSession(ctx, leadgate.NewSession(token, "ada@example.com", now)); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{console.PagesPath, console.FunnelPath, console.FunnelPath + "?from=" + leadgate.Day(now.AddDate(0, 0, -365))} {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "https://console.example.com"+path, nil)
		req.AddCookie(&http.Cookie{Name: console.CookieName, Value: token})
		rec := httptest.NewRecorder()
		before := counting.n.Load()
		c.Handler().ServeHTTP(rec, req)
		ops := counting.since(before)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, rec.Code)
		}
		// The session's check is one UpdateItem; the rest reads the list's data.
		data := slices.DeleteFunc(slices.Clone(ops), func(op string) bool { return op == "UpdateItem" })
		if len(ops)-len(data) != 1 || len(data) > 3 {
			t.Errorf("GET %s with %d pages: %d requests %v, want the session's UpdateItem and at most 3 more", path, consolePages, len(ops), ops)
		}
		t.Logf("GET %s with %d pages: %d requests %v", path, consolePages, len(ops), ops)
	}
}

type noMail struct{}

func (noMail) Send(context.Context, leadgate.Message) (string, error) { return "", nil }
