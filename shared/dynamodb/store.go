// Package dynamodb stores pages, magnets, leads, submissions, download grants and the
// follow-up emails' records in one DynamoDB table: the leadgate.Store used on AWS. It
// takes a client and never builds one, so the same code runs against DynamoDB and
// DynamoDB Local.
//
// A lead's partition ("LEAD#<email>") holds the lead, its submissions (sorted by
// time) and one dedupe marker per page; rate counters, pages and magnets have their
// own partitions. A page's partition also holds its counters of each day and source
// ("DAY#<day>#SRC#<source key>", a day's read in one Query of an sk range) and its
// campaigns' spends ("SPEND#<campaign>"), and
// a grant's partition ("GRANT#<id>") the grant and the marks of its counted downloads.
// A lead's partition also holds its sends ("SEND#<key>") and scheduled steps
// ("STEP#<key>"); a due step is in the sparse index GSI2, by due time. Confirmation
// and unsubscribe links ("CONFIRM#<id>", "UNSUB#<id>"), counted-lead marks
// ("COUNTED#...") and soft-bounce marks ("MAILEVENT#<message id>") have partitions of
// their own. Pages and magnets are listed from GSI1 ("PAGES" and "MAGNETS", by slug
// or id).
//
// A capture of a new address is one TransactWriteItems request, a download one
// UpdateItem, its count one TransactWriteItems, a send's claim one UpdateItem, the
// due steps one Query. Items are kept small, for on-demand capacity is billed per
// started KB written (twice in a transaction): a lead and a submission leave out
// what their keys say, and a count writes one counter.
//
// table.go holds the table's layout, items.go how a domain value becomes an item
// (codec.go converts values by their JSON tags), and requests.go the requests every
// record type sends, with their expressions built once; each record type has a
// file of its own: pages.go (pages and magnets), leads.go, capture.go, grants.go,
// stats.go, scoring.go, sends.go, steps.go, confirmations.go, unsubscribes.go,
// suppression.go (mail events), exports.go (a page's leads) and erasure.go. Stream
// records are decoded in stream.go, and a stream batch handled in streambatch.go;
// reading a stream is leadgate/shared/dynamodbstream's, apart, for the functions
// that do not read one should not link the Streams client.
package dynamodb

import (
	"context"

	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// API is the part of the DynamoDB client that Store uses; *dynamodb.Client has it,
// and tests pass fakes.
type API interface {
	GetItem(ctx context.Context, in *awsddb.GetItemInput, optFns ...func(*awsddb.Options)) (*awsddb.GetItemOutput, error)
	PutItem(ctx context.Context, in *awsddb.PutItemInput, optFns ...func(*awsddb.Options)) (*awsddb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *awsddb.UpdateItemInput, optFns ...func(*awsddb.Options)) (*awsddb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *awsddb.DeleteItemInput, optFns ...func(*awsddb.Options)) (*awsddb.DeleteItemOutput, error)
	Query(ctx context.Context, in *awsddb.QueryInput, optFns ...func(*awsddb.Options)) (*awsddb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *awsddb.TransactWriteItemsInput, optFns ...func(*awsddb.Options)) (*awsddb.TransactWriteItemsOutput, error)
	BatchAPI
}

// BatchAPI is the part of API that exports and erasures use: BatchGetItem for the
// leads of a page of submissions, BatchWriteItem for the items of an erased lead's
// partition.
type BatchAPI interface {
	BatchGetItem(ctx context.Context, in *awsddb.BatchGetItemInput, optFns ...func(*awsddb.Options)) (*awsddb.BatchGetItemOutput, error)
	BatchWriteItem(ctx context.Context, in *awsddb.BatchWriteItemInput, optFns ...func(*awsddb.Options)) (*awsddb.BatchWriteItemOutput, error)
}

// Store is the DynamoDB leadgate.Store.
type Store struct {
	client API
	table  string

	// OnCapacity, when set before first use, makes every successful single-item or
	// transactional write ask for the consumed capacity (TOTAL) and receive it with
	// the operation's name: "capture", "count repeat", "put page <slug>",
	// "put magnet <id>", "put spend", "count view",
	// "count lead on page <slug>: mark" and "count lead on page <slug>" (and
	// likewise "count confirmation on page <slug>"), "put grant", "use grant",
	// "revoke grant", "count download", "claim send", "finish send", "release send",
	// "schedule step" (once per step stored), "finish step", "put confirmation",
	// "confirm", "put unsubscribe", "unsubscribe", "record mail event",
	// "set score", and an erasure's "erase lead: erase grant",
	// "erase lead: delete confirmation" and "erase lead: delete unsubscribe link".
	// A cancelled transaction or a failed condition also consumes capacity, but
	// DynamoDB does not report it.
	OnCapacity func(op string, consumed []types.ConsumedCapacity)

	links linkSet // the unsubscribe links put or found (PutUnsubscribe)

	listPageItems int32 // the index items a Query of the lead table examines (leadlist.go)
}

var _ leadgate.Store = (*Store)(nil)

// New returns a store on the named table, which must have the shape of
// TableDefinition.
func New(client API, table string) *Store {
	return &Store{client: client, table: table, listPageItems: listPageItems}
}

func (s *Store) capacityMode() types.ReturnConsumedCapacity {
	if s.OnCapacity == nil {
		return ""
	}
	return types.ReturnConsumedCapacityTotal
}

func (s *Store) report(op string, consumed []types.ConsumedCapacity) {
	if s.OnCapacity != nil && len(consumed) > 0 {
		s.OnCapacity(op, consumed)
	}
}

func (s *Store) reportOne(op string, c *types.ConsumedCapacity) {
	if c != nil {
		s.report(op, []types.ConsumedCapacity{*c})
	}
}
