package localdev_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"leadgate/shared/funnel"
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
)

const scoringToken = "scoring-test-admin-token-0123"

// waitStage waits for the lead to reach stage with score, as the feed rescores it.
func (r *followupRun) waitStage(t *testing.T, email string, stage leadgate.Stage, score int) leadgate.Lead {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l, err := r.srv.Store.LeadByEmail(context.Background(), email)
		if err == nil && l.CurrentStage() == stage && l.Score == score {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("lead never reached %s at %d: %d %q (%v)", stage, score, l.Score, l.Stage, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitFeedCaughtUp returns once the feed has handled every change made so far. The
// feed hands changes in order, one at a time, so it captures a marker lead on the
// sample page and waits for the marker's delivery email, which the feed sends when
// it handles the marker's submission: by then every earlier change is handled.
func (r *followupRun) waitFeedCaughtUp(t *testing.T) {
	t.Helper()
	const marker = "feed-marker@example.com"
	r.submit(t, localdev.SampleSlug, marker, false)
	r.waitMail(t, marker, "")
}

// TestLeadMovesColdToMQLToSQL: a lead whose job title fits the page's rules is
// cold on capture, an MQL once confirmed and an SQL once it downloads; its stage
// history records both moves with their times, and the stats, the dashboard and the
// exports show its stage.
func TestLeadMovesColdToMQLToSQL(t *testing.T) {
	r := startRun(t, scoringToken)
	ctx := context.Background()
	page := localdev.SamplePage(time.Now())
	page.Slug, page.OptIn = "scored-double", leadgate.OptInDouble
	page.Scoring = leadgate.ScoringRules{
		Basic: 5, JobTitle: 5, Confirmed: 15, Downloaded: 15,
		Fit:   []leadgate.FitRule{{Field: "job_title", Keywords: []string{"vp", "head of"}, Points: 10}},
		MQLAt: 30, SQLAt: 45,
	}
	if err := page.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := r.srv.Store.PutPage(ctx, page); err != nil {
		t.Fatal(err)
	}

	_, form := get(t, r.ts.URL+"/p/"+page.Slug)
	m := tokenInput.FindStringSubmatch(form)
	if m == nil {
		t.Fatal("no form token")
	}
	r.clock.Advance(5 * time.Second)
	v := url.Values{"email": {"vera@example.com"}, "name": {"Vera"}, "job_title": {"VP Marketing"}, "form_token": {m[1]}, "consent": {"on"}}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(r.ts.URL+"/v1/pages/"+page.Slug+"/leads", v)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	// A cold lead that fits nothing, for the per-stage counts.
	r.submit(t, page.Slug, "cole@example.com", false)

	r.waitStage(t, "vera@example.com", leadgate.StageCold, 20)

	r.clock.Advance(time.Hour)
	confirmedAt := r.clock.Now()
	mail := r.waitMail(t, "vera@example.com", "Confirm your address")
	confirm := regexp.MustCompile(`http://[^\s]+/v1/confirm/[A-Za-z0-9_-]+`).FindString(mail.Text)
	res, err = http.PostForm(confirm, nil)
	if err != nil {
		t.Fatal(err)
	}
	thanks, _ := io.ReadAll(res.Body)
	res.Body.Close()
	link := regexp.MustCompile(`action="([^"]*/v1/downloads/[^"]+)"`).FindStringSubmatch(string(thanks))
	if res.StatusCode != http.StatusOK || link == nil {
		t.Fatalf("confirm: %d, no download link", res.StatusCode)
	}
	r.waitStage(t, "vera@example.com", leadgate.StageMQL, 35)

	r.clock.Advance(time.Hour)
	downloadedAt := r.clock.Now()
	dl := html.UnescapeString(link[1])
	if strings.HasPrefix(dl, "/") {
		dl = r.ts.URL + dl
	}
	if status := post(t, dl); status != http.StatusOK {
		t.Fatalf("download: %d", status)
	}
	lead := r.waitStage(t, "vera@example.com", leadgate.StageSQL, 50)

	if len(lead.StageHistory) != 2 {
		t.Fatalf("stage history %+v, want cold→mql→sql", lead.StageHistory)
	}
	for i, want := range []struct {
		from, to leadgate.Stage
		score    int
		after    time.Time
	}{{leadgate.StageCold, leadgate.StageMQL, 35, confirmedAt}, {leadgate.StageMQL, leadgate.StageSQL, 50, downloadedAt}} {
		got := lead.StageHistory[i]
		if got.From != want.from || got.To != want.to || got.Score != want.score || got.At.Before(want.after) || got.At.After(want.after.Add(time.Minute)) {
			t.Errorf("stage change %d: %+v, want %s→%s at %d from %s", i, got, want.from, want.to, want.score, want.after)
		}
	}
	// The feed settles: the score's own lead update rescoring to the same values
	// writes nothing more.
	version := lead.Version
	r.waitFeedCaughtUp(t)
	if l, _ := r.srv.Store.LeadByEmail(ctx, "vera@example.com"); l.Version != version {
		t.Fatalf("the lead kept changing: version %d, then %d", version, l.Version)
	}

	// Stats JSON: leads per stage now.
	status, body := r.admin(t, http.MethodGet, "/v1/admin/pages/"+page.Slug+"/stats", scoringToken, nil)
	if status != http.StatusOK {
		t.Fatalf("stats: %d %s", status, body)
	}
	var rep funnel.Report
	if err := json.Unmarshal(body, &rep); err != nil {
		t.Fatal(err)
	}
	if want := (funnel.StageCounts{Cold: 1, SQL: 1}); rep.Stages != want {
		t.Errorf("stages %+v, want %+v", rep.Stages, want)
	}
	if !strings.Contains(string(body), `"stages":{"cold":1,"mql":0,"sql":1}`) {
		t.Errorf("stats JSON %s", body)
	}

	// The console's funnel counts the same from the stage counters.
	if sc, err := r.srv.StageCounts(context.Background(), page.Slug); err != nil || sc != (funnel.StageCounts{Cold: 1, SQL: 1}) {
		t.Errorf("stage counters: %+v %v, want cold 1, sql 1", sc, err)
	}

	// Leads JSON and CSV carry stage and score.
	status, body = r.admin(t, http.MethodGet, "/v1/admin/pages/"+page.Slug+"/leads", scoringToken, nil)
	if status != http.StatusOK || !strings.Contains(string(body), `"email":"vera@example.com"`) ||
		!strings.Contains(string(body), `"stage":"sql","score":50`) || !strings.Contains(string(body), `"stage":"cold","score":5`) {
		t.Errorf("leads JSON: %d %s", status, body)
	}
	status, body = r.admin(t, http.MethodGet, "/v1/admin/pages/"+page.Slug+"/leads.csv", scoringToken, nil)
	if status != http.StatusOK {
		t.Fatalf("leads CSV: %d %s", status, body)
	}
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("CSV %q (%v)", body, err)
	}
	stageCol, scoreCol, emailCol := slices.Index(rows[0], "stage"), slices.Index(rows[0], "score"), slices.Index(rows[0], "email")
	if stageCol < 0 || scoreCol < 0 {
		t.Fatalf("CSV header %v lacks stage and score", rows[0])
	}
	for _, row := range rows[1:] {
		if row[emailCol] == "vera@example.com" && (row[stageCol] != "sql" || row[scoreCol] != "50") {
			t.Errorf("CSV row %v", row)
		}
	}
}
