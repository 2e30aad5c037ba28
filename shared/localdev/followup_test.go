package localdev_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"leadgate/shared/capture"
	"leadgate/shared/followup"
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
	"leadgate/shared/outbox"
)

type followupRun struct {
	srv   *localdev.Server
	ts    *httptest.Server
	clock *localdev.Clock
	stop  context.CancelFunc
	done  chan struct{}
}

// startFollowUp runs the local server with its change feed followed, as make dev does.
func startFollowUp(t *testing.T) *followupRun {
	t.Helper()
	return startRun(t, "")
}

// startRun is startFollowUp with the admin API behind adminToken ("": none).
func startRun(t *testing.T, adminToken string) *followupRun {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fu := followup.DefaultConfig()
	fu.BaseURL, fu.From, fu.SendRate = "http://"+ln.Addr().String(), "hello@example.com", 0
	clock := localdev.NewClock(0)
	srv, err := localdev.Open(context.Background(), localdev.Config{DataDir: t.TempDir(), Capture: capture.DefaultConfig(),
		FollowUp: fu, Clock: clock, AdminToken: adminToken, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	ctx, stop := context.WithCancel(context.Background())
	r := &followupRun{srv: srv, ts: ts, clock: clock, stop: stop, done: make(chan struct{})}
	go func() { srv.FollowChanges(ctx); close(r.done) }()
	t.Cleanup(func() { stop(); <-r.done; ts.Close(); srv.Close() })
	return r
}

// submit posts the sample form as a browser would, a few seconds after rendering it.
func (r *followupRun) submit(t *testing.T, slug, email string, consent bool) {
	t.Helper()
	_, form := get(t, r.ts.URL+"/p/"+slug)
	m := tokenInput.FindStringSubmatch(form)
	if m == nil {
		t.Fatal("no form token")
	}
	r.clock.Advance(5 * time.Second)
	v := url.Values{"email": {email}, "name": {"Nora Nurture"}, "form_token": {m[1]}}
	if consent {
		v.Set("consent", "on")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(r.ts.URL+"/v1/pages/"+slug+"/leads", v)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 303 {
		t.Fatalf("submit: %d", res.StatusCode)
	}
}

// waitMail waits up to two seconds for a message to email whose subject starts with
// prefix, and returns it.
func (r *followupRun) waitMail(t *testing.T, email, prefix string) outbox.Mail {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		list, err := r.srv.Outbox.List(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range list {
			if s.To == email && strings.HasPrefix(s.Subject, prefix) {
				m, err := r.srv.Outbox.Get(context.Background(), s.ID)
				if err != nil {
					t.Fatal(err)
				}
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q email to %s within 2 s; outbox: %+v", prefix, email, list)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *followupRun) subjectsTo(t *testing.T, email string) []string {
	t.Helper()
	list, err := r.srv.Outbox.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(list) - 1; i >= 0; i-- { // oldest first
		if list[i].To == email {
			out = append(out, list[i].Subject)
		}
	}
	return out
}

func header(m outbox.Mail, name string) string {
	for _, h := range m.Header {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

var unsubLink = regexp.MustCompile(`^<(http://[^>]+/v1/unsubscribe/[^>]+)>$`)

func (r *followupRun) dispatchAfter(t *testing.T, d time.Duration) {
	t.Helper()
	r.clock.Advance(d)
	if _, err := r.srv.FollowUp.Dispatch(context.Background(), 100); err != nil {
		t.Fatal(err)
	}
}

func TestDeliveryThenNurtureThenOneClickUnsubscribe(t *testing.T) {
	r := startFollowUp(t)
	r.submit(t, localdev.SampleSlug, "nora@example.com", true)
	m := r.waitMail(t, "nora@example.com", "Your copy of")
	if !strings.Contains(m.Text, r.ts.URL+"/v1/downloads/") {
		t.Fatalf("delivery without the download link:\n%s", m.Text)
	}
	if header(m, "List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe-Post %q", header(m, "List-Unsubscribe-Post"))
	}
	link := unsubLink.FindStringSubmatch(header(m, "List-Unsubscribe"))
	if link == nil || !strings.Contains(m.HTML, link[1]) {
		t.Fatalf("List-Unsubscribe %q, or no visible link", header(m, "List-Unsubscribe"))
	}

	r.dispatchAfter(t, 49*time.Hour)
	r.waitMail(t, "nora@example.com", "Three magnets that convert")

	// The mail client's one-click unsubscribe: a POST, no second step.
	res, err := http.Post(link[1], "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe: %d", res.StatusCode)
	}
	lead, _ := r.srv.Store.LeadByEmail(context.Background(), "nora@example.com")
	if lead.Status != leadgate.StatusUnsubscribed {
		t.Fatalf("lead is %s after unsubscribing", lead.Status)
	}
	r.dispatchAfter(t, 5*24*time.Hour)
	if got := r.subjectsTo(t, "nora@example.com"); len(got) != 2 {
		t.Fatalf("emails %v: the day-5 step went out after unsubscribing", got)
	}
}

func TestNurtureStepsGoOutInOrder(t *testing.T) {
	r := startFollowUp(t)
	r.submit(t, localdev.SampleSlug, "order@example.com", true)
	r.waitMail(t, "order@example.com", "Your copy of")
	r.dispatchAfter(t, 6*24*time.Hour) // both steps due: day 2 goes first
	got := r.subjectsTo(t, "order@example.com")
	if len(got) != 3 || !strings.HasPrefix(got[1], "Three magnets") || got[2] != "Is your form asking too much?" {
		t.Fatalf("emails %v, want delivery, day 2, day 5", got)
	}
}

func TestDoubleOptInConfirmationIsScannerSafe(t *testing.T) {
	r := startFollowUp(t)
	page := localdev.SamplePage(time.Now())
	page.Slug, page.OptIn = "double-playbook", leadgate.OptInDouble
	if err := r.srv.Store.PutPage(context.Background(), page); err != nil {
		t.Fatal(err)
	}
	r.submit(t, page.Slug, "careful@example.com", true)
	m := r.waitMail(t, "careful@example.com", "Confirm your address")
	confirm := regexp.MustCompile(`http://[^\s]+/v1/confirm/[A-Za-z0-9_-]+`).FindString(m.Text)
	if confirm == "" {
		t.Fatalf("no confirm link in:\n%s", m.Text)
	}
	// A mail scanner's GET confirms nothing.
	status, body := get(t, confirm)
	if status != 200 || !strings.Contains(body, `<form method="post"`) {
		t.Fatalf("confirm page: %d", status)
	}
	if l, _ := r.srv.Store.LeadByEmail(context.Background(), "careful@example.com"); l.Status != leadgate.StatusUnconfirmed {
		t.Fatalf("a GET confirmed the lead: %s", l.Status)
	}
	res, err := http.PostForm(confirm, nil)
	if err != nil {
		t.Fatal(err)
	}
	page2, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page2), "/v1/downloads/") {
		t.Fatalf("confirm: %d %s", res.StatusCode, page2)
	}
	r.waitMail(t, "careful@example.com", "Your copy of")
}
