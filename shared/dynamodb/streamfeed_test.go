package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"leadgate/shared/bolt"
	"leadgate/shared/dynamodb"
	"leadgate/shared/dynamodbstream"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

func newStreamsClient(t *testing.T) *dynamodbstreams.Client {
	t.Helper()
	return dynamodbstreams.New(dynamodbstreams.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(endpoint(t)),
	})
}

// runPoller reads the table's stream from its start with a dynamodbstream.Poller, handing
// each batch to handler until it calls done; it fails the test after a minute.
func runPoller(t *testing.T, client *awsddb.Client, table string, handler func(ctx context.Context, e events.DynamoDBEvent, done func()) (events.DynamoDBEventResponse, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	arn, err := dynamodbstream.LatestARN(ctx, client, table)
	if err != nil {
		t.Fatal(err)
	}
	finished := false
	done := func() { finished = true; cancel() }
	p := dynamodbstream.NewPoller(newStreamsClient(t), arn,
		dynamodbstream.WithStartingPosition(streamtypes.ShardIteratorTypeTrimHorizon),
		dynamodbstream.WithPollInterval(20*time.Millisecond))
	err = p.Run(ctx, func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		return handler(ctx, e, done)
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !finished {
		t.Fatal("the stream was not read to its end within a minute")
	}
}

// TestStreamMatchesEmbeddedFeed runs the same captures, downloads and follow-up
// writes through the DynamoDB store and the embedded store: the changes decoded from
// the DynamoDB stream (read by the poller, with one failed delivery on the way) are
// those of the embedded feed. A grant's creation (with the first capture) and
// revocation are no change in either; each download is one, and counting it may
// update the lead; a first confirmation is one, and may update the lead too.
func TestStreamMatchesEmbeddedFeed(t *testing.T) {
	client := newClient(t, nil)
	table := newTable(t, client)
	ddb := dynamodb.New(client, table)
	embedded, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { embedded.Close() })
	ctx := testContext(t)

	pageA, pageB := storetest.Page("feed-a"), storetest.Page("feed-b")
	pageB.OptIn = leadgate.OptInDouble
	limit := leadgate.RateLimit{Key: "ip:feed-hash", Limit: 3, Window: 24 * time.Hour}
	t0 := storetest.T0
	steps := []struct {
		name    string
		capture leadgate.Capture
		limited bool
		want    string // "created", "updated", "repeat" or an error code
	}{
		{"new lead", storetest.Capture(pageA, "ada@example.com", t0, "newsletter"), true, "created"},
		{"repeat", storetest.Capture(pageA, "ada@example.com", t0.Add(time.Minute), "newsletter"), true, "repeat"},
		{"later, on another page", storetest.Capture(pageB, "ada@example.com", t0.Add(10*time.Minute), "linkedin"), true, "updated"},
		{"over the rate limit", storetest.Capture(pageA, "bob@example.com", t0.Add(20*time.Minute), "ads"), true, string(leadgate.ERATELIMITED)},
		{"another new lead", storetest.Capture(pageB, "grace@example.com", t0.Add(30*time.Minute), "ads"), false, "created"},
		{"back after the window", storetest.Capture(pageA, "ada@example.com", t0.Add(2*time.Hour), "search"), false, "updated"},
	}
	for _, s := range []leadgate.Store{ddb, embedded} {
		for _, p := range []leadgate.Page{pageA, pageB} {
			if err := s.PutPage(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	grant := leadgate.NewGrant("feed-token", steps[0].capture.Submission, pageA, storetest.Magnet())
	steps[0].capture.Grant = &grant
	for _, step := range steps {
		c := step.capture
		if step.limited {
			c.RateLimits = []leadgate.RateLimit{limit}
		}
		for name, s := range map[string]leadgate.Store{"dynamodb": ddb, "embedded": embedded} {
			res, err := s.Capture(ctx, c)
			got := string(leadgate.ErrorCode(err))
			switch {
			case err != nil:
			case res.Repeat:
				got = "repeat"
			case res.LeadCreated:
				got = "created"
			default:
				got = "updated"
			}
			if got != step.want {
				t.Fatalf("%s store, %s: got %s (%v), want %s", name, step.name, got, err, step.want)
			}
		}
	}
	// Two downloads, each counted and rescored; the first sets the lead's first
	// download time.
	// Then the grant is revoked, and a refused download changes nothing.
	for name, s := range map[string]leadgate.Store{"dynamodb": ddb, "embedded": embedded} {
		for n, at := range []time.Time{t0.Add(3 * time.Hour), t0.Add(4 * time.Hour)} {
			g, err := s.UseGrant(ctx, grant.ID, at)
			if err != nil || g.Downloads != n+1 {
				t.Fatalf("%s store, download %d: %+v, %v", name, n+1, g, err)
			}
			d := leadgate.Download{GrantID: g.ID, N: g.Downloads, Page: g.Page, Email: g.Email, At: at}
			if err := s.CountDownload(ctx, d); err != nil {
				t.Fatalf("%s store, count download %d: %v", name, n+1, err)
			}
			recordDownload(t, s, d)
		}
		if err := s.RevokeGrant(ctx, grant.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UseGrant(ctx, grant.ID, t0.Add(5*time.Hour)); leadgate.ErrorCode(err) != leadgate.EGONE {
			t.Fatalf("%s store, download of a revoked grant: %v, want EGONE", name, err)
		}
	}
	// The follow-up: a double opt-in capture, its confirmation email's send, a
	// reminder step, and the confirmation, clicked twice; the confirmation of a lead
	// already active; an unsubscribe, clicked twice; soft bounces (one redelivered), a
	// hard bounce and a complaint, and a bounce that changes nothing. Sends, steps and
	// the links' puts are no change in either feed.
	lin := storetest.Capture(pageB, "lin@example.com", t0.Add(5*time.Hour), "ads")
	for name, s := range map[string]leadgate.Store{"dynamodb": ddb, "embedded": embedded} {
		followUp(t, name, s, lin)
	}
	// A last write marks the end of the stream to read.
	sentinel := storetest.Page("feed-end")
	if err := ddb.PutPage(ctx, sentinel); err != nil {
		t.Fatal(err)
	}

	want, err := embedded.Changes(0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var got []leadgate.Change
	failedOnce := false
	runPoller(t, client, table, func(ctx context.Context, e events.DynamoDBEvent, done func()) (events.DynamoDBEventResponse, error) {
		resp := dynamodb.DecodeEvent(ctx, e, func(_ context.Context, ch leadgate.Change) error {
			if ch.Kind == leadgate.LeadUpdated && !failedOnce {
				// The real stream is read again from this record: AT_SEQUENCE_NUMBER.
				failedOnce = true
				return leadgate.Unavailable("follow-up", errors.New("try again"))
			}
			got = append(got, ch)
			return nil
		})
		if len(resp.BatchItemFailures) == 0 {
			last := e.Records[len(e.Records)-1].Change.Keys[dynamodb.AttrPK]
			if last.DataType() == events.DataTypeString && last.String() == dynamodb.PrefixPage+sentinel.Slug {
				done()
			}
		}
		return resp, nil
	})
	if !failedOnce {
		t.Error("no delivery failed: the redelivery was not exercised")
	}

	if len(got) != len(want) {
		t.Fatalf("stream: %d changes %v; embedded feed: %d changes %v", len(got), changeKinds(got), len(want), changeKinds(want))
	}
	for i := range want {
		if got[i].Kind != want[i].Kind {
			t.Errorf("change %d: stream %s, embedded %s", i, got[i].Kind, want[i].Kind)
			continue
		}
		diffFields(t, got[i].Kind, fmt.Sprintf("change %d lead", i), got[i].Lead, want[i].Lead)
		diffFields(t, got[i].Kind, fmt.Sprintf("change %d old_lead", i), got[i].OldLead, want[i].OldLead)
		diffFields(t, got[i].Kind, fmt.Sprintf("change %d submission", i), got[i].Submission, want[i].Submission)
		diffFields(t, got[i].Kind, fmt.Sprintf("change %d download", i), got[i].Download, want[i].Download)
		diffFields(t, got[i].Kind, fmt.Sprintf("change %d confirmation", i), got[i].Confirmation, want[i].Confirmation)
	}
	if want := []leadgate.ChangeKind{
		leadgate.LeadCreated, leadgate.SubmissionCreated,
		leadgate.LeadUpdated, leadgate.SubmissionCreated,
		leadgate.LeadCreated, leadgate.SubmissionCreated,
		leadgate.LeadUpdated, leadgate.SubmissionCreated,
		leadgate.DownloadMade, leadgate.LeadUpdated, // the first download, rescored
		leadgate.DownloadMade,                            // the second one: the lead's first download stays
		leadgate.LeadCreated, leadgate.SubmissionCreated, // the double opt-in capture
		leadgate.LeadUpdated, leadgate.LeadConfirmed, // its confirmation: unconfirmed to active
		leadgate.LeadUpdated, leadgate.LeadConfirmed, // a lead already active (single opt-in) proves its address
		leadgate.LeadUpdated, // the unsubscribe
		leadgate.LeadUpdated, // a soft bounce
		leadgate.LeadUpdated, // a hard bounce
		leadgate.LeadUpdated, // a complaint
	}; !slices.Equal(changeKinds(got), want) {
		t.Errorf("changes %v, want %v", changeKinds(got), want)
	}
}

// followUp runs TestStreamMatchesEmbeddedFeed's follow-up writes through one store:
// double is a double opt-in capture of a new address; ada@example.com is an active
// lead and grace@example.com an unconfirmed one, captured before.
func followUp(t *testing.T, name string, s leadgate.Store, double leadgate.Capture) {
	t.Helper()
	ctx := testContext(t)
	at := double.Submission.At
	fail := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s store, %s: %v", name, what, err)
		}
	}
	res, err := s.Capture(ctx, double)
	if err != nil || !res.LeadCreated || res.Lead.Status != leadgate.StatusUnconfirmed {
		t.Fatalf("%s store, double opt-in capture: %+v, %v", name, res, err)
	}
	email := double.Submission.Email
	send, ok, err := s.ClaimSend(ctx, email, "confirm#"+res.Submission.ID, at, time.Minute)
	if err != nil || !ok {
		t.Fatalf("%s store, claim the confirmation email: %v %v", name, ok, err)
	}
	send.Status, send.SentAt, send.MessageID = leadgate.SendSent, at.Add(time.Second), "msg-confirm"
	fail("finish the send", s.FinishSend(ctx, send))
	c := leadgate.Confirmation{ID: leadgate.GrantID("feed-confirm"), Email: email, LeadID: res.Lead.ID, Page: double.Page.Slug,
		SubmissionID: res.Submission.ID, CreatedAt: at, ExpiresAt: at.Add(leadgate.ConfirmationTTL)}
	fail("put confirmation", s.PutConfirmation(ctx, c))
	reminder := leadgate.Step{Email: email, Key: leadgate.ReminderKey(res.Submission.ID), Kind: leadgate.StepReminder,
		LeadID: res.Lead.ID, Page: double.Page.Slug, SubmissionID: res.Submission.ID, DueAt: at.Add(leadgate.DefaultReminderAfter)}
	fail("schedule the reminder", s.ScheduleSteps(ctx, []leadgate.Step{reminder}))
	for i, clicked := range []time.Time{at.Add(time.Hour), at.Add(2 * time.Hour)} {
		got, err := s.Confirm(ctx, c.ID, clicked)
		if err != nil || !got.ConfirmedAt.Equal(at.Add(time.Hour)) {
			t.Fatalf("%s store, confirm (click %d): %+v, %v", name, i+1, got, err)
		}
	}
	reminder.Status, reminder.DoneAt, reminder.Reason = leadgate.StepSkipped, at.Add(leadgate.DefaultReminderAfter), "confirmed"
	fail("skip the reminder", s.FinishStep(ctx, reminder))

	active := leadgate.Confirmation{ID: leadgate.GrantID("feed-confirm-active"), Email: "ada@example.com", LeadID: "ada", Page: double.Page.Slug,
		SubmissionID: "ada-sub", CreatedAt: at, ExpiresAt: at.Add(leadgate.ConfirmationTTL)}
	fail("put the active lead's confirmation", s.PutConfirmation(ctx, active))
	if _, err := s.Confirm(ctx, active.ID, at.Add(time.Hour)); err != nil {
		t.Fatalf("%s store, confirm an active lead: %v", name, err)
	}

	u := leadgate.Unsubscribe{ID: leadgate.GrantID("feed-unsub"), Email: "ada@example.com", LeadID: "ada"}
	fail("put unsubscribe", s.PutUnsubscribe(ctx, u))
	for range 2 {
		fail("unsubscribe", s.Unsubscribe(ctx, u.ID, at.Add(3*time.Hour)))
	}
	for _, e := range []leadgate.MailEvent{
		{Kind: "soft_bounce", Email: email, MessageID: "msg-confirm", At: at.Add(4 * time.Hour)},
		{Kind: "soft_bounce", Email: email, MessageID: "msg-confirm", At: at.Add(4 * time.Hour)}, // redelivered
		{Kind: "bounce", Email: "grace@example.com", MessageID: "msg-grace", At: at.Add(5 * time.Hour)},
		{Kind: "complaint", Email: "ada@example.com", MessageID: "msg-ada", At: at.Add(6 * time.Hour)},
		{Kind: "bounce", Email: "ada@example.com", MessageID: "msg-ada-2", At: at.Add(7 * time.Hour)}, // complained stays
	} {
		fail("record "+e.Kind, s.RecordMailEvent(ctx, e))
	}
}
