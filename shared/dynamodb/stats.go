package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"leadgate/shared/leadgate"
)

// Every page's counters are items of one partition, "DAYS", one per day, page and
// source: sk = "<day>#<page>#<source key>"; a day's totals are the sum of its
// sources' counters. One Query reads every page's counters of a range of days
// (AllPageStats, for the console's lists), a page's day is a prefix of the sort
// key (DailyCounts), and a page's range of days is the range of every page,
// filtered (PageStats). A count writes one item, at one write unit: no index
// holds counters (an index entry would cost each count a second unit). The
// partition takes about 1,000 writes a second (views mostly, every page
// together); DynamoDB splits it by sort key ranges as it grows, as it does a hot
// range. Campaigns' spends and pages' stage counters are items of the partition
// "NOW" (overview.go). (Tables written before keep their counters and spends in
// the page's partition, "DAY#<day>#SRC#<source key>" and "SPEND#<campaign>",
// which nothing reads any more: docs/costs.md.)
//
// A counted lead or confirmation leaves a mark ("COUNTED#SUB#<id>" or
// "COUNTED#CONFIRM#<id>", "COUNTED") in a partition of its own, put only where
// none exists before the counter is counted, so that a redelivered change counts
// nothing. The mark and the count are two writes, not a transaction, which would
// double the price of both: when DynamoDB refuses the count, the mark is deleted
// again, so that the redelivery counts it; a count that got no answer (a timeout),
// and a process that dies between the two, leave the mark and lose that count. A
// count is never made twice. A download is counted the same way, with a mark in
// its grant's partition (grants.go).

// sourceDayKey is the key of a page's per-source counter of one day. The visits
// of an A/B test's arm count in a counter of their own, "...#ARM#<arm>", instead
// of the source's, so a test costs no write more.
func sourceDayKey(page, day string, src leadgate.Source, variant string) map[string]types.AttributeValue {
	sk := day + "#" + page + "#" + src.Key()
	if variant != "" {
		sk += "#ARM#" + variant
	}
	return key(pkDays, sk)
}

// sourceCounts add one to a counter of a page's per-source counter of a day, by
// the counter's attribute; armCounts do the same to an arm's counter.
var sourceCounts, armCounts = map[string]expr{}, map[string]expr{}

func init() {
	for _, attr := range []string{attrViews, attrLeads, attrConfirmations, attrDownloads} {
		update := "ADD #" + attr + " :one SET #item_type = :type, #page = :page, #day = :day, " +
			"#utm_source = :source, #utm_medium = :medium, #utm_campaign = :campaign"
		sourceCounts[attr] = updating(update, "")
		armCounts[attr] = updating(update+", #variant = :variant", "")
	}
}

// sourceUpdate adds one to attr of the page's per-source counter of the day, or of
// the arm's counter for a visit of an A/B test's arm.
func (s *Store) sourceUpdate(page, day string, src leadgate.Source, variant, attr string) types.TransactWriteItem {
	src = src.Normal()
	vals := values{
		":one": one, ":type": str(typeSourceDayCounts), ":page": str(page), ":day": str(day),
		":source": str(src.Source), ":medium": str(src.Medium), ":campaign": str(src.Campaign),
	}
	e := sourceCounts[attr]
	if variant != "" {
		vals[":variant"] = str(variant)
		e = armCounts[attr]
	}
	return s.updateOf(sourceDayKey(page, day, src, variant), e, vals)
}

// CountView adds one view to the counter of the page's day and source: one
// UpdateItem (ADD views 1). The followup function's stream filter leaves counters
// out, so views start no function.
func (s *Store) CountView(ctx context.Context, page, day string, src leadgate.Source) error {
	return s.writeOr(ctx, "count view", s.sourceUpdate(page, day, src, "", attrViews), nil)
}

// CountArmView adds one view to the arm's counter of the page's day and source:
// the same one UpdateItem as CountView, of the arm's item.
func (s *Store) CountArmView(ctx context.Context, page, day string, src leadgate.Source, arm string) error {
	return s.writeOr(ctx, "count view", s.sourceUpdate(page, day, src, arm, attrViews), nil)
}

// DailyCounts returns a page's counters for one day, the sum of its sources'
// counters: zero before the day's first count.
func (s *Store) DailyCounts(ctx context.Context, page, day string) (leadgate.DailyCounts, error) {
	const op = "get daily counts"
	c := leadgate.DailyCounts{Page: page, Day: day}
	in := s.queryOf("", partitionPrefix, values{":pk": str(pkDays), ":prefix": str(day + "#" + page + "#")})
	rows, err := queryAll[sourceDayItem](ctx, s, op, in)
	if err != nil {
		return leadgate.DailyCounts{Page: page, Day: day}, err
	}
	for _, r := range rows {
		c.Views += r.Views
		c.Leads += r.Leads
		c.Confirmations += r.Confirmations
		c.Downloads += r.Downloads
	}
	return c, nil
}

// CountLead counts a new submission once, and the lead it created, if any, into
// its page's stage counters after the count, under the same mark: see countOnce.
func (s *Store) CountLead(ctx context.Context, sub leadgate.Submission) error {
	mark := markItem(prefixCounted+"SUB#"+sub.ID, skCounted, typeCountMark, sub.At.Add(countMarkRetention))
	return s.countOnce(ctx, "count lead on page "+sub.Page, mark, sub.Page, leadgate.Day(sub.At), leadgate.SourceOf(sub.Attribution), sub.Variant, attrLeads,
		s.stageMoveUpdates(leadgate.NewLeadMoves(sub))...)
}

// CountConfirmation counts a first confirmation once, under the source of the
// submission it confirms: one Query of the lead's submissions finds it.
func (s *Store) CountConfirmation(ctx context.Context, c leadgate.Confirmation) error {
	op := "count confirmation on page " + c.Page
	var src leadgate.Source
	variant := ""
	subs, err := s.Submissions(ctx, c.Email)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if sub.ID == c.SubmissionID {
			src, variant = leadgate.SourceOf(sub.Attribution), sub.Variant
		}
	}
	mark := markItem(prefixCounted+"CONFIRM#"+c.ID, skCounted, typeCountMark, c.ConfirmedAt.Add(countMarkRetention))
	return s.countOnce(ctx, op, mark, c.Page, leadgate.Day(c.ConfirmedAt), src, variant, attrConfirmations)
}

// countOnce puts the mark, if none exists, then adds one to attr of the page's
// per-source counter of the day, then makes the updates after (a new lead's stage
// counters), each a write of its own; a mark that exists means the change was
// counted before. When DynamoDB refuses the count, the mark is deleted again, so
// that a redelivered change counts it; when the count gets no answer it may have
// been made, and the mark stays. Once the count is made the mark stays: an update
// after it that fails is lost, never made twice.
func (s *Store) countOnce(ctx context.Context, op string, mark map[string]types.AttributeValue, page, day string, src leadgate.Source, variant, attr string, after ...types.TransactWriteItem) error {
	_, counted, err := s.write(ctx, op+": mark", s.putOf(mark, &itemAbsent, nil), "")
	if err != nil || counted {
		return err
	}
	_, _, err = s.write(ctx, op, s.sourceUpdate(page, day, src, variant, attr), "")
	var refused smithy.APIError
	if err != nil && errors.As(err, &refused) {
		// Not counted: a redelivery must count it. The context may have run out
		// meanwhile; the delete is short.
		done, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, derr := s.deleteItem(done, op+": unmark", keyAttrs(mark)); derr != nil {
			return errors.Join(err, derr)
		}
	}
	if err != nil {
		return err
	}
	for _, w := range after {
		if err := s.writeOr(ctx, op+": stage counters", w, nil); err != nil {
			return err
		}
	}
	return nil
}

// sourceDayItem is a per-source counter's item.
type sourceDayItem struct {
	ItemType      string `json:"item_type"`
	Page          string `json:"page"`
	Day           string `json:"day"`
	UTMSource     string `json:"utm_source"`
	UTMMedium     string `json:"utm_medium"`
	UTMCampaign   string `json:"utm_campaign"`
	Variant       string `json:"variant"`
	Views         int    `json:"views"`
	Leads         int    `json:"leads"`
	Confirmations int    `json:"confirmations"`
	Downloads     int    `json:"downloads"`
}

// PageStats reads the page's per-source counters of the days from from to to in
// one paginated Query of every page's counters of those days (sk from "<from>#"
// to "<to>$": '$' sorts right after '#'), filtered by page: it reads every page's
// counters of the range, a few hundred bytes each.
func (s *Store) PageStats(ctx context.Context, page, from, to string) ([]leadgate.SourceDayCounts, error) {
	in := s.queryOf("", pageDays, values{":pk": str(pkDays), ":from": str(from + "#"), ":to": str(to + "$"), ":page": str(page)})
	in.KeyConditionExpression, in.FilterExpression = aws.String(partitionRangeCond), aws.String(pageDaysFilter)
	return s.sourceDays(ctx, "page stats of "+page, in)
}

// pageDays is the Query of PageStats: a range of the sort keys, filtered by page.
const pageDaysFilter = "#page = :page"

var pageDays = keyQuery(partitionRangeCond+" AND "+pageDaysFilter, "")

// sourceDays reads the per-source counters a Query of the partition pkDays
// answers, every page of it.
func (s *Store) sourceDays(ctx context.Context, op string, in *awsddb.QueryInput) ([]leadgate.SourceDayCounts, error) {
	rows := []leadgate.SourceDayCounts{}
	err := s.queryPages(ctx, op, in, func(item map[string]types.AttributeValue) error {
		var it sourceDayItem
		if err := unmarshalItem(item, &it); err != nil {
			return leadgate.Internal(op, fmt.Errorf("unmarshal: %w", err))
		}
		rows = append(rows, leadgate.SourceDayCounts{
			Page: it.Page, Day: it.Day,
			Source: leadgate.NewSource(it.UTMSource, it.UTMMedium, it.UTMCampaign), Variant: it.Variant,
			Views: it.Views, Leads: it.Leads, Confirmations: it.Confirmations, Downloads: it.Downloads,
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// PutSpend creates or replaces a campaign's spend, an item of the partition NOW:
// sk = "SPEND#<page>#<campaign>".
func (s *Store) PutSpend(ctx context.Context, sp leadgate.Spend) error {
	const op = "put spend"
	item, err := marshalItem(sp, pkNow, spendSK(sp.Page, sp.Campaign), typeSpend)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	return s.put(ctx, op, item)
}

func spendSK(page, campaign string) string { return prefixSpend + page + "#" + campaign }

// Spends returns the page's spends, by campaign: one paginated Query.
func (s *Store) Spends(ctx context.Context, page string) ([]leadgate.Spend, error) {
	in := s.queryOf("", partitionPrefix, values{":pk": str(pkNow), ":prefix": str(spendSK(page, ""))})
	return queryAll[leadgate.Spend](ctx, s, "spends of "+page, in)
}

// partitionRange queries the items of one partition whose sort keys lie in a range.
const partitionRangeCond = "#pk = :pk AND #sk BETWEEN :from AND :to"

var partitionRange = keyQuery(partitionRangeCond, "")
