// Package dynamodb stores pages, magnets, leads, submissions, download grants and the
// follow-up emails' records in one DynamoDB table: the leadgate.Store used on AWS. It
// takes a client and never builds one, so the same code runs against DynamoDB and
// DynamoDB Local.
//
// A lead's partition ("LEAD#<email>") holds the lead, its submissions (sorted by
// time) and one dedupe marker per page; rate counters, pages and magnets have their
// own partitions. A page's partition also holds its daily counters ("DAY#<day>", and
// per source "DAY#<day>#SRC#<source key>", read in one Query of an sk range) and
// its campaigns' spends ("SPEND#<campaign>"), and
// a grant's partition ("GRANT#<id>") the grant and the marks of its counted downloads.
// A lead's partition also holds its sends ("SEND#<key>") and scheduled steps
// ("STEP#<key>"); a due step is in the sparse index GSI2, by due time. Confirmation
// and unsubscribe links ("CONFIRM#<id>", "UNSUB#<id>") and soft-bounce marks
// ("MAILEVENT#<message id>") have partitions of their own.
// Pages and magnets are listed from GSI1 ("PAGES" and "MAGNETS", by slug or id).
// A capture of a new address is one TransactWriteItems request, a download one
// UpdateItem, a send's claim one UpdateItem, the due steps one Query.
package dynamodb

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
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
	TransactGetItems(ctx context.Context, in *awsddb.TransactGetItemsInput, optFns ...func(*awsddb.Options)) (*awsddb.TransactGetItemsOutput, error)
	TransactWriteItems(ctx context.Context, in *awsddb.TransactWriteItemsInput, optFns ...func(*awsddb.Options)) (*awsddb.TransactWriteItemsOutput, error)
	BatchAPI
}

// Store is the DynamoDB leadgate.Store.
type Store struct {
	client API
	table  string

	// OnCapacity, when set before first use, makes every successful write ask for
	// the consumed capacity (TOTAL) and receive it with the operation's name:
	// "capture", "count repeat", "put page <slug>", "put magnet <id>", "put grant",
	// "use grant", "revoke grant", "count download", "claim send", "finish send",
	// "release send", "schedule step" (once per step stored), "finish step",
	// "put confirmation", "confirm", "put unsubscribe", "unsubscribe",
	// "record mail event", "set score". A cancelled transaction or a failed condition also
	// consumes capacity, but DynamoDB does not report it.
	OnCapacity func(op string, consumed []types.ConsumedCapacity)
}

var _ leadgate.Store = (*Store)(nil)

// New returns a store on the named table, which must have the shape of
// TableDefinition.
func New(client API, table string) *Store {
	return &Store{client: client, table: table}
}

// PutPage creates or replaces a page.
func (s *Store) PutPage(ctx context.Context, p leadgate.Page) error {
	item, err := marshalItem(p, PrefixPage+p.Slug, SKPage, TypePage)
	if err != nil {
		return leadgate.Internal("marshal page "+p.Slug, err)
	}
	item[AttrGSI1PK] = &types.AttributeValueMemberS{Value: ListPages}
	item[AttrGSI1SK] = &types.AttributeValueMemberS{Value: p.Slug}
	return s.put(ctx, "put page "+p.Slug, item)
}

// Page returns the page with that slug.
func (s *Store) Page(ctx context.Context, slug string) (leadgate.Page, error) {
	var p leadgate.Page
	err := s.get(ctx, "get page "+slug, PrefixPage+slug, SKPage, "page", &p)
	return p, err
}

// PutMagnet creates or replaces a magnet.
func (s *Store) PutMagnet(ctx context.Context, m leadgate.Magnet) error {
	item, err := marshalItem(m, PrefixMagnet+m.ID, SKMagnet, TypeMagnet)
	if err != nil {
		return leadgate.Internal("marshal magnet "+m.ID, err)
	}
	item[AttrGSI1PK] = &types.AttributeValueMemberS{Value: ListMagnets}
	item[AttrGSI1SK] = &types.AttributeValueMemberS{Value: m.ID}
	return s.put(ctx, "put magnet "+m.ID, item)
}

// Magnet returns the magnet with that id.
func (s *Store) Magnet(ctx context.Context, id string) (leadgate.Magnet, error) {
	var m leadgate.Magnet
	err := s.get(ctx, "get magnet "+id, PrefixMagnet+id, SKMagnet, "magnet", &m)
	return m, err
}

// Pages returns every page, by slug: one paginated Query of GSI1. A GSI is read
// eventually consistent: a page put a moment ago may be missing for a moment.
func (s *Store) Pages(ctx context.Context) ([]leadgate.Page, error) {
	return listGSI1[leadgate.Page](ctx, s, ListPages, "page")
}

// Magnets returns every magnet, by id: one paginated Query of GSI1.
func (s *Store) Magnets(ctx context.Context) ([]leadgate.Magnet, error) {
	return listGSI1[leadgate.Magnet](ctx, s, ListMagnets, "magnet")
}

// listGSI1 reads every item of one GSI1 partition, in sort key order.
func listGSI1[T any](ctx context.Context, s *Store, pk, what string) ([]T, error) {
	in := &awsddb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(IndexGSI1),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrGSI1PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}},
		ScanIndexForward:          aws.Bool(true),
	}
	out := []T{}
	pages := awsddb.NewQueryPaginator(s.client, in)
	for pages.HasMorePages() {
		res, err := pages.NextPage(ctx)
		if err != nil {
			return nil, errorFor("list "+what+"s", err)
		}
		for _, item := range res.Items {
			var v T
			if err := unmarshalItem(item, &v); err != nil {
				return nil, leadgate.Internal("unmarshal "+what, err)
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// LeadByEmail returns the lead with that normalised address.
func (s *Store) LeadByEmail(ctx context.Context, email string) (leadgate.Lead, error) {
	var l leadgate.Lead
	err := s.get(ctx, "get lead", PrefixLead+email, SKLead, "lead", &l)
	return l, err
}

// Submissions returns the lead's submissions, oldest first: the sort key starts with
// the submission time.
func (s *Store) Submissions(ctx context.Context, email string) ([]leadgate.Submission, error) {
	in := &awsddb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": AttrPK, "#sk": AttrSK,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: PrefixLead + email},
			":prefix": &types.AttributeValueMemberS{Value: PrefixSubmission},
		},
		ConsistentRead:   aws.Bool(true),
		ScanIndexForward: aws.Bool(true),
	}
	subs := []leadgate.Submission{}
	pages := awsddb.NewQueryPaginator(s.client, in)
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, errorFor("query submissions", err)
		}
		for _, item := range out.Items {
			var sub leadgate.Submission
			if err := unmarshalItem(item, &sub); err != nil {
				return nil, leadgate.Internal("unmarshal submission", err)
			}
			subs = append(subs, sub)
		}
	}
	return subs, nil
}

func (s *Store) put(ctx context.Context, op string, item map[string]types.AttributeValue) error {
	out, err := s.client.PutItem(ctx, &awsddb.PutItemInput{
		TableName:              aws.String(s.table),
		Item:                   item,
		ReturnConsumedCapacity: s.capacityMode(),
	})
	if err != nil {
		return errorFor(op, err)
	}
	if out.ConsumedCapacity != nil {
		s.report(op, []types.ConsumedCapacity{*out.ConsumedCapacity})
	}
	return nil
}

// get reads one item with a strongly consistent read, so that a write is seen at once.
func (s *Store) get(ctx context.Context, op, pk, sk, what string, out any) error {
	item, err := s.getItem(ctx, op, key(pk, sk))
	if err != nil {
		return err
	}
	if item == nil {
		return notFound(what)
	}
	if err := unmarshalItem(item, out); err != nil {
		return leadgate.Internal("unmarshal "+what, err)
	}
	return nil
}

// getItem reads one item with a strongly consistent GetItem; nil when there is none.
func (s *Store) getItem(ctx context.Context, op string, k map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	out, err := s.client.GetItem(ctx, &awsddb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            k,
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, errorFor(op, err)
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	return out.Item, nil
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

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrPK: &types.AttributeValueMemberS{Value: pk},
		AttrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

// Domain values are stored as top-level attributes named by their JSON tags, so that
// items read well in the console and in stream records, with times in UTC RFC 3339 at
// a fixed nanosecond precision (keyTime): fixed width, so that conditions can compare
// stored times as strings ("2026-03-02T09:30:00Z" would sort after
// "2026-03-02T09:30:00.5Z"). The decoder reads any RFC 3339 precision.
func encoderOptions(o *attributevalue.EncoderOptions) {
	o.TagKey = "json"
	o.EncodeTime = func(t time.Time) (types.AttributeValue, error) {
		return &types.AttributeValueMemberS{Value: keyTime(t)}, nil
	}
}

func decoderOptions(o *attributevalue.DecoderOptions) {
	o.TagKey = "json"
	o.DecodeTime.S = func(v string) (time.Time, error) {
		t, err := time.Parse(time.RFC3339Nano, v)
		return t.UTC(), err
	}
}

// marshalItem returns v's attributes with the item's keys and type added.
func marshalItem(v any, pk, sk, itemType string) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMapWithOptions(v, encoderOptions)
	if err != nil {
		return nil, err
	}
	omitZero(v, item)
	item[AttrPK] = &types.AttributeValueMemberS{Value: pk}
	item[AttrSK] = &types.AttributeValueMemberS{Value: sk}
	item[AttrItemType] = &types.AttributeValueMemberS{Value: itemType}
	return item, nil
}

// omitZero removes the attributes of v's top-level fields tagged omitzero that hold
// their zero value, as encoding/json leaves them out. attributevalue knows omitempty
// but not omitzero: it would store a zero time as "0001-01-01...", which a condition
// such as attribute_not_exists(first_download_at) would take for a real one.
func omitZero(v any, item map[string]types.AttributeValue) {
	rv := reflect.Indirect(reflect.ValueOf(v))
	if rv.Kind() != reflect.Struct {
		return
	}
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || !slices.Contains(strings.Split(opts, ","), "omitzero") {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fv := rv.Field(i)
		zero := fv.IsZero()
		if z, ok := fv.Interface().(interface{ IsZero() bool }); ok && !(fv.Kind() == reflect.Pointer && fv.IsNil()) {
			zero = z.IsZero()
		}
		if zero {
			delete(item, name)
		}
	}
}

func unmarshalItem(item map[string]types.AttributeValue, out any) error {
	return attributevalue.UnmarshalMapWithOptions(item, out, decoderOptions)
}

// keyTime formats t for sort keys: fixed width, so that strings sort as times do.
func keyTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00")
}
