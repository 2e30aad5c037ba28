package dynamodb

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// AttrExpiresAt is the table's TTL attribute (epoch seconds), which CreateTable and
// template.yaml turn on; the template's test checks that they name the same one.
const AttrExpiresAt = "expires_at"

// Names of the table's key and index attributes. template.yaml declares the same
// table; a test compares it with TableDefinition, so change both together.
const (
	attrPK       = "pk"
	attrSK       = "sk"
	attrGSI1PK   = "gsi1pk"
	attrGSI1SK   = "gsi1sk"
	attrGSI2PK   = "gsi2pk"
	attrGSI2SK   = "gsi2sk"
	attrItemType = "item_type" // one of the type* values, for stream decoding and exports

	// indexGSI1 lists the submissions of a page, newest first:
	// gsi1pk = "PAGE#<slug>", gsi1sk = "<time>#<submission id>"; and every page and
	// every magnet: gsi1pk = listPages or listMagnets, gsi1sk = the slug or id. The
	// list keys hold no "#", so they never meet a page's partition.
	indexGSI1 = "gsi1"
	// indexGSI2 lists the due follow-up steps. It is sparse: only items that carry
	// gsi2pk (a due bucket) and gsi2sk (the due time) appear in it:
	// gsi2pk = dueBucket, gsi2sk = "<due time>#<email>#<step key>".
	indexGSI2 = "gsi2"

	// pkDays and pkNow are the partitions of what every page counts (stats.go,
	// overview.go): pkDays holds every per-source counter, sk = "<day>#<page>#<source
	// key>"; pkNow every spend, sk = "SPEND#<page>#<campaign>", and every page's
	// stage counters, sk = "STAGES#<page>". One Query each reads every page's
	// counters of a range of days, and every page's spends and stage counters.
	pkDays = "DAYS"
	pkNow  = "NOW"

	// dueBucket is the gsi2pk of every due step. One bucket keeps DueSteps one
	// Query; a GSI partition takes about 1,000 writes a second, far more than steps
	// are scheduled and finished. Sharding it would cost one Query per shard.
	dueBucket = "DUE"

	// listPages and listMagnets are the gsi1pk of every page and every magnet: one
	// Query lists them. An admin lists a few hundred at most, far below what one
	// GSI partition serves.
	listPages   = "PAGES"
	listMagnets = "MAGNETS"
)

// Item types, stored in attrItemType.
const (
	typePage        = "page"
	typeMagnet      = "magnet"
	typeLead        = "lead"
	typeSubmission  = "submission"
	typeDedupe      = "dedupe"
	typeRateCounter = "rate_counter"
	typeGrant       = "grant"
	// typeDailyCounts held a page's totals of one day; nothing writes it any more,
	// but tables written before hold such items (and their stream records).
	typeDailyCounts = "daily_counts"
	// typeSourceDayCounts holds a page's counters of one day for one source
	// (utm_source, utm_medium, utm_campaign); a day's totals are their sum.
	typeSourceDayCounts = "source_day_counts"
	// typeCountMark marks one counted submission or confirmation, so that a
	// redelivered change counts nothing.
	typeCountMark = "count_mark"
	typeSpend     = "spend" // what was spent on one campaign of a page
	// typeStageCounts holds a page's leads by stage now (overview.go).
	typeStageCounts = "stage_counts"
	// typeDownloadMark marks one counted download (grant, n), so that counting it
	// again changes nothing.
	typeDownloadMark = "download_mark"
	typeSend         = "send"         // one email to one lead, claimed before it goes out
	typeStep         = "step"         // one scheduled follow-up email of a lead
	typeConfirmation = "confirmation" // a double opt-in link
	typeUnsubscribe  = "unsubscribe"  // an unsubscribe link's mapping to the address
	// typeMailEventMark marks one counted soft bounce (message, kind), so that a
	// redelivered event counts nothing.
	typeMailEventMark = "mail_event_mark"

	// The console's sign-in (console.go).
	typeSignInLink     = "signin_link"         // a one-time sign-in link
	typeConsoleSession = "console_session"     // a console session
	typeSessionRef     = "console_session_ref" // a session's entry in its user's partition
	typePasskey        = "passkey"             // a console user's passkey
	typePasskeyRef     = "passkey_ref"         // a passkey's credential ID → its user
	typeCeremony       = "passkey_ceremony"    // a begun passkey ceremony (passkeys.go)
)

// Key prefixes of the single table. A lead's partition holds the lead, its
// submissions and its dedupe markers, so erasing a lead is one query away. A page's
// partition holds the page and its daily counters; a grant's partition the grant and
// the marks of its counted downloads. A lead's partition also holds its sends and
// scheduled steps; confirmation and unsubscribe links, looked up by a hash of their
// token, and soft-bounce marks, by message, have partitions of their own.
const (
	prefixPage       = "PAGE#"      // pk of a page; gsi1pk of its submissions
	prefixMagnet     = "MAGNET#"    // pk of a magnet
	prefixLead       = "LEAD#"      // pk of a lead's partition: "LEAD#<normalised email>"
	prefixSubmission = "SUB#"       // sk of a submission: "SUB#<time>#<id>"
	prefixDedupe     = "DEDUPE#"    // sk of a dedupe marker: "DEDUPE#<page slug>"
	prefixRate       = "RATE#"      // pk of a rate counter: "RATE#<key>"
	prefixGrant      = "GRANT#"     // pk of a grant's partition: "GRANT#<grant id>" (a hash of the token)
	prefixDay        = "DAY#"       // sk of a day's mail counts: "DAY#<yyyy-mm-dd>" (UTC); of a page's counters in tables written before
	prefixSpend      = "SPEND#"     // sk of a campaign's spend in the partition NOW: "SPEND#<page>#<utm_campaign>"
	prefixStages     = "STAGES#"    // sk of a page's stage counters in the partition NOW: "STAGES#<page>"
	prefixCounted    = "COUNTED#"   // pk of a counted-lead or counted-confirmation mark: "COUNTED#SUB#<id>", "COUNTED#CONFIRM#<id>"
	prefixDownload   = "DOWNLOAD#"  // sk of a counted-download mark in its grant's partition: "DOWNLOAD#<n>"
	prefixSend       = "SEND#"      // sk of a send in its lead's partition: "SEND#<send key>"
	prefixStep       = "STEP#"      // sk of a step in its lead's partition: "STEP#<step key>"
	prefixConfirm    = "CONFIRM#"   // pk of a confirmation: "CONFIRM#<id>" (a hash of the token)
	prefixUnsub      = "UNSUB#"     // pk of an unsubscribe link: "UNSUB#<id>" (a hash of the token)
	prefixMailEvent  = "MAILEVENT#" // pk of a soft-bounce mark: "MAILEVENT#<message id>"; sk: the event's kind

	// The console's sign-in records (console.go), under "CONSOLE#", which no other
	// partition key starts with. Links and sessions are keyed by a hash of their
	// token, passkeys by a hash of their credential ID (which may be longer than a
	// sort key may be).
	prefixSignInLink  = "CONSOLE#LINK#"     // pk of a sign-in link: "CONSOLE#LINK#<id>"
	prefixSession     = "CONSOLE#SESSION#"  // pk of a session: "CONSOLE#SESSION#<id>"
	prefixConsoleUser = "CONSOLE#USER#"     // pk of a console user's partition: "CONSOLE#USER#<normalised email>"
	prefixSessionRef  = "SESSION#"          // sk of a session's entry in its user's partition: "SESSION#<session id>"
	prefixPasskey     = "PASSKEY#"          // sk of a passkey in its user's partition: "PASSKEY#<credential hash>"
	prefixPasskeyRef  = "CONSOLE#PASSKEY#"  // pk of a passkey's credential ID entry: "CONSOLE#PASSKEY#<credential hash>"
	prefixCeremony    = "CONSOLE#CEREMONY#" // pk of a begun passkey ceremony: "CONSOLE#CEREMONY#<id>" (a hash of the token)

	skPage         = "PAGE"
	skMagnet       = "MAGNET"
	skLead         = "LEAD"
	skGrant        = "GRANT"
	skConfirmation = "CONFIRM"
	skUnsubscribe  = "UNSUB"
	skCounted      = "COUNTED"
	skSignInLink   = "LINK"
	skSession      = "SESSION"
	skPasskeyRef   = "PASSKEY"
	skCeremony     = "CEREMONY"
)

// Attributes the code names. Domain values are stored under their JSON names
// (items.go, codec.go); an expression names an attribute by a placeholder of its
// name, "#status" (requests.go).
const (
	attrEmail = "email" // of a lead, a submission, a send and a grant

	// Of a dedupe marker, in a lead's partition.
	attrLastAt       = "last_at"       // time of the last recorded submission
	attrSubmissionSK = "submission_sk" // that submission's sort key

	// Of a link (a grant, a confirmation): its domain expiry, for AttrExpiresAt
	// holds the TTL (see withLinkTTL); fixed-width RFC 3339.
	attrLinkExpiresAt = "link_expires_at"

	// Of a per-source counter: its page, and the counts of the funnel's steps.
	attrPage          = "page" // also of a submission, and of its attribution and consent
	attrViews         = "views"
	attrLeads         = "leads"
	attrConfirmations = "confirmations"
	attrDownloads     = "downloads"

	// Of a download mark or a soft-bounce mark: the time of what it counted; of a
	// submission, a touch and a consent: their time.
	attrAt = "at"
)

// How long items outlive their use before TTL removes them.
const (
	// grantRetention: a grant's item stays this long after its links expire, so that a
	// late click still meets "expired" rather than "unknown link".
	grantRetention = 90 * 24 * time.Hour
	// downloadMarkRetention: a counted-download mark stays this long after the
	// download, far longer than a stream record is redelivered (24 hours).
	downloadMarkRetention = 35 * 24 * time.Hour
	// countMarkRetention: a counted-lead or counted-confirmation mark stays this
	// long, far longer than a stream record is redelivered (24 hours).
	countMarkRetention = 35 * 24 * time.Hour
	// confirmationRetention: a confirmation's item stays this long after its link
	// expires, so that a late click still meets "expired" (or "confirmed").
	confirmationRetention = 90 * 24 * time.Hour
	// mailEventMarkRetention: a soft-bounce mark stays this long after the event,
	// longer than SNS retries a delivery.
	mailEventMarkRetention = 35 * 24 * time.Hour
)

// TableDefinition returns the table the Store needs: on demand, with a stream of
// new and old images for the follow-up handler, and the three GSIs.
func TableDefinition(name string) *awsddb.CreateTableInput {
	str := func(n string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: types.ScalarAttributeTypeS}
	}
	key := func(hash, rng string) []types.KeySchemaElement {
		return []types.KeySchemaElement{
			{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(rng), KeyType: types.KeyTypeRange},
		}
	}
	return &awsddb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			str(attrPK), str(attrSK), str(attrGSI1PK), str(attrGSI1SK), str(attrGSI2PK), str(attrGSI2SK),
			str(attrItemType), str(attrGSI3SK),
		},
		KeySchema: key(attrPK, attrSK),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String(indexGSI1), KeySchema: key(attrGSI1PK, attrGSI1SK),
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}},
			{IndexName: aws.String(indexGSI2), KeySchema: key(attrGSI2PK, attrGSI2SK),
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}},
			{IndexName: aws.String(indexGSI3), KeySchema: key(attrGSI3PK, attrGSI3SK),
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: leadListProjection}},
		},
		StreamSpecification: &types.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: types.StreamViewTypeNewAndOldImages,
		},
	}
}

// TableAPI is the part of the DynamoDB client that CreateTable uses.
type TableAPI interface {
	CreateTable(ctx context.Context, in *awsddb.CreateTableInput, optFns ...func(*awsddb.Options)) (*awsddb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *awsddb.DescribeTableInput, optFns ...func(*awsddb.Options)) (*awsddb.DescribeTableOutput, error)
	UpdateTimeToLive(ctx context.Context, in *awsddb.UpdateTimeToLiveInput, optFns ...func(*awsddb.Options)) (*awsddb.UpdateTimeToLiveOutput, error)
}

// CreateTable creates the table of TableDefinition, waits until it is active and turns
// on TTL for AttrExpiresAt. It is for tests and local runs; on AWS the template
// creates the table.
func CreateTable(ctx context.Context, client TableAPI, name string) error {
	if _, err := client.CreateTable(ctx, TableDefinition(name)); err != nil {
		return errorFor("create table "+name, err)
	}
	waiter := awsddb.NewTableExistsWaiter(client, func(o *awsddb.TableExistsWaiterOptions) {
		o.MinDelay = time.Second // the default 20s is far too slow for an emulator
		o.MaxDelay = 10 * time.Second
	})
	if err := waiter.Wait(ctx, &awsddb.DescribeTableInput{TableName: aws.String(name)}, 5*time.Minute); err != nil {
		return errorFor("wait for table "+name, err)
	}
	_, err := client.UpdateTimeToLive(ctx, &awsddb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(AttrExpiresAt),
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil {
		return errorFor(fmt.Sprintf("enable TTL on %s.%s", name, AttrExpiresAt), err)
	}
	return nil
}
