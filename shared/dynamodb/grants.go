package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// Attributes of grants, daily counters and download marks that conditions and updates
// name. The grant's domain expiry (JSON "expires_at") is stored as attrLinkExpiresAt,
// for AttrExpiresAt is the table's TTL attribute: on a grant, GrantRetention after the
// link expires.
const (
	attrLinkExpiresAt   = "link_expires_at" // a grant's leadgate.Grant.ExpiresAt, fixed-width RFC 3339
	attrRevoked         = "revoked"
	attrErased          = "erased"
	attrDownloads       = "downloads" // of a grant: its counted downloads; of a daily counter: the page's
	attrViews           = "views"     // of a daily counter: the hosted page's views
	attrFirstDownloadAt = "first_download_at"
	attrLastDownloadAt  = "last_download_at"
	attrAt              = "at" // of a download mark: the download's time
)

// Positions of the items in a CountDownload transaction.
const (
	txMark         = iota // the (grant, n) mark: absent unless counted before
	txDay                 // the page's daily counter
	txLeadDownload        // the lead's first download time, when the download names a lead
	// Last: the page's daily counter of the download's source.
)

var errNoGrant = leadgate.Errorf(leadgate.ENOTFOUND, "no such download link")

// PutGrant creates a grant, if none with its ID exists.
func (s *Store) PutGrant(ctx context.Context, g leadgate.Grant) error {
	put, err := s.newGrantPut(g)
	if err != nil {
		return leadgate.Internal("put grant", err)
	}
	out, err := s.client.PutItem(ctx, &awsddb.PutItemInput{
		TableName:                 put.TableName,
		Item:                      put.Item,
		ConditionExpression:       put.ConditionExpression,
		ExpressionAttributeNames:  put.ExpressionAttributeNames,
		ExpressionAttributeValues: put.ExpressionAttributeValues,
		ReturnConsumedCapacity:    s.capacityMode(),
	})
	var failed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed):
		return leadgate.Errorf(leadgate.ECONFLICT, "the grant exists")
	case err != nil:
		return errorFor("put grant", err)
	}
	if out.ConsumedCapacity != nil {
		s.report("put grant", []types.ConsumedCapacity{*out.ConsumedCapacity})
	}
	return nil
}

// newGrantPut is the put of a new grant, on its own or in a capture's transaction.
func (s *Store) newGrantPut(g leadgate.Grant) (*types.Put, error) {
	item, err := grantItem(g)
	if err != nil {
		return nil, err
	}
	expr, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(AttrPK))).Build()
	if err != nil {
		return nil, fmt.Errorf("build grant condition: %w", err)
	}
	return &types.Put{
		TableName:                 aws.String(s.table),
		Item:                      item,
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}, nil
}

// Grant returns the grant with that ID.
func (s *Store) Grant(ctx context.Context, id string) (leadgate.Grant, error) {
	item, err := s.getItem(ctx, "get grant", key(PrefixGrant+id, SKGrant))
	if err != nil {
		return leadgate.Grant{}, err
	}
	if item == nil {
		return leadgate.Grant{}, errNoGrant
	}
	g, err := unmarshalGrant(item)
	if err != nil {
		return leadgate.Grant{}, leadgate.Internal("unmarshal grant", err)
	}
	return g, nil
}

// UseGrant checks the grant and counts one download in one UpdateItem: its condition
// holds what leadgate.Grant.Usable checks, so a refused download changes nothing, and
// the grant's old image comes back with the failure to say why.
func (s *Store) UseGrant(ctx context.Context, id string, t time.Time) (leadgate.Grant, error) {
	at := expression.Value(keyTime(t))
	update := expression.Add(expression.Name(attrDownloads), expression.Value(1)).
		Set(expression.Name(attrFirstDownloadAt), expression.IfNotExists(expression.Name(attrFirstDownloadAt), at)).
		Set(expression.Name(attrLastDownloadAt), at)
	// Stored times are fixed width, so they compare as strings the way they do as times.
	cond := expression.AttributeExists(expression.Name(AttrPK)).And(
		expression.Not(expression.Name(attrRevoked).Equal(expression.Value(true))),
		expression.Not(expression.Name(attrErased).Equal(expression.Value(true))),
		expression.Name(attrLinkExpiresAt).GreaterThan(at),
	)
	expr, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
	if err != nil {
		return leadgate.Grant{}, leadgate.Internal("use grant", fmt.Errorf("build update: %w", err))
	}
	out, err := s.client.UpdateItem(ctx, &awsddb.UpdateItemInput{
		TableName:                           aws.String(s.table),
		Key:                                 key(PrefixGrant+id, SKGrant),
		UpdateExpression:                    expr.Update(),
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		ReturnConsumedCapacity:              s.capacityMode(),
	})
	var failed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed):
		if len(failed.Item) == 0 {
			return leadgate.Grant{}, errNoGrant
		}
		g, err := unmarshalGrant(failed.Item)
		if err != nil {
			return leadgate.Grant{}, leadgate.Internal("unmarshal refused grant", err)
		}
		if err := g.Usable(t); err != nil {
			return g, err
		}
		// The condition refused what Usable accepts: the stored expiry is not
		// what the domain value says (clock skew between writers, an edited item).
		return g, leadgate.Errorf(leadgate.EGONE, "this download link no longer works")
	case err != nil:
		return leadgate.Grant{}, errorFor("use grant", err)
	}
	if out.ConsumedCapacity != nil {
		s.report("use grant", []types.ConsumedCapacity{*out.ConsumedCapacity})
	}
	g, err := unmarshalGrant(out.Attributes)
	if err != nil {
		return leadgate.Grant{}, leadgate.Internal("unmarshal used grant", err)
	}
	return g, nil
}

// RevokeGrant marks a grant revoked, if it exists.
func (s *Store) RevokeGrant(ctx context.Context, id string) error {
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name(attrRevoked), expression.Value(true))).
		WithCondition(expression.AttributeExists(expression.Name(AttrPK))).
		Build()
	if err != nil {
		return leadgate.Internal("revoke grant", fmt.Errorf("build update: %w", err))
	}
	out, err := s.client.UpdateItem(ctx, &awsddb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(PrefixGrant+id, SKGrant),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ReturnConsumedCapacity:    s.capacityMode(),
	})
	var failed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed):
		return errNoGrant
	case err != nil:
		return errorFor("revoke grant", err)
	}
	if out.ConsumedCapacity != nil {
		s.report("revoke grant", []types.ConsumedCapacity{*out.ConsumedCapacity})
	}
	return nil
}

// CountDownload counts a download into its page's day in one TransactWriteItems: put
// the (grant, n) mark if absent, add one to the daily counter and, for a download of
// a lead, set the lead's first download time if it has none or a later one. The
// cancellation reasons tell which condition failed: the mark means the download was
// counted before (nothing to do); the lead means it is gone or downloaded earlier:
// then the download is counted without it.
func (s *Store) CountDownload(ctx context.Context, d leadgate.Download) error {
	op := "count download on page " + d.Page
	withLead := d.Email != ""
	for attempt := 1; ; attempt++ {
		items, err := s.countItems(d, withLead)
		if err != nil {
			return leadgate.Internal(op, err)
		}
		out, err := s.client.TransactWriteItems(ctx, &awsddb.TransactWriteItemsInput{
			TransactItems:          items,
			ReturnConsumedCapacity: s.capacityMode(),
		})
		if err == nil {
			s.report("count download", out.ConsumedCapacity)
			return nil
		}
		var canceled *types.TransactionCanceledException
		if !errors.As(err, &canceled) {
			return errorFor(op, err)
		}
		reasons := canceled.CancellationReasons
		wait := true
		switch {
		case code(reasons, txMark) == reasonCondition:
			return nil // counted before: a redelivered change
		case withLead && code(reasons, txLeadDownload) == reasonCondition:
			withLead, wait = false, false
		case !retryable(reasons):
			return unexpected(op, err, reasons)
		}
		if attempt >= maxAttempts {
			return leadgate.Unavailable(op, fmt.Errorf("still conflicting after %d attempts: %w", attempt, err))
		}
		if wait {
			if err := pause(ctx, attempt); err != nil {
				return leadgate.Unavailable(op, err)
			}
		}
	}
}

// countItems builds the CountDownload transaction in the order of the tx positions.
func (s *Store) countItems(d leadgate.Download, withLead bool) ([]types.TransactWriteItem, error) {
	at := keyTime(d.At)
	day := leadgate.Day(d.At)

	mark := key(PrefixGrant+d.GrantID, PrefixDownload+strconv.Itoa(d.N))
	mark[AttrItemType] = &types.AttributeValueMemberS{Value: TypeDownloadMark}
	mark[attrAt] = &types.AttributeValueMemberS{Value: at}
	mark[AttrExpiresAt] = epochSeconds(d.At.Add(DownloadMarkRetention))
	markCond, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(AttrPK))).Build()
	if err != nil {
		return nil, fmt.Errorf("build mark condition: %w", err)
	}

	dayUpdate, err := s.dayUpdate(d.Page, day, attrDownloads)
	if err != nil {
		return nil, err
	}
	sourceUpdate, err := s.sourceUpdate(d.Page, day, d.Source, attrDownloads)
	if err != nil {
		return nil, err
	}

	items := []types.TransactWriteItem{
		{Put: &types.Put{
			TableName:                 aws.String(s.table),
			Item:                      mark,
			ConditionExpression:       markCond.Condition(),
			ExpressionAttributeNames:  markCond.Names(),
			ExpressionAttributeValues: markCond.Values(),
		}},
		{Update: dayUpdate},
	}
	if !withLead {
		return append(items, types.TransactWriteItem{Update: sourceUpdate}), nil
	}
	// The version grows as with every write of a lead, so that a capture that read
	// the lead before this update writes it again only after reading it anew.
	first := expression.Name(attrFirstDownloadAt)
	leadUpdate, err := expression.NewBuilder().
		WithUpdate(expression.Set(first, expression.Value(at)).
			Set(expression.Name(attrVersion), expression.Name(attrVersion).Plus(expression.Value(1)))).
		WithCondition(expression.AttributeExists(expression.Name(AttrPK)).
			And(expression.AttributeNotExists(first).Or(first.GreaterThan(expression.Value(at))))).
		Build()
	if err != nil {
		return nil, fmt.Errorf("build lead update: %w", err)
	}
	return append(items, types.TransactWriteItem{Update: &types.Update{
		TableName:                 aws.String(s.table),
		Key:                       key(PrefixLead+d.Email, SKLead),
		UpdateExpression:          leadUpdate.Update(),
		ConditionExpression:       leadUpdate.Condition(),
		ExpressionAttributeNames:  leadUpdate.Names(),
		ExpressionAttributeValues: leadUpdate.Values(),
	}}, types.TransactWriteItem{Update: sourceUpdate}), nil
}

// DailyCounts returns a page's counters for one day.
func (s *Store) DailyCounts(ctx context.Context, page, day string) (leadgate.DailyCounts, error) {
	c := leadgate.DailyCounts{Page: page, Day: day}
	item, err := s.getItem(ctx, "get daily counts", key(PrefixPage+page, PrefixDay+day))
	if err != nil || item == nil {
		return c, err
	}
	if err := unmarshalItem(item, &c); err != nil {
		return leadgate.DailyCounts{Page: page, Day: day}, leadgate.Internal("unmarshal daily counts", err)
	}
	return c, nil
}

// grantItem returns a grant's item: its domain expiry moves to attrLinkExpiresAt,
// and AttrExpiresAt holds the TTL.
func grantItem(g leadgate.Grant) (map[string]types.AttributeValue, error) {
	item, err := marshalItem(g, PrefixGrant+g.ID, SKGrant, TypeGrant)
	if err != nil {
		return nil, fmt.Errorf("marshal grant: %w", err)
	}
	item[attrLinkExpiresAt] = item[AttrExpiresAt]
	item[AttrExpiresAt] = epochSeconds(g.ExpiresAt.Add(GrantRetention))
	return item, nil
}

// unmarshalGrant decodes a grant's item, or its image in a stream record.
func unmarshalGrant(item map[string]types.AttributeValue) (leadgate.Grant, error) {
	var g leadgate.Grant
	expiry, ok := item[attrLinkExpiresAt]
	if !ok {
		return g, errors.New(attrLinkExpiresAt + " missing")
	}
	item = maps.Clone(item)
	item[AttrExpiresAt] = expiry
	delete(item, attrLinkExpiresAt)
	if err := unmarshalItem(item, &g); err != nil {
		return leadgate.Grant{}, err
	}
	if g.ID == "" || g.Page == "" {
		return leadgate.Grant{}, errors.New("id or page missing")
	}
	return g, nil
}
