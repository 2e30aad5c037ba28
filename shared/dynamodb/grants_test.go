package dynamodb_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/dynamodb"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// TestGrantRequests counts the HTTP requests of the download path and of captures
// that make a grant, and logs the capacity each consumes as DynamoDB Local reports
// it. Local reports a flat 12 units for every capture transaction, whatever its
// items, and nothing for cancelled transactions or failed conditions (which DynamoDB
// charges all the same): the request counts are the measurement, the capacity a hint.
func TestGrantRequests(t *testing.T) {
	counting := &countingTransport{next: http.DefaultTransport}
	client := newClient(t, &http.Client{Transport: counting})
	s := dynamodb.New(client, newTable(t, client))
	var consumed []types.ConsumedCapacity
	s.OnCapacity = func(_ string, c []types.ConsumedCapacity) { consumed = append(consumed, c...) }
	ctx := testContext(t)
	page := storetest.Page("grant-requests")
	if err := s.PutPage(ctx, page); err != nil {
		t.Fatal(err)
	}
	limits := []leadgate.RateLimit{
		{Key: "ip:test-hash", Limit: 10, Window: time.Hour},
		{Key: "email:test-hash", Limit: 5, Window: 24 * time.Hour},
	}
	// measure runs op and checks the number of requests it sent.
	measure := func(name string, want int64, op func() error) {
		t.Helper()
		consumed = nil
		before := counting.n.Load()
		if err := op(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		n := counting.n.Load() - before
		t.Logf("%s: %d request(s), consumed capacity %s", name, n, capacity(consumed))
		if n != want {
			t.Errorf("%s sent %d requests, want %d", name, n, want)
		}
	}
	captureWithGrant := func(token string, at time.Time) func() error {
		return func() error {
			c := storetest.Capture(page, "ada@example.com", at, "x")
			c.RateLimits = limits
			g := leadgate.NewGrant(token, c.Submission, page, storetest.Magnet())
			c.Grant = &g
			res, err := s.Capture(ctx, c)
			if err == nil && res.Repeat {
				err = errors.New("a repeat")
			}
			return err
		}
	}

	measure("capture of a new lead with a grant", 1, captureWithGrant("first-token", storetest.T0))
	if len(consumed) == 0 {
		t.Error("no consumed capacity reported for the capture")
	}
	measure("capture of a returning lead with a grant", 2, captureWithGrant("second-token", storetest.T0.Add(2*time.Hour)))

	id := leadgate.GrantID("first-token")
	var g leadgate.Grant
	measure("download (UseGrant)", 1, func() error {
		var err error
		g, err = s.UseGrant(ctx, id, storetest.T0.Add(3*time.Hour))
		return err
	})
	if len(consumed) == 0 {
		t.Error("no consumed capacity reported for the download")
	}
	if g.Downloads != 1 || g.LeadID == "" {
		t.Errorf("used grant %+v: want one download and the lead's id", g)
	}
	d := leadgate.Download{GrantID: id, N: 1, Page: page.Slug, Email: "ada@example.com", At: storetest.T0.Add(3 * time.Hour)}
	// The mark, the counter; redelivered, the mark refuses it. The lead's first
	// download is its rescoring's write (ScoreDownload), with its score.
	measure("count of the download", 2, func() error { return s.CountDownload(ctx, d) })
	measure("count of the download, redelivered", 1, func() error { return s.CountDownload(ctx, d) })
	measure("count of a view", 1, func() error { return s.CountView(ctx, page.Slug, leadgate.Day(d.At), leadgate.Source{}) })
	if c, err := s.DailyCounts(ctx, page.Slug, leadgate.Day(d.At)); err != nil || c.Views != 1 || c.Downloads != 1 {
		t.Errorf("daily counts %+v (%v), want 1 view and 1 download", c, err)
	}
	measure("refused download (unknown link)", 1, func() error {
		_, err := s.UseGrant(ctx, leadgate.GrantID("no-such-token"), storetest.T0)
		return wantErrorCode(err, leadgate.ENOTFOUND)
	})
	measure("refused download (expired link)", 1, func() error {
		_, err := s.UseGrant(ctx, id, storetest.T0.Add(60*24*time.Hour))
		return wantErrorCode(err, leadgate.EGONE)
	})
}

func wantErrorCode(err error, want leadgate.Code) error {
	if got := leadgate.ErrorCode(err); got != want {
		return errors.New("error code " + string(got) + ", want " + string(want) + ": " + errString(err))
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// TestGrantItemLayout checks what TTL and other readers rely on: the grant's TTL
// and link expiry, the daily counter and the download mark, and times that are
// absent while zero.
func TestGrantItemLayout(t *testing.T) {
	client := newClient(t, nil)
	table := newTable(t, client)
	s := dynamodb.New(client, table)
	ctx := testContext(t)
	page := storetest.Page("grant-layout")
	c := storetest.Capture(page, "ada@example.com", storetest.T0, "x")
	g := leadgate.NewGrant("layout-token", c.Submission, page, storetest.Magnet())
	c.Grant = &g
	if _, err := s.Capture(ctx, c); err != nil {
		t.Fatal(err)
	}
	get := func(pk, sk string) map[string]types.AttributeValue {
		t.Helper()
		out, err := client.GetItem(ctx, &awsddb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true), Key: map[string]types.AttributeValue{
			dynamodb.AttrPK: &types.AttributeValueMemberS{Value: pk},
			dynamodb.AttrSK: &types.AttributeValueMemberS{Value: sk},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Item) == 0 {
			t.Fatalf("no item %s/%s", pk, sk)
		}
		return out.Item
	}
	str := func(item map[string]types.AttributeValue, name string) string {
		v, _ := item[name].(*types.AttributeValueMemberS)
		if v == nil {
			return ""
		}
		return v.Value
	}
	num := func(item map[string]types.AttributeValue, name string) string {
		v, _ := item[name].(*types.AttributeValueMemberN)
		if v == nil {
			return ""
		}
		return v.Value
	}

	grant := get(dynamodb.PrefixGrant+g.ID, dynamodb.SKGrant)
	wantTTL := strconv.FormatInt(g.ExpiresAt.Add(dynamodb.GrantRetention).Unix(), 10)
	for _, c := range []struct{ what, got, want string }{
		{"item_type", str(grant, dynamodb.AttrItemType), dynamodb.TypeGrant},
		{"TTL", num(grant, dynamodb.AttrExpiresAt), wantTTL},
		{"link expiry", str(grant, "link_expires_at"), "2026-04-01T09:30:00.000000000Z"},
		{"created_at", str(grant, "created_at"), "2026-03-02T09:30:00.000000000Z"},
		{"downloads", num(grant, "downloads"), "0"},
	} {
		if c.got != c.want {
			t.Errorf("grant %s: %q, want %q", c.what, c.got, c.want)
		}
	}
	for _, name := range []string{"first_download_at", "last_download_at", "token"} {
		if _, ok := grant[name]; ok {
			t.Errorf("grant has %s before any download: %v", name, grant[name])
		}
	}
	lead := get(dynamodb.PrefixLead+"ada@example.com", dynamodb.SKLead)
	if _, ok := lead["first_download_at"]; ok {
		t.Errorf("lead has first_download_at before any download: %v", lead["first_download_at"])
	}

	at := storetest.T0.Add(26 * time.Hour) // the next UTC day
	if _, err := s.UseGrant(ctx, g.ID, at); err != nil {
		t.Fatal(err)
	}
	d := leadgate.Download{GrantID: g.ID, N: 1, Page: page.Slug, Email: "ada@example.com", At: at}
	if err := s.CountDownload(ctx, d); err != nil {
		t.Fatal(err)
	}
	recordDownload(t, s, d)
	grant = get(dynamodb.PrefixGrant+g.ID, dynamodb.SKGrant)
	if str(grant, "first_download_at") != "2026-03-03T11:30:00.000000000Z" || str(grant, "last_download_at") != "2026-03-03T11:30:00.000000000Z" || num(grant, "downloads") != "1" {
		t.Errorf("grant after a download: %v", grant)
	}
	// The download is counted on the counter of its day, page and source, in the
	// partition of every page's counters; no item holds the day's totals.
	rowSK := "2026-03-03#" + page.Slug + "#" + leadgate.Source{}.Key()
	day := get(dynamodb.PKDays, rowSK)
	if str(day, dynamodb.AttrItemType) != dynamodb.TypeSourceDayCounts || num(day, "downloads") != "1" || str(day, "page") != page.Slug ||
		str(day, "day") != "2026-03-03" || str(day, "utm_source") != leadgate.Direct {
		t.Errorf("daily counter: %v", day)
	}
	if _, ok := day[dynamodb.AttrExpiresAt]; ok {
		t.Errorf("daily counter has a TTL: %v", day)
	}
	out, err := client.GetItem(ctx, &awsddb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true), Key: map[string]types.AttributeValue{
		dynamodb.AttrPK: &types.AttributeValueMemberS{Value: dynamodb.PrefixPage + page.Slug},
		dynamodb.AttrSK: &types.AttributeValueMemberS{Value: dynamodb.PrefixDay + "2026-03-03"},
	}})
	if err != nil || len(out.Item) != 0 {
		t.Errorf("a day's totals item: %v, %v; want none", out, err)
	}
	// A view lands on the same item, beside the downloads.
	if err := s.CountView(ctx, page.Slug, "2026-03-03", leadgate.Source{}); err != nil {
		t.Fatal(err)
	}
	day = get(dynamodb.PKDays, rowSK)
	if str(day, dynamodb.AttrItemType) != dynamodb.TypeSourceDayCounts || num(day, "views") != "1" || num(day, "downloads") != "1" {
		t.Errorf("daily counter after a view: %v", day)
	}
	mark := get(dynamodb.PrefixGrant+g.ID, dynamodb.PrefixDownload+"1")
	if str(mark, dynamodb.AttrItemType) != dynamodb.TypeDownloadMark || num(mark, dynamodb.AttrExpiresAt) != strconv.FormatInt(at.Add(dynamodb.DownloadMarkRetention).Unix(), 10) {
		t.Errorf("download mark: %v", mark)
	}
	lead = get(dynamodb.PrefixLead+"ada@example.com", dynamodb.SKLead)
	if str(lead, "first_download_at") != "2026-03-03T11:30:00.000000000Z" || num(lead, "version") != "2" {
		t.Errorf("lead after its first download: first_download_at %v, version %v", lead["first_download_at"], lead["version"])
	}
}

// TestGrantTimesCompareAsTimes: the conditions compare stored times as strings,
// which holds only because they are fixed width. Around whole seconds a variable
// width ("…:00Z" against "…:00.5Z") would compare the wrong way.
func TestGrantTimesCompareAsTimes(t *testing.T) {
	client := newClient(t, nil)
	s := dynamodb.New(client, newTable(t, client))
	ctx := testContext(t)
	page := storetest.Page("boundaries")

	g := storetest.Grant("whole-second", page, "ada@example.com") // expires at a whole second
	if err := s.PutGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseGrant(ctx, g.ID, g.ExpiresAt.Add(-time.Nanosecond)); err != nil {
		t.Errorf("a nanosecond before the expiry: %v", err)
	}
	_, err := s.UseGrant(ctx, g.ID, g.ExpiresAt.Add(500*time.Millisecond))
	if leadgate.ErrorCode(err) != leadgate.EGONE || !strings.Contains(leadgate.ErrorMessage(err), "expired") {
		t.Errorf("half a second after the expiry: %v, want EGONE (expired)", err)
	}

	half := storetest.Grant("half-second", page, "ada@example.com")
	half.ExpiresAt = half.ExpiresAt.Add(500 * time.Millisecond)
	if err := s.PutGrant(ctx, half); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseGrant(ctx, half.ID, half.ExpiresAt.Add(-500*time.Millisecond)); err != nil {
		t.Errorf("at the whole second before an expiry at .5s: %v", err)
	}

	mustCapture := func(email string) {
		t.Helper()
		if _, err := s.Capture(ctx, storetest.Capture(page, email, storetest.T0, "x")); err != nil {
			t.Fatal(err)
		}
	}
	mustCapture("ada@example.com")
	at := storetest.T0.Add(time.Hour)
	for i, d := range []leadgate.Download{
		{GrantID: "g", N: 1, Page: page.Slug, Email: "ada@example.com", At: at.Add(500 * time.Millisecond)},
		{GrantID: "g", N: 2, Page: page.Slug, Email: "ada@example.com", At: at},                       // earlier: moves it
		{GrantID: "g", N: 3, Page: page.Slug, Email: "ada@example.com", At: at.Add(time.Millisecond)}, // later: does not
	} {
		if err := s.CountDownload(ctx, d); err != nil {
			t.Fatalf("download %d: %v", i, err)
		}
		recordDownload(t, s, d)
	}
	l, err := s.LeadByEmail(ctx, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !l.FirstDownloadAt.Equal(at) || l.Version != 3 {
		t.Errorf("lead's first download %v (version %d), want %v (version 3: two of three downloads moved it)", l.FirstDownloadAt, l.Version, at)
	}
	if c, err := s.DailyCounts(ctx, page.Slug, leadgate.Day(at)); err != nil || c.Downloads != 3 {
		t.Errorf("daily counts %+v, %v; want 3 downloads", c, err)
	}
}

// grantItem returns a grant's item as the store writes it.
func grantItem(t *testing.T, g leadgate.Grant) map[string]types.AttributeValue {
	t.Helper()
	item, err := dynamodb.GrantItem(g)
	if err != nil {
		t.Fatal(err)
	}
	return item
}

func conditionFailed(item map[string]types.AttributeValue) error {
	return opError("UpdateItem", &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed"), Item: item})
}

func TestUseGrantErrors(t *testing.T) {
	page := storetest.Page("spring")
	g := storetest.Grant("token", page, "ada@example.com")
	at := storetest.T0.Add(time.Hour)
	revoked := g
	revoked.Revoked = true
	erased := g
	erased.Erased, erased.Email = true, ""

	for _, tt := range []struct {
		name      string
		err       error
		wantCode  leadgate.Code
		wantMsg   string
		wantGrant bool
	}{
		{"no item", conditionFailed(nil), leadgate.ENOTFOUND, "no such download link", false},
		{"revoked", conditionFailed(grantItem(t, revoked)), leadgate.EGONE, "this download link was withdrawn", true},
		{"erased", conditionFailed(grantItem(t, erased)), leadgate.EGONE, "this download link no longer works", true},
		{"expired", conditionFailed(grantItem(t, storetest.Grant("old", page, "ada@example.com"))), leadgate.EGONE, "", true},
		// The condition refused a grant that Usable accepts at t: say gone all the same.
		{"usable by its fields", conditionFailed(grantItem(t, g)), leadgate.EGONE, "this download link no longer works", true},
		{"throttled", opError("UpdateItem", &types.ThrottlingException{Message: aws.String("slow down")}), leadgate.EUNAVAILABLE, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			when := at
			if tt.name == "expired" {
				when = g.ExpiresAt.Add(time.Hour)
			}
			calls := 0
			s := dynamodb.New(&fakeAPI{updateItem: func(in *awsddb.UpdateItemInput) (*awsddb.UpdateItemOutput, error) {
				calls++
				if in.ReturnValues != types.ReturnValueAllNew || in.ReturnValuesOnConditionCheckFailure != types.ReturnValuesOnConditionCheckFailureAllOld {
					t.Errorf("return values %q on success, %q on failure; want ALL_NEW and ALL_OLD", in.ReturnValues, in.ReturnValuesOnConditionCheckFailure)
				}
				if pk := in.Key[dynamodb.AttrPK].(*types.AttributeValueMemberS).Value; pk != dynamodb.PrefixGrant+g.ID {
					t.Errorf("updated %s, want the grant", pk)
				}
				return nil, tt.err
			}}, "table")
			got, err := s.UseGrant(context.Background(), g.ID, when)
			if leadgate.ErrorCode(err) != tt.wantCode {
				t.Fatalf("code %q (%v), want %q", leadgate.ErrorCode(err), err, tt.wantCode)
			}
			if tt.wantMsg != "" && leadgate.ErrorMessage(err) != tt.wantMsg {
				t.Errorf("message %q, want %q", leadgate.ErrorMessage(err), tt.wantMsg)
			}
			if tt.wantGrant != (got.ID != "") || (tt.wantGrant && got.Page != page.Slug) {
				t.Errorf("grant %+v returned with the error; want it: %v", got, tt.wantGrant)
			}
			if calls != 1 {
				t.Errorf("%d requests, want 1", calls)
			}
		})
	}
}

func TestGrantWriteErrors(t *testing.T) {
	g := storetest.Grant("token", storetest.Page("spring"), "ada@example.com")
	s := dynamodb.New(&fakeAPI{
		putItem: func(in *awsddb.PutItemInput) (*awsddb.PutItemOutput, error) {
			if !strings.Contains(aws.ToString(in.ConditionExpression), "attribute_not_exists") {
				t.Errorf("grant put without a condition: %q", aws.ToString(in.ConditionExpression))
			}
			return nil, opError("PutItem", &types.ConditionalCheckFailedException{Message: aws.String("exists")})
		},
		updateItem: func(*awsddb.UpdateItemInput) (*awsddb.UpdateItemOutput, error) {
			return nil, conditionFailed(nil)
		},
		getItem: func(*awsddb.GetItemInput) (*awsddb.GetItemOutput, error) {
			return &awsddb.GetItemOutput{}, nil
		},
		query: func(*awsddb.QueryInput) (*awsddb.QueryOutput, error) { return &awsddb.QueryOutput{}, nil },
	}, "table")
	ctx := context.Background()
	if err := s.PutGrant(ctx, g); leadgate.ErrorCode(err) != leadgate.ECONFLICT {
		t.Errorf("PutGrant of an existing grant: %v, want ECONFLICT", err)
	}
	if err := s.RevokeGrant(ctx, g.ID); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Errorf("RevokeGrant of no grant: %v, want ENOTFOUND", err)
	}
	if _, err := s.Grant(ctx, g.ID); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Errorf("Grant of no grant: %v, want ENOTFOUND", err)
	}
	if c, err := s.DailyCounts(ctx, "spring", "2026-03-02"); err != nil || c != (leadgate.DailyCounts{Page: "spring", Day: "2026-03-02"}) {
		t.Errorf("DailyCounts of no counter: %+v, %v; want zero counts", c, err)
	}
}

// TestCountDownloadWrites: a download is counted in plain writes, the mark and
// then the counter, and writes nothing to its lead (its rescoring records the
// first download); each refusal is read in turn.
func TestCountDownloadWrites(t *testing.T) {
	d := leadgate.Download{GrantID: "g", N: 2, Page: "spring", Email: "ada@example.com", At: storetest.T0}
	refused := func(op string) error {
		return opError(op, &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")})
	}
	throttled := opError("UpdateItem", &types.ThrottlingException{Message: aws.String("slow down")})
	for _, tt := range []struct {
		name          string
		mark, counter error
		wantCode      leadgate.Code
		wantWrites    []string
	}{
		{"counted", nil, nil, "", []string{"mark", "counter"}},
		{"counted before", refused("PutItem"), nil, "", []string{"mark"}},
		{"counter throttled: the mark goes again", nil, throttled, leadgate.EUNAVAILABLE, []string{"mark", "counter", "unmark"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var writes []string
			s := dynamodb.New(&fakeAPI{
				updateItem: func(in *awsddb.UpdateItemInput) (*awsddb.UpdateItemOutput, error) {
					if pk := in.Key["pk"].(*types.AttributeValueMemberS).Value; strings.HasPrefix(pk, "LEAD#") {
						t.Errorf("the lead updated: %q", aws.ToString(in.UpdateExpression))
					}
					writes = append(writes, "counter")
					return &awsddb.UpdateItemOutput{}, tt.counter
				},
				putItem: func(in *awsddb.PutItemInput) (*awsddb.PutItemOutput, error) {
					writes = append(writes, "mark")
					if aws.ToString(in.ConditionExpression) != "attribute_not_exists(#pk)" {
						t.Errorf("mark put under %q: want it only where absent", aws.ToString(in.ConditionExpression))
					}
					return &awsddb.PutItemOutput{}, tt.mark
				},
				deleteItem: func(*awsddb.DeleteItemInput) (*awsddb.DeleteItemOutput, error) {
					writes = append(writes, "unmark")
					return &awsddb.DeleteItemOutput{}, nil
				},
			}, "table")
			err := s.CountDownload(context.Background(), d)
			if leadgate.ErrorCode(err) != tt.wantCode {
				t.Fatalf("code %q (%v), want %q", leadgate.ErrorCode(err), err, tt.wantCode)
			}
			if !slices.Equal(writes, tt.wantWrites) {
				t.Errorf("writes %v, want %v", writes, tt.wantWrites)
			}
		})
	}

	t.Run("without a lead", func(t *testing.T) {
		var writes []string
		s := dynamodb.New(&fakeAPI{
			putItem: func(*awsddb.PutItemInput) (*awsddb.PutItemOutput, error) {
				writes = append(writes, "mark")
				return &awsddb.PutItemOutput{}, nil
			},
			updateItem: func(*awsddb.UpdateItemInput) (*awsddb.UpdateItemOutput, error) {
				writes = append(writes, "counter")
				return &awsddb.UpdateItemOutput{}, nil
			},
		}, "table")
		noLead := d
		noLead.Email = ""
		if err := s.CountDownload(context.Background(), noLead); err != nil || !slices.Equal(writes, []string{"mark", "counter"}) {
			t.Errorf("%v, writes %v; want the mark and the counter", err, writes)
		}
	})
}

func leadItem(t *testing.T, l leadgate.Lead) map[string]types.AttributeValue {
	t.Helper()
	item, err := attributevalue.MarshalMapWithOptions(l, func(o *attributevalue.EncoderOptions) { o.TagKey = "json" })
	if err != nil {
		t.Fatal(err)
	}
	return item
}

// TestCaptureWithGrant: the grant's put comes last in the capture's transaction,
// after the rate counters, and each failure is read at its own position.
func TestCaptureWithGrant(t *testing.T) {
	page := storetest.Page("spring")
	limit := leadgate.RateLimit{Key: "ip:hash", Limit: 3, Window: time.Hour}
	newCapture := func() leadgate.Capture {
		c := storetest.Capture(page, "ada@example.com", storetest.T0.Add(15*time.Minute), "x")
		c.RateLimits = []leadgate.RateLimit{limit}
		g := leadgate.NewGrant("token", c.Submission, page, storetest.Magnet())
		c.Grant = &g
		return c
	}
	grantPut := func(t *testing.T, in *awsddb.TransactWriteItemsInput) *types.Put {
		t.Helper()
		// A new lead adds its page's stage counters after the grant.
		if n := len(in.TransactItems); n != 5 && n != 6 || n == 6 && in.TransactItems[5].Update == nil {
			t.Fatalf("%d items, want lead, submission, marker, counter, grant (and, for a new lead, its stage counters)", len(in.TransactItems))
		}
		put := in.TransactItems[4].Put
		if put == nil || put.Item[dynamodb.AttrItemType].(*types.AttributeValueMemberS).Value != dynamodb.TypeGrant {
			t.Fatalf("last item %+v, want the grant's put", in.TransactItems[4])
		}
		if !strings.Contains(aws.ToString(put.ConditionExpression), "attribute_not_exists") {
			t.Errorf("grant put condition %q, want attribute_not_exists", aws.ToString(put.ConditionExpression))
		}
		return put
	}

	t.Run("RateCounterFailed", func(t *testing.T) {
		s := dynamodb.New(&fakeAPI{transactWriteItems: func(in *awsddb.TransactWriteItemsInput) (*awsddb.TransactWriteItemsOutput, error) {
			grantPut(t, in)
			return nil, canceled("None", "None", "None", "ConditionalCheckFailed", "None", "None")
		}}, "table")
		_, err := s.Capture(context.Background(), newCapture())
		if leadgate.ErrorCode(err) != leadgate.ERATELIMITED {
			t.Fatalf("%v, want ERATELIMITED", err)
		}
	})

	t.Run("GrantExists", func(t *testing.T) {
		calls := 0
		s := dynamodb.New(&fakeAPI{transactWriteItems: func(in *awsddb.TransactWriteItemsInput) (*awsddb.TransactWriteItemsOutput, error) {
			calls++
			grantPut(t, in)
			return nil, canceled("None", "None", "None", "None", "ConditionalCheckFailed", "None")
		}}, "table")
		_, err := s.Capture(context.Background(), newCapture())
		if leadgate.ErrorCode(err) != leadgate.ECONFLICT || calls != 1 {
			t.Fatalf("%v after %d calls, want ECONFLICT at once", err, calls)
		}
	})

	t.Run("KnownLeadGetsTheGrant", func(t *testing.T) {
		first := storetest.Capture(page, "ada@example.com", storetest.T0, "first")
		old := leadgate.NewLead("lead-old", first.Submission, page)
		var leadIDs []string
		s := dynamodb.New(&fakeAPI{transactWriteItems: func(in *awsddb.TransactWriteItemsInput) (*awsddb.TransactWriteItemsOutput, error) {
			put := grantPut(t, in)
			leadIDs = append(leadIDs, put.Item["lead_id"].(*types.AttributeValueMemberS).Value)
			if len(leadIDs) == 1 {
				err := canceled("ConditionalCheckFailed", "None", "None", "None", "None")
				var tc *types.TransactionCanceledException
				errors.As(err, &tc)
				tc.CancellationReasons[0].Item = leadItem(t, old)
				return nil, err
			}
			return &awsddb.TransactWriteItemsOutput{}, nil
		}}, "table")
		c := newCapture()
		if _, err := s.Capture(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		if want := []string{c.NewLeadID, "lead-old"}; len(leadIDs) != 2 || leadIDs[0] != want[0] || leadIDs[1] != want[1] {
			t.Errorf("grant's lead_id in each attempt %v, want %v", leadIDs, want)
		}
	})

	t.Run("NoGrant", func(t *testing.T) {
		s := dynamodb.New(&fakeAPI{transactWriteItems: func(in *awsddb.TransactWriteItemsInput) (*awsddb.TransactWriteItemsOutput, error) {
			if len(in.TransactItems) != 4 {
				t.Errorf("%d items, want 4 without a grant: lead, submission, marker, counter (a new lead's stage counters move with its count)", len(in.TransactItems))
			}
			return &awsddb.TransactWriteItemsOutput{}, nil
		}}, "table")
		c := newCapture()
		c.Grant = nil
		if _, err := s.Capture(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	})
}
