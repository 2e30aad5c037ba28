package localdev_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"leadgate/shared/capture"
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
	"leadgate/shared/samplemagnet"
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

// post presses a button that POSTs to url (with no fields) and reads the answer,
// following its redirect.
func post(t *testing.T, url string) int {
	t.Helper()
	res, err := http.PostForm(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

var (
	tokenInput = regexp.MustCompile(`name="form_token" value="([^"]+)"`)
	// downloadLink finds the download button: a form that POSTs to the link.
	downloadLink = regexp.MustCompile(`<form method="post" action="([^"]*/v1/downloads/[^"]+)"`)
)

func TestSampleFormEndToEndAndAfterRestart(t *testing.T) {
	dir := t.TempDir()
	c := &clock{now: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
	srv, ts := open(t, dir, c)

	status, start := get(t, ts.URL+"/")
	if status != 200 || !strings.Contains(start, `href="/p/`+localdev.SampleSlug+`?utm_source=local`) {
		t.Fatalf("start page %d does not link the sample page", status)
	}
	// The start page shows the page's embed snippet, escaped, for a person to copy.
	if !strings.Contains(start, "<pre><code>&lt;!-- Leadgate form of the page "+localdev.SampleSlug) ||
		!strings.Contains(start, "&lt;form method=&#34;post&#34; action=&#34;"+ts.URL+"/v1/pages/"+localdev.SampleSlug+"/leads&#34;&gt;") {
		t.Fatalf("start page shows no embed snippet: %s", start)
	}
	status, form := get(t, ts.URL+"/p/"+localdev.SampleSlug+"?utm_source=partner&utm_campaign=launch")
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
	thanksURL, _ := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != 303 || thanksURL == nil || thanksURL.Path != "/p/"+localdev.SampleSlug+"/thanks" {
		t.Fatalf("form post: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	status, thanks := get(t, ts.URL+thanksURL.String())
	if status != 200 || !strings.Contains(thanks, "Thank you") {
		t.Fatalf("thank-you page %d", status)
	}
	// The thank-you page offers the download button; pressing it gives the PDF, byte
	// for byte, through a short-lived link of the local bucket.
	link := downloadLink.FindStringSubmatch(thanks)
	if link == nil {
		t.Fatalf("thank-you page offers no download link: %s", thanks)
	}
	res, err = http.PostForm(html.UnescapeString(link[1]), nil)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(pdf, samplemagnet.Playbook()) {
		t.Fatalf("download: %d, %d bytes; want the sample PDF (%d bytes)", res.StatusCode, len(pdf), len(samplemagnet.Playbook()))
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="lead-magnet-playbook.pdf"`) || res.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download headers %v", res.Header)
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
}

func TestUnknownLocalPagesAnswerWithAPage(t *testing.T) {
	c := &clock{now: time.Now()}
	srv, ts := open(t, t.TempDir(), c)
	defer srv.Close()
	defer ts.Close()
	for _, path := range []string{"/nothing", "/p/no-such-page", "/p/no-such-page/thanks", "/dev/pages/no-such-page/form", "/dev/pages/%3Cb%3E/thanks"} {
		status, body := get(t, ts.URL+path)
		if status != 404 || !strings.Contains(body, "<html") || strings.Contains(body, "<b>") {
			t.Fatalf("%s: %d %.200s", path, status, body)
		}
	}
}

// With the link lifetime shortened by configuration, a link past it answers with the
// page that explains and offers the form again; the file URL of a click also dies
// after its five minutes.
func TestExpiredLinkExplainsItself(t *testing.T) {
	c := &clock{now: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
	cfg := capture.DefaultConfig()
	cfg.DownloadLinkTTL = time.Hour
	srv, err := localdev.Open(context.Background(), localdev.Config{DataDir: t.TempDir(), Capture: cfg, Now: c.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	_, form := get(t, ts.URL+"/p/"+localdev.SampleSlug)
	c.now = c.now.Add(5 * time.Second)
	body := `{"email":"late@example.com","name":"Lee Late","form_token":"` + tokenInput.FindStringSubmatch(form)[1] + `"}`
	res, err := http.Post(ts.URL+"/v1/pages/"+localdev.SampleSlug+"/leads", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Next struct {
			DownloadURL string `json:"download_url"`
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&created); err != nil || created.Next.DownloadURL == "" {
		t.Fatalf("capture answer: %v %+v", err, created)
	}
	res.Body.Close()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = noFollow.PostForm(created.Next.DownloadURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	fileURL := res.Header.Get("Location")
	if res.StatusCode != 303 || !strings.HasPrefix(fileURL, "/dev/bucket/") {
		t.Fatalf("click: %d to %q", res.StatusCode, fileURL)
	}
	c.now = c.now.Add(6 * time.Minute)
	if status, _ := get(t, ts.URL+fileURL); status != 403 {
		t.Fatalf("a click's file URL after six minutes: %d, want 403", status)
	}
	c.now = c.now.Add(time.Hour)
	status, page := get(t, created.Next.DownloadURL)
	if status != 410 || !strings.Contains(page, "has expired") || !strings.Contains(page, `href="/p/lead-gen-playbook"`) {
		t.Fatalf("expired link: %d %s", status, page)
	}
}

// The old local form and thank-you addresses, which pages stored by an earlier run
// still name, redirect to the hosted pages with their query.
func TestOldLocalPagesRedirectToTheHostedPages(t *testing.T) {
	srv, ts := open(t, t.TempDir(), &clock{now: time.Now()})
	defer srv.Close()
	defer ts.Close()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]string{
		"/dev/pages/lead-gen-playbook/form?utm_source=old-link":                                "/p/lead-gen-playbook?utm_source=old-link",
		"/dev/pages/lead-gen-playbook/form":                                                    "/p/lead-gen-playbook",
		"/dev/pages/lead-gen-playbook/thanks?download_url=http%3A%2F%2Fh%2Fv1%2Fdownloads%2Fx": "/p/lead-gen-playbook/thanks?download_url=http%3A%2F%2Fh%2Fv1%2Fdownloads%2Fx",
	} {
		res, err := noFollow.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusFound || res.Header.Get("Location") != want {
			t.Errorf("%s: %d to %q, want 302 to %q", path, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
}
