package dynamodb

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// The console lists every page with its counts: it reads them at once, not page by
// page, from two partitions of the table. Per-source counters (stats.go) are the
// items of the partition DAYS, sk = "<day>#<page>#<source key>", so one Query reads
// every page's counters of a range of days; spends and each page's stage counters
// are the items of the partition NOW, sk = "SPEND#<page>#<campaign>" and
// "STAGES#<page>", so one Query reads them all. A Query answers at most 1 MB a
// request: a counter is about 270 bytes, so a range with up to about 3,800
// counters (page × day × source that had a count) is one request, and each 3,800
// more one more. No index holds them: an index entry would cost each count and
// each stage move a second write unit.
//
// The stage counters move in the same transaction as the lead whose pages change
// (a known lead's capture, its erasure), which is one anyway; a new score's stage
// moves them in plain updates after the lead's own (scoring.go), and a new lead
// enters them in a plain update after its submission's count (CountLead,
// stats.go), where it costs one write unit rather than two in the capture's
// transaction.

// pageStagesKey is the key of a page's stage counters.
func pageStagesKey(page string) map[string]types.AttributeValue {
	return key(pkNow, prefixStages+page)
}

// stageCount adds to a page's stage counters.
var stageCount = updating("ADD #cold :cold, #mql :mql, #sql :sql, #first_cold :first_cold, #first_mql :first_mql, #first_sql :first_sql "+
	"SET #item_type = :type, #page = :page", "")

// stageUpdates are the updates of the stage counters that writing a lead as after,
// where it was before, makes (leadgate.StageMoves).
func (s *Store) stageUpdates(before, after *leadgate.Lead) []types.TransactWriteItem {
	return s.stageMoveUpdates(leadgate.StageMoves(before, after))
}

// stageMoveUpdates are the updates of the stage counters that make the moves.
func (s *Store) stageMoveUpdates(moves []leadgate.PageStages) []types.TransactWriteItem {
	var out []types.TransactWriteItem
	for _, m := range moves {
		out = append(out, s.updateOf(pageStagesKey(m.Page), stageCount, values{
			":cold": num(int64(m.Cold)), ":mql": num(int64(m.MQL)), ":sql": num(int64(m.SQL)),
			":first_cold": num(int64(m.First.Cold)), ":first_mql": num(int64(m.First.MQL)), ":first_sql": num(int64(m.First.SQL)),
			":type": str(typeStageCounts), ":page": str(m.Page),
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

// AllPageStats reads every page's per-source counters of the days from from to to
// in one paginated Query of the partition DAYS (sk from "<from>#" to "<to>$": '$'
// sorts right after '#').
func (s *Store) AllPageStats(ctx context.Context, from, to string) ([]leadgate.SourceDayCounts, error) {
	in := s.queryOf("", partitionRange, values{":pk": str(pkDays), ":from": str(from + "#"), ":to": str(to + "$")})
	return s.sourceDays(ctx, "every page's stats", in)
}

// wholePartition queries every item of one partition.
var wholePartition = keyQuery("#pk = :pk", "")

// Overview reads every page's spends and stage counters in one paginated Query of
// the partition NOW.
func (s *Store) Overview(ctx context.Context) (leadgate.Overview, error) {
	const op = "overview"
	in := s.queryOf("", wholePartition, values{":pk": str(pkNow)})
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
	// The partition sorts by page then campaign already, "#" before any slug
	// character; sorting again keeps the order the port promises whatever the
	// slugs hold.
	slices.SortStableFunc(spends, func(a, b leadgate.Spend) int {
		return strings.Compare(a.Page+"\x00"+a.Campaign, b.Page+"\x00"+b.Campaign)
	})
	return leadgate.NewOverview(spends, stages), nil
}
