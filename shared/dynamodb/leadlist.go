package dynamodb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// The console's lead table reads GSI3, a sparse index of lead items only, newest
// first: its partition key is the item type ("lead"), which every item has, and
// its sort key gsi3sk = "<created>#<lead id>", which only leads have. It reuses
// the type and leaves the address out of the search text (the item's key holds it)
// so that a lead's item stays under one write unit. It projects what the
// table shows and filters on (leadListProjection), so a Query reads up to 1 MB of
// small items and a FilterExpression keeps the matches. The index is written when
// a lead is created and when one of its projected attributes changes: a new
// name, company or page, a stage, score, status or consent change.
const (
	attrGSI3PK = attrItemType
	attrGSI3SK = "gsi3sk"
	indexGSI3  = "gsi3"
	// listLeads is the GSI3 partition of every lead: one partition, so one Query
	// walks all leads newest first whatever their age. A GSI partition takes about
	// 1,000 writes a second, far above the rate at which leads are created or
	// rescored.
	listLeads = typeLead
	// attrSearch holds a lead's name and company in lower case, for the
	// case-insensitive search; the address, lower case already, is searched in the
	// item's pk.
	attrSearch = "search"
	attrPages  = "pages"
)

// leadListProjection names the non-key attributes GSI3 projects; template.yaml
// names the same.
var leadListProjection = []string{attrID, "name", "company", "status", "stage", "score", attrConsent, attrFirstTouch, attrCreatedAt, attrPages, attrSearch, "custom", "suppressed_at"}

// maxListRequests bounds the Queries of one Leads call, and listPageItems the
// index items one of them examines: a few hundred bytes each, so a Query stays
// under the 1 MB a Query reads at most and costs at most about 100 read units.
const (
	maxListRequests = 3
	listPageItems   = 2000
)

// indexLeadItem adds to a lead's item its GSI3 keys and search text.
func indexLeadItem(item map[string]types.AttributeValue, l leadgate.Lead) {
	item[attrGSI3SK] = str(leadListSK(l.CreatedAt, l.ID))
	if l.Name != "" || l.Company != "" {
		item[attrSearch] = str(strings.ToLower(l.Name + "\n" + l.Company))
	}
}

func leadListSK(created time.Time, id string) string { return keyTime(created) + "#" + id }

// The key conditions of the lead table's Queries: every lead, below a bound, from
// a bound, between two.
var (
	leadsAll     = "#item_type = :pk"
	leadsBelow   = "#item_type = :pk AND #gsi3sk < :high"
	leadsFrom    = "#item_type = :pk AND #gsi3sk >= :low"
	leadsBetween = "#item_type = :pk AND #gsi3sk BETWEEN :low AND :high"
	leadAt       = keyQuery("#item_type = :pk AND #gsi3sk = :sk", "#pk")
)

// Leads returns a page of the leads q selects from GSI3, newest first: at most
// maxListRequests Queries, each reading up to listPageItems of the index and
// filtering them,
// until Limit leads matched. Next continues after the last lead handed out, or,
// when the requests ran out, after the last item examined. GSI3 is read
// eventually consistent: a lead of the last second may be missing.
func (s *Store) Leads(ctx context.Context, q leadgate.LeadQuery) (leadgate.LeadList, error) {
	const op = "list leads"
	if err := q.Validate(); err != nil {
		return leadgate.LeadList{}, err
	}
	limit := leadgate.LeadListLimit(q.Limit)
	vals := values{":pk": str(listLeads)}
	high, cursorSK := "", ""
	if !q.To.IsZero() {
		high = keyTime(q.To) // below every sort key of that time
	}
	if q.Cursor != "" {
		at, id, _ := leadgate.ParseLeadsCursor(q.Cursor)
		if sk := leadListSK(at, id); high == "" || sk < high {
			high, cursorSK = sk, sk
		}
	}
	low := ""
	if !q.From.IsZero() {
		low = keyTime(q.From)
	}
	keyCond := leadsAll
	switch {
	case low != "" && high != "":
		if high < low {
			return leadgate.LeadList{Leads: []leadgate.Lead{}}, nil
		}
		keyCond = leadsBetween // its high end is the cursor's own item, skipped, or no item's key
	case high != "":
		keyCond = leadsBelow
	case low != "":
		keyCond = leadsFrom
	}
	if high != "" {
		vals[":high"] = str(high)
	}
	if low != "" {
		vals[":low"] = str(low)
	}
	filter := leadFilter(q, vals)
	in := s.queryOf(indexGSI3, newExpr(keyCond+filter.sep+filter.cond, "", ""), vals)
	if filter.cond != "" {
		in.KeyConditionExpression = aws.String(keyCond)
		in.FilterExpression = aws.String(filter.cond)
		in.Limit = aws.Int32(int32(s.listPageItems))
	} else {
		in.Limit = aws.Int32(int32(limit + 1)) // one more tells whether another page follows
	}
	in.ScanIndexForward = aws.Bool(false)
	res := leadgate.LeadList{Leads: []leadgate.Lead{}}
	for range maxListRequests {
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return leadgate.LeadList{}, errorFor(op, err)
		}
		res.Examined += int(out.ScannedCount)
		for _, item := range out.Items {
			sk, _ := item[attrGSI3SK].(*types.AttributeValueMemberS)
			if sk != nil && sk.Value == cursorSK {
				continue
			}
			if len(res.Leads) == limit {
				last := res.Leads[len(res.Leads)-1]
				res.Next = leadgate.EncodeLeadsCursor(last.CreatedAt, last.ID)
				return res, nil
			}
			l, err := listedLead(item)
			if err != nil {
				return leadgate.LeadList{}, leadgate.Internal(op, err)
			}
			res.Leads = append(res.Leads, l)
		}
		if len(out.LastEvaluatedKey) == 0 {
			return res, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	sk, _ := in.ExclusiveStartKey[attrGSI3SK].(*types.AttributeValueMemberS)
	if sk == nil {
		return leadgate.LeadList{}, leadgate.Internal(op, fmt.Errorf("last evaluated key without %s", attrGSI3SK))
	}
	at, id, ok := parseLeadListSK(sk.Value)
	if !ok {
		return leadgate.LeadList{}, leadgate.Internal(op, fmt.Errorf("bad %s %q", attrGSI3SK, sk.Value))
	}
	res.Next = leadgate.EncodeLeadsCursor(at, id)
	return res, nil
}

func parseLeadListSK(sk string) (time.Time, string, bool) {
	t, id, ok := strings.Cut(sk, "#")
	if !ok {
		return time.Time{}, "", false
	}
	at, err := time.Parse(time.RFC3339Nano, t)
	return at.UTC(), id, err == nil
}

// listedLead decodes a GSI3 item: the fields the index projects. What the decoder
// would put back from attributes it does not project is cleared.
func listedLead(item map[string]types.AttributeValue) (leadgate.Lead, error) {
	var l leadgate.Lead
	if err := unmarshalItem(item, &l); err != nil {
		return l, fmt.Errorf("unmarshal lead: %w", err)
	}
	l.LastTouch = leadgate.Attribution{}
	l.Consent = leadgate.Consent{Given: l.Consent.Given, TextVersion: l.Consent.TextVersion}
	return l, nil
}

// filterExpr is a FilterExpression and the separator that joins it to the key
// condition when its names are collected.
type filterExpr struct{ cond, sep string }

// leadFilter returns the FilterExpression of q's filters, adding their values.
func leadFilter(q leadgate.LeadQuery, vals values) filterExpr {
	var parts []string
	if q.Search != "" {
		parts = append(parts, "(contains(#pk, :q) OR contains(#search, :q))")
		vals[":q"] = str(strings.ToLower(q.Search))
	}
	if q.Page != "" {
		parts = append(parts, "contains(#pages, :page)")
		vals[":page"] = str(q.Page)
	}
	switch q.Stage {
	case leadgate.StageAny:
	case leadgate.StageCold:
		parts = append(parts, "(attribute_not_exists(#stage) OR #stage = :stage)")
		vals[":stage"] = str(string(q.Stage))
	default:
		parts = append(parts, "#stage = :stage")
		vals[":stage"] = str(string(q.Stage))
	}
	if q.Source != "" {
		parts = append(parts, "#first_touch.#utm_source = :source")
		vals[":source"] = str(q.Source)
	}
	switch q.Consent {
	case leadgate.ConsentGiven:
		parts = append(parts, "#consent.#given = :true")
		vals[":true"] = boolTrue
	case leadgate.ConsentNotGiven:
		parts = append(parts, "(attribute_not_exists(#consent.#given) OR #consent.#given = :false)")
		vals[":false"] = boolFalse
	}
	if len(q.Statuses) > 0 {
		names := make([]string, len(q.Statuses))
		for i, st := range q.Statuses {
			names[i] = ":status" + strconv.Itoa(i)
			vals[names[i]] = statusValue(st)
		}
		parts = append(parts, "#status IN ("+strings.Join(names, ", ")+")")
	}
	if len(parts) == 0 {
		return filterExpr{}
	}
	return filterExpr{cond: strings.Join(parts, " AND "), sep: " AND "}
}

// LeadByRef reads the lead ref names: its GSI3 entry gives its address, then the
// lead is read whole.
func (s *Store) LeadByRef(ctx context.Context, ref string) (leadgate.Lead, error) {
	const op = "get lead by ref"
	created, id, ok := leadgate.ParseLeadRef(ref)
	if !ok {
		return leadgate.Lead{}, leadgate.ErrLeadNotFound
	}
	out, err := s.client.Query(ctx, s.queryOf(indexGSI3, leadAt, values{":pk": str(listLeads), ":sk": str(leadListSK(created, id))}))
	if err != nil {
		return leadgate.Lead{}, errorFor(op, err)
	}
	if len(out.Items) == 0 {
		return leadgate.Lead{}, leadgate.ErrLeadNotFound
	}
	pk, _ := out.Items[0][attrPK].(*types.AttributeValueMemberS)
	if pk == nil || !strings.HasPrefix(pk.Value, prefixLead) {
		return leadgate.Lead{}, leadgate.ErrLeadNotFound
	}
	return s.LeadByEmail(ctx, strings.TrimPrefix(pk.Value, prefixLead))
}

// Sends returns the address's sends from its partition, by send key.
func (s *Store) Sends(ctx context.Context, email string) ([]leadgate.Send, error) {
	return queryAll[leadgate.Send](ctx, s, "list sends", s.queryOf("", partitionPrefix, values{":pk": str(prefixLead + email), ":prefix": str(prefixSend)}))
}
