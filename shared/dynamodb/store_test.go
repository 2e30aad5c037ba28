package dynamodb_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/dynamodb"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

const endpointEnv = "LEADGATE_DYNAMODB_ENDPOINT"

// endpoint returns the DynamoDB Local endpoint, skipping the test without one (and
// failing it under CI, where a missing emulator must not pass unnoticed).
func endpoint(t *testing.T) string {
	t.Helper()
	ep := os.Getenv(endpointEnv)
	if ep == "" {
		msg := endpointEnv + " is not set; start DynamoDB Local with " +
			"`bash infra/local/dynamodb-local.sh install && bash infra/local/dynamodb-local.sh start` " +
			"and run with " + endpointEnv + "=http://127.0.0.1:8765"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return ep
}

// newClient builds a client for DynamoDB Local; httpClient may be nil.
func newClient(t *testing.T, httpClient awsddb.HTTPClient) *awsddb.Client {
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
func newTable(t *testing.T, client *awsddb.Client) string {
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

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func newStore(t *testing.T) leadgate.Store {
	client := newClient(t, nil)
	return dynamodb.New(client, newTable(t, client))
}

func TestConformance(t *testing.T) {
	endpoint(t)
	storetest.RunConformanceTests(t, newStore)
}

// countingTransport counts the HTTP requests the SDK sends, retries included.
type countingTransport struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
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
	if n != 3 {
		t.Errorf("repeat capture sent %d requests, want 3 (failed write, count, read)", n)
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
		got = append(got, item["id"].(*types.AttributeValueMemberS).Value)
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
