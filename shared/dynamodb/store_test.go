package dynamodb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/capture"
	"leadgate/shared/configcache"
	"leadgate/shared/dynamodb"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/signing"
	"leadgate/shared/testenv"
)

const endpointEnv = "LEADGATE_DYNAMODB_ENDPOINT"

// endpoint returns the DynamoDB Local endpoint, skipping the test without one (and
// failing it under CI, where a missing emulator must not pass unnoticed).
func endpoint(t testing.TB) string {
	t.Helper()
	return testenv.Endpoint(t, endpointEnv, "start DynamoDB Local with "+
		"`bash infra/local/dynamodb-local.sh install && bash infra/local/dynamodb-local.sh start` "+
		"and run with "+endpointEnv+"=http://127.0.0.1:8765")
}

// newClient builds a client for DynamoDB Local; httpClient may be nil.
func newClient(t testing.TB, httpClient awsddb.HTTPClient) *awsddb.Client {
	t.Helper()
	opts := awsddb.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(endpoint(t)),
	}
	if httpClient != nil {
		opts.HTTPClient = httpClient
	}
	return awsddb.New(opts)
}

var tableSeq atomic.Int64

// newTable creates a table of its own for one test and deletes it afterwards.
func newTable(t testing.TB, client *awsddb.Client) string {
	t.Helper()
	name := fmt.Sprintf("leadgate-test-%d-%d", time.Now().UnixNano(), tableSeq.Add(1))
	if err := dynamodb.CreateTable(testContext(t), client, name); err != nil {
		t.Fatalf("CreateTable(%s): %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := client.DeleteTable(ctx, &awsddb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			t.Errorf("DeleteTable(%s): %v", name, err)
		}
	})
	return name
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func newStore(t *testing.T) leadgate.Store {
	client := newClient(t, nil)
	table := newTable(t, client)
	return scannableStore{dynamodb.New(client, table), client, table}
}

// scannableStore is the store with a Scan of its test table, for the conformance
// case that looks for an erased lead's address in every item.
type scannableStore struct {
	*dynamodb.Store
	client *awsddb.Client
	table  string
}

var _ storetest.ItemScanner = scannableStore{}

func (s scannableStore) ScanItems(ctx context.Context, fn func(where string, item []byte) error) error {
	pages := awsddb.NewScanPaginator(s.client, &awsddb.ScanInput{TableName: aws.String(s.table), ConsistentRead: aws.Bool(true)})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, item := range out.Items {
			var v map[string]any
			if err := attributevalue.UnmarshalMap(item, &v); err != nil {
				return err
			}
			data, err := json.Marshal(v)
			if err != nil {
				return err
			}
			if err := fn(s.table, data); err != nil {
				return err
			}
		}
	}
	return nil
}

func TestConformance(t *testing.T) {
	endpoint(t)
	storetest.RunConformanceTests(t, newStore)
}

// countingTransport counts the HTTP requests the SDK sends, retries included, and
// keeps their operations ("GetItem", ...) in order.
type countingTransport struct {
	n    atomic.Int64
	next http.RoundTripper

	mu  sync.Mutex
	ops []string
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	c.mu.Lock()
	c.ops = append(c.ops, op)
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

// since returns the operations sent since the first n.
func (c *countingTransport) since(n int64) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.ops[n:])
}

func TestCaptureRequests(t *testing.T) {
	counting := &countingTransport{next: http.DefaultTransport}
	client := newClient(t, &http.Client{Transport: counting})
	s := dynamodb.New(client, newTable(t, client))
	// Only successful writes report capacity: a cancelled transaction's is not returned.
	var consumed []types.ConsumedCapacity
	s.OnCapacity = func(op string, c []types.ConsumedCapacity) { consumed = append(consumed, c...) }
	ctx := testContext(t)
	page := storetest.Page("requests")
	if err := s.PutPage(ctx, page); err != nil {
		t.Fatal(err)
	}
	limits := []leadgate.RateLimit{
		{Key: "ip:test-hash", Limit: 10, Window: time.Hour},
		{Key: "email:test-hash", Limit: 5, Window: 24 * time.Hour},
	}
	capture := func(name string, at time.Time) (leadgate.CaptureResult, int64) {
		t.Helper()
		c := storetest.Capture(page, "ada@example.com", at, name)
		c.RateLimits = limits
		consumed = nil
		before := counting.n.Load()
		res, err := s.Capture(ctx, c)
		if err != nil {
			t.Fatalf("%s capture: %v", name, err)
		}
		n := counting.n.Load() - before
		t.Logf("%s capture: %d request(s), consumed capacity %s", name, n, capacity(consumed))
		return res, n
	}

	res, n := capture("new lead", storetest.T0)
	if !res.LeadCreated {
		t.Fatalf("first capture did not create the lead: %+v", res)
	}
	if n != 1 {
		t.Errorf("capture of a new lead sent %d requests, want 1", n)
	}
	if len(consumed) == 0 {
		t.Errorf("no consumed capacity reported for the capture")
	}

	res, n = capture("returning lead", storetest.T0.Add(2*time.Hour))
	if res.LeadCreated || res.Repeat {
		t.Fatalf("returning capture: %+v", res)
	}
	if n != 2 {
		t.Errorf("capture of a returning lead sent %d requests, want 2", n)
	}

	res, n = capture("repeat", storetest.T0.Add(2*time.Hour+time.Minute))
	if !res.Repeat {
		t.Fatalf("repeat capture: %+v", res)
	}
	if n != 2 {
		t.Errorf("repeat capture sent %d requests, want 2 (failed write, count)", n)
	}
}

// TestWarmCaptureRequests captures through the capture service on the page cache of
// a warm function (configcache, as lambdainit.Store builds it): the page and the
// magnet come from memory, so a capture reads nothing. A new lead is one request,
// a returning lead (on another page, or after the dedupe window) two, a repeat two.
func TestWarmCaptureRequests(t *testing.T) {
	counting := &countingTransport{next: http.DefaultTransport}
	client := newClient(t, &http.Client{Transport: counting})
	s := dynamodb.New(client, newTable(t, client))
	ctx := testContext(t)
	a, b := storetest.Page("warm-a"), storetest.Page("warm-b")
	for _, p := range []leadgate.Page{a, b} {
		if err := s.PutPage(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutMagnet(ctx, storetest.Magnet()); err != nil {
		t.Fatal(err)
	}
	key, err := signing.NewKey([]byte(strings.Repeat("warm-capture-secret", 2)))
	if err != nil {
		t.Fatal(err)
	}
	now := storetest.T0
	cached := configcache.New(s, time.Hour, time.Now)
	svc := capture.New(cached, key, capture.DefaultConfig(), func() time.Time { return now })
	post := func(p leadgate.Page, email string) capture.Request {
		return capture.Request{Slug: p.Slug, IP: "203.0.113.7", UserAgent: "Mozilla/5.0 (warm)", Values: map[string]string{
			"email": email, "name": "Ada Lovelace", "consent": "on",
			"form_token": key.FormToken(p.Slug, now.Add(-10*time.Second)),
		}}
	}

	// A first capture, of another address, warms the cache: it reads the page and
	// the magnet.
	if _, err := svc.Capture(ctx, post(b, "grace@example.com")); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Page(ctx, a.Slug); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name    string
		page    leadgate.Page
		after   time.Duration
		max     int64
		created bool
		repeat  bool
	}{
		{"new lead", a, time.Minute, 1, true, false},
		{"returning lead, another page", b, time.Minute, 2, false, false},
		{"returning lead, after the dedupe window", a, 25 * time.Hour, 2, false, false},
		{"repeat", a, time.Minute, 2, false, true},
	} {
		now = now.Add(c.after)
		before := counting.n.Load()
		res, err := svc.Capture(ctx, post(c.page, "Ada@Example.com"))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		ops := counting.since(before)
		t.Logf("%s: %d request(s) %v", c.name, len(ops), ops)
		if res.LeadCreated != c.created || res.Repeat != c.repeat || res.DownloadToken == "" {
			t.Errorf("%s: %+v", c.name, res)
		}
		if int64(len(ops)) > c.max {
			t.Errorf("%s sent %d requests, want at most %d", c.name, len(ops), c.max)
		}
		if slices.Contains(ops, "GetItem") {
			t.Errorf("%s read an item on a warm cache: %v", c.name, ops)
		}
	}
}

func capacity(cc []types.ConsumedCapacity) string {
	var total, write float64
	for _, c := range cc {
		total += aws.ToFloat64(c.CapacityUnits)
		write += aws.ToFloat64(c.WriteCapacityUnits)
	}
	return fmt.Sprintf("%.1f units (%.1f write)", total, write)
}

// TestItemLayout checks what other readers rely on: the page index, the TTL
// attributes, and the table's TTL setting.
func TestItemLayout(t *testing.T) {
	client := newClient(t, nil)
	table := newTable(t, client)
	s := dynamodb.New(client, table)
	ctx := testContext(t)
	page := storetest.Page("layout")
	limit := leadgate.RateLimit{Key: "ip:layout", Limit: 10, Window: time.Hour}
	var subs []string
	for i, email := range []string{"first@example.com", "second@example.com"} {
		c := storetest.Capture(page, email, storetest.T0.Add(time.Duration(i)*time.Minute), "x")
		c.RateLimits = []leadgate.RateLimit{limit}
		res, err := s.Capture(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, res.Submission.ID)
	}

	out, err := client.Query(ctx, &awsddb.QueryInput{
		TableName:                 aws.String(table),
		IndexName:                 aws.String(dynamodb.IndexGSI1),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": dynamodb.AttrGSI1PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: dynamodb.PrefixPage + page.Slug}},
		ScanIndexForward:          aws.Bool(false),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, item := range out.Items {
		// A submission's ID ends its GSI1 sort key, "<time>#<id>".
		sk := item[dynamodb.AttrGSI1SK].(*types.AttributeValueMemberS).Value
		got = append(got, sk[strings.LastIndex(sk, "#")+1:])
	}
	if len(got) != 2 || got[0] != subs[1] || got[1] != subs[0] {
		t.Errorf("leads of the page, newest first: got %v, want %v", got, []string{subs[1], subs[0]})
	}

	for _, k := range []struct{ pk, sk string }{
		{dynamodb.PrefixLead + "first@example.com", dynamodb.PrefixDedupe + page.Slug},
		{dynamodb.PrefixRate + limit.Key, "1h0m0s#2026-03-02T09:00:00.000000000Z"},
	} {
		item, err := client.GetItem(ctx, &awsddb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
			dynamodb.AttrPK: &types.AttributeValueMemberS{Value: k.pk},
			dynamodb.AttrSK: &types.AttributeValueMemberS{Value: k.sk},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := item.Item[dynamodb.AttrExpiresAt].(*types.AttributeValueMemberN); !ok {
			t.Errorf("item %s/%s: no numeric %s in %v", k.pk, k.sk, dynamodb.AttrExpiresAt, item.Item)
		}
	}

	ttl, err := client.DescribeTimeToLive(ctx, &awsddb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	if d := ttl.TimeToLiveDescription; d == nil || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(d.AttributeName) != dynamodb.AttrExpiresAt {
		t.Errorf("TTL: %+v, want enabled on %s", d, dynamodb.AttrExpiresAt)
	}
}

// TestFollowUpRequests counts the requests of the follow-up's writes: a send's claim
// is one request, granted or refused, and the due steps one Query.
func TestFollowUpRequests(t *testing.T) {
	counting := &countingTransport{next: http.DefaultTransport}
	client := newClient(t, &http.Client{Transport: counting})
	table := newTable(t, client)
	s := dynamodb.New(client, table)
	var ops []string
	s.OnCapacity = func(op string, _ []types.ConsumedCapacity) { ops = append(ops, op) }
	ctx := testContext(t)
	t0 := storetest.T0
	requests := func(name string, want int64, fn func() error) {
		t.Helper()
		before := counting.n.Load()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		n := counting.n.Load() - before
		t.Logf("%s: %d request(s)", name, n)
		if n != want {
			t.Errorf("%s sent %d requests, want %d", name, n, want)
		}
	}
	claim := func(at time.Time, wantOK bool) func() error {
		return func() error {
			_, ok, err := s.ClaimSend(ctx, "ada@example.com", "delivery#s1", at, time.Minute)
			if err == nil && ok != wantOK {
				err = fmt.Errorf("claimed %v, want %v", ok, wantOK)
			}
			return err
		}
	}
	requests("fresh claim", 1, claim(t0, true))
	requests("refused claim", 1, claim(t0.Add(time.Second), false))
	requests("claim after the lease", 1, claim(t0.Add(2*time.Minute), true))
	if len(ops) != 2 || ops[0] != "claim send" {
		t.Errorf("capacity reported for %v, want two claims", ops)
	}

	var steps []leadgate.Step
	for i := range 3 {
		steps = append(steps, leadgate.Step{Email: "ada@example.com", Key: leadgate.NurtureKey("p", fmt.Sprint("day-", i)),
			Kind: leadgate.StepNurture, Page: "p", DueAt: t0.Add(time.Duration(i) * time.Hour)})
	}
	requests("schedule 3 steps", 3, func() error { return s.ScheduleSteps(ctx, steps) })
	requests("due steps", 1, func() error {
		due, err := s.DueSteps(ctx, t0.Add(time.Hour), 10)
		if err == nil && len(due) != 2 {
			err = fmt.Errorf("%d due steps, want 2", len(due))
		}
		return err
	})
	requests("no due steps", 1, func() error {
		due, err := s.DueSteps(ctx, t0.Add(-time.Hour), 10)
		if err == nil && len(due) != 0 {
			err = fmt.Errorf("%d due steps, want none", len(due))
		}
		return err
	})

	// Confirm reads the link, then writes; unsubscribe likewise. Logged, not pinned:
	// a lead already active costs Confirm one more write.
	page := storetest.Page("requests")
	page.OptIn = leadgate.OptInDouble
	if err := s.PutPage(ctx, page); err != nil {
		t.Fatal(err)
	}
	res, err := s.Capture(ctx, storetest.Capture(page, "ada@example.com", t0, "x"))
	if err != nil {
		t.Fatal(err)
	}
	c := leadgate.Confirmation{ID: leadgate.GrantID("requests-confirm"), Email: "ada@example.com", LeadID: res.Lead.ID,
		Page: page.Slug, SubmissionID: res.Submission.ID, CreatedAt: t0, ExpiresAt: t0.Add(leadgate.ConfirmationTTL)}
	if err := s.PutConfirmation(ctx, c); err != nil {
		t.Fatal(err)
	}
	confirm := func() error { _, err := s.Confirm(ctx, c.ID, t0.Add(time.Hour)); return err }
	requests("confirm an unconfirmed lead", 2, confirm)
	requests("confirm again", 1, confirm)
	// Every email puts its lead's unsubscribe link: it is put once. A store that
	// put or found it sends nothing again; another finds it with one read.
	u := leadgate.Unsubscribe{ID: leadgate.GrantID("requests-unsub"), Email: "ada@example.com", LeadID: res.Lead.ID}
	putUnsubscribe := func(s *dynamodb.Store) func() error { return func() error { return s.PutUnsubscribe(ctx, u) } }
	requests("put an unsubscribe link", 2, putUnsubscribe(s))
	requests("put it again", 0, putUnsubscribe(s))
	requests("put it again, from another function", 1, putUnsubscribe(dynamodb.New(client, table)))
	unsubscribe := func() error { return s.Unsubscribe(ctx, u.ID, t0.Add(2*time.Hour)) }
	requests("unsubscribe", 2, unsubscribe)
	requests("unsubscribe again", 2, unsubscribe)
	for _, e := range []leadgate.MailEvent{
		{Kind: "soft_bounce", Email: "ada@example.com", MessageID: "m1", At: t0},
		{Kind: "soft_bounce", Email: "ada@example.com", MessageID: "m1", At: t0},
		{Kind: "bounce", Email: "ada@example.com", MessageID: "m2", At: t0},
		{Kind: "complaint", Email: "ada@example.com", MessageID: "m3", At: t0},
	} {
		requests("record "+e.Kind, 1, func() error { return s.RecordMailEvent(ctx, e) })
	}
}

// TestFollowUpLayout checks the due index and the TTL attributes of the follow-up's
// items.
func TestFollowUpLayout(t *testing.T) {
	client := newClient(t, nil)
	table := newTable(t, client)
	s := dynamodb.New(client, table)
	ctx := testContext(t)
	get := func(pk, sk string) map[string]types.AttributeValue {
		t.Helper()
		out, err := client.GetItem(ctx, &awsddb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
			dynamodb.AttrPK: &types.AttributeValueMemberS{Value: pk},
			dynamodb.AttrSK: &types.AttributeValueMemberS{Value: sk},
		}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Item
	}
	str := func(item map[string]types.AttributeValue, name string) string {
		if v, ok := item[name].(*types.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}

	st := leadgate.Step{Email: "ada@example.com", Key: leadgate.NurtureKey("p", "day-2"), Kind: leadgate.StepNurture,
		Page: "p", StepID: "day-2", DueAt: storetest.T0.Add(48 * time.Hour)}
	if err := s.ScheduleSteps(ctx, []leadgate.Step{st}); err != nil {
		t.Fatal(err)
	}
	item := get(dynamodb.PrefixLead+st.Email, dynamodb.PrefixStep+st.Key)
	if got, want := str(item, dynamodb.AttrGSI2PK), dynamodb.DueBucket; got != want {
		t.Errorf("due step's %s = %q, want %q", dynamodb.AttrGSI2PK, got, want)
	}
	if got, want := str(item, dynamodb.AttrGSI2SK), "2026-03-04T09:30:00.000000000Z#ada@example.com#nurture#p#day-2"; got != want {
		t.Errorf("due step's %s = %q, want %q", dynamodb.AttrGSI2SK, got, want)
	}
	st.Status, st.DoneAt = leadgate.StepSent, storetest.T0.Add(48*time.Hour)
	if err := s.FinishStep(ctx, st); err != nil {
		t.Fatal(err)
	}
	item = get(dynamodb.PrefixLead+st.Email, dynamodb.PrefixStep+st.Key)
	for _, name := range []string{dynamodb.AttrGSI2PK, dynamodb.AttrGSI2SK} {
		if _, ok := item[name]; ok {
			t.Errorf("a finished step keeps %s: it stays in the due index", name)
		}
	}
	if str(item, "status") != string(leadgate.StepSent) || str(item, "reason") != "" {
		t.Errorf("finished step %v", item)
	}

	c := leadgate.Confirmation{ID: leadgate.GrantID("layout"), Email: "ada@example.com", LeadID: "l", Page: "p",
		SubmissionID: "s", CreatedAt: storetest.T0, ExpiresAt: storetest.T0.Add(leadgate.ConfirmationTTL)}
	if err := s.PutConfirmation(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordMailEvent(ctx, leadgate.MailEvent{Kind: "soft_bounce", Email: "nobody@example.com", MessageID: "m1", At: storetest.T0}); err != nil {
		t.Fatal(err)
	}
	page := storetest.Page("layout")
	if _, err := s.Capture(ctx, storetest.Capture(page, "ada@example.com", storetest.T0, "x")); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordMailEvent(ctx, leadgate.MailEvent{Kind: "soft_bounce", Email: "ada@example.com", MessageID: "m2", At: storetest.T0}); err != nil {
		t.Fatal(err)
	}
	if item := get(dynamodb.PrefixMailEvent+"m1", "soft_bounce"); len(item) != 0 {
		t.Errorf("a soft bounce of an unknown address left a mark: %v", item)
	}
	confirmation := get(dynamodb.PrefixConfirm+c.ID, dynamodb.SKConfirmation)
	if got, want := str(confirmation, "link_expires_at"), "2026-04-01T09:30:00.000000000Z"; got != want {
		t.Errorf("confirmation's link_expires_at = %q, want %q", got, want)
	}
	for name, item := range map[string]map[string]types.AttributeValue{
		"confirmation":     confirmation,
		"soft-bounce mark": get(dynamodb.PrefixMailEvent+"m2", "soft_bounce"),
	} {
		if _, ok := item[dynamodb.AttrExpiresAt].(*types.AttributeValueMemberN); !ok {
			t.Errorf("%s: no numeric %s in %v", name, dynamodb.AttrExpiresAt, item)
		}
	}
}

// TestListsAreOneQueryOfGSI1 checks that listing pages and magnets costs one
// request each, that their items carry the GSI1 list keys, and that a page's
// submissions, which share the index under "PAGE#<slug>", are not listed.
func TestListsAreOneQueryOfGSI1(t *testing.T) {
	counting := &countingTransport{next: http.DefaultTransport}
	client := newClient(t, &http.Client{Transport: counting})
	table := newTable(t, client)
	s := dynamodb.New(client, table)
	ctx := testContext(t)
	page := storetest.Page("listed")
	if err := s.PutPage(ctx, page); err != nil {
		t.Fatal(err)
	}
	if err := s.PutMagnet(ctx, storetest.Magnet()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Capture(ctx, storetest.Capture(page, "ada@example.com", storetest.T0, "x")); err != nil {
		t.Fatal(err)
	}
	before := counting.n.Load()
	pages, err := s.Pages(ctx)
	if err != nil || len(pages) != 1 || pages[0].Slug != page.Slug {
		t.Fatalf("Pages() = %+v, %v; want the one page", pages, err)
	}
	magnets, err := s.Magnets(ctx)
	if err != nil || len(magnets) != 1 || magnets[0].ID != storetest.Magnet().ID {
		t.Fatalf("Magnets() = %+v, %v; want the one magnet", magnets, err)
	}
	if n := counting.n.Load() - before; n != 2 {
		t.Errorf("listing pages and magnets took %d requests, want 2", n)
	}
	for _, k := range []struct{ pk, sk, gsi1pk, gsi1sk string }{
		{dynamodb.PrefixPage + page.Slug, dynamodb.SKPage, dynamodb.ListPages, page.Slug},
		{dynamodb.PrefixMagnet + "playbook", dynamodb.SKMagnet, dynamodb.ListMagnets, "playbook"},
	} {
		out, err := client.GetItem(ctx, &awsddb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
			dynamodb.AttrPK: &types.AttributeValueMemberS{Value: k.pk},
			dynamodb.AttrSK: &types.AttributeValueMemberS{Value: k.sk},
		}})
		if err != nil {
			t.Fatal(err)
		}
		pk, _ := out.Item[dynamodb.AttrGSI1PK].(*types.AttributeValueMemberS)
		sk, _ := out.Item[dynamodb.AttrGSI1SK].(*types.AttributeValueMemberS)
		if pk == nil || sk == nil || pk.Value != k.gsi1pk || sk.Value != k.gsi1sk {
			t.Errorf("item %s: gsi1 keys %v/%v, want %s/%s", k.pk, pk, sk, k.gsi1pk, k.gsi1sk)
		}
	}
}
