package dynamodb

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Names of the table's key, index and TTL attributes. template.yaml declares the same
// table; a test compares it with TableDefinition, so change both together.
const (
	AttrPK        = "pk"
	AttrSK        = "sk"
	AttrGSI1PK    = "gsi1pk"
	AttrGSI1SK    = "gsi1sk"
	AttrGSI2PK    = "gsi2pk"
	AttrGSI2SK    = "gsi2sk"
	AttrExpiresAt = "expires_at" // TTL: epoch seconds
	AttrItemType  = "item_type"  // one of the Type* values, for stream decoding and exports

	// IndexGSI1 lists the submissions of a page, newest first:
	// gsi1pk = "PAGE#<slug>", gsi1sk = "<time>#<submission id>"; and every page and
	// every magnet: gsi1pk = ListPages or ListMagnets, gsi1sk = the slug or id. The
	// list keys hold no "#", so they never meet a page's partition.
	IndexGSI1 = "gsi1"
	// IndexGSI2 lists the due follow-up steps. It is sparse: only items that carry
	// gsi2pk (a due bucket) and gsi2sk (the due time) appear in it:
	// gsi2pk = DueBucket, gsi2sk = "<due time>#<email>#<step key>".
	IndexGSI2 = "gsi2"

	// DueBucket is the gsi2pk of every due step. One bucket keeps DueSteps one
	// Query; a GSI partition takes about 1,000 writes a second, far more than steps
	// are scheduled and finished. Sharding it would cost one Query per shard.
	DueBucket = "DUE"

	// ListPages and ListMagnets are the gsi1pk of every page and every magnet: one
	// Query lists them. An admin lists a few hundred at most, far below what one
	// GSI partition serves.
	ListPages   = "PAGES"
	ListMagnets = "MAGNETS"
)

// Item types, stored in AttrItemType.
const (
	TypePage        = "page"
	TypeMagnet      = "magnet"
	TypeLead        = "lead"
	TypeSubmission  = "submission"
	TypeDedupe      = "dedupe"
	TypeRateCounter = "rate_counter"
	TypeGrant       = "grant"
	TypeDailyCounts = "daily_counts"
	// TypeSourceDayCounts holds a page's counters of one day for one source
	// (utm_source, utm_medium, utm_campaign), beside the day's totals.
	TypeSourceDayCounts = "source_day_counts"
	// TypeCountMark marks one counted submission or confirmation, so that a
	// redelivered change counts nothing.
	TypeCountMark = "count_mark"
	TypeSpend     = "spend" // what was spent on one campaign of a page
	// TypeDownloadMark marks one counted download (grant, n), so that counting it
	// again changes nothing.
	TypeDownloadMark = "download_mark"
	TypeSend         = "send"         // one email to one lead, claimed before it goes out
	TypeStep         = "step"         // one scheduled follow-up email of a lead
	TypeConfirmation = "confirmation" // a double opt-in link
	TypeUnsubscribe  = "unsubscribe"  // an unsubscribe link's mapping to the address
	// TypeMailEventMark marks one counted soft bounce (message, kind), so that a
	// redelivered event counts nothing.
	TypeMailEventMark = "mail_event_mark"
)

// Key prefixes of the single table. A lead's partition holds the lead, its
// submissions and its dedupe markers, so erasing a lead is one query away. A page's
// partition holds the page and its daily counters; a grant's partition the grant and
// the marks of its counted downloads. A lead's partition also holds its sends and
// scheduled steps; confirmation and unsubscribe links, looked up by a hash of their
// token, and soft-bounce marks, by message, have partitions of their own.
const (
	PrefixPage       = "PAGE#"      // pk of a page and its daily counters; gsi1pk of its submissions
	PrefixMagnet     = "MAGNET#"    // pk of a magnet
	PrefixLead       = "LEAD#"      // pk of a lead's partition: "LEAD#<normalised email>"
	PrefixSubmission = "SUB#"       // sk of a submission: "SUB#<time>#<id>"
	PrefixDedupe     = "DEDUPE#"    // sk of a dedupe marker: "DEDUPE#<page slug>"
	PrefixRate       = "RATE#"      // pk of a rate counter: "RATE#<key>"
	PrefixGrant      = "GRANT#"     // pk of a grant's partition: "GRANT#<grant id>" (a hash of the token)
	PrefixDay        = "DAY#"       // sk of a page's daily counters: "DAY#<yyyy-mm-dd>" (UTC); per source "DAY#<yyyy-mm-dd>#SRC#<source key>"
	PrefixSpend      = "SPEND#"     // sk of a campaign's spend in its page's partition: "SPEND#<utm_campaign>"
	PrefixCounted    = "COUNTED#"   // pk of a counted-lead or counted-confirmation mark: "COUNTED#SUB#<id>", "COUNTED#CONFIRM#<id>"
	PrefixDownload   = "DOWNLOAD#"  // sk of a counted-download mark in its grant's partition: "DOWNLOAD#<n>"
	PrefixSend       = "SEND#"      // sk of a send in its lead's partition: "SEND#<send key>"
	PrefixStep       = "STEP#"      // sk of a step in its lead's partition: "STEP#<step key>"
	PrefixConfirm    = "CONFIRM#"   // pk of a confirmation: "CONFIRM#<id>" (a hash of the token)
	PrefixUnsub      = "UNSUB#"     // pk of an unsubscribe link: "UNSUB#<id>" (a hash of the token)
	PrefixMailEvent  = "MAILEVENT#" // pk of a soft-bounce mark: "MAILEVENT#<message id>"; sk: the event's kind

	SKPage         = "PAGE"
	SKMagnet       = "MAGNET"
	SKLead         = "LEAD"
	SKGrant        = "GRANT"
	SKConfirmation = "CONFIRM"
	SKUnsubscribe  = "UNSUB"
	SKCounted      = "COUNTED"
)

// How long items outlive their use before TTL removes them.
const (
	// GrantRetention: a grant's item stays this long after its links expire, so that a
	// late click still meets "expired" rather than "unknown link".
	GrantRetention = 90 * 24 * time.Hour
	// DownloadMarkRetention: a counted-download mark stays this long after the
	// download, far longer than a stream record is redelivered (24 hours).
	DownloadMarkRetention = 35 * 24 * time.Hour
	// CountMarkRetention: a counted-lead or counted-confirmation mark stays this
	// long, far longer than a stream record is redelivered (24 hours).
	CountMarkRetention = 35 * 24 * time.Hour
	// ConfirmationRetention: a confirmation's item stays this long after its link
	// expires, so that a late click still meets "expired" (or "confirmed").
	ConfirmationRetention = 90 * 24 * time.Hour
	// MailEventMarkRetention: a soft-bounce mark stays this long after the event,
	// longer than SNS retries a delivery.
	MailEventMarkRetention = 35 * 24 * time.Hour
)

// TableDefinition returns the table the Store needs: on demand, with a stream of
// new and old images for the follow-up handler, and the two GSIs.
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
			str(AttrPK), str(AttrSK), str(AttrGSI1PK), str(AttrGSI1SK), str(AttrGSI2PK), str(AttrGSI2SK),
		},
		KeySchema: key(AttrPK, AttrSK),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String(IndexGSI1), KeySchema: key(AttrGSI1PK, AttrGSI1SK),
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}},
			{IndexName: aws.String(IndexGSI2), KeySchema: key(AttrGSI2PK, AttrGSI2SK),
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}},
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
