package dynamodb

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// The console lists every page with its counts: it reads them from GSI4 at once,
// not page by page. Per-source counters (stats.go) carry gsi4pk DAYS and gsi4sk
// "<day>#<page>#<source key>", so one Query reads every page's counters of a range
// of days; spends and each page's stage counters (the item ("PAGE#<slug>",
// "STAGES")) carry gsi4pk NOW, so one Query reads them all. A Query answers at
// most 1 MB a request: a counter's index entry is about 330 bytes, so a range
// with up to about 3,000 counters (page × day × source that had a count) is one
// request, and each 3,000 more one more.
//
// The stage counters move in the same transaction as the lead whose pages change
// (its capture, its erasure), which is one anyway; a new score's stage moves them
// in plain updates after the lead's own (scoring.go).

// pageStagesKey is the key of a page's stage counters.
func pageStagesKey(page string) map[string]types.AttributeValue {
	return key(prefixPage+page, skStages)
}

// stageCount adds to a page's stage counters.
var stageCount = updating("ADD #cold :cold, #mql :mql, #sql :sql, #first_cold :first_cold, #first_mql :first_mql, #first_sql :first_sql "+
	"SET #item_type = :type, #page = :page, #gsi4pk = :gsi4pk, #gsi4sk = :gsi4sk", "")

// stageUpdates are the updates of the stage counters that writing a lead as after,
// where it was before, makes (leadgate.StageMoves).
func (s *Store) stageUpdates(before, after *leadgate.Lead) []types.TransactWriteItem {
	var out []types.TransactWriteItem
	for _, m := range leadgate.StageMoves(before, after) {
		out = append(out, s.updateOf(pageStagesKey(m.Page), stageCount, values{
			":cold": num(int64(m.Cold)), ":mql": num(int64(m.MQL)), ":sql": num(int64(m.SQL)),
			":first_cold": num(int64(m.First.Cold)), ":first_mql": num(int64(m.First.MQL)), ":first_sql": num(int64(m.First.SQL)),
			":type": str(typeStageCounts), ":page": str(m.Page), ":gsi4pk": str(statsNow), ":gsi4sk": str("STAGES#" + m.Page),
		}))
	}
	return out
}

// maxTransactItems is the most items one TransactWriteItems holds.
const maxTransactItems = 100

// stageItem is a page's stage counters' item.
type stageItem struct {
	ItemType  string `json:"item_type"`
	Page      string `json:"page"`
	Cold      int    `json:"cold"`
	MQL       int    `json:"mql"`
	SQL       int    `json:"sql"`
	FirstCold int    `json:"first_cold"`
	FirstMQL  int    `json:"first_mql"`
	FirstSQL  int    `json:"first_sql"`
}

// indexRange queries the items of one GSI4 partition whose sort keys lie in a range.
var indexRange = keyQuery("#gsi4pk = :pk AND #gsi4sk BETWEEN :from AND :to", "")

// indexPartition queries every item of one GSI4 partition.
var indexPartition = keyQuery("#gsi4pk = :pk", "")

// AllPageStats reads every page's per-source counters of the days from from to to
// in one paginated Query of GSI4 (gsi4sk from "<from>#" to "<to>$": '$' sorts
// right after '#').
func (s *Store) AllPageStats(ctx context.Context, from, to string) ([]leadgate.SourceDayCounts, error) {
	const op = "every page's stats"
	in := s.queryOf(indexGSI4, indexRange, values{":pk": str(statsDays), ":from": str(from + "#"), ":to": str(to + "$")})
	rows := []leadgate.SourceDayCounts{}
	err := s.queryPages(ctx, op, in, func(item map[string]types.AttributeValue) error {
		var it sourceDayItem
		if err := unmarshalItem(item, &it); err != nil {
			return leadgate.Internal(op, fmt.Errorf("unmarshal: %w", err))
		}
		rows = append(rows, leadgate.SourceDayCounts{
			Page: it.Page, Day: it.Day,
			Source: leadgate.NewSource(it.UTMSource, it.UTMMedium, it.UTMCampaign),
			Views:  it.Views, Leads: it.Leads, Confirmations: it.Confirmations, Downloads: it.Downloads,
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// Overview reads every page's spends and stage counters in one paginated Query of
// GSI4.
func (s *Store) Overview(ctx context.Context) (leadgate.Overview, error) {
	const op = "overview"
	in := s.queryOf(indexGSI4, indexPartition, values{":pk": str(statsNow)})
	var spends []leadgate.Spend
	var stages []leadgate.PageStages
	err := s.queryPages(ctx, op, in, func(item map[string]types.AttributeValue) error {
		var err error
		switch t, _ := item[attrItemType].(*types.AttributeValueMemberS); {
		case t != nil && t.Value == typeSpend:
			var sp leadgate.Spend
			err = unmarshalItem(item, &sp)
			spends = append(spends, sp)
		case t != nil && t.Value == typeStageCounts:
			var it stageItem
			err = unmarshalItem(item, &it)
			stages = append(stages, leadgate.PageStages{
				StageCounts: leadgate.StageCounts{Page: it.Page, Cold: it.Cold, MQL: it.MQL, SQL: it.SQL},
				First:       leadgate.StageCounts{Cold: it.FirstCold, MQL: it.FirstMQL, SQL: it.FirstSQL},
			})
		}
		if err != nil {
			return leadgate.Internal(op, fmt.Errorf("unmarshal: %w", err))
		}
		return nil
	})
	if err != nil {
		return leadgate.Overview{}, err
	}
	// The index sorts by page then campaign already, "#" before any slug
	// character; sorting again keeps the order the port promises whatever the
	// slugs hold.
	slices.SortStableFunc(spends, func(a, b leadgate.Spend) int {
		return strings.Compare(a.Page+"\x00"+a.Campaign, b.Page+"\x00"+b.Campaign)
	})
	return leadgate.NewOverview(spends, stages), nil
}
