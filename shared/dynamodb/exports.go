package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// A page's leads are exported from its submissions in GSI1 and their leads.

// PageLeads reads a page of the page's submissions newest first from GSI1
// (gsi1pk "PAGE#<slug>", gsi1sk "<time>#<id>" from since on), one Query that asks
// for one item more than the page to know whether another page follows, then their
// leads with BatchGetItem, 100 keys a request. A cursor continues below its own
// sort key (BETWEEN since AND the cursor's key, the cursor's own item dropped), so
// it holds a time and an id and never the lead's address. GSI1 is read eventually
// consistent: a submission of the last second may be missing.
func (s *Store) PageLeads(ctx context.Context, page string, since time.Time, cursor string, limit int) (leadgate.PageLeads, error) {
	const op = "query page leads"
	limit = leadgate.PageLeadsLimit(limit)
	low := keyTime(since)
	keyCond, vals := pageSince, values{":pk": str(prefixPage + page), ":low": str(low)}
	high := ""
	if cursor != "" {
		at, id, err := leadgate.ParseLeadsCursor(cursor)
		if err != nil {
			return leadgate.PageLeads{}, err
		}
		high = keyTime(at) + "#" + id
		if high < low {
			return leadgate.PageLeads{Leads: []leadgate.PageLead{}}, nil
		}
		keyCond, vals[":high"] = pageBetween, str(high)
	}
	in := s.queryOf(indexGSI1, keyCond, vals)
	in.ScanIndexForward = aws.Bool(false)
	var subs []leadgate.Submission
	for {
		in.Limit = aws.Int32(int32(limit + 1 - len(subs)))
		if high != "" {
			*in.Limit++ // the cursor's own item comes first
		}
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return leadgate.PageLeads{}, errorFor(op, err)
		}
		for _, item := range out.Items {
			if sk, ok := item[attrGSI1SK].(*types.AttributeValueMemberS); ok && high != "" && sk.Value == high {
				continue
			}
			var sub leadgate.Submission
			if err := unmarshalItem(item, &sub); err != nil {
				return leadgate.PageLeads{}, leadgate.Internal(op, fmt.Errorf("unmarshal submission: %w", err))
			}
			subs = append(subs, sub)
		}
		if len(subs) > limit || len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	res := leadgate.PageLeads{Leads: []leadgate.PageLead{}}
	if len(subs) > limit {
		subs = subs[:limit]
		last := subs[len(subs)-1]
		res.Next = leadgate.EncodeLeadsCursor(last.At, last.ID)
	}
	leads, err := s.batchLeads(ctx, subs)
	if err != nil {
		return leadgate.PageLeads{}, err
	}
	for _, sub := range subs {
		if l, ok := leads[sub.Email]; ok {
			res.Leads = append(res.Leads, leadgate.PageLead{Submission: sub, Lead: l})
		}
	}
	return res, nil
}

// The Queries of a page's submissions in GSI1: since a time, and since a time up
// to a cursor.
var (
	pageSince   = keyQuery("#gsi1pk = :pk AND #gsi1sk >= :low", "")
	pageBetween = keyQuery("#gsi1pk = :pk AND #gsi1sk BETWEEN :low AND :high", "")
)

// batchLeads reads the leads of subs by address, 100 keys a BatchGetItem, asking
// again for the keys DynamoDB left unprocessed.
func (s *Store) batchLeads(ctx context.Context, subs []leadgate.Submission) (map[string]leadgate.Lead, error) {
	const op = "read leads"
	leads := map[string]leadgate.Lead{}
	var keys []map[string]types.AttributeValue
	seen := map[string]bool{}
	for _, sub := range subs {
		if !seen[sub.Email] {
			seen[sub.Email] = true
			keys = append(keys, leadKey(sub.Email))
		}
	}
	for start := 0; start < len(keys); start += batchGetMax {
		request := map[string]types.KeysAndAttributes{s.table: {
			Keys: keys[start:min(start+batchGetMax, len(keys))], ConsistentRead: aws.Bool(true),
		}}
		err := retry(ctx, op, func() (*again, error) {
			out, err := s.client.BatchGetItem(ctx, &awsddb.BatchGetItemInput{RequestItems: request})
			if err != nil {
				return nil, errorFor(op, err)
			}
			for _, item := range out.Responses[s.table] {
				var l leadgate.Lead
				if err := unmarshalItem(item, &l); err != nil {
					return nil, leadgate.Internal(op, fmt.Errorf("unmarshal lead: %w", err))
				}
				leads[l.Email] = l
			}
			if request = out.UnprocessedKeys; len(request) > 0 {
				return &again{cause: errors.New("keys left unprocessed"), wait: true}, nil
			}
			return nil, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return leads, nil
}
