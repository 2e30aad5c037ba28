package dynamodb_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/dynamodb"
	"leadgate/shared/leadgate"
	"leadgate/shared/testenv"
)

var update = flag.Bool("update", false, "write events/dynamodb-stream-*.json from real stream records of DynamoDB Local")

const captureFixture = "dynamodb-stream-captures.json"

// allTypesJSON holds every DynamoDB type, nested, as Lambda delivers images.
const allTypesJSON = `{
	"s":    {"S": "Grüße, \"quoted\""},
	"n":    {"N": "-12.5E3"},
	"b":    {"B": "AAEC/w=="},
	"bool": {"BOOL": true},
	"null": {"NULL": true},
	"ss":   {"SS": ["a", "b"]},
	"ns":   {"NS": ["1", "2.5"]},
	"bs":   {"BS": ["aGk=", "AP8="]},
	"m":    {"M": {"inner": {"M": {"deep": {"L": [{"S": "x"}, {"N": "1"}]}}}, "flag": {"BOOL": false}, "empty": {"M": {}}}},
	"l":    {"L": [{"M": {"k": {"SS": ["z"]}}}, {"L": [{"NULL": true}, {"B": "AQ=="}]}, {"BS": ["AA=="]}, {"L": []}]}
}`

// allTypes is allTypesJSON as SDK attribute values.
func allTypes() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"s":    &types.AttributeValueMemberS{Value: "Grüße, \"quoted\""},
		"n":    &types.AttributeValueMemberN{Value: "-12.5E3"},
		"b":    &types.AttributeValueMemberB{Value: []byte{0, 1, 2, 255}},
		"bool": &types.AttributeValueMemberBOOL{Value: true},
		"null": &types.AttributeValueMemberNULL{Value: true},
		"ss":   &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"ns":   &types.AttributeValueMemberNS{Value: []string{"1", "2.5"}},
		"bs":   &types.AttributeValueMemberBS{Value: [][]byte{[]byte("hi"), {0, 255}}},
		"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"inner": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"deep": &types.AttributeValueMemberL{Value: []types.AttributeValue{
					&types.AttributeValueMemberS{Value: "x"},
					&types.AttributeValueMemberN{Value: "1"},
				}},
			}},
			"flag":  &types.AttributeValueMemberBOOL{Value: false},
			"empty": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
		}},
		"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"k": &types.AttributeValueMemberSS{Value: []string{"z"}},
			}},
			&types.AttributeValueMemberL{Value: []types.AttributeValue{
				&types.AttributeValueMemberNULL{Value: true},
				&types.AttributeValueMemberB{Value: []byte{1}},
			}},
			&types.AttributeValueMemberBS{Value: [][]byte{{0}}},
			&types.AttributeValueMemberL{Value: []types.AttributeValue{}},
		}},
	}
}

// TestFromEventImage converts an image of every type, decoded from Lambda's JSON.
func TestFromEventImage(t *testing.T) {
	var img map[string]events.DynamoDBAttributeValue
	if err := json.Unmarshal([]byte(allTypesJSON), &img); err != nil {
		t.Fatal(err)
	}
	got, err := dynamodb.FromEventImage(img)
	if err != nil {
		t.Fatal(err)
	}
	want := allTypes()
	for name := range want {
		if !reflect.DeepEqual(got[name], want[name]) {
			t.Errorf("%s: got %s, want %s", name, dynamoJSONString(t, got[name]), dynamoJSONString(t, want[name]))
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d attributes, want %d", len(got), len(want))
	}

	t.Run("ValueOfNoType", func(t *testing.T) {
		// The zero value is no type at all; the events type panics on it.
		if av, err := dynamodb.FromEventAttributeValue(events.DynamoDBAttributeValue{}); err == nil {
			t.Errorf("got %#v and no error", av)
		}
	})
}

// fixtureT0 and the inputs below are literal, so that the committed fixture stays
// valid while test helpers elsewhere change.
var fixtureT0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// fixturePage accepts no hidden fields: its item then carries a NULL.
func fixturePage() leadgate.Page {
	return leadgate.Page{
		Slug:     "stream-fixture",
		Title:    "The stream fixture playbook",
		MagnetID: "playbook",
		Fields: []leadgate.Field{
			{Name: "email", Label: "Work email", Type: leadgate.FieldEmail, Required: true},
			{Name: "name", Label: "Name", Type: leadgate.FieldText},
			{Name: "company", Label: "Company", Type: leadgate.FieldText},
			{Name: "team_size", Label: "Team size", Type: leadgate.FieldText, MaxLength: 10},
		},
		ConsentText:    "Send me the occasional email about new guides.",
		PrivacyURL:     "/privacy",
		ConsentVersion: "2026-01",
		OptIn:          leadgate.OptInSingle,
		ThankYouURL:    "https://example.com/thanks",
		CreatedAt:      fixtureT0,
		UpdatedAt:      fixtureT0,
	}
}

// fixtureMagnet is the magnet of fixturePage.
func fixtureMagnet() leadgate.Magnet {
	return leadgate.Magnet{ID: "playbook", Title: "The playbook", Kind: "ebook", ObjectKey: "magnets/playbook.pdf",
		FileName: "The Playbook.pdf", ContentType: "application/pdf", CreatedAt: fixtureT0}
}

// fixtureDownloads are the two downloads of the first capture's grant, after the
// second capture: the first sets the lead's first download time, the second does not.
var fixtureDownloads = []time.Time{fixtureT0.Add(3 * time.Hour), fixtureT0.Add(3*time.Hour + 30*time.Minute + 250*time.Millisecond)}

// fixtureCaptures returns a new lead's capture, with a grant, and, two hours later on
// the same page, its second one: the lead is created and updated, each with a
// submission, and the dedupe marker and the rate counter are written and rewritten.
func fixtureCaptures() (first, second leadgate.Capture) {
	page := fixturePage()
	limits := []leadgate.RateLimit{{Key: "ip:fixture-hash", Limit: 10, Window: 24 * time.Hour}}
	capture := func(id string, at time.Time, values map[string]string, source string) leadgate.Capture {
		return leadgate.Capture{
			Submission: leadgate.Submission{
				ID: id, Email: "ada@example.com", Page: page.Slug, MagnetID: page.MagnetID, At: at, Values: values,
				Attribution: leadgate.Attribution{
					Page: page.Slug, At: at, UTMSource: source, UTMMedium: "email", UTMCampaign: "spring",
					Referrer: "https://search.example/?q=playbook", LandingURL: "https://example.com/lp?utm_source=" + source,
				},
				Consent: leadgate.Consent{Given: true, TextVersion: page.ConsentVersion, Page: page.Slug, At: at, IP: "203.0.113.7", UserAgent: "Mozilla/5.0 (fixture)"},
			},
			Page: page, NewLeadID: "lead-fixture-1", DedupeWindow: time.Hour, RateLimits: limits,
		}
	}
	first = capture("sub-fixture-1", fixtureT0.Add(1500*time.Millisecond), map[string]string{
		"email": "Ada@Example.com", "name": "Ada Lovelace", "company": "Analytical Engines Ltd", "team_size": "11-50",
	}, "newsletter")
	second = capture("sub-fixture-2", fixtureT0.Add(2*time.Hour), map[string]string{
		"email": "ada@example.com", "name": "Ada King", "team_size": "51-200",
	}, "linkedin")
	g := leadgate.NewGrant("fixture-token", first.Submission, page, fixtureMagnet())
	first.Grant = &g
	return first, second
}

// fixtureFollowUp holds the fixture's follow-up: a double opt-in capture of a
// second address, four hours after the first capture, on a page of its own; the
// confirmation of that address, its confirmation email's send and reminder step,
// and an unsubscribe link of the first address.
type fixtureFollowUp struct {
	capture      leadgate.Capture
	sendKey      string
	sentAt       time.Time
	confirmation leadgate.Confirmation
	reminder     leadgate.Step
	confirmAt    []time.Time // two clicks: the first confirms
	unsubscribe  leadgate.Unsubscribe
	unsubAt      time.Time
	mailEvents   []leadgate.MailEvent // a soft bounce, then a hard bounce, of the second address
}

func fixtureFollowUps() fixtureFollowUp {
	page := fixturePage()
	page.Slug, page.Title, page.OptIn = "stream-fixture-double", "The double opt-in playbook", leadgate.OptInDouble
	at := fixtureT0.Add(4 * time.Hour)
	sub := leadgate.Submission{
		ID: "sub-fixture-3", Email: "grace@example.com", Page: page.Slug, MagnetID: page.MagnetID, At: at,
		Values:      map[string]string{"email": "grace@example.com", "name": "Grace Hopper"},
		Attribution: leadgate.Attribution{Page: page.Slug, At: at, UTMSource: "ads"},
		Consent:     leadgate.Consent{Given: true, TextVersion: page.ConsentVersion, Page: page.Slug, At: at, IP: "203.0.113.8", UserAgent: "Mozilla/5.0 (fixture)"},
	}
	return fixtureFollowUp{
		capture: leadgate.Capture{Submission: sub, Page: page, NewLeadID: "lead-fixture-2", DedupeWindow: time.Hour},
		sendKey: "confirm#" + sub.ID,
		sentAt:  at.Add(time.Second),
		confirmation: leadgate.Confirmation{ID: leadgate.GrantID("fixture-confirm-token"), Email: sub.Email, LeadID: "lead-fixture-2",
			Page: page.Slug, SubmissionID: sub.ID, CreatedAt: at, ExpiresAt: at.Add(leadgate.ConfirmationTTL)},
		reminder: leadgate.Step{Email: sub.Email, Key: leadgate.ReminderKey(sub.ID), Kind: leadgate.StepReminder, LeadID: "lead-fixture-2",
			Page: page.Slug, SubmissionID: sub.ID, DueAt: at.Add(leadgate.DefaultReminderAfter)},
		confirmAt:   []time.Time{at.Add(time.Hour), at.Add(2 * time.Hour)},
		unsubscribe: leadgate.Unsubscribe{ID: leadgate.GrantID("fixture-unsub-token"), Email: "ada@example.com", LeadID: "lead-fixture-1"},
		unsubAt:     at.Add(3 * time.Hour),
		mailEvents: []leadgate.MailEvent{
			{Kind: "soft_bounce", Email: sub.Email, MessageID: "fixture-message-1", At: at.Add(4 * time.Hour)},
			{Kind: "bounce", Email: sub.Email, MessageID: "fixture-message-2", At: at.Add(5 * time.Hour)},
		},
	}
}

// wantFixtureChanges returns the domain changes the fixture's records describe.
func wantFixtureChanges() []leadgate.Change {
	first, second := fixtureCaptures()
	lead1 := leadgate.NewLead(first.NewLeadID, first.Submission, first.Page)
	sub1 := first.Submission
	sub1.LeadID, sub1.NewLeadStage = lead1.ID, leadgate.StageCold
	lead2 := lead1.Apply(second.Submission, second.Page)
	sub2 := second.Submission
	sub2.LeadID = lead2.ID
	lead3 := lead2
	lead3.FirstDownloadAt, lead3.Version = fixtureDownloads[0], lead2.Version+1
	download := func(n int) *leadgate.Download {
		return &leadgate.Download{GrantID: first.Grant.ID, N: n, Page: first.Page.Slug, Email: first.Submission.Email, At: fixtureDownloads[n-1],
			Source: leadgate.SourceOf(first.Submission.Attribution)}
	}

	f := fixtureFollowUps()
	grace1 := leadgate.NewLead(f.capture.NewLeadID, f.capture.Submission, f.capture.Page)
	sub3 := f.capture.Submission
	sub3.LeadID, sub3.NewLeadStage = grace1.ID, leadgate.StageCold
	grace2 := grace1
	grace2.Status, grace2.ConfirmedAt, grace2.UpdatedAt, grace2.Version = leadgate.StatusActive, f.confirmAt[0], f.confirmAt[0], grace1.Version+1
	confirmed := f.confirmation
	confirmed.ConfirmedAt = f.confirmAt[0]
	lead4 := lead3
	lead4.Status, lead4.Consent.Given, lead4.UpdatedAt, lead4.Version = leadgate.StatusUnsubscribed, false, f.unsubAt, lead3.Version+1
	lead4.SuppressedAt = f.unsubAt
	grace3 := grace2
	grace3.SoftBounces, grace3.UpdatedAt, grace3.Version = 1, f.mailEvents[0].At, grace2.Version+1
	grace4 := grace3
	grace4.Status, grace4.UpdatedAt, grace4.Version = leadgate.StatusBounced, f.mailEvents[1].At, grace3.Version+1
	grace4.SuppressedAt = f.mailEvents[1].At
	return []leadgate.Change{
		{Kind: leadgate.LeadCreated, Lead: &lead1},
		{Kind: leadgate.SubmissionCreated, Submission: &sub1},
		{Kind: leadgate.LeadUpdated, Lead: &lead2, OldLead: &lead1},
		{Kind: leadgate.SubmissionCreated, Submission: &sub2},
		{Kind: leadgate.DownloadMade, Download: download(1)},
		{Kind: leadgate.LeadUpdated, Lead: &lead3, OldLead: &lead2},
		{Kind: leadgate.DownloadMade, Download: download(2)},
		{Kind: leadgate.LeadCreated, Lead: &grace1},
		{Kind: leadgate.SubmissionCreated, Submission: &sub3},
		{Kind: leadgate.LeadUpdated, Lead: &grace2, OldLead: &grace1},
		{Kind: leadgate.LeadConfirmed, Confirmation: &confirmed},
		{Kind: leadgate.LeadUpdated, Lead: &lead4, OldLead: &lead3},
		{Kind: leadgate.LeadUpdated, Lead: &grace3, OldLead: &grace2},
		{Kind: leadgate.LeadUpdated, Lead: &grace4, OldLead: &grace3},
	}
}

// TestStreamFixtures decodes the committed stream fixture and checks every change
// field by field. With DynamoDB Local it also writes the fixture's captures through
// the store and reads them back from the stream: with -update it saves them as the
// fixture, otherwise it checks that the fixture still holds what the store writes.
func TestStreamFixtures(t *testing.T) {
	path := filepath.Join(repoRoot(t), "events", captureFixture)
	if *update || os.Getenv(endpointEnv) != "" {
		fresh := recordFixture(t)
		if *update {
			data, err := json.MarshalIndent(fresh, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s (%d records)", path, len(fresh.Records))
		} else {
			committed := readEvent(t, path)
			if g, w := normalised(t, fresh), normalised(t, committed); g != w {
				t.Errorf("%s no longer holds what the store writes; regenerate it with\n"+
					"  %s=http://127.0.0.1:8765 go test ./shared/dynamodb -run TestStreamFixtures -update\n got %s\nwant %s",
					captureFixture, endpointEnv, g, w)
			}
		}
	}

	checkFixture(t, readEvent(t, path), nil)
}

// withoutPages clears what leads written before they kept their pages and
// suppression times lack, and submissions written before they said the stage of
// the lead they made.
func withoutPages(want []leadgate.Change) {
	for _, ch := range want {
		if ch.Submission != nil {
			ch.Submission.NewLeadStage = ""
		}
		for _, l := range []*leadgate.Lead{ch.Lead, ch.OldLead} {
			if l != nil {
				l.Pages = nil
				l.SuppressedAt = time.Time{}
			}
		}
	}
}

// TestStreamFixtureOfFullItems decodes records of the fixture's writes as the store
// made them before leads and submissions left out what their keys and other
// attributes say (and before a day's totals were the sum of its sources): records
// of such items, of tables written before, decode to the same changes.
func TestStreamFixtureOfFullItems(t *testing.T) {
	checkFixture(t, readEvent(t, filepath.Join("testdata", "dynamodb-stream-captures-full-items.json")), withoutPages)
}

// checkFixture checks a fixture's shape, that it holds every kind of record, and
// its changes field by field.
func checkFixture(t *testing.T, e events.DynamoDBEvent, adjust func([]leadgate.Change)) {
	t.Helper()
	checkLambdaShape(t, e)
	checkAttributeTypes(t, e, "S", "N", "BOOL", "M", "L", "NULL")

	// The fixture holds each kind of record the table's stream carries.
	kinds := map[string]bool{}
	for _, rec := range e.Records {
		kinds[rec.EventName+" "+itemType(rec)] = true
	}
	for _, k := range []string{
		"INSERT page", "INSERT lead", "MODIFY lead", "INSERT submission",
		"INSERT dedupe", "MODIFY dedupe", "INSERT rate_counter", "MODIFY rate_counter", "REMOVE dedupe",
		"INSERT grant", "MODIFY grant", "INSERT download_mark", "INSERT source_day_counts", "MODIFY source_day_counts",
		"INSERT send", "MODIFY send", "INSERT step", "MODIFY step", "INSERT confirmation", "MODIFY confirmation",
		"INSERT unsubscribe", "INSERT mail_event_mark",
	} {
		if !kinds[k] {
			t.Errorf("no %s record in the fixture; it has %v", k, kinds)
		}
	}

	var got []leadgate.Change
	for _, rec := range e.Records {
		ch, ok, err := dynamodb.DecodeRecord(rec)
		if err != nil {
			t.Fatalf("DecodeRecord(%s %s): %v", rec.EventName, itemType(rec), err)
		}
		if !ok {
			continue
		}
		if ch.ID != rec.EventID {
			t.Errorf("change ID %q, want the event ID %q", ch.ID, rec.EventID)
		}
		if want := rec.Change.ApproximateCreationDateTime.UTC(); !ch.At.Equal(want) || ch.At.Location() != time.UTC || ch.At.IsZero() {
			t.Errorf("change At %v, want %v in UTC", ch.At, want)
		}
		if ch.Seq != 0 {
			t.Errorf("change Seq %d, want 0", ch.Seq)
		}
		got = append(got, ch)
	}
	want := wantFixtureChanges()
	if adjust != nil {
		adjust(want)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d changes (%v), want %d", len(got), changeKinds(got), len(want))
	}
	for i := range want {
		if got[i].Kind != want[i].Kind {
			t.Errorf("change %d: kind %s, want %s", i, got[i].Kind, want[i].Kind)
		}
		diffFields(t, got[i].Kind, "lead", got[i].Lead, want[i].Lead)
		diffFields(t, got[i].Kind, "old_lead", got[i].OldLead, want[i].OldLead)
		diffFields(t, got[i].Kind, "submission", got[i].Submission, want[i].Submission)
		diffFields(t, got[i].Kind, "download", got[i].Download, want[i].Download)
		diffFields(t, got[i].Kind, "confirmation", got[i].Confirmation, want[i].Confirmation)
	}
}

// recordFixture runs the fixture's captures through the store on DynamoDB Local,
// downloads twice with the first capture's grant and counts each download, revokes
// the grant, runs the follow-up (fixtureFollowUps: a double opt-in capture, its
// confirmation email's send and reminder, two clicks on its confirmation link, the
// reminder skipped, an unsubscribe of the first lead, a soft and a hard bounce of the
// second), removes the dedupe marker as its TTL would, and returns the stream's
// records.
func recordFixture(t *testing.T) events.DynamoDBEvent {
	client := newClient(t, nil)
	table := newTable(t, client)
	s := dynamodb.New(client, table)
	ctx := testContext(t)
	first, second := fixtureCaptures()
	if err := s.PutPage(ctx, first.Page); err != nil {
		t.Fatal(err)
	}
	for _, c := range []leadgate.Capture{first, second} {
		if res, err := s.Capture(ctx, c); err != nil || res.Repeat {
			t.Fatalf("Capture(%s): %+v, %v", c.Submission.ID, res, err)
		}
	}
	for _, at := range fixtureDownloads {
		g, err := s.UseGrant(ctx, first.Grant.ID, at)
		if err != nil {
			t.Fatalf("UseGrant at %v: %v", at, err)
		}
		d := leadgate.Download{GrantID: g.ID, N: g.Downloads, Page: g.Page, Email: g.Email, At: at, Source: g.Source}
		if err := s.CountDownload(ctx, d); err != nil {
			t.Fatalf("CountDownload(%d): %v", d.N, err)
		}
		recordDownload(t, s, d)
	}
	if err := s.RevokeGrant(ctx, first.Grant.ID); err != nil {
		t.Fatal(err)
	}
	recordFollowUp(t, s)
	_, err := client.DeleteItem(ctx, &awsddb.DeleteItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
		dynamodb.AttrPK: &types.AttributeValueMemberS{Value: dynamodb.PrefixLead + first.Submission.Email},
		dynamodb.AttrSK: &types.AttributeValueMemberS{Value: dynamodb.PrefixDedupe + first.Page.Slug},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var all []events.DynamoDBEventRecord
	runPoller(t, client, table, func(_ context.Context, e events.DynamoDBEvent, done func()) (events.DynamoDBEventResponse, error) {
		all = append(all, e.Records...)
		if e.Records[len(e.Records)-1].EventName == "REMOVE" {
			done()
		}
		return events.DynamoDBEventResponse{}, nil
	})
	return events.DynamoDBEvent{Records: all}
}

// recordFollowUp writes the fixture's follow-up through the store.
func recordFollowUp(t *testing.T, s *dynamodb.Store) {
	t.Helper()
	ctx := testContext(t)
	f := fixtureFollowUps()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("put the double opt-in page", s.PutPage(ctx, f.capture.Page))
	if res, err := s.Capture(ctx, f.capture); err != nil || !res.LeadCreated {
		t.Fatalf("Capture(%s): %+v, %v", f.capture.Submission.ID, res, err)
	}
	email := f.capture.Submission.Email
	send, ok, err := s.ClaimSend(ctx, email, f.sendKey, f.capture.Submission.At, time.Minute)
	if err != nil || !ok {
		t.Fatalf("ClaimSend: %v, %v", ok, err)
	}
	send.Status, send.SentAt, send.MessageID = leadgate.SendSent, f.sentAt, "fixture-message-1"
	must("FinishSend", s.FinishSend(ctx, send))
	must("PutConfirmation", s.PutConfirmation(ctx, f.confirmation))
	must("ScheduleSteps", s.ScheduleSteps(ctx, []leadgate.Step{f.reminder}))
	for _, at := range f.confirmAt {
		if _, err := s.Confirm(ctx, f.confirmation.ID, at); err != nil {
			t.Fatalf("Confirm at %v: %v", at, err)
		}
	}
	skipped := f.reminder
	skipped.Status, skipped.DoneAt, skipped.Reason = leadgate.StepSkipped, f.reminder.DueAt, "confirmed"
	must("FinishStep", s.FinishStep(ctx, skipped))
	must("PutUnsubscribe", s.PutUnsubscribe(ctx, f.unsubscribe))
	must("Unsubscribe", s.Unsubscribe(ctx, f.unsubscribe.ID, f.unsubAt))
	for _, e := range f.mailEvents {
		must("RecordMailEvent "+e.Kind, s.RecordMailEvent(ctx, e))
	}
}

// normalised returns the event as JSON without what differs from run to run.
func normalised(t *testing.T, e events.DynamoDBEvent) string {
	t.Helper()
	recs := slices.Clone(e.Records)
	for i := range recs {
		recs[i].EventID, recs[i].EventSourceArn = "", ""
		recs[i].Change.SequenceNumber = ""
		recs[i].Change.ApproximateCreationDateTime = events.SecondsEpochTime{}
	}
	data, err := json.Marshal(events.DynamoDBEvent{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// checkLambdaShape checks the fields Lambda sets on every DynamoDB record.
func checkLambdaShape(t *testing.T, e events.DynamoDBEvent) {
	t.Helper()
	if len(e.Records) == 0 {
		t.Fatal("no records")
	}
	for i, rec := range e.Records {
		switch {
		case rec.EventSource != "aws:dynamodb",
			!strings.HasPrefix(rec.EventSourceArn, "arn:aws:dynamodb:") || !strings.Contains(rec.EventSourceArn, "/stream/"),
			rec.AWSRegion == "", rec.EventID == "", rec.EventVersion == "",
			rec.Change.SequenceNumber == "", rec.Change.SizeBytes <= 0, rec.Change.ApproximateCreationDateTime.IsZero(),
			rec.Change.StreamViewType != "NEW_AND_OLD_IMAGES",
			rec.Change.Keys[dynamodb.AttrPK].DataType() != events.DataTypeString:
			t.Errorf("record %d is not in Lambda's shape: %+v", i, rec)
		}
	}
}

// checkAttributeTypes checks that the event's images hold every one of the types.
func checkAttributeTypes(t *testing.T, e events.DynamoDBEvent, want ...string) {
	t.Helper()
	names := map[events.DynamoDBDataType]string{
		events.DataTypeString: "S", events.DataTypeNumber: "N", events.DataTypeBinary: "B",
		events.DataTypeBoolean: "BOOL", events.DataTypeNull: "NULL", events.DataTypeMap: "M",
		events.DataTypeList: "L", events.DataTypeStringSet: "SS", events.DataTypeNumberSet: "NS",
		events.DataTypeBinarySet: "BS",
	}
	seen := map[string]bool{}
	var walk func(v events.DynamoDBAttributeValue)
	walk = func(v events.DynamoDBAttributeValue) {
		seen[names[v.DataType()]] = true
		switch v.DataType() {
		case events.DataTypeMap:
			for _, e := range v.Map() {
				walk(e)
			}
		case events.DataTypeList:
			for _, e := range v.List() {
				walk(e)
			}
		}
	}
	for _, rec := range e.Records {
		for _, img := range []map[string]events.DynamoDBAttributeValue{rec.Change.Keys, rec.Change.NewImage, rec.Change.OldImage} {
			for _, v := range img {
				walk(v)
			}
		}
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("no %s attribute in the fixture's images (seen: %v)", w, seen)
		}
	}
}

// TestDecodeRecordRefuses: records that are not changes are skipped, records that
// are leads, submissions, grants or confirmations but cannot be decoded are errors.
func TestDecodeRecordRefuses(t *testing.T) {
	e := readEvent(t, filepath.Join(repoRoot(t), "events", captureFixture))
	find := func(name, typ string) events.DynamoDBEventRecord {
		t.Helper()
		for _, rec := range e.Records {
			if rec.EventName == name && itemType(rec) == typ {
				return rec
			}
		}
		t.Fatalf("no %s %s record in the fixture", name, typ)
		return events.DynamoDBEventRecord{}
	}
	withImage := func(rec events.DynamoDBEventRecord, name string, v events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
		img := make(map[string]events.DynamoDBAttributeValue, len(rec.Change.NewImage))
		for k, v := range rec.Change.NewImage {
			img[k] = v
		}
		img[name] = v
		rec.Change.NewImage = img
		return rec
	}
	without := func(rec events.DynamoDBEventRecord, name string) events.DynamoDBEventRecord {
		img := make(map[string]events.DynamoDBAttributeValue, len(rec.Change.NewImage))
		for k, v := range rec.Change.NewImage {
			if k != name {
				img[k] = v
			}
		}
		rec.Change.NewImage = img
		return rec
	}
	leadInsert, leadModify, subInsert := find("INSERT", "lead"), find("MODIFY", "lead"), find("INSERT", "submission")
	// The grant's records: its download (downloads grew) and its revocation (they did not).
	var download, revoked events.DynamoDBEventRecord
	for _, rec := range e.Records {
		if rec.EventName != "MODIFY" || itemType(rec) != "grant" {
			continue
		}
		if rec.Change.NewImage["downloads"].Number() != rec.Change.OldImage["downloads"].Number() {
			download = rec
		} else if rec.Change.NewImage["revoked"].Boolean() {
			revoked = rec
		}
	}
	if download.EventID == "" || revoked.EventID == "" {
		t.Fatal("no download or no revocation of a grant in the fixture")
	}
	downloadNoOld := download
	downloadNoOld.Change.OldImage = nil
	grantKeysOnly := download
	grantKeysOnly.Change.NewImage, grantKeysOnly.Change.OldImage, grantKeysOnly.Change.StreamViewType = nil, nil, "KEYS_ONLY"
	grantRemoved := find("INSERT", "grant")
	grantRemoved.EventName, grantRemoved.Change.OldImage, grantRemoved.Change.NewImage = "REMOVE", grantRemoved.Change.NewImage, nil

	// The confirmation's click (confirmed_at set) and a later MODIFY of it.
	confirmed := find("MODIFY", "confirmation")
	confirmedAgain := confirmed
	confirmedAgain.Change.OldImage = confirmed.Change.NewImage
	confirmedNoOld := confirmed
	confirmedNoOld.Change.OldImage = nil
	confirmationKeysOnly := confirmed
	confirmationKeysOnly.Change.NewImage, confirmationKeysOnly.Change.OldImage, confirmationKeysOnly.Change.StreamViewType = nil, nil, "KEYS_ONLY"
	sendKeysOnly := find("INSERT", "send")
	sendKeysOnly.Change.NewImage, sendKeysOnly.Change.StreamViewType = nil, "KEYS_ONLY"

	removed := leadInsert
	removed.EventName, removed.Change.OldImage, removed.Change.NewImage = "REMOVE", leadInsert.Change.NewImage, nil
	subModify := subInsert
	subModify.EventName, subModify.Change.OldImage = "MODIFY", subInsert.Change.NewImage
	noOld := leadModify
	noOld.Change.OldImage = nil
	keysOnly := leadInsert
	keysOnly.Change.NewImage, keysOnly.Change.StreamViewType = nil, "KEYS_ONLY"

	for _, c := range []struct {
		name    string
		rec     events.DynamoDBEventRecord
		wantErr bool
	}{
		{"lead removed", removed, false},
		{"submission modified", subModify, false},
		{"page inserted", find("INSERT", "page"), false},
		{"rate counter modified", find("MODIFY", "rate_counter"), false},
		{"dedupe marker inserted", find("INSERT", "dedupe"), false},
		{"item of another type", withImage(leadInsert, dynamodb.AttrItemType, events.NewStringAttribute("nurture_step")), false},
		{"item_type not a string", withImage(leadInsert, dynamodb.AttrItemType, events.NewNumberAttribute("1")), false},
		{"lead with a number of the wrong type", withImage(leadInsert, "submissions", events.NewStringAttribute("many")), true},
		{"lead with a bad time", withImage(leadModify, "updated_at", events.NewStringAttribute("yesterday")), true},
		{"lead without id", withImage(leadInsert, "id", events.NewStringAttribute("")), true},
		{"lead modified without old image", noOld, true},
		{"submission with a map of the wrong type", withImage(subInsert, "values", events.NewListAttribute(nil)), true},
		{"submission without page", withImage(subInsert, "page", events.NewNullAttribute()), true},
		{"lead on a keys-only stream", keysOnly, true},
		{"grant inserted", find("INSERT", "grant"), false},
		{"grant revoked", revoked, false},
		{"grant removed by its TTL", grantRemoved, false},
		{"daily counter inserted", find("INSERT", "source_day_counts"), false},
		{"daily counter modified", find("MODIFY", "source_day_counts"), false},
		{"download mark inserted", find("INSERT", "download_mark"), false},
		{"download with downloads of the wrong type", withImage(download, "downloads", events.NewStringAttribute("many")), true},
		{"download with a bad time", withImage(download, "last_download_at", events.NewStringAttribute("yesterday")), true},
		{"download without last_download_at", without(download, "last_download_at"), true},
		{"download without the link's expiry", without(download, "link_expires_at"), true},
		{"download without id", withImage(download, "id", events.NewStringAttribute("")), true},
		{"download without old image", downloadNoOld, true},
		{"grant on a keys-only stream", grantKeysOnly, true},
		{"send inserted", find("INSERT", "send"), false},
		{"send modified", find("MODIFY", "send"), false},
		{"send on a keys-only stream", sendKeysOnly, false},
		{"step inserted", find("INSERT", "step"), false},
		{"step modified", find("MODIFY", "step"), false},
		{"confirmation inserted", find("INSERT", "confirmation"), false},
		{"confirmation modified after its click", confirmedAgain, false},
		{"unsubscribe link inserted", find("INSERT", "unsubscribe"), false},
		{"soft-bounce mark inserted", find("INSERT", "mail_event_mark"), false},
		{"confirmation with a bad time", withImage(confirmed, "confirmed_at", events.NewStringAttribute("yesterday")), true},
		{"confirmation without the link's expiry", without(confirmed, "link_expires_at"), true},
		{"confirmation without email", withImage(confirmed, "email", events.NewStringAttribute("")), true},
		{"confirmation without old image", confirmedNoOld, true},
		{"confirmation on a keys-only stream", confirmationKeysOnly, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch, ok, err := dynamodb.DecodeRecord(c.rec)
			if c.wantErr {
				if err == nil || ok {
					t.Fatalf("got %+v, ok %v, err %v; want an error", ch, ok, err)
				}
				if leadgate.ErrorCode(err) != leadgate.EINTERNAL || !strings.Contains(err.Error(), c.rec.EventID) {
					t.Errorf("error %v: want an internal error naming the record", err)
				}
				if strings.Contains(err.Error(), "ada@example.com") || strings.Contains(err.Error(), "Lovelace") || strings.Contains(err.Error(), "grace@example.com") {
					t.Errorf("error %v holds personal data", err)
				}
				return
			}
			if err != nil || ok {
				t.Errorf("got %+v, ok %v, err %v; want no change and no error", ch, ok, err)
			}
		})
	}
}

// TestDecodeEvent: changes go to handle in order; the first failure is reported with
// every later record, and nothing after it is handled.
func TestDecodeEvent(t *testing.T) {
	e := readEvent(t, filepath.Join(repoRoot(t), "events", captureFixture))
	ctx := context.Background()
	seqs := func(recs []events.DynamoDBEventRecord) []string {
		var out []string
		for _, r := range recs {
			out = append(out, r.Change.SequenceNumber)
		}
		return out
	}
	failures := func(resp events.DynamoDBEventResponse) []string {
		var out []string
		for _, f := range resp.BatchItemFailures {
			out = append(out, f.ItemIdentifier)
		}
		return out
	}

	t.Run("AllHandled", func(t *testing.T) {
		var kinds []leadgate.ChangeKind
		resp := dynamodb.DecodeEvent(ctx, e, func(_ context.Context, ch leadgate.Change) error {
			kinds = append(kinds, ch.Kind)
			return nil
		})
		if len(resp.BatchItemFailures) != 0 {
			t.Errorf("failures %v, want none", failures(resp))
		}
		if want := changeKinds(wantFixtureChanges()); !slices.Equal(kinds, want) {
			t.Errorf("handled %v, want %v", kinds, want)
		}
	})

	t.Run("HandlerFails", func(t *testing.T) {
		var kinds []leadgate.ChangeKind
		failAt := -1
		resp := dynamodb.DecodeEvent(ctx, e, func(_ context.Context, ch leadgate.Change) error {
			if ch.Kind == leadgate.LeadUpdated {
				for i, rec := range e.Records {
					if rec.EventID == ch.ID {
						failAt = i
					}
				}
				return leadgate.Unavailable("send", errors.New("mail server down"))
			}
			kinds = append(kinds, ch.Kind)
			return nil
		})
		if failAt < 0 {
			t.Fatal("the lead update was not handed over")
		}
		if got, want := failures(resp), seqs(e.Records[failAt:]); !slices.Equal(got, want) {
			t.Errorf("failures %v, want the failed record and every later one %v", got, want)
		}
		if want := []leadgate.ChangeKind{leadgate.LeadCreated, leadgate.SubmissionCreated}; !slices.Equal(kinds, want) {
			t.Errorf("handled %v, want %v", kinds, want)
		}
	})

	t.Run("PoisonRecord", func(t *testing.T) {
		poisoned := events.DynamoDBEvent{Records: slices.Clone(e.Records)}
		at := -1
		for i, rec := range poisoned.Records {
			if rec.EventName == "INSERT" && itemType(rec) == "submission" {
				img := map[string]events.DynamoDBAttributeValue{}
				for k, v := range rec.Change.NewImage {
					img[k] = v
				}
				img["values"] = events.NewStringAttribute("not a map")
				poisoned.Records[i].Change.NewImage = img
				at = i
				break
			}
		}
		var kinds []leadgate.ChangeKind
		resp := dynamodb.DecodeEvent(ctx, poisoned, func(_ context.Context, ch leadgate.Change) error {
			kinds = append(kinds, ch.Kind)
			return nil
		})
		if got, want := failures(resp), seqs(poisoned.Records[at:]); !slices.Equal(got, want) {
			t.Errorf("failures %v, want %v", got, want)
		}
		if want := []leadgate.ChangeKind{leadgate.LeadCreated}; !slices.Equal(kinds, want) {
			t.Errorf("handled %v, want %v", kinds, want)
		}
	})
}

// TestSAMGeneratedEvent decodes the sample event of `sam local generate-event
// dynamodb update`: its items are not ours, so no record is a change, and its
// images convert to the SDK's values.
func TestSAMGeneratedEvent(t *testing.T) {
	sam := samCommand(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sam, "local", "generate-event", "dynamodb", "update")
	cmd.Env = append(os.Environ(), "SAM_CLI_TELEMETRY=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s local generate-event dynamodb update: %v\n%s", sam, err, stderr.Bytes())
	}

	var e events.DynamoDBEvent
	if err := json.Unmarshal(out, &e); err != nil {
		t.Fatalf("decode the SAM event: %v\n%s", err, out)
	}
	if len(e.Records) == 0 {
		t.Fatalf("the SAM event has no records:\n%s", out)
	}
	// The same document read without the events types, to check the conversion by.
	var raw struct {
		Records []struct {
			Dynamodb map[string]json.RawMessage `json:"dynamodb"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for i, rec := range e.Records {
		names[rec.EventName] = true
		ch, ok, err := dynamodb.DecodeRecord(rec)
		if err != nil || ok {
			t.Errorf("record %d (%s): got %+v, ok %v, err %v; want no change and no error", i, rec.EventName, ch, ok, err)
		}
		for _, part := range []string{"Keys", "NewImage", "OldImage"} {
			img := map[string]map[string]events.DynamoDBAttributeValue{
				"Keys": rec.Change.Keys, "NewImage": rec.Change.NewImage, "OldImage": rec.Change.OldImage,
			}[part]
			var want map[string]any
			if data, ok := raw.Records[i].Dynamodb[part]; ok {
				if err := json.Unmarshal(data, &want); err != nil {
					t.Fatal(err)
				}
			}
			sdk, err := dynamodb.FromEventImage(img)
			if err != nil {
				t.Errorf("record %d %s: %v", i, part, err)
				continue
			}
			got := map[string]any{}
			for name, av := range sdk {
				got[name] = dynamoJSON(t, av)
			}
			if len(want) == 0 && len(got) == 0 {
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("record %d %s: converted to %v, want %v", i, part, got, want)
			}
		}
	}
	for _, n := range []string{"INSERT", "MODIFY", "REMOVE"} {
		if !names[n] {
			t.Errorf("no %s record in the SAM event", n)
		}
	}
	// And the first image's values, spelled out.
	first, err := dynamodb.FromEventImage(e.Records[0].Change.NewImage)
	if err != nil {
		t.Fatal(err)
	}
	if msg, ok := first["Message"].(*types.AttributeValueMemberS); !ok || msg.Value != "New item!" {
		t.Errorf("Message: got %#v, want S \"New item!\"", first["Message"])
	}
	if id, ok := first["Id"].(*types.AttributeValueMemberN); !ok || id.Value != "101" {
		t.Errorf("Id: got %#v, want N \"101\"", first["Id"])
	}

	// Our fixture has the shape of SAM's event: the same fields on each record.
	fixture, err := os.ReadFile(filepath.Join(repoRoot(t), "events", captureFixture))
	if err != nil {
		t.Fatal(err)
	}
	samKeys, fixtureKeys := recordKeys(t, out), recordKeys(t, fixture)
	for k := range samKeys {
		if !fixtureKeys[k] {
			t.Errorf("SAM's records have %s, the fixture's do not", k)
		}
	}
}

// recordKeys returns the field names of an event's records and of their
// "dynamodb" parts, as "record.<name>" and "dynamodb.<name>".
func recordKeys(t *testing.T, data []byte) map[string]bool {
	t.Helper()
	var e struct {
		Records []map[string]json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, rec := range e.Records {
		for k, v := range rec {
			keys["record."+k] = true
			if k == "dynamodb" {
				var d map[string]json.RawMessage
				if err := json.Unmarshal(v, &d); err != nil {
					t.Fatal(err)
				}
				for k := range d {
					keys["dynamodb."+k] = true
				}
			}
		}
	}
	return keys
}

// samCommand returns the SAM CLI: $LEADGATE_SAM, or the one `make test` installs in
// the repository's virtualenv.
func samCommand(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LEADGATE_SAM"); p != "" {
		return p
	}
	p := filepath.Join(repoRoot(t), ".cache", "venv", "bin", "sam")
	return testenv.File(t, p, "install the AWS SAM CLI with `bash infra/local/sam-cli.sh install` "+
		"(make test does), or set LEADGATE_SAM to a sam command")
}

// dynamoJSON returns an SDK attribute value in DynamoDB's JSON form, as
// encoding/json decodes that into an any.
func dynamoJSON(t *testing.T, av types.AttributeValue) any {
	t.Helper()
	b64 := func(bs [][]byte) []any {
		out := make([]any, len(bs))
		for i, b := range bs {
			out[i] = base64.StdEncoding.EncodeToString(b)
		}
		return out
	}
	strs := func(ss []string) []any {
		out := make([]any, len(ss))
		for i, s := range ss {
			out[i] = s
		}
		return out
	}
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": v.Value}
	case *types.AttributeValueMemberN:
		return map[string]any{"N": v.Value}
	case *types.AttributeValueMemberB:
		return map[string]any{"B": base64.StdEncoding.EncodeToString(v.Value)}
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": v.Value}
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": strs(v.Value)}
	case *types.AttributeValueMemberNS:
		return map[string]any{"NS": strs(v.Value)}
	case *types.AttributeValueMemberBS:
		return map[string]any{"BS": b64(v.Value)}
	case *types.AttributeValueMemberM:
		m := map[string]any{}
		for k, e := range v.Value {
			m[k] = dynamoJSON(t, e)
		}
		return map[string]any{"M": m}
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = dynamoJSON(t, e)
		}
		return map[string]any{"L": l}
	}
	t.Fatalf("unexpected attribute value %T", av)
	return nil
}

func dynamoJSONString(t *testing.T, av types.AttributeValue) string {
	if av == nil {
		return "<nil>"
	}
	data, err := json.Marshal(dynamoJSON(t, av))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// diffFields reports each JSON field in which got and want differ.
func diffFields(t *testing.T, kind leadgate.ChangeKind, what string, got, want any) {
	t.Helper()
	g, w := jsonFields(t, got), jsonFields(t, want)
	names := map[string]bool{}
	for k := range g {
		names[k] = true
	}
	for k := range w {
		names[k] = true
	}
	sorted := make([]string, 0, len(names))
	for k := range names {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if g[k] != w[k] {
			t.Errorf("%s %s.%s: got %s, want %s", kind, what, k, orAbsent(g[k]), orAbsent(w[k]))
		}
	}
}

func jsonFields(t *testing.T, v any) map[string]string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) == "null" {
		return map[string]string{"": "null"}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		out[k] = string(v)
	}
	return out
}

func orAbsent(s string) string {
	if s == "" {
		return "(absent)"
	}
	return s
}

func changeKinds(chs []leadgate.Change) []leadgate.ChangeKind {
	out := make([]leadgate.ChangeKind, len(chs))
	for i, ch := range chs {
		out[i] = ch.Kind
	}
	return out
}

// itemType returns the item_type of a record's new image, or else of its old one.
func itemType(rec events.DynamoDBEventRecord) string {
	for _, img := range []map[string]events.DynamoDBAttributeValue{rec.Change.NewImage, rec.Change.OldImage} {
		if v, ok := img[dynamodb.AttrItemType]; ok && v.DataType() == events.DataTypeString {
			return v.String()
		}
	}
	return ""
}

func readEvent(t *testing.T, path string) events.DynamoDBEvent {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it with -update against DynamoDB Local)", err)
	}
	var e events.DynamoDBEvent
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return e
}

// repoRoot returns the folder of go.mod, above the package's folder.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's folder")
		}
		dir = parent
	}
}

// recordDownload records a download's first download time on its lead as the
// download's rescoring does when the score stays (ScoreDownload).
func recordDownload(t *testing.T, s leadgate.Store, d leadgate.Download) {
	t.Helper()
	l, err := s.LeadByEmail(context.Background(), d.Email)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ScoreDownload(context.Background(), d.Email, d.At, l.Score, l.CurrentStage(), d.At, l.Version); err != nil {
		t.Fatalf("ScoreDownload(%d): %v", d.N, err)
	}
}
