package localdev_test

import (
	"context"
	"encoding/json"
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
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func open(t *testing.T, dir string, c *clock) (*localdev.Server, *httptest.Server) {
	t.Helper()
	srv, err := localdev.Open(context.Background(), localdev.Config{
		DataDir: dir, Capture: capture.DefaultConfig(), Now: c.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler()) // listens on 127.0.0.1
	return srv, ts
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

var tokenInput = regexp.MustCompile(`name="form_token" value="([^"]+)"`)

func TestSampleFormEndToEndAndAfterRestart(t *testing.T) {
	dir := t.TempDir()
	c := &clock{now: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
	srv, ts := open(t, dir, c)

	status, start := get(t, ts.URL+"/")
	if status != 200 || !strings.Contains(start, "/dev/pages/"+localdev.SampleSlug+"/form") {
		t.Fatalf("start page %d does not link the sample form", status)
	}
	status, form := get(t, ts.URL+"/dev/pages/"+localdev.SampleSlug+"/form?utm_source=partner&utm_campaign=launch")
	if status != 200 {
		t.Fatalf("form page %d", status)
	}
	for _, want := range []string{`action="/v1/pages/lead-gen-playbook/leads"`, `name="utm_source" value="partner"`, `type="checkbox" name="consent"`, `name="website"`} {
		if !strings.Contains(form, want) {
			t.Fatalf("form lacks %s", want)
		}
	}
	m := tokenInput.FindStringSubmatch(form)
	if m == nil {
		t.Fatal("form carries no token")
	}
	c.now = c.now.Add(8 * time.Second) // a person takes a few seconds to fill it

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(ts.URL+"/v1/pages/"+localdev.SampleSlug+"/leads", url.Values{
		"email": {"visitor@example.com"}, "name": {"Vera Visitor"}, "consent": {"on"},
		"utm_source": {"partner"}, "utm_campaign": {"launch"}, "website": {""}, "form_token": {m[1]},
	})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 303 || res.Header.Get("Location") != "/dev/pages/"+localdev.SampleSlug+"/thanks" {
		t.Fatalf("form post: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if status, thanks := get(t, ts.URL+res.Header.Get("Location")); status != 200 || !strings.Contains(thanks, "Thank you") {
		t.Fatalf("thank-you page %d", status)
	}
	ts.Close()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	// After a restart the lead, the secret and the sample page are the same.
	srv, ts = open(t, dir, c)
	defer srv.Close()
	defer ts.Close()
	lead, err := srv.Store.LeadByEmail(context.Background(), "visitor@example.com")
	if err != nil {
		t.Fatalf("lead after restart: %v", err)
	}
	if lead.Name != "Vera Visitor" || !lead.Consent.Given || lead.FirstTouch.UTMSource != "partner" {
		t.Fatalf("lead after restart %+v", lead)
	}
	req, _ := http.NewRequest("GET", ts.URL+"/dev/leads", nil)
	req.Header.Set("Accept", "application/json")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var leads []leadgate.Lead
	if err := json.NewDecoder(res.Body).Decode(&leads); err != nil || len(leads) != 1 || leads[0].Email != "visitor@example.com" {
		t.Fatalf("/dev/leads: %v %v", leads, err)
	}
	res.Body.Close()
	// A form rendered before the restart still posts: the signing secret persisted.
	res, err = client.PostForm(ts.URL+"/v1/pages/"+localdev.SampleSlug+"/leads", url.Values{
		"email": {"second@example.com"}, "name": {"Sam Second"}, "form_token": {m[1]},
	})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 303 {
		t.Fatalf("form rendered before the restart: %d, want 303", res.StatusCode)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "bucket", "magnets", localdev.SampleSlug+".pdf"))
	if err != nil || !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("sample magnet: %v", err)
	}
}

func TestUnknownLocalPagesAnswerWithAPage(t *testing.T) {
	c := &clock{now: time.Now()}
	srv, ts := open(t, t.TempDir(), c)
	defer srv.Close()
	defer ts.Close()
	for _, path := range []string{"/nothing", "/dev/pages/no-such-page/form", "/dev/pages/%3Cb%3E/thanks"} {
		status, body := get(t, ts.URL+path)
		if status != 404 || !strings.Contains(body, "<html") || strings.Contains(body, "<b>") {
			t.Fatalf("%s: %d %.200s", path, status, body)
		}
	}
}
