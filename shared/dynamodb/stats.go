package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// A page's partition holds its counters: the day's totals ("DAY#<day>") and per
// source ("DAY#<day>#SRC#<source key>"), and its campaigns' spends
// ("SPEND#<campaign>"). A counted lead or confirmation leaves a mark
// ("COUNTED#SUB#<id>" or "COUNTED#CONFIRM#<id>", "COUNTED") in a partition of its
// own, so that a redelivered change counts nothing.

// sourceDaySK is the sort key of a page's per-source counter of one day, beside
// the day's totals ("DAY#<day>"), so that one Query of a sort key range reads
// both.
func sourceDaySK(day string, src leadgate.Source) string {
	return prefixDay + day + "#SRC#" + src.Key()
}

// dayUpdate adds one to attr of the page's day totals.
func (s *Store) dayUpdate(page, day, attr string) (types.TransactWriteItem, error) {
	w, err := s.updateOf(key(prefixPage+page, prefixDay+day),
		expression.Add(expression.Name(attr), expression.Value(1)).
			Set(expression.Name(attrItemType), expression.Value(typeDailyCounts)).
			Set(expression.Name(attrPage), expression.Value(page)).
			Set(expression.Name(attrDay), expression.Value(day)))
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("daily counter update: %w", err)
	}
	return w, nil
}

// sourceUpdate adds one to attr of the page's per-source counter of the day.
func (s *Store) sourceUpdate(page, day string, src leadgate.Source, attr string) (types.TransactWriteItem, error) {
	src = src.Normal()
	w, err := s.updateOf(key(prefixPage+page, sourceDaySK(day, src)),
		expression.Add(expression.Name(attr), expression.Value(1)).
			Set(expression.Name(attrItemType), expression.Value(typeSourceDayCounts)).
			Set(expression.Name(attrPage), expression.Value(page)).
			Set(expression.Name(attrDay), expression.Value(day)).
			Set(expression.Name(attrUTMSource), expression.Value(src.Source)).
			Set(expression.Name(attrUTMMedium), expression.Value(src.Medium)).
			Set(expression.Name(attrUTMCampaign), expression.Value(src.Campaign)))
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("source counter update: %w", err)
	}
	return w, nil
}

// CountView adds one view to the page's day totals and to its source's counter:
// two UpdateItems (ADD views 1), not a transaction, for views come in concurrently
// from many page functions and transactions on the same hot items would conflict.
// A failure between the two leaves the totals one view ahead of the rows. The
// followup function's stream filter leaves counters out, so views start no
// function.
func (s *Store) CountView(ctx context.Context, page, day string, src leadgate.Source) error {
	const op = "count view"
	total, err := s.dayUpdate(page, day, attrViews)
	if err != nil {
		return leadgate.Internal(op+" on page "+page, err)
	}
	row, err := s.sourceUpdate(page, day, src, attrViews)
	if err != nil {
		return leadgate.Internal(op+" on page "+page, err)
	}
	if err := s.writeOr(ctx, op, total, nil); err != nil {
		return err
	}
	return s.writeOr(ctx, op, row, nil)
}

// DailyCounts returns a page's counters for one day: zero before the day's first
// count.
func (s *Store) DailyCounts(ctx context.Context, page, day string) (leadgate.DailyCounts, error) {
	c := leadgate.DailyCounts{Page: page, Day: day}
	err := s.get(ctx, "get daily counts", key(prefixPage+page, prefixDay+day), errNoItem, &c)
	switch {
	case errors.Is(err, errNoItem):
		return c, nil
	case err != nil:
		return leadgate.DailyCounts{Page: page, Day: day}, err
	}
	return c, nil
}

// CountLead counts a new submission once: see countOnce.
func (s *Store) CountLead(ctx context.Context, sub leadgate.Submission) error {
	return s.countOnce(ctx, "count lead on page "+sub.Page, prefixCounted+"SUB#"+sub.ID,
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
	return s.countOnce(ctx, op, prefixCounted+"CONFIRM#"+c.ID, c.Page, leadgate.Day(c.ConfirmedAt), src, attrConfirmations, c.ConfirmedAt)
}

// countOnce adds one to attr of the page's day totals and of the source's counter
// in one TransactWriteItems with the put of a mark that must not exist: a
// cancellation on the mark means the change was counted before.
func (s *Store) countOnce(ctx context.Context, op, markPK, page, day string, src leadgate.Source, attr string, at time.Time) error {
	build := func() ([]types.TransactWriteItem, error) {
		mark, err := s.putOf(markItem(markPK, skCounted, typeCountMark, at.Add(countMarkRetention)), itemAbsent())
		if err != nil {
			return nil, fmt.Errorf("count mark: %w", err)
		}
		total, err := s.dayUpdate(page, day, attr)
		if err != nil {
			return nil, err
		}
		row, err := s.sourceUpdate(page, day, src, attr)
		if err != nil {
			return nil, err
		}
		return []types.TransactWriteItem{mark, total, row}, nil
	}
	return s.transact(ctx, op, "count "+attr, build, func(tx cancellation) (verdict, error) {
		if tx.failed(0) {
			return answered, nil // counted before: a redelivered change
		}
		return unhandled, nil
	})
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
	in, err := s.queryOf("", expression.Key(attrPK).Equal(expression.Value(prefixPage+page)).
		And(expression.Key(attrSK).Between(expression.Value(prefixDay+from+"#"), expression.Value(prefixDay+to+"$"))))
	if err != nil {
		return nil, leadgate.Internal(op, err)
	}
	rows := []leadgate.SourceDayCounts{}
	err = s.queryPages(ctx, op, in, func(item map[string]types.AttributeValue) error {
		var it sourceDayItem
		if err := unmarshalItem(item, &it); err != nil {
			return leadgate.Internal(op, fmt.Errorf("unmarshal: %w", err))
		}
		if it.ItemType == typeSourceDayCounts {
			rows = append(rows, leadgate.SourceDayCounts{
				Page: it.Page, Day: it.Day,
				Source: leadgate.NewSource(it.UTMSource, it.UTMMedium, it.UTMCampaign),
				Views:  it.Views, Leads: it.Leads, Confirmations: it.Confirmations, Downloads: it.Downloads,
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// PutSpend creates or replaces a campaign's spend, an item of the page's partition.
func (s *Store) PutSpend(ctx context.Context, sp leadgate.Spend) error {
	const op = "put spend"
	item, err := marshalItem(sp, prefixPage+sp.Page, prefixSpend+sp.Campaign, typeSpend)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	return s.put(ctx, op, item)
}

// Spends returns the page's spends, by campaign: one paginated Query.
func (s *Store) Spends(ctx context.Context, page string) ([]leadgate.Spend, error) {
	op := "spends of " + page
	in, err := s.queryOf("", expression.Key(attrPK).Equal(expression.Value(prefixPage+page)).
		And(expression.Key(attrSK).BeginsWith(prefixSpend)))
	if err != nil {
		return nil, leadgate.Internal(op, err)
	}
	return queryAll[leadgate.Spend](ctx, s, op, in)
}
