package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// Counter attributes of the daily and per-source counters beside attrViews and
// attrDownloads, and the source's parts on a per-source counter.
const (
	attrLeads         = "leads"
	attrConfirmations = "confirmations"
	attrUTMSource     = "utm_source"
	attrUTMMedium     = "utm_medium"
	attrUTMCampaign   = "utm_campaign"
)

// sourceDaySK is the sort key of a page's per-source counter of one day, beside
// the day's totals ("DAY#<day>"), so that one Query of a sort key range reads
// both.
func sourceDaySK(day string, src leadgate.Source) string {
	return PrefixDay + day + "#SRC#" + src.Key()
}

// dayUpdate adds one to attr of the page's day totals.
func (s *Store) dayUpdate(page, day, attr string) (*types.Update, error) {
	expr, err := expression.NewBuilder().WithUpdate(
		expression.Add(expression.Name(attr), expression.Value(1)).
			Set(expression.Name(AttrItemType), expression.Value(TypeDailyCounts)).
			Set(expression.Name("page"), expression.Value(page)).
			Set(expression.Name("day"), expression.Value(day)),
	).Build()
	if err != nil {
		return nil, fmt.Errorf("build daily counter update: %w", err)
	}
	return &types.Update{
		TableName:                 aws.String(s.table),
		Key:                       key(PrefixPage+page, PrefixDay+day),
		UpdateExpression:          expr.Update(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}, nil
}

// sourceUpdate adds one to attr of the page's per-source counter of the day.
func (s *Store) sourceUpdate(page, day string, src leadgate.Source, attr string) (*types.Update, error) {
	src = src.Normal()
	expr, err := expression.NewBuilder().WithUpdate(
		expression.Add(expression.Name(attr), expression.Value(1)).
			Set(expression.Name(AttrItemType), expression.Value(TypeSourceDayCounts)).
			Set(expression.Name("page"), expression.Value(page)).
			Set(expression.Name("day"), expression.Value(day)).
			Set(expression.Name(attrUTMSource), expression.Value(src.Source)).
			Set(expression.Name(attrUTMMedium), expression.Value(src.Medium)).
			Set(expression.Name(attrUTMCampaign), expression.Value(src.Campaign)),
	).Build()
	if err != nil {
		return nil, fmt.Errorf("build source counter update: %w", err)
	}
	return &types.Update{
		TableName:                 aws.String(s.table),
		Key:                       key(PrefixPage+page, sourceDaySK(day, src)),
		UpdateExpression:          expr.Update(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}, nil
}

func (s *Store) updateItem(ctx context.Context, op string, u *types.Update) error {
	out, err := s.client.UpdateItem(ctx, &awsddb.UpdateItemInput{
		TableName:                 u.TableName,
		Key:                       u.Key,
		UpdateExpression:          u.UpdateExpression,
		ExpressionAttributeNames:  u.ExpressionAttributeNames,
		ExpressionAttributeValues: u.ExpressionAttributeValues,
		ReturnConsumedCapacity:    s.capacityMode(),
	})
	if err != nil {
		return errorFor(op, err)
	}
	if out.ConsumedCapacity != nil {
		s.report("count view", []types.ConsumedCapacity{*out.ConsumedCapacity})
	}
	return nil
}

// CountView adds one view to the page's day totals and to its source's counter:
// two UpdateItems (ADD views 1), not a transaction, for views come in concurrently
// from many page functions and transactions on the same hot items would conflict.
// A failure between the two leaves the totals one view ahead of the rows. The
// followup function's stream filter leaves counters out, so views start no
// function.
func (s *Store) CountView(ctx context.Context, page, day string, src leadgate.Source) error {
	op := "count view on page " + page
	total, err := s.dayUpdate(page, day, attrViews)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	row, err := s.sourceUpdate(page, day, src, attrViews)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	if err := s.updateItem(ctx, op, total); err != nil {
		return err
	}
	return s.updateItem(ctx, op, row)
}

// CountLead counts a new submission once: see countOnce.
func (s *Store) CountLead(ctx context.Context, sub leadgate.Submission) error {
	return s.countOnce(ctx, "count lead on page "+sub.Page, PrefixCounted+"SUB#"+sub.ID,
		sub.Page, leadgate.Day(sub.At), leadgate.SourceOf(sub.Attribution), attrLeads, sub.At)
}

// CountConfirmation counts a first confirmation once, under the source of the
// submission it confirms: one Query of the lead's submissions finds it.
func (s *Store) CountConfirmation(ctx context.Context, c leadgate.Confirmation) error {
	op := "count confirmation on page " + c.Page
	var src leadgate.Source
	subs, err := s.Submissions(ctx, c.Email)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if sub.ID == c.SubmissionID {
			src = leadgate.SourceOf(sub.Attribution)
		}
	}
	return s.countOnce(ctx, op, PrefixCounted+"CONFIRM#"+c.ID, c.Page, leadgate.Day(c.ConfirmedAt), src, attrConfirmations, c.ConfirmedAt)
}

// countOnce adds one to attr of the page's day totals and of the source's counter
// in one TransactWriteItems with the put of a mark that must not exist: a
// cancellation on the mark means the change was counted before.
func (s *Store) countOnce(ctx context.Context, op, markPK, page, day string, src leadgate.Source, attr string, at time.Time) error {
	mark := key(markPK, SKCounted)
	mark[AttrItemType] = &types.AttributeValueMemberS{Value: TypeCountMark}
	mark[AttrExpiresAt] = epochSeconds(at.Add(CountMarkRetention))
	cond, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(AttrPK))).Build()
	if err != nil {
		return leadgate.Internal(op, fmt.Errorf("build mark condition: %w", err))
	}
	total, err := s.dayUpdate(page, day, attr)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	row, err := s.sourceUpdate(page, day, src, attr)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	items := []types.TransactWriteItem{
		{Put: &types.Put{
			TableName:                 aws.String(s.table),
			Item:                      mark,
			ConditionExpression:       cond.Condition(),
			ExpressionAttributeNames:  cond.Names(),
			ExpressionAttributeValues: cond.Values(),
		}},
		{Update: total},
		{Update: row},
	}
	for attempt := 1; ; attempt++ {
		out, err := s.client.TransactWriteItems(ctx, &awsddb.TransactWriteItemsInput{
			TransactItems:          items,
			ReturnConsumedCapacity: s.capacityMode(),
		})
		if err == nil {
			s.report("count "+attr, out.ConsumedCapacity)
			return nil
		}
		var canceled *types.TransactionCanceledException
		if !errors.As(err, &canceled) {
			return errorFor(op, err)
		}
		reasons := canceled.CancellationReasons
		switch {
		case code(reasons, 0) == reasonCondition:
			return nil // counted before: a redelivered change
		case !retryable(reasons):
			return unexpected(op, err, reasons)
		}
		if attempt >= maxAttempts {
			return leadgate.Unavailable(op, fmt.Errorf("still conflicting after %d attempts: %w", attempt, err))
		}
		if err := pause(ctx, attempt); err != nil {
			return leadgate.Unavailable(op, err)
		}
	}
}

// sourceDayItem is a per-source counter's item.
type sourceDayItem struct {
	ItemType      string `json:"item_type"`
	Page          string `json:"page"`
	Day           string `json:"day"`
	UTMSource     string `json:"utm_source"`
	UTMMedium     string `json:"utm_medium"`
	UTMCampaign   string `json:"utm_campaign"`
	Views         int    `json:"views"`
	Leads         int    `json:"leads"`
	Confirmations int    `json:"confirmations"`
	Downloads     int    `json:"downloads"`
}

// PageStats reads the page's per-source counters of the days from from to to in
// one paginated Query of the page's partition (sk from "DAY#<from>#" to
// "DAY#<to>$": '$' sorts right after '#'), leaving out the day totals it meets.
func (s *Store) PageStats(ctx context.Context, page, from, to string) ([]leadgate.SourceDayCounts, error) {
	op := "page stats of " + page
	keyCond := expression.Key(AttrPK).Equal(expression.Value(PrefixPage + page)).
		And(expression.Key(AttrSK).Between(expression.Value(PrefixDay+from+"#"), expression.Value(PrefixDay+to+"$")))
	expr, err := expression.NewBuilder().WithKeyCondition(keyCond).Build()
	if err != nil {
		return nil, leadgate.Internal(op, fmt.Errorf("build query: %w", err))
	}
	in := &awsddb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	}
	rows := []leadgate.SourceDayCounts{}
	for p := awsddb.NewQueryPaginator(s.client, in); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, errorFor(op, err)
		}
		for _, item := range out.Items {
			var it sourceDayItem
			if err := unmarshalItem(item, &it); err != nil {
				return nil, leadgate.Internal(op, err)
			}
			if it.ItemType != TypeSourceDayCounts {
				continue
			}
			rows = append(rows, leadgate.SourceDayCounts{
				Page: it.Page, Day: it.Day,
				Source: leadgate.NewSource(it.UTMSource, it.UTMMedium, it.UTMCampaign),
				Views:  it.Views, Leads: it.Leads, Confirmations: it.Confirmations, Downloads: it.Downloads,
			})
		}
	}
	return rows, nil
}

// PutSpend creates or replaces a campaign's spend, an item of the page's partition.
func (s *Store) PutSpend(ctx context.Context, sp leadgate.Spend) error {
	item, err := marshalItem(sp, PrefixPage+sp.Page, PrefixSpend+sp.Campaign, TypeSpend)
	if err != nil {
		return leadgate.Internal("marshal spend", err)
	}
	return s.put(ctx, "put spend", item)
}

// Spends returns the page's spends, by campaign: one paginated Query.
func (s *Store) Spends(ctx context.Context, page string) ([]leadgate.Spend, error) {
	op := "spends of " + page
	keyCond := expression.Key(AttrPK).Equal(expression.Value(PrefixPage + page)).
		And(expression.Key(AttrSK).BeginsWith(PrefixSpend))
	expr, err := expression.NewBuilder().WithKeyCondition(keyCond).Build()
	if err != nil {
		return nil, leadgate.Internal(op, fmt.Errorf("build query: %w", err))
	}
	in := &awsddb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	}
	spends := []leadgate.Spend{}
	for p := awsddb.NewQueryPaginator(s.client, in); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, errorFor(op, err)
		}
		for _, item := range out.Items {
			var sp leadgate.Spend
			if err := unmarshalItem(item, &sp); err != nil {
				return nil, leadgate.Internal(op, err)
			}
			spends = append(spends, sp)
		}
	}
	return spends, nil
}
