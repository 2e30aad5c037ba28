package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// The requests every record type's file sends, written once: reading one item,
// writing one item under a condition, querying every page of a key range, a
// transaction and its cancellation reasons, and trying again.

// errNoItem is the answer of getItem, for the callers to which a missing item is
// no error but an answer of their own (a new address, zero counts). It never
// leaves the package: every caller that asks for it turns it into its answer.
var errNoItem = errors.New("no such item")

// maxAttempts bounds the attempts of an operation that other writers get in the
// way of: a capture of a returning lead needs two, each concurrent update of the
// lead one more.
const maxAttempts = 6

// Request limits of DynamoDB's batch operations.
const (
	batchGetMax   = 100
	batchWriteMax = 25
)

// Cancellation reason codes of TransactWriteItems.
const (
	reasonCondition = "ConditionalCheckFailed"
	reasonConflict  = "TransactionConflict"
)

// getItem reads the item at k with a strongly consistent GetItem, so that a write
// is seen at once. missing is the answer when there is none: the domain's error,
// or errNoItem; never nil.
func (s *Store) getItem(ctx context.Context, op string, k map[string]types.AttributeValue, missing error) (map[string]types.AttributeValue, error) {
	out, err := s.client.GetItem(ctx, &awsddb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            k,
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, errorFor(op, err)
	}
	if len(out.Item) == 0 {
		return nil, missing
	}
	return out.Item, nil
}

// get reads the item at k into out; missing is the answer when there is none.
func (s *Store) get(ctx context.Context, op string, k map[string]types.AttributeValue, missing error, out any) error {
	item, err := s.getItem(ctx, op, k, missing)
	if err != nil {
		return err
	}
	if err := unmarshalItem(item, out); err != nil {
		return leadgate.Internal(op, fmt.Errorf("unmarshal: %w", err))
	}
	return nil
}

// refusedItem returns the item that came back with a failed condition or, when the
// store sent none back, reads the item at k as it is now; missing is the answer
// when there is none.
func (s *Store) refusedItem(ctx context.Context, op string, item, k map[string]types.AttributeValue, missing error) (map[string]types.AttributeValue, error) {
	if len(item) > 0 {
		return item, nil
	}
	return s.getItem(ctx, op+": read refused item", k, missing)
}

// expr is the expressions of one request: a condition (of a write, or a Query's
// key condition), an update, a projection, with the placeholders of the names they
// use. A name's placeholder is the name after a '#' ("#status"), a path's its
// parts' ("#consent.#given"); a value's placeholder is a word after a ':'.
// Expressions whose shape is the same for every request are built once, at package
// level (building them per request with the SDK's expression builder took about a
// seventh of a capture's CPU); the values, which change, come with each request.
type expr struct {
	cond, update, project *string
	names                 map[string]string
}

// condition is the expression of a write under cond.
func condition(cond string) expr { return newExpr(cond, "", "") }

// updating is the expression of an update under cond ("" for none).
func updating(update, cond string) expr { return newExpr(cond, update, "") }

// keyQuery is the expression of a Query of keyCond, of the attributes project
// names ("" for all).
func keyQuery(keyCond, project string) expr { return newExpr(keyCond, "", project) }

func newExpr(cond, update, project string) expr {
	var e expr
	for _, p := range []struct {
		s  string
		to **string
	}{{cond, &e.cond}, {update, &e.update}, {project, &e.project}} {
		if p.s == "" {
			continue
		}
		*p.to = &p.s
		for i := 0; i < len(p.s); i++ {
			if p.s[i] != '#' {
				continue
			}
			j := i + 1
			for j < len(p.s) && isWordByte(p.s[j]) {
				j++
			}
			if e.names == nil {
				e.names = map[string]string{}
			}
			e.names[p.s[i:j]] = p.s[i+1 : j]
			i = j - 1
		}
	}
	return e
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// values are the values of a request's expressions, by placeholder.
type values = map[string]types.AttributeValue

// str is a string's value, num an integer's.
func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func num(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

// statusValue is a lead's status as a value.
func statusValue(st leadgate.Status) types.AttributeValue { return str(string(st)) }

// Values that many expressions use, shared: a request never changes them.
var (
	one       = num(1)
	boolTrue  = &types.AttributeValueMemberBOOL{Value: true}
	boolFalse = &types.AttributeValueMemberBOOL{Value: false}
)

// itemAbsent is the condition of a write that creates its item: none with its key
// exists. (A write that changes an existing item says attribute_exists(#pk) in its
// own condition.)
var itemAbsent = condition("attribute_not_exists(#pk)")

// The writes below are described as a transaction holds them, so that one
// description serves both a transaction and a single request (write). A write
// under a condition asks for the item that refuses it, which comes back with the
// failure: the callers that answer with it need it, and it costs no capacity.

// putOf is the put of item, under e's condition if e is not nil.
func (s *Store) putOf(item map[string]types.AttributeValue, e *expr, vals values) types.TransactWriteItem {
	put := &types.Put{TableName: &s.table, Item: item}
	if e != nil {
		put.ConditionExpression = e.cond
		put.ExpressionAttributeNames = e.names
		put.ExpressionAttributeValues = vals
		put.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	return types.TransactWriteItem{Put: put}
}

// updateOf is the update of the item at k by e.
func (s *Store) updateOf(k map[string]types.AttributeValue, e expr, vals values) types.TransactWriteItem {
	u := &types.Update{
		TableName:                 &s.table,
		Key:                       k,
		UpdateExpression:          e.update,
		ConditionExpression:       e.cond,
		ExpressionAttributeNames:  e.names,
		ExpressionAttributeValues: vals,
	}
	if e.cond != nil {
		u.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	return types.TransactWriteItem{Update: u}
}

// deleteOf is the delete of the item at k, under e's condition if e is not nil.
func (s *Store) deleteOf(k map[string]types.AttributeValue, e *expr, vals values) types.TransactWriteItem {
	del := &types.Delete{TableName: &s.table, Key: k}
	if e != nil {
		del.ConditionExpression = e.cond
		del.ExpressionAttributeNames = e.names
		del.ExpressionAttributeValues = vals
		del.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	return types.TransactWriteItem{Delete: del}
}

// checkOf is the check, in a transaction, that e's condition holds for the item
// at k.
func (s *Store) checkOf(k map[string]types.AttributeValue, e expr, vals values) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName:                           &s.table,
		Key:                                 k,
		ConditionExpression:                 e.cond,
		ExpressionAttributeNames:            e.names,
		ExpressionAttributeValues:           vals,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

// write sends w, a put, update or delete, as one PutItem, UpdateItem or DeleteItem
// and reports its consumed capacity as op. It returns the attributes that
// returning asks for (ALL_NEW after an update, ALL_OLD of a delete; "" for none).
// When w's condition fails, refused is true and the attributes are those of the
// item that refused it: none when it does not exist or the store sent none back.
func (s *Store) write(ctx context.Context, op string, w types.TransactWriteItem, returning types.ReturnValue) (attrs map[string]types.AttributeValue, refused bool, err error) {
	var (
		consumed    *types.ConsumedCapacity
		conditional bool
	)
	switch {
	case w.Put != nil:
		conditional = w.Put.ConditionExpression != nil
		var out *awsddb.PutItemOutput
		out, err = s.client.PutItem(ctx, &awsddb.PutItemInput{
			TableName:                           w.Put.TableName,
			Item:                                w.Put.Item,
			ConditionExpression:                 w.Put.ConditionExpression,
			ExpressionAttributeNames:            w.Put.ExpressionAttributeNames,
			ExpressionAttributeValues:           w.Put.ExpressionAttributeValues,
			ReturnValues:                        returning,
			ReturnValuesOnConditionCheckFailure: w.Put.ReturnValuesOnConditionCheckFailure,
			ReturnConsumedCapacity:              s.capacityMode(),
		})
		if err == nil {
			attrs, consumed = out.Attributes, out.ConsumedCapacity
		}
	case w.Update != nil:
		conditional = w.Update.ConditionExpression != nil
		var out *awsddb.UpdateItemOutput
		out, err = s.client.UpdateItem(ctx, &awsddb.UpdateItemInput{
			TableName:                           w.Update.TableName,
			Key:                                 w.Update.Key,
			UpdateExpression:                    w.Update.UpdateExpression,
			ConditionExpression:                 w.Update.ConditionExpression,
			ExpressionAttributeNames:            w.Update.ExpressionAttributeNames,
			ExpressionAttributeValues:           w.Update.ExpressionAttributeValues,
			ReturnValues:                        returning,
			ReturnValuesOnConditionCheckFailure: w.Update.ReturnValuesOnConditionCheckFailure,
			ReturnConsumedCapacity:              s.capacityMode(),
		})
		if err == nil {
			attrs, consumed = out.Attributes, out.ConsumedCapacity
		}
	case w.Delete != nil:
		conditional = w.Delete.ConditionExpression != nil
		var out *awsddb.DeleteItemOutput
		out, err = s.client.DeleteItem(ctx, &awsddb.DeleteItemInput{
			TableName:                           w.Delete.TableName,
			Key:                                 w.Delete.Key,
			ConditionExpression:                 w.Delete.ConditionExpression,
			ExpressionAttributeNames:            w.Delete.ExpressionAttributeNames,
			ExpressionAttributeValues:           w.Delete.ExpressionAttributeValues,
			ReturnValues:                        returning,
			ReturnValuesOnConditionCheckFailure: w.Delete.ReturnValuesOnConditionCheckFailure,
			ReturnConsumedCapacity:              s.capacityMode(),
		})
		if err == nil {
			attrs, consumed = out.Attributes, out.ConsumedCapacity
		}
	default:
		return nil, false, leadgate.Internal(op, errors.New("neither a put, an update nor a delete"))
	}
	// A write without a condition cannot be refused: errorFor maps a failure as it
	// maps any other.
	var failed *types.ConditionalCheckFailedException
	switch {
	case conditional && errors.As(err, &failed):
		return failed.Item, true, nil
	case err != nil:
		return nil, false, errorFor(op, err)
	}
	s.reportOne(op, consumed)
	return attrs, false, nil
}

// writeOr sends w as write does; refusal is the answer when its condition fails
// (nil: the write is not needed).
func (s *Store) writeOr(ctx context.Context, op string, w types.TransactWriteItem, refusal error) error {
	_, refused, err := s.write(ctx, op, w, "")
	if refused {
		return refusal
	}
	return err
}

// put creates or replaces an item.
func (s *Store) put(ctx context.Context, op string, item map[string]types.AttributeValue) error {
	return s.writeOr(ctx, op, s.putOf(item, nil, nil), nil)
}

// putNew puts an item if none with its key exists; exists is the answer when one
// does (nil: it stays as it is).
func (s *Store) putNew(ctx context.Context, op string, item map[string]types.AttributeValue, exists error) error {
	return s.writeOr(ctx, op, s.putOf(item, &itemAbsent, nil), exists)
}

// queryOf is the Query of e's key condition on the table, strongly consistent, or
// on one of its indexes ("" for none), eventually consistent as a GSI only can be;
// in ascending sort key order, of the attributes e projects (none: all).
func (s *Store) queryOf(index string, e expr, vals values) *awsddb.QueryInput {
	in := &awsddb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    e.cond,
		ProjectionExpression:      e.project,
		ExpressionAttributeNames:  e.names,
		ExpressionAttributeValues: vals,
		ScanIndexForward:          aws.Bool(true),
	}
	if index != "" {
		in.IndexName = aws.String(index)
	} else {
		in.ConsistentRead = aws.Bool(true)
	}
	return in
}

// queryPages sends in and every page after it, handing each item to each in order.
func (s *Store) queryPages(ctx context.Context, op string, in *awsddb.QueryInput, each func(map[string]types.AttributeValue) error) error {
	for pages := awsddb.NewQueryPaginator(s.client, in); pages.HasMorePages(); {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return errorFor(op, err)
		}
		for _, item := range out.Items {
			if err := each(item); err != nil {
				return err
			}
		}
	}
	return nil
}

// queryAll returns every item of in's pages, decoded as T.
func queryAll[T any](ctx context.Context, s *Store, op string, in *awsddb.QueryInput) ([]T, error) {
	all := []T{}
	err := s.queryPages(ctx, op, in, func(item map[string]types.AttributeValue) error {
		var v T
		if err := unmarshalItem(item, &v); err != nil {
			return leadgate.Internal(op, fmt.Errorf("unmarshal: %w", err))
		}
		all = append(all, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}

// cancellation is a cancelled TransactWriteItems: its reasons come in the order of
// the transaction's items.
type cancellation struct {
	reasons []types.CancellationReason
}

// failed reports whether the condition of the transaction's i-th item failed.
func (c cancellation) failed(i int) bool { return code(c.reasons, i) == reasonCondition }

// item returns the item that refused the transaction's i-th write, if the store
// sent it back.
func (c cancellation) item(i int) map[string]types.AttributeValue {
	if i < len(c.reasons) {
		return c.reasons[i].Item
	}
	return nil
}

// verdict is what the caller of transact makes of a cancellation.
type verdict int

const (
	// unhandled: none of the caller's cases. A transaction that only other
	// transactions or throttling got in the way of is tried again after a pause;
	// any other cancellation is an error.
	unhandled  verdict = iota
	answered           // the operation's answer is the error returned with it (nil: done)
	retryNow           // the caller learned what to write instead: try again at once
	retryLater         // try again after a pause
)

// transact sends the items that build returns in one TransactWriteItems and reports
// its consumed capacity as name; op names it in errors. A cancelled transaction
// goes to refused, whose verdict says what comes next. Every attempt is built anew,
// at most maxAttempts of them.
func (s *Store) transact(ctx context.Context, op, name string, build func() ([]types.TransactWriteItem, error), refused func(cancellation) (verdict, error)) error {
	return retry(ctx, op, func() (*again, error) {
		items, err := build()
		if err != nil {
			return nil, leadgate.Internal(op, err)
		}
		out, err := s.client.TransactWriteItems(ctx, &awsddb.TransactWriteItemsInput{
			TransactItems:          items,
			ReturnConsumedCapacity: s.capacityMode(),
		})
		if err == nil {
			s.report(name, out.ConsumedCapacity)
			return nil, nil
		}
		var canceled *types.TransactionCanceledException
		if !errors.As(err, &canceled) {
			return nil, errorFor(op, err)
		}
		c := cancellation{reasons: canceled.CancellationReasons}
		v, answer := refused(c)
		switch {
		case v == answered:
			return nil, answer
		case v == retryNow:
			return &again{cause: err}, nil
		case v == retryLater || retryable(c.reasons):
			return &again{cause: err, wait: true}, nil
		}
		return nil, unexpected(op, err, c.reasons)
	})
}

// again is an attempt's request for another: cause says why, wait whether to
// pause first.
type again struct {
	cause error
	wait  bool
}

// retry calls try until it answers (with no request for another attempt), at most
// maxAttempts times; then the operation is unavailable for now.
func retry(ctx context.Context, op string, try func() (*again, error)) error {
	for attempt := 1; ; attempt++ {
		next, err := try()
		if next == nil {
			return err
		}
		if attempt >= maxAttempts {
			return leadgate.Unavailable(op, fmt.Errorf("still refused after %d attempts: %w", attempt, next.cause))
		}
		if next.wait {
			if err := pause(ctx, attempt); err != nil {
				return leadgate.Unavailable(op, err)
			}
		}
	}
}

// pause waits a random time that grows with the attempt, so that writers that got
// in each other's way spread out.
func pause(ctx context.Context, attempt int) error {
	limit := min(10*time.Millisecond<<attempt, 500*time.Millisecond)
	t := time.NewTimer(rand.N(limit) + time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// firstFailed returns the position of the first item from from on whose condition
// failed, or -1.
func firstFailed(reasons []types.CancellationReason, from int) int {
	for i := from; i < len(reasons); i++ {
		if code(reasons, i) == reasonCondition {
			return i
		}
	}
	return -1
}

func code(reasons []types.CancellationReason, i int) string {
	if i < len(reasons) && reasons[i].Code != nil {
		return *reasons[i].Code
	}
	return ""
}

// retryable reports whether a transaction failed only for passing reasons: another
// transaction on the same items, or throttling.
func retryable(reasons []types.CancellationReason) bool {
	found := false
	for i := range reasons {
		switch code(reasons, i) {
		case "", "None":
		case reasonConflict, "ThrottlingError", "ProvisionedThroughputExceeded":
			found = true
		default:
			return false
		}
	}
	return found
}

// unexpected maps a transaction that failed for a reason its caller does not
// handle.
func unexpected(op string, err error, reasons []types.CancellationReason) error {
	codes := make([]string, len(reasons))
	for i := range reasons {
		codes[i] = code(reasons, i)
	}
	err = fmt.Errorf("%w (reasons: %s)", err, strings.Join(codes, ","))
	if firstFailed(reasons, 0) >= 0 {
		return changedMeanwhile(op, err)
	}
	return leadgate.Internal(op, err)
}
