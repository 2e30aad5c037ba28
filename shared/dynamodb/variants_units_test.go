package dynamodb_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"leadgate/shared/capture"
	"leadgate/shared/configcache"
	"leadgate/shared/downloads"
	"leadgate/shared/dynamodb"
	"leadgate/shared/followup"
	"leadgate/shared/leadgate"
	"leadgate/shared/pipeline"
)

// A page that runs an A/B test costs no capacity unit more per lead than one that
// does not: a visit of an arm counts in the arm's counter instead of the source's,
// in the same one write, and the submission, grant and download carry the arm in
// the items they write anyway.
func TestVariantFunnelCapacity(t *testing.T) {
	pm, pf := newFunnel(t)
	pf.run(t, pm, 1)
	pw, pr, pg := pm.totals("")

	m, f := newFunnel(t)
	f.page.Variants = []leadgate.Variant{{ID: "b", Title: "The free lead generation playbook", Fields: []string{"email", "name", "company"}}}
	f.page.VariantsSince = f.clock.now()
	if err := f.plain.PutPage(f.ctx, f.page); err != nil {
		t.Fatal(err)
	}
	store := configcache.New(dynamodb.New(m, m.table), time.Hour, time.Now)
	if _, err := store.Page(f.ctx, f.page.Slug); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Magnet(f.ctx, f.page.MagnetID); err != nil {
		t.Fatal(err)
	}
	cfg := followup.DefaultConfig()
	cfg.BaseURL, cfg.From, cfg.SendRate = "https://api.example.com", "hello@example.com", 0
	f.store = store
	f.capture = capture.New(store, f.key, capture.DefaultConfig(), f.clock.now)
	f.downloads = downloads.New(store, funnelObjects{}, f.key, f.clock.now)
	f.pipeline = pipeline.New(store, followup.New(store, funnelMailer{}, f.key, cfg, f.clock.now, slog.New(slog.DiscardHandler)), f.clock.now)
	m.reset()
	f.runArm(t, m, 1, "b")
	w, r, g := m.totals("")
	t.Logf("one lead's funnel on arm b of a test:\n%s", m.report())
	t.Logf("without a test: %.1f WRU, %.1f RRU, %.1f index WRU; on an arm: %.1f WRU, %.1f RRU, %.1f index WRU", pw, pr, pg, w, r, g)
	if w > pw || r > pr || g > pg {
		t.Errorf("an arm's lead costs %.1f/%.1f/%.1f (WRU/RRU/index WRU), a page without a test %.1f/%.1f/%.1f", w, r, g, pw, pr, pg)
	}
	rows, err := f.plain.PageStats(f.ctx, f.page.Slug, leadgate.Day(f.clock.now()), leadgate.Day(f.clock.now()))
	if err != nil {
		t.Fatal(err)
	}
	got := f.page.ArmTotals(rows)
	if got[1] != (leadgate.ArmCounts{Arm: "b", Views: 1, Leads: 1, Downloads: 1}) {
		t.Errorf("arm counts %+v", got)
	}
}

// runArm takes lead number n through the funnel of the page as arm shows it.
func (f *funnel) runArm(tb testing.TB, m *meter, n int, arm string) {
	ctx := f.ctx
	email := fmt.Sprintf("Ada.Lovelace+%d@Example.com", n)
	src := leadgate.NewSource("google", "cpc", "spring-playbook")
	m.step("view")
	if err := f.store.CountArmView(ctx, f.page.Slug, leadgate.Day(f.clock.now()), src, arm); err != nil {
		tb.Fatal(err)
	}
	m.step("capture")
	token := f.key.ArmFormToken(f.page.Slug, arm, f.clock.now())
	f.clock.add(40 * time.Second)
	res, err := f.capture.Capture(ctx, capture.Request{
		Slug: f.page.Slug,
		Values: map[string]string{
			"email": email, "name": "Ada Lovelace", "company": "Analytical Engines Ltd",
			"consent": "on", "form_token": token,
			"utm_source": src.Source, "utm_medium": src.Medium, "utm_campaign": src.Campaign,
			"referrer":    "https://www.google.com/",
			"landing_url": "https://www.example.com/guides/lead-gen-playbook?utm_source=google&utm_medium=cpc&utm_campaign=spring-playbook",
		},
		IP:        "203.0.113.66",
		UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	})
	if err != nil || !res.LeadCreated {
		tb.Fatalf("capture %+v, %v", res, err)
	}
	m.pause()
	subs, err := f.plain.Submissions(ctx, strings.ToLower(email))
	if err != nil || len(subs) != 1 || subs[0].Variant != arm {
		tb.Fatalf("submissions %+v, %v; want one on arm %s", subs, err, arm)
	}
	m.step("stream: submission")
	f.clock.add(2 * time.Second)
	if err := f.pipeline.HandleChange(ctx, leadgate.Change{ID: "sub", Kind: leadgate.SubmissionCreated, At: f.clock.now(), Submission: &subs[0]}); err != nil {
		tb.Fatal(err)
	}
	m.step("download")
	f.clock.add(time.Minute)
	_, g, err := f.downloads.Download(ctx, res.DownloadToken)
	if err != nil {
		tb.Fatal(err)
	}
	m.step("stream: download")
	d := leadgate.Download{GrantID: g.ID, N: g.Downloads, Page: g.Page, Email: g.Email, At: g.LastDownloadAt, Source: g.Source, Variant: g.Variant}
	if err := f.pipeline.HandleChange(ctx, leadgate.Change{ID: "grant", Kind: leadgate.DownloadMade, At: f.clock.now(), Download: &d}); err != nil {
		tb.Fatal(err)
	}
	m.pause()
}
