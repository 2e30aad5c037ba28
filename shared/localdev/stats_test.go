package localdev_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"leadgate/shared/funnel"
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
)

const statsToken = "stats-test-admin-token-0123"

var hiddenInput = regexp.MustCompile(`name="(utm_[a-z]+)" value="([^"]*)"`)

// visitAndSubmit renders the page with query, as a visit from a campaign link, and
// posts its form as a browser would: the hidden utm fields as the page filled them.
func (r *followupRun) visitAndSubmit(t *testing.T, slug, query, email string) {
	t.Helper()
	_, form := get(t, r.ts.URL+"/p/"+slug+"?"+query)
	m := tokenInput.FindStringSubmatch(form)
	if m == nil {
		t.Fatal("no form token")
	}
	v := url.Values{"email": {email}, "name": {"Stan Stats"}, "form_token": {m[1]}, "consent": {"on"}}
	for _, h := range hiddenInput.FindAllStringSubmatch(form, -1) {
		v.Set(h[1], html.UnescapeString(h[2]))
	}
	r.clock.Advance(5 * time.Second)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(r.ts.URL+"/v1/pages/"+slug+"/leads", v)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d", res.StatusCode)
	}
}

func (r *followupRun) admin(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, r.ts.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, data
}

// TestStatsFollowAScriptedFunnel drives views, captures, a confirmation and downloads
// through the dev server's handlers with the change feed running, then reads the
// admin API's stats.
func TestStatsFollowAScriptedFunnel(t *testing.T) {
	r := startRun(t, statsToken)
	ctx := context.Background()
	page := localdev.SamplePage(time.Now())
	page.Slug, page.OptIn = "stats-double", leadgate.OptInDouble
	if err := r.srv.Store.PutPage(ctx, page); err != nil {
		t.Fatal(err)
	}
	const spring = "utm_source=news&utm_medium=email&utm_campaign=spring"
	r.visitAndSubmit(t, page.Slug, spring, "ada@example.com")
	r.visitAndSubmit(t, page.Slug, spring, "bob@example.com")
	r.visitAndSubmit(t, page.Slug, "", "carl@example.com")
	for _, q := range []string{spring, spring, "utm_source=%3Ci%3Ex%3C%2Fi%3E"} {
		if status, _ := get(t, r.ts.URL+"/p/"+page.Slug+"?"+q); status != http.StatusOK {
			t.Fatalf("view: %d", status)
		}
	}
	// Ada confirms (a POST, as the button makes) and downloads twice.
	m := r.waitMail(t, "ada@example.com", "Confirm your address")
	confirm := regexp.MustCompile(`http://[^\s]+/v1/confirm/[A-Za-z0-9_-]+`).FindString(m.Text)
	res, err := http.PostForm(confirm, nil)
	if err != nil {
		t.Fatal(err)
	}
	thanks, _ := io.ReadAll(res.Body)
	res.Body.Close()
	link := regexp.MustCompile(`action="([^"]*/v1/downloads/[^"]+)"`).FindStringSubmatch(string(thanks))
	if res.StatusCode != http.StatusOK || link == nil {
		t.Fatalf("confirm: %d, no download link", res.StatusCode)
	}
	dl := html.UnescapeString(link[1])
	if strings.HasPrefix(dl, "/") {
		dl = r.ts.URL + dl
	}
	for range 2 {
		if status := post(t, dl); status != http.StatusOK {
			t.Fatalf("download: %d", status)
		}
	}
	if status, body := r.admin(t, http.MethodPut, "/v1/admin/pages/"+page.Slug+"/spend/spring", statsToken, map[string]any{"amount": 100, "currency": "EUR"}); status != http.StatusOK {
		t.Fatalf("put spend: %d %s", status, body)
	}

	// The feed counts leads, the confirmation and the downloads a moment later.
	var rep funnel.Report
	var raw []byte
	for deadline := time.Now().Add(5 * time.Second); ; {
		status, body := r.admin(t, http.MethodGet, "/v1/admin/pages/"+page.Slug+"/stats", statsToken, nil)
		if status != http.StatusOK {
			t.Fatalf("stats: %d %s", status, body)
		}
		rep, raw = funnel.Report{}, body
		if err := json.Unmarshal(body, &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Totals.Leads == 3 && rep.Totals.Confirmations == 1 && rep.Totals.Downloads == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats never counted the funnel: %s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if rate := rep.Totals.ConversionRate; rep.Totals.Views != 6 || rate == nil || *rate != 0.5 {
		t.Errorf("totals %+v, want 6 views, 3 leads, rate 0.5", rep.Totals)
	}
	bySource := map[leadgate.Source]funnel.SourceCounts{}
	for _, s := range rep.Sources {
		bySource[s.Source] = s
	}
	news := bySource[leadgate.NewSource("news", "email", "spring")]
	if news.Views != 4 || news.Leads != 2 || news.ConversionRate == nil || *news.ConversionRate != 0.5 || news.Confirmations != 1 || news.Downloads != 2 {
		t.Errorf("news/email/spring %+v", news)
	}
	direct := bySource[leadgate.NewSource("", "", "")]
	if direct.Views != 1 || direct.Leads != 1 || direct.ConversionRate == nil || *direct.ConversionRate != 1 {
		t.Errorf("direct %+v", direct)
	}
	camp, ok := rep.Campaign("spring")
	if !ok || camp.Spend == nil || camp.Spend.Amount != 100 || camp.Spend.Currency != "EUR" || camp.CostPerLead == nil || *camp.CostPerLead != 50 {
		t.Errorf("campaign spring %+v", camp)
	}
	if d, ok := rep.Campaign(leadgate.Direct); !ok || d.Spend != nil || d.CostPerLead != nil || !strings.Contains(string(raw), `"spend":null,"cost_per_lead":null`) {
		t.Errorf("direct campaign %+v: want no spend and a null cost per lead", d)
	}
	today := leadgate.Day(time.Now())
	if last := rep.Days[len(rep.Days)-1]; len(rep.Days) != 30 || last.Day != today || last.Leads != 3 {
		t.Errorf("%d days, last %+v; want 30 ending today with 3 leads", len(rep.Days), last)
	}

	// No views in range: the rate is null, not 0 or NaN.
	status, body := r.admin(t, http.MethodGet, "/v1/admin/pages/"+page.Slug+"/stats?from=2020-01-01&to=2020-01-31", statsToken, nil)
	if status != http.StatusOK || !strings.Contains(string(body), `"totals":{"views":0,"leads":0,"conversion_rate":null`) {
		t.Errorf("empty range: %d %s", status, body)
	}
	for _, bad := range []string{"from=2026-13-01&to=2026-12-31", "from=yesterday", "from=2026-03-02&to=2026-03-01", "from=2020-01-01&to=2026-01-01"} {
		if status, body := r.admin(t, http.MethodGet, "/v1/admin/pages/"+page.Slug+"/stats?"+bad, statsToken, nil); status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s, want 422", bad, status, body)
		}
	}
	if status, _ := r.admin(t, http.MethodGet, "/v1/admin/pages/"+page.Slug+"/stats", "", nil); status != http.StatusUnauthorized {
		t.Errorf("stats without a token: %d, want 401", status)
	}
	if status, _ := r.admin(t, http.MethodPut, "/v1/admin/pages/"+page.Slug+"/spend/spring", "", map[string]any{"amount": 1, "currency": "EUR"}); status != http.StatusUnauthorized {
		t.Errorf("spend without a token: %d, want 401", status)
	}
	if status, _ := r.admin(t, http.MethodGet, "/v1/admin/pages/no-such-page/stats", statsToken, nil); status != http.StatusNotFound {
		t.Errorf("stats of an unknown page: %d, want 404", status)
	}
	for _, bad := range []map[string]any{
		{"amount": -1, "currency": "EUR"}, {"amount": 1.234, "currency": "EUR"}, {"amount": 1, "currency": "eur"},
		{"currency": "EUR"}, {"amount": "10", "currency": "EUR"}, {"amount": 1, "currency": "EUR", "extra": true},
	} {
		if status, body := r.admin(t, http.MethodPut, "/v1/admin/pages/"+page.Slug+"/spend/spring", statsToken, bad); status != http.StatusUnprocessableEntity {
			t.Errorf("spend %v: %d %s, want 422", bad, status, body)
		}
	}
	if status, _ := r.admin(t, http.MethodPut, "/v1/admin/pages/no-such-page/spend/spring", statsToken, map[string]any{"amount": 1, "currency": "EUR"}); status != http.StatusNotFound {
		t.Errorf("spend on an unknown page: %d, want 404", status)
	}

	// The old dashboard's address sends to the console's funnel page, which shows
	// these figures (shared/console tests it), keeping the page.
	for path, want := range map[string]string{
		"/dev/dashboard?page=" + page.Slug: "/console/funnel?page=" + page.Slug,
		"/dev/dashboard":                   "/console/funnel",
	} {
		if status, location := redirected(t, r.ts.URL+path); status != http.StatusMovedPermanently || location != want {
			t.Errorf("GET %s: %d to %q, want 301 to %q", path, status, location, want)
		}
	}
	if _, start := get(t, r.ts.URL+"/"); !strings.Contains(start, `href="/console/funnel?page=stats-double"`) {
		t.Error("the start page does not link the page's funnel")
	}
}

// redirected answers a GET without following a redirect: its status and Location.
func redirected(t *testing.T, target string) (int, string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}
