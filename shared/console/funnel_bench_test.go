package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/console"
	"leadgate/shared/consoleauth"
	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

// BenchmarkFunnelPages renders the funnel of one page, of every page, and the
// deliverability page on an embedded store holding 40 pages with 35 days of
// counters each, 4 sources a day, and 35 days of mail counts; it reports each
// page's median server time (funnel-page-p50-ms, funnel-all-p50-ms,
// deliverability-p50-ms; the target is 100 ms) over the default 30 days. The
// counters are what the pages read: the number of leads behind them does not
// change the work.
func BenchmarkFunnelPages(b *testing.B) {
	const pages, days, sources = 40, 35, 4
	store, err := bolt.Open(filepath.Join(b.TempDir(), "leads.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	key, _ := signing.NewKey([]byte(goldenSecret))
	if err := store.PutSession(ctx, leadgate.NewSession(goldenSession, "ada@example.com", goldenNow.Add(-time.Hour))); err != nil {
		b.Fatal(err)
	}
	// Concurrent counts share the store's commits: the fill takes seconds.
	var wg sync.WaitGroup
	fail := make(chan error, pages)
	for p := range pages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fail <- fillPage(ctx, store, p, days, sources)
		}()
	}
	wg.Wait()
	close(fail)
	for err := range fail {
		if err != nil {
			b.Fatal(err)
		}
	}
	for d := range days {
		at := goldenNow.AddDate(0, 0, -d)
		send, _, _ := store.ClaimSend(ctx, "a@example.com", "delivery#"+strconv.Itoa(d), at, time.Minute)
		send.Status, send.SentAt = leadgate.SendSent, at
		if err := store.FinishSend(ctx, send); err != nil {
			b.Fatal(err)
		}
	}
	users, _ := leadgate.ParseConsoleUsers("ada@example.com")
	now := func() time.Time { return goldenNow }
	c, err := console.New(console.Config{
		Auth: consoleauth.New(store, key, consoleauth.DefaultConfig(users), now), Admin: newAdmin(b, store, key, now), Store: store, Key: key,
		Mailer: &mailbox{}, BaseURL: "https://console.example.com", From: "console@example.com", Now: now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	h := c.Handler()
	median := func(target string) float64 {
		var times []float64
		for range 31 {
			r := httptest.NewRequest("GET", target, nil)
			r.AddCookie(&http.Cookie{Name: console.CookieName, Value: goldenSession})
			w := httptest.NewRecorder()
			t0 := time.Now()
			h.ServeHTTP(w, r)
			times = append(times, float64(time.Since(t0))/float64(time.Millisecond))
			if w.Code != 200 {
				b.Fatalf("%s: %d", target, w.Code)
			}
		}
		slices.Sort(times)
		return times[len(times)/2]
	}
	var page, all, deliv float64
	for b.Loop() {
		page = median(console.FunnelPath + "?page=page-7")
		all = median(console.FunnelPath)
		deliv = median(console.DeliverabilityPath)
	}
	b.ReportMetric(page, "funnel-page-p50-ms")
	b.ReportMetric(all, "funnel-all-p50-ms")
	b.ReportMetric(deliv, "deliverability-p50-ms")
}

// fillPage stores page number p with a count of a view and a lead per source and
// day, and a spend per campaign.
func fillPage(ctx context.Context, store *bolt.Store, p, days, sources int) error {
	slug := "page-" + strconv.Itoa(p)
	page := leadgate.Page{Slug: slug, Title: "Page " + strconv.Itoa(p), MagnetID: "m", OptIn: leadgate.OptInSingle, ThankYouURL: "/p/" + slug + "/thanks",
		Fields: []leadgate.Field{{Name: "email", Label: "Email", Type: leadgate.FieldEmail, Required: true}}}
	if err := store.PutPage(ctx, page); err != nil {
		return err
	}
	for src := range sources {
		campaign := "campaign-" + strconv.Itoa(src)
		source := leadgate.NewSource("source-"+strconv.Itoa(src), "cpc", campaign)
		for d := range days {
			day := leadgate.Day(goldenNow.AddDate(0, 0, -d))
			if err := store.CountView(ctx, slug, day, source); err != nil {
				return err
			}
			sub := leadgate.Submission{ID: slug + source.Key() + day, Page: slug, At: goldenNow.AddDate(0, 0, -d),
				Attribution: leadgate.Attribution{UTMSource: source.Source, UTMMedium: source.Medium, UTMCampaign: campaign}}
			if err := store.CountLead(ctx, sub); err != nil {
				return err
			}
		}
		if err := store.PutSpend(ctx, leadgate.Spend{Page: slug, Campaign: campaign, Amount: 100, Currency: "EUR"}); err != nil {
			return err
		}
	}
	return nil
}
