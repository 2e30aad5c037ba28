package webhooks_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/webhooks"
)

// clock is a test's settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
	status int
}

// receiver answers each request with the next of answers (0: no answer until the
// client gives up), then 204, and keeps what it got.
type receiver struct {
	mu      sync.Mutex
	answers []int
	got     []received
	srv     *httptest.Server
}

func newReceiver(t *testing.T, answers ...int) *receiver {
	r := &receiver{answers: answers}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		status := http.StatusNoContent
		if len(r.answers) > 0 {
			status, r.answers = r.answers[0], r.answers[1:]
		}
		r.got = append(r.got, received{header: req.Header.Clone(), body: body, status: status})
		r.mu.Unlock()
		if status == 0 {
			<-req.Context().Done() // the sender's timeout
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

type fixture struct {
	store *bolt.Store
	clock *clock
	svc   *webhooks.Service
	note  *notes
}

type notes struct {
	mu       sync.Mutex
	disabled []string
}

func (n *notes) EndpointDisabled(_ context.Context, e leadgate.WebhookEndpoint) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.disabled = append(n.disabled, e.ID)
	return nil
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	c := &clock{now: time.Now().UTC().Truncate(time.Millisecond)}
	n := &notes{}
	sender := webhooks.NewSenderForTest(webhooks.LocalPolicy, 300*time.Millisecond)
	return &fixture{store: store, clock: c, svc: webhooks.New(store, sender, c.Now, n), note: n}
}

func (f *fixture) endpoint(t testing.TB, id, url string, kind leadgate.EndpointKind, events ...string) leadgate.WebhookEndpoint {
	t.Helper()
	secret, _ := webhooks.NewSecret()
	e := leadgate.WebhookEndpoint{ID: id, URL: url, Kind: kind, Events: events, Enabled: true, CreatedAt: f.clock.Now(),
		Secrets: []leadgate.WebhookSecret{{Secret: secret, CreatedAt: f.clock.Now()}}}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := f.store.PutWebhookEndpoint(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

// capture records a submission of email and returns its change.
func (f *fixture) capture(t testing.TB, email string) leadgate.Change {
	t.Helper()
	p := storetest.Page("guide")
	if err := f.store.PutPage(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	c := storetest.Capture(p, email, f.clock.Now(), "newsletter")
	res, err := f.store.Capture(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	sub := res.Submission
	return leadgate.Change{ID: "rec-" + sub.ID, Kind: leadgate.SubmissionCreated, At: sub.At, Submission: &sub}
}

func TestDeliveredExactlyOnceThroughFailures(t *testing.T) {
	f := newFixture(t)
	rx := newReceiver(t, http.StatusInternalServerError, 0) // 500, then a timeout, then 204
	e := f.endpoint(t, "crm", rx.srv.URL, leadgate.EndpointWebhook, leadgate.EventLeadCreated)
	ch := f.capture(t, "ada@example.com")
	ctx := context.Background()

	if err := f.svc.HandleChange(ctx, ch); err != nil {
		t.Fatal(err)
	}
	// The replayed change (a retried stream batch) sends nothing more.
	if err := f.svc.HandleChange(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if n := len(rx.requests()); n != 1 {
		t.Fatalf("after the first attempt and a replay: %d requests, want 1", n)
	}
	// Nothing is due before the backoff ends: retries are scheduled, not slept.
	if n, _ := f.svc.DeliverDue(ctx, 10); n != 0 {
		t.Fatalf("due at once after a failure: %d", n)
	}
	for range 2 {
		f.clock.Add(13 * time.Hour) // past any backoff
		if n, err := f.svc.DeliverDue(ctx, 10); err != nil || n != 1 {
			t.Fatalf("due deliveries: %d %v", n, err)
		}
		if err := f.svc.HandleChange(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Add(13 * time.Hour)
	if n, _ := f.svc.DeliverDue(ctx, 10); n != 0 {
		t.Fatalf("due after delivery: %d", n)
	}
	got := rx.requests()
	if len(got) != 3 {
		t.Fatalf("requests: %d, want 3 (500, timeout, 204)", len(got))
	}
	wh, err := standardwebhooks.NewWebhook(e.Secrets[0].Secret)
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for i, r := range got {
		if id := r.header.Get(webhooks.HeaderID); id != got[0].header.Get(webhooks.HeaderID) || id == "" {
			t.Errorf("request %d: webhook-id %q, want the first's %q", i, id, got[0].header.Get(webhooks.HeaderID))
		}
		// The clock moved on; the reference library checks the signature.
		if err := wh.VerifyIgnoringTimestamp(r.body, r.header); err != nil {
			t.Errorf("request %d: reference library refused: %v", i, err)
		}
		if r.status >= 200 && r.status < 300 {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("successful deliveries: %d, want 1", ok)
	}
	var ev struct {
		Type      string    `json:"type"`
		Timestamp time.Time `json:"timestamp"`
		Data      struct {
			Lead       struct{ Email string } `json:"lead"`
			Page       string                 `json:"page"`
			Submission struct {
				Attribution struct {
					UTMSource string `json:"utm_source"`
				} `json:"attribution"`
			} `json:"submission"`
		} `json:"data"`
	}
	if err := json.Unmarshal(got[2].body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != leadgate.EventLeadCreated || ev.Data.Lead.Email != "ada@example.com" || ev.Data.Page != "guide" || ev.Timestamp.IsZero() {
		t.Fatalf("payload: %s", got[2].body)
	}
	log, err := f.store.Deliveries(ctx, "crm", 10)
	if err != nil || len(log) != 1 || log[0].Status != leadgate.DeliveryDelivered || len(log[0].Attempts) != 3 {
		t.Fatalf("log: %+v %v", log, err)
	}
	if log[0].Attempts[1].Error != "timed out" {
		t.Errorf("second attempt's error: %q", log[0].Attempts[1].Error)
	}
	if end, _ := f.store.WebhookEndpoint(ctx, "crm"); !end.FailingSince.IsZero() {
		t.Errorf("failing since %v after a success", end.FailingSince)
	}
}

func TestReplayedBatchDeliversNothingTwice(t *testing.T) {
	f := newFixture(t)
	rx := newReceiver(t)
	f.endpoint(t, "crm", rx.srv.URL, leadgate.EndpointWebhook, leadgate.EventLeadCreated, leadgate.EventLeadUpdated)
	f.endpoint(t, "other", rx.srv.URL+"/other", leadgate.EndpointWebhook, leadgate.EventLeadCreated)
	var batch []leadgate.Change
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		batch = append(batch, f.capture(t, email))
	}
	for range 3 {
		for _, ch := range batch {
			if err := f.svc.HandleChange(context.Background(), ch); err != nil {
				t.Fatal(err)
			}
		}
	}
	ids := map[string]int{}
	for _, r := range rx.requests() {
		ids[r.header.Get(webhooks.HeaderID)]++
	}
	if len(ids) != 6 {
		t.Fatalf("distinct deliveries: %d, want 6 (3 events × 2 endpoints)", len(ids))
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
}

func TestSlackMessageShape(t *testing.T) {
	f := newFixture(t)
	rx := newReceiver(t)
	f.endpoint(t, "slack", rx.srv.URL, leadgate.EndpointSlack, leadgate.EventLeadCreated)
	if err := f.svc.HandleChange(context.Background(), f.capture(t, "ada@example.com")); err != nil {
		t.Fatal(err)
	}
	got := rx.requests()
	if len(got) != 1 {
		t.Fatalf("requests: %d", len(got))
	}
	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"text"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(got[0].body, &msg); err != nil {
		t.Fatal(err)
	}
	if got[0].header.Get("Content-Type") != "application/json" || msg.Text != "New lead: Ada Lovelace (ada@example.com) on guide" ||
		len(msg.Blocks) != 1 || msg.Blocks[0].Type != "section" || msg.Blocks[0].Text.Type != "mrkdwn" {
		t.Fatalf("slack message: %s", got[0].body)
	}
	want := "*New lead*\n*Ada Lovelace (ada@example.com)*, Analytical Engines Ltd\nPage: `guide`\nSource: newsletter / cpc / spring"
	if msg.Blocks[0].Text.Text[:len(want)] != want {
		t.Errorf("section: %q, want it to start %q", msg.Blocks[0].Text.Text, want)
	}
}

func TestEndpointDisabledAfterFiveDaysOfFailure(t *testing.T) {
	f := newFixture(t)
	rx := newReceiver(t, repeat(http.StatusServiceUnavailable, 500)...)
	f.endpoint(t, "crm", rx.srv.URL, leadgate.EndpointWebhook, leadgate.EventLeadCreated)
	ctx := context.Background()
	for day := range 6 {
		if err := f.svc.HandleChange(ctx, f.capture(t, "lead"+string(rune('a'+day))+"@example.com")); err != nil {
			t.Fatal(err)
		}
		for range 4 {
			f.clock.Add(6 * time.Hour)
			if _, err := f.svc.DeliverDue(ctx, 100); err != nil {
				t.Fatal(err)
			}
		}
	}
	e, _ := f.store.WebhookEndpoint(ctx, "crm")
	if e.Enabled || e.DisabledAt.IsZero() || len(f.note.disabled) != 1 {
		t.Fatalf("after 6 days of failure: enabled %v, disabled at %v, notes %v", e.Enabled, e.DisabledAt, f.note.disabled)
	}
	// The first delivery gave up after 3 days.
	log, _ := f.store.Deliveries(ctx, "crm", 100)
	oldest := log[len(log)-1]
	if oldest.Status != leadgate.DeliveryFailed && oldest.Status != leadgate.DeliveryCancelled {
		t.Fatalf("oldest delivery: %s", oldest.Status)
	}
	before := len(rx.requests())
	if err := f.svc.HandleChange(ctx, f.capture(t, "late@example.com")); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(24 * time.Hour)
	if _, err := f.svc.DeliverDue(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if n := len(rx.requests()); n != before {
		t.Fatalf("a disabled endpoint got %d more requests", n-before)
	}
}

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestErasureCancelsPendingDeliveries(t *testing.T) {
	f := newFixture(t)
	rx := newReceiver(t, http.StatusBadGateway)
	f.endpoint(t, "crm", rx.srv.URL, leadgate.EndpointWebhook, leadgate.EventLeadCreated, leadgate.EventLeadErased)
	ctx := context.Background()
	ch := f.capture(t, "gone@example.com")
	if err := f.svc.HandleChange(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if n, err := f.store.EraseDeliveries(ctx, "gone@example.com"); err != nil || n != 1 {
		t.Fatalf("erase: %d %v", n, err)
	}
	if err := f.svc.Enqueue(ctx, webhooks.ErasedEvent("lead-1", f.clock.Now())); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(13 * time.Hour)
	if _, err := f.svc.DeliverDue(ctx, 10); err != nil {
		t.Fatal(err)
	}
	got := rx.requests()
	if len(got) != 2 {
		t.Fatalf("requests: %d, want the first attempt and lead.erased", len(got))
	}
	var ev map[string]any
	_ = json.Unmarshal(got[1].body, &ev)
	data := ev["data"].(map[string]any)
	if ev["type"] != leadgate.EventLeadErased || len(data) != 2 || data["lead_id"] != "lead-1" {
		t.Fatalf("lead.erased: %s", got[1].body)
	}
}

func TestTestAndRedeliver(t *testing.T) {
	f := newFixture(t)
	rx := newReceiver(t)
	f.endpoint(t, "crm", rx.srv.URL, leadgate.EndpointWebhook, leadgate.EventLeadCreated)
	ctx := context.Background()
	d, err := f.svc.Test(ctx, "crm")
	if err != nil || d.Status != leadgate.DeliveryDelivered || d.EventType != leadgate.EventWebhookTest {
		t.Fatalf("test: %+v %v", d, err)
	}
	r, err := f.svc.Redeliver(ctx, "crm", d.ID)
	if err != nil || r.Status != leadgate.DeliveryDelivered || len(r.Attempts) != 2 {
		t.Fatalf("redeliver: %+v %v", r, err)
	}
	got := rx.requests()
	if len(got) != 2 || got[0].header.Get(webhooks.HeaderID) != got[1].header.Get(webhooks.HeaderID) {
		t.Fatalf("requests: %d, ids kept: %v", len(got), got)
	}
	if _, err := f.svc.Test(ctx, "nope"); err == nil {
		t.Fatal("test of an unknown endpoint")
	}
}

// BenchmarkDeliveries measures deliveries per second from one instance to a local
// receiver on the embedded store: each due delivery is claimed, signed, posted and
// recorded, by the service's workers. Creating the deliveries is not timed.
func BenchmarkDeliveries(b *testing.B) {
	f := newFixture(b)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	f.endpoint(b, "crm", srv.URL, leadgate.EndpointWebhook, leadgate.EventLeadErased)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range b.N {
		wg.Go(func() {
			if err := f.svc.Enqueue(ctx, webhooks.ErasedEvent("lead-"+strconv.Itoa(i), f.clock.Now())); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	b.ResetTimer()
	start := time.Now()
	for sent := 0; sent < b.N; {
		n, err := f.svc.DeliverDue(ctx, 100)
		if err != nil || n == 0 {
			b.Fatalf("deliver: %d %v", n, err)
		}
		sent += n
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
}
