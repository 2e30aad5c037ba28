package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/console"
	"leadgate/shared/consoleauth"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/outbox"
	"leadgate/shared/signing"
)

// newSiteWith is newSite with the console's optional parts set by tune.
func newSiteWith(t *testing.T, tune func(*console.Config)) *site {
	t.Helper()
	dir := t.TempDir()
	store, err := bolt.Open(filepath.Join(dir, "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	s := &site{store: store, clock: &clock{t: t0}}
	if s.box, err = outbox.New(filepath.Join(dir, "outbox"), s.clock.now); err != nil {
		t.Fatal(err)
	}
	key, err := signing.NewKey([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	list, err := leadgate.ParseConsoleUsers(users)
	if err != nil {
		t.Fatal(err)
	}
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	cfg := console.Config{
		Auth: consoleauth.New(store, key, consoleauth.DefaultConfig(list), s.clock.now), Admin: newAdmin(t, store, key, s.clock.now), Store: store, Key: key, Mailer: s.box,
		BaseURL: srv.URL, From: "console@example.com", Now: s.clock.now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if tune != nil {
		tune(&cfg)
	}
	c, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	handler = c.Handler()
	return s
}

// countSource counts views and leads of one source on a page's day.
func countSource(t *testing.T, store *bolt.Store, page string, at time.Time, src leadgate.Source, views, leads int) {
	t.Helper()
	ctx := context.Background()
	for range views {
		if err := store.CountView(ctx, page, leadgate.Day(at), src); err != nil {
			t.Fatal(err)
		}
	}
	for i := range leads {
		sub := leadgate.Submission{ID: page + src.Key() + at.Format("20060102") + string(rune('a'+i)), Page: page, At: at,
			Attribution: leadgate.Attribution{UTMSource: src.Source, UTMMedium: src.Medium, UTMCampaign: src.Campaign}}
		if err := store.CountLead(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFunnelRange(t *testing.T) {
	s := newSiteWith(t, nil)
	s.seedPage(t)
	session := s.signIn(t, "ada@example.com")
	// By default the 30 days that end today (t0 is 2026-03-02).
	want(t, "default range", s.get(t, console.FunnelPath, session), 200,
		`<h1>Funnel: All pages</h1>`, `name="from" type="date" value="2026-02-01"`, `name="to" type="date" value="2026-03-02"`,
		`<a href="/console/funnel?from=2025-12-03&amp;to=2026-03-02">90 days</a>`,
		`<a href="/console/funnel?from=2026-02-01&amp;to=2026-03-02" aria-current="true">30 days</a>`,
		"at most 366 days at once")
	// A preset of one page keeps the page; its figures are the week's.
	r := s.get(t, console.FunnelPath+"?page=spring-guide&from=2026-02-24&to=2026-03-02", session)
	want(t, "7 days of a page", r, 200, `<h1>Funnel: The spring guide</h1>`,
		`href="/console/funnel?from=2026-02-24&amp;page=spring-guide&amp;to=2026-03-02" aria-current="true">7 days</a>`,
		`<li>Views<strong>4</strong>`, `<li>Leads<strong>1</strong><span class="muted">25.0% of views</span>`)
	for _, tc := range []struct{ query, field, message string }{
		{"from=2026-02-30&to=2026-03-02", "from", "a day such as 2026-01-02"},
		{"from=2026-03-02&to=yesterday", "to", "a day such as 2026-01-02"},
		{"from=2026-03-02&to=2026-03-01", "from", "from must not be after to"},
		{"from=2025-01-01&to=2026-03-02", "to", "at most 366 days at once"},
	} {
		r := s.get(t, console.FunnelPath+"?page=spring-guide&"+tc.query, session)
		want(t, tc.query, r, 422, `aria-invalid="true" aria-describedby="`+tc.field+`-error"`,
			`<p class="error" id="`+tc.field+`-error">`+tc.message+`</p>`)
		if strings.Contains(r.body, "Leads per day") {
			t.Fatalf("%s: a refused range shows figures", tc.query)
		}
	}
	want(t, "unknown page", s.get(t, console.FunnelPath+"?page=no-such-page", session), 404, "No such page")
}

func TestFunnelOnePageAndAllPages(t *testing.T) {
	s := newSiteWith(t, nil)
	s.seedPage(t)
	ctx := context.Background()
	other := leadgate.Page{Slug: "webinar", Title: "The webinar", MagnetID: "m", OptIn: leadgate.OptInSingle, ThankYouURL: "/p/webinar/thanks",
		Fields: []leadgate.Field{{Name: "email", Label: "Email", Type: leadgate.FieldEmail, Required: true}}}
	if err := s.store.PutPage(ctx, other); err != nil {
		t.Fatal(err)
	}
	countSource(t, s.store, "webinar", t0, leadgate.NewSource("newsletter", "email", "spring"), 6, 3)
	countSource(t, s.store, "webinar", t0, leadgate.NewSource("", "", ""), 10, 0)
	session := s.signIn(t, "ada@example.com")

	want(t, "one page", s.get(t, console.FunnelPath+"?page=webinar", session), 200,
		`<li>Views<strong>16</strong>`, `<li>Leads<strong>3</strong>`,
		`<tr><th scope="row">2026-03-02</th><td class="n">16</td><td class="n">3</td><td class="chart"><span class="meter w20"`,
		`<td>(direct)</td><td>(direct)</td><td>(direct)</td><td class="n">10</td><td class="n">0</td>`)
	// Every page: the days and sources summed over the pages (spring-guide: 4
	// views and 1 lead today, 6 and 2 twenty days ago).
	r := s.get(t, console.FunnelPath, session)
	want(t, "all pages", r, 200, `<li>Views<strong>26</strong>`, `<li>Leads<strong>6</strong>`,
		`<tr><th scope="row">2026-03-02</th><td class="n">20</td><td class="n">4</td>`,
		`<td>newsletter</td><td>email</td><td>spring</td><td class="n">16</td><td class="n">6</td>`,
		`<option value="" selected>All pages</option>`, `<th scope="col">Page</th>`)
	if strings.Contains(r.body, "Enter a campaign") {
		t.Fatal("the spend form is offered on every page together")
	}
}

// A campaign's spend reads once: on the campaign's row, not on each of its
// sources' rows; across pages, once per (page, campaign).
func TestSpendShownOncePerCampaign(t *testing.T) {
	s := newSiteWith(t, nil)
	s.seedPage(t)
	ctx := context.Background()
	countSource(t, s.store, "spring-guide", t0, leadgate.NewSource("ads", "cpc", "spring"), 5, 3)
	countSource(t, s.store, "quiet-page", t0, leadgate.NewSource("ads", "cpc", "spring"), 5, 2)
	for _, sp := range []leadgate.Spend{{Page: "spring-guide", Campaign: "spring", Amount: 120, Currency: "EUR"}, {Page: "quiet-page", Campaign: "spring", Amount: 30, Currency: "EUR"}} {
		if err := s.store.PutSpend(ctx, sp); err != nil {
			t.Fatal(err)
		}
	}
	session := s.signIn(t, "ada@example.com")
	// spring-guide over 30 days: 3 (newsletter) + 3 (ads) leads of the campaign.
	r := s.get(t, console.FunnelPath+"?page=spring-guide", session)
	want(t, "one page", r, 200, `<td>spring</td><td class="n">6</td><td class="n">120.00 EUR</td><td class="n">20.00 EUR</td>`)
	if n := strings.Count(r.body, "120.00 EUR"); n != 1 {
		t.Fatalf("the spend reads %d times, want once", n)
	}
	r = s.get(t, console.FunnelPath, session)
	want(t, "all pages", r, 200,
		`<td>quiet-page</td><td>spring</td><td class="n">2</td><td class="n">30.00 EUR</td><td class="n">15.00 EUR</td>`,
		`<td>spring-guide</td><td>spring</td><td class="n">6</td><td class="n">120.00 EUR</td><td class="n">20.00 EUR</td>`)
	if n := strings.Count(r.body, "120.00 EUR"); n != 1 {
		t.Fatalf("across pages the spend reads %d times, want once", n)
	}
}

func TestSpendForm(t *testing.T) {
	s := newSiteWith(t, nil)
	s.seedPage(t)
	session := s.signIn(t, "ada@example.com")
	csrf := s.csrf(t, session)
	form := func(campaign, amount, currency string) url.Values {
		return url.Values{"csrf": {csrf}, "page": {"spring-guide"}, "from": {"2026-02-24"}, "to": {"2026-03-02"},
			"campaign": {campaign}, "amount": {amount}, "currency": {currency}}
	}
	for _, tc := range []struct {
		name                    string
		form                    url.Values
		field, message, retyped string
	}{
		{"no amount", form("spring", "", "EUR"), "amount", "the amount spent on the campaign", `value="spring"`},
		{"not a number", form("spring", "12O", "EUR"), "amount", "a number such as 120.50", `value="12O"`},
		{"three decimals", form("spring", "1.005", "EUR"), "amount", "an amount with at most two decimals", `value="1.005"`},
		{"negative", form("spring", "-1", "EUR"), "amount", "an amount from 0 to 1e12", `value="-1"`},
		{"bad currency", form("spring", "10", "euro"), "currency", "an ISO 4217 currency code such as EUR", `value="EURO"`},
		{"no campaign", form("", "10", "EUR"), "campaign", "a utm_campaign value, 1 to 100 characters", `value="10"`},
	} {
		r := s.post(t, console.SpendPath, tc.form, session)
		want(t, tc.name, r, 422, `id="spend-`+tc.field+`" name="`+tc.field+`"`, `aria-describedby="spend-`+tc.field+`-error"`,
			`<p class="error" id="spend-`+tc.field+`-error">`+tc.message, tc.retyped,
			// The figures of the range the form came from stay shown.
			`name="from" type="date" value="2026-02-24"`)
	}
	if spends, _ := s.store.Spends(context.Background(), "spring-guide"); len(spends) != 0 {
		t.Fatalf("a refused form stored %+v", spends)
	}
	// Without the session's token nothing is stored.
	bad := form("spring", "10", "EUR")
	bad.Set("csrf", "forged")
	want(t, "forged", s.post(t, console.SpendPath, bad, session), 403)
	want(t, "unknown page", s.post(t, console.SpendPath, url.Values{"csrf": {csrf}, "page": {"nope"}, "campaign": {"x"}, "amount": {"1"}, "currency": {"EUR"}}, session), 404)

	r := s.post(t, console.SpendPath, form("spring", "99,50", "eur"), session)
	wantRedirect(t, "saved", r, console.FunnelPath+"?from=2026-02-24&page=spring-guide&saved=spring&to=2026-03-02")
	want(t, "after saving", s.get(t, r.header.Get("Location"), session), 200,
		`Spend saved for the campaign <strong>spring</strong>`, `<td>spring</td><td class="n">1</td><td class="n">99.50 EUR</td><td class="n">99.50 EUR</td>`,
		`name="currency" type="text" maxlength="3" autocapitalize="characters" required value="EUR"`)
	if spends, _ := s.store.Spends(context.Background(), "spring-guide"); len(spends) != 1 || spends[0].Amount != 99.5 || spends[0].Currency != "EUR" {
		t.Fatalf("stored %+v", spends)
	}
}

// The funnel shows the store's stage counters: a page's leads, and every lead once.
func TestFunnelStages(t *testing.T) {
	s := newSiteWith(t, nil)
	s.seedPage(t)
	ctx := context.Background()
	guide, quiet := storetest.Page("spring-guide"), storetest.Page("quiet-page")
	for i, c := range []leadgate.Capture{
		storetest.Capture(guide, "ada@example.com", t0, "ads"),
		storetest.Capture(guide, "bob@example.com", t0, "ads"),
		storetest.Capture(quiet, "cy@example.com", t0, "ads"),
		storetest.Capture(quiet, "ada@example.com", t0.Add(time.Minute), "ads"),
	} {
		res, err := s.store.Capture(ctx, c)
		if err != nil {
			t.Fatalf("capture %d: %v", i, err)
		}
		// Counted as the change feed counts it: a new lead enters the stage counters.
		if err := s.store.CountLead(ctx, res.Submission); err != nil {
			t.Fatal(err)
		}
	}
	bob, err := s.store.LeadByEmail(ctx, "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.store.SetScore(ctx, bob.Email, 60, leadgate.StageSQL, t0, bob.Version); err != nil {
		t.Fatal(err)
	}
	session := s.signIn(t, "ada@example.com")
	want(t, "one page", s.get(t, console.FunnelPath+"?page=spring-guide", session), 200,
		`<tbody><tr><td class="n">1</td><td class="n">0</td><td class="n">1</td></tr></tbody>`)
	want(t, "all pages", s.get(t, console.FunnelPath, session), 200,
		`<tbody><tr><td class="n">2</td><td class="n">0</td><td class="n">1</td></tr></tbody>`)
}
