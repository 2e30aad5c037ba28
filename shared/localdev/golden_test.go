package localdev_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"leadgate/shared/capture"
	"leadgate/shared/console"
	"leadgate/shared/followup"
	"leadgate/shared/funnel"
	"leadgate/shared/golden"
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
)

// The golden files under testdata/golden/ are the local run's own pages as they
// are rendered now: the start page (fresh, after some leads, and with the clock a
// person can move), and the
// leads on this machine. A change to how the pages are rendered must leave them as
// they are, or change them on purpose (go test -update).
//
// The clock, the signing secret and the backend's name are fixed. Lead ids are
// random: each is replaced by a fixed one of the same shape, in order of first
// appearance. The movable clock reads the machine's time, which is replaced too.

const goldenSecret = "golden-local-secret-of-at-least-32-bytes"

var (
	leadIDPattern    = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	localTimePattern = regexp.MustCompile(`Local time: [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} \S+`)
)

// goldenRun is a local run on a fresh data folder, with a clock the test moves.
type goldenRun struct {
	srv *localdev.Server
	now time.Time
}

func openGolden(t *testing.T, clock *localdev.Clock) *goldenRun {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "signing-secret"), []byte(goldenSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := localdev.Embedded(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	b.Name = "the embedded store in ./leadgate-data" // not the test's temporary folder
	r := &goldenRun{now: time.Date(2026, 3, 2, 9, 15, 30, 0, time.UTC)}
	fu := followup.DefaultConfig()
	fu.BaseURL, fu.From = "http://127.0.0.1:8080", "hello@example.com"
	srv, err := localdev.OpenOn(context.Background(), localdev.Config{DataDir: dir, Capture: capture.DefaultConfig(),
		FollowUp: fu, Clock: clock, Now: func() time.Time { return r.now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	r.srv = srv
	return r
}

// do answers a request as the local server would, and returns the response, which
// must have status.
func (r *goldenRun) do(t *testing.T, method, target string, body url.Values, status int) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	req := httptest.NewRequest(method, target, rd) // Host: example.com
	req.RemoteAddr = "127.0.0.1:41234"
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	req.Header.Set("Accept", "text/html")
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	w := httptest.NewRecorder()
	r.srv.Handler().ServeHTTP(w, req)
	if w.Code != status {
		t.Fatalf("%s %s: %d, want %d: %.300s", method, target, w.Code, status, w.Body)
	}
	return w
}

// submit renders the sample page with query, as a visit from a link, and posts its
// form a few seconds later with values, the hidden fields as the page filled them.
// It returns the download link the thank-you page was given.
func (r *goldenRun) submit(t *testing.T, query string, values url.Values) string {
	t.Helper()
	form := r.do(t, "GET", "/p/"+localdev.SampleSlug+"?"+query, nil, 200).Body.String()
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`).FindAllStringSubmatch(form, -1) {
		if values.Get(m[1]) == "" {
			values.Set(m[1], html.UnescapeString(m[2]))
		}
	}
	r.now = r.now.Add(7 * time.Second)
	w := r.do(t, "POST", "/v1/pages/"+localdev.SampleSlug+"/leads", values, http.StatusSeeOther)
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(time.Minute)
	return loc.Query().Get("download_url")
}

// count hands every change so far to the funnel's counter, as the feed would.
func (r *goldenRun) count(t *testing.T) {
	t.Helper()
	feed, ok := r.srv.Store.(interface {
		Changes(after uint64, limit int) ([]leadgate.Change, error)
	})
	if !ok {
		t.Fatal("the embedded store has no change feed")
	}
	changes, err := feed.Changes(0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	counter := funnel.NewCounter(r.srv.Store)
	for _, ch := range changes {
		if err := counter.HandleChange(context.Background(), ch); err != nil {
			t.Fatal(err)
		}
	}
}

// goldenPageBytes replaces what the pages show of randomness and of the machine's clock.
func goldenPageBytes(page string) []byte {
	ids := map[string]string{}
	page = leadIDPattern.ReplaceAllStringFunc(page, func(id string) string {
		if _, ok := ids[id]; !ok {
			ids[id] = fmt.Sprintf("00000000-0000-7000-8000-%012d", len(ids)+1)
		}
		return ids[id]
	})
	return []byte(localTimePattern.ReplaceAllString(page, "Local time: 2026-03-02 09:15 UTC"))
}

func TestGoldenLocalPages(t *testing.T) {
	r := openGolden(t, nil)
	t.Run("start-fresh", func(t *testing.T) {
		golden.Check(t, "start-fresh.html", goldenPageBytes(r.do(t, "GET", "/", nil, 200).Body.String()))
	})
	t.Run("leads-redirect", func(t *testing.T) {
		// The lead table is the console's now.
		if got := r.do(t, "GET", "/dev/leads", nil, http.StatusSeeOther).Header().Get("Location"); got != console.LeadsPath {
			t.Fatalf("/dev/leads sends to %q, want %s", got, console.LeadsPath)
		}
	})

	// Two leads from a campaign, one of them downloading twice; a third, direct,
	// with markup in its name; a view that does not convert; and a spend on the
	// campaign.
	const campaign = "utm_source=newsletter&utm_medium=email&utm_campaign=spring"
	link := r.submit(t, campaign, url.Values{"email": {"ada@example.com"}, "name": {"Ada Lovelace"}, "company": {"Analytical Engines"}, "consent": {"on"}})
	r.submit(t, campaign, url.Values{"email": {"bob@example.com"}, "name": {"Bob"}})
	r.now = r.now.Add(24 * time.Hour)
	r.submit(t, "", url.Values{"email": {"cleo@example.com"}, "name": {`Cleo "<b>" O'Neil & Co`}, "job_title": {"Head of Growth"}, "consent": {"on"}})
	r.do(t, "GET", "/p/"+localdev.SampleSlug+"?utm_source=partner&utm_campaign=%3Ci%3Ex%3C%2Fi%3E", nil, 200)
	for range 2 {
		r.do(t, "POST", strings.TrimPrefix(link, "http://example.com"), nil, http.StatusSeeOther)
	}
	if err := r.srv.Store.PutSpend(context.Background(), leadgate.Spend{Page: localdev.SampleSlug, Campaign: "spring",
		Amount: 120, Currency: "EUR", UpdatedAt: r.now}); err != nil {
		t.Fatal(err)
	}
	r.count(t)

	for _, p := range []struct{ name, path string }{
		{"start", "/"},
	} {
		t.Run(p.name, func(t *testing.T) {
			golden.Check(t, p.name+".html", goldenPageBytes(r.do(t, "GET", p.path, nil, 200).Body.String()))
		})
	}
}

// The start page of a run whose clock a person moves forward: its buttons, and
// how far ahead the clock is.
func TestGoldenStartPageWithClock(t *testing.T) {
	r := openGolden(t, localdev.NewClock(72*time.Hour))
	page := r.do(t, "GET", "/", nil, 200).Body.String()
	if !localTimePattern.MatchString(page) {
		t.Fatalf("the start page shows no local time:\n%s", page)
	}
	golden.Check(t, "start-clock.html", goldenPageBytes(page))
}

// TestGoldenCoversEveryTemplate guards the goldens' purpose: every template file
// renders into at least one of them.
func TestGoldenCoversEveryTemplate(t *testing.T) {
	marks := map[string]string{
		"start.html": "<h1>Leadgate, running locally</h1>",
	}
	templates, err := filepath.Glob(filepath.Join("templates", "*.html"))
	if err != nil || len(templates) == 0 {
		t.Fatalf("no templates (%v)", err)
	}
	pages, err := filepath.Glob(filepath.Join(golden.Dir, "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tmpl := range templates {
		name := filepath.Base(tmpl)
		mark, ok := marks[name]
		if !ok {
			t.Errorf("templates/%s has no golden page: add a case that renders it, and its mark here", name)
			continue
		}
		found := false
		for _, p := range pages {
			if data, err := os.ReadFile(p); err == nil && strings.Contains(string(data), mark) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no golden page carries %q, the mark of templates/%s", mark, name)
		}
	}
}
