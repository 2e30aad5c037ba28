package localdev_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"leadgate/shared/capture"
	"leadgate/shared/followup"
	"leadgate/shared/leadgate"
	"leadgate/shared/localbucket"
	"leadgate/shared/localdev"
	"leadgate/shared/signing"
)

const kindsSecret = "a-local-signing-secret-for-the-kinds-test-0123"

// kindsRun is the dev server (make dev's handler on the embedded store) with
// pages of a bundle, a link and a signed trial magnet, the bundle's files in the
// local bucket, and the change pipeline following the store.
type kindsRun struct {
	srv    *localdev.Server
	ts     *httptest.Server
	clock  *clock
	client *http.Client // follows no redirect
	files  map[string][]byte
}

func openKinds(t *testing.T) *kindsRun {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "signing-secret"), []byte(kindsSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &clock{now: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
	// make dev's settings: the follow-up emails go to the outbox.
	fu := followup.DefaultConfig()
	fu.BaseURL, fu.From, fu.SendRate = "http://127.0.0.1:8080", "hello@example.com", 0
	srv, err := localdev.Open(context.Background(), localdev.Config{DataDir: dir, Capture: capture.DefaultConfig(), FollowUp: fu,
		Now: c.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close() })
	ctx, stop := context.WithCancel(context.Background())
	followed := make(chan struct{})
	go func() { _ = srv.FollowChanges(ctx); close(followed) }()
	t.Cleanup(func() { stop(); <-followed })
	r := &kindsRun{srv: srv, ts: ts, clock: c, files: map[string][]byte{},
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}

	// The bundle's files, put in the run's bucket folder as an upload would.
	bucket, err := localbucket.New(filepath.Join(dir, "bucket"), []byte(kindsSecret), "", c.Now)
	if err != nil {
		t.Fatal(err)
	}
	bundle := leadgate.Magnet{ID: "kit", Title: "Launch kit", Delivery: leadgate.DeliveryBundle}
	for _, name := range []string{"Guide.pdf", "Sheet.csv", "Checklist.pdf"} {
		body := []byte("the " + name + " of the launch kit")
		f := leadgate.MagnetFile{ObjectKey: leadgate.BundleFileKey("kit", name), FileName: name, ContentType: "application/pdf", Size: int64(len(body))}
		if strings.HasSuffix(name, ".csv") {
			f.ContentType, f.Label = "text/csv", "The budget sheet"
		}
		if err := bucket.Put(ctx, f.ObjectKey, bytes.NewReader(body), f.Size, f.ContentType); err != nil {
			t.Fatal(err)
		}
		bundle.Bundle = append(bundle.Bundle, f)
		r.files[name] = body
	}
	link := leadgate.Magnet{ID: "webinar", Title: "Webinar seat", Delivery: leadgate.DeliveryLink, LinkURL: "https://events.example.com/webinar/42?ref=lg"}
	trial := leadgate.Magnet{ID: "pro-trial", Title: "Pro trial", Delivery: leadgate.DeliveryTrial,
		TrialURL: "https://app.example.com/signup?plan=pro", TrialMode: leadgate.TrialSigned, TrialParam: "lg"}
	for _, m := range []leadgate.Magnet{bundle, link, trial} {
		if err := m.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := srv.Store.PutMagnet(ctx, m); err != nil {
			t.Fatal(err)
		}
		p := leadgate.Page{Slug: m.ID + "-page", Title: m.Title, MagnetID: m.ID, OptIn: leadgate.OptInSingle,
			ThankYouURL: leadgate.ThanksPath(m.ID + "-page"),
			Fields:      []leadgate.Field{{Name: "email", Label: "Email", Type: leadgate.FieldEmail, Required: true}}}
		if err := srv.Store.PutPage(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// capture fills the page's form as a person does and returns the download
// button's link from the thank-you page.
func (r *kindsRun) capture(t *testing.T, slug, email string) string {
	t.Helper()
	status, form := get(t, r.ts.URL+leadgate.PagePath(slug))
	m := tokenInput.FindStringSubmatch(form)
	if status != 200 || m == nil {
		t.Fatalf("%s: %d, no form", slug, status)
	}
	r.clock.now = r.clock.now.Add(8 * time.Second)
	res, err := r.client.PostForm(r.ts.URL+leadgate.CapturePath(slug), url.Values{"email": {email}, "form_token": {html.UnescapeString(m[1])}, "website": {""}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s capture: %d", slug, res.StatusCode)
	}
	status, thanks := get(t, r.ts.URL+res.Header.Get("Location"))
	link := downloadLink.FindStringSubmatch(thanks)
	if status != 200 || link == nil {
		t.Fatalf("%s thank-you page %d offers no button: %.500s", slug, status, thanks)
	}
	return html.UnescapeString(link[1])
}

// press POSTs to a link as its page's button does, and returns the answer without
// following a redirect.
func (r *kindsRun) press(t *testing.T, link string) (*http.Response, string) {
	t.Helper()
	res, err := r.client.PostForm(link, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// grant reads the grant of a download link.
func (r *kindsRun) grant(t *testing.T, link string) leadgate.Grant {
	t.Helper()
	g, err := r.srv.Store.Grant(context.Background(), leadgate.GrantID(link[strings.LastIndex(link, "/")+1:]))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// waitDownloads waits until the change pipeline has counted n downloads on the
// page today.
func (r *kindsRun) waitDownloads(t *testing.T, slug string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := r.srv.Store.DailyCounts(context.Background(), slug, leadgate.Day(r.clock.now))
		if err != nil {
			t.Fatal(err)
		}
		if c.Downloads == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the funnel counts %d downloads, want %d", slug, c.Downloads, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var bundleFileLink = regexp.MustCompile(`<a href="([^"]*\?file=\d+)">([^<]*)</a>`)

// A bundle's link opens its page of files; each file's link is counted on its
// own, and the page's opening is the grant's download, in the funnel too.
func TestDevBundleCountsEachFile(t *testing.T) {
	r := openKinds(t)
	link := r.capture(t, "kit-page", "bundle@example.com")
	res, page := r.press(t, link)
	links := bundleFileLink.FindAllStringSubmatch(page, -1)
	if res.StatusCode != 200 || len(links) != 3 {
		t.Fatalf("bundle page %d with %d file links: %.800s", res.StatusCode, len(links), page)
	}
	if names := []string{links[0][2], links[1][2], links[2][2]}; !slices.Equal(names, []string{"Guide.pdf", "The budget sheet", "Checklist.pdf"}) {
		t.Fatalf("files listed %v", names)
	}
	// The guide twice, the checklist once, the sheet never; each file byte for byte.
	for _, i := range []int{0, 2, 0} {
		file := r.ts.URL + html.UnescapeString(links[i][1])
		res, err := r.client.Get(file)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "/dev/bucket/") {
			t.Fatalf("file %d: %d to %q", i, res.StatusCode, loc)
		}
		status, body := get(t, r.ts.URL+loc)
		name := []string{"Guide.pdf", "Sheet.csv", "Checklist.pdf"}[i]
		if status != 200 || body != string(r.files[name]) {
			t.Fatalf("file %d: %d %q", i, status, body)
		}
	}
	if g := r.grant(t, link); g.Downloads != 1 || !slices.Equal(g.FileDownloads, []int{2, 0, 1}) {
		t.Fatalf("grant counts: opened %d, files %v; want 1, [2 0 1]", g.Downloads, g.FileDownloads)
	}
	r.waitDownloads(t, "kit-page", 1)
}

// A link magnet's target is in no page: the lead's link redirects to it, and each
// click counts as a download.
func TestDevLinkClicksCount(t *testing.T) {
	r := openKinds(t)
	const target = "https://events.example.com/webinar/42?ref=lg"
	status, form := get(t, r.ts.URL+leadgate.PagePath("webinar-page"))
	if status != 200 || strings.Contains(form, "events.example.com") {
		t.Fatalf("the hosted page (%d) shows the link before the form", status)
	}
	link := r.capture(t, "webinar-page", "link@example.com")
	_, thanks := get(t, r.ts.URL+leadgate.ThanksPath("webinar-page"))
	if strings.Contains(thanks, "events.example.com") {
		t.Fatal("the thank-you page shows the target instead of the counted link")
	}
	for range 3 {
		res, _ := r.press(t, link)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != target {
			t.Fatalf("click: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
	}
	if g := r.grant(t, link); g.Downloads != 3 {
		t.Fatalf("grant counts %d clicks, want 3", g.Downloads)
	}
	r.waitDownloads(t, "webinar-page", 3)
}

// A trial's link redirects to the signup URL with a token of the lead's address,
// signed with the magnet's secret, valid an hour; a token for another magnet, or
// altered, does not verify.
func TestDevTrialSignedParameters(t *testing.T) {
	r := openKinds(t)
	link := r.capture(t, "pro-trial-page", "Trial.User@Example.com")
	res, _ := r.press(t, link)
	loc, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || err != nil || loc.Scheme != "https" || loc.Host != "app.example.com" || loc.Path != "/signup" {
		t.Fatalf("trial: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	q := loc.Query()
	token := q.Get("lg")
	if q.Get("plan") != "pro" || token == "" || len(q) != 2 {
		t.Fatalf("signup query %v: want plan kept and the token in lg", q)
	}
	key, err := signing.NewKey([]byte(kindsSecret))
	if err != nil {
		t.Fatal(err)
	}
	email, err := signing.VerifyTrialToken(key.TrialSecret("pro-trial"), token, r.clock.now)
	if err != nil || email != "trial.user@example.com" {
		t.Fatalf("token verifies as %q (%v), want the lead's address", email, err)
	}
	if _, err := signing.VerifyTrialToken(key.TrialSecret("another-trial"), token, r.clock.now); err == nil {
		t.Fatal("another magnet's secret verifies the token")
	}
	if _, err := signing.VerifyTrialToken(key.TrialSecret("pro-trial"), token, r.clock.now.Add(2*time.Hour)); err == nil {
		t.Fatal("the token verifies two hours later")
	}
	tampered := []byte(token)
	tampered[2] ^= 1
	if _, err := signing.VerifyTrialToken(key.TrialSecret("pro-trial"), string(tampered), r.clock.now); err == nil {
		t.Fatal("an altered token verifies")
	}
	if g := r.grant(t, link); g.Downloads != 1 {
		t.Fatalf("grant counts %d clicks, want 1", g.Downloads)
	}
	r.waitDownloads(t, "pro-trial-page", 1)
}
