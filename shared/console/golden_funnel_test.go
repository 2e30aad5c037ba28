package console_test

import (
	"context"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/console"
	"leadgate/shared/golden"
	"leadgate/shared/leadgate"
)

// The funnel of one page (with spends, one of them on a campaign with no lead),
// of every page, of a store without pages, and the deliverability page.
func TestGoldenFunnelPages(t *testing.T) {
	s := newGoldenSite(t, false)
	store := s.store
	ctx := context.Background()
	countSource(t, store, "spring-guide", goldenNow, leadgate.NewSource("ads", "cpc", "spring"), 40, 9)
	countSource(t, store, "webinar", goldenNow.AddDate(0, 0, -2), leadgate.NewSource("", "", ""), 12, 2)
	for _, sp := range []leadgate.Spend{
		{Page: "spring-guide", Campaign: "spring", Amount: 540, Currency: "EUR"},
		{Page: "spring-guide", Campaign: "<autumn>", Amount: 80, Currency: "EUR"},
		{Page: "webinar", Campaign: "spring", Amount: 12.5, Currency: "USD"},
	} {
		if err := store.PutSpend(ctx, sp); err != nil {
			t.Fatal(err)
		}
	}
	finishSend(t, store, "a@example.com", "delivery#1", goldenNow, leadgate.SendSent)
	finishSend(t, store, "b@example.com", "delivery#2", goldenNow.AddDate(0, 0, -3), leadgate.SendSent)
	finishSend(t, store, "c@example.com", "confirm#3", goldenNow.AddDate(0, 0, -3), leadgate.SendFailed)
	for _, tc := range []struct{ name, target string }{
		{"funnel-page", console.FunnelPath + "?page=spring-guide&from=2026-02-20&to=2026-03-02"},
		{"funnel-all", console.FunnelPath + "?from=2026-02-24&to=2026-03-02"},
		{"deliverability", console.DeliverabilityPath + "?from=2026-02-25&to=2026-03-02"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			golden.Check(t, tc.name+".html", s.page(t, "GET", tc.target, nil, true, 200))
		})
	}
	t.Run("funnel-invalid", func(t *testing.T) {
		golden.Check(t, "funnel-invalid.html", s.page(t, "GET", console.FunnelPath+"?from=2026-03-05&to=2026-03-01", nil, true, 422))
	})
	t.Run("funnel-empty", func(t *testing.T) {
		golden.Check(t, "funnel-empty.html", newGoldenSite(t, true).page(t, "GET", console.FunnelPath, nil, true, 200))
	})
}

func finishSend(t *testing.T, store *bolt.Store, email, key string, at time.Time, status leadgate.SendStatus) {
	t.Helper()
	send, _, err := store.ClaimSend(context.Background(), email, key, at, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	send.Status = status
	if status == leadgate.SendSent {
		send.SentAt = at
	}
	if err := store.FinishSend(context.Background(), send); err != nil {
		t.Fatal(err)
	}
}
