package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// BatchAPI is the part of API that exports and erasures use: BatchGetItem for the leads of a page of submissions, BatchWriteItem for the
// items of an erased lead's partition.
type BatchAPI interface {
	BatchGetItem(ctx context.Context, in *awsddb.BatchGetItemInput, optFns ...func(*awsddb.Options)) (*awsddb.BatchGetItemOutput, error)
	BatchWriteItem(ctx context.Context, in *awsddb.BatchWriteItemInput, optFns ...func(*awsddb.Options)) (*awsddb.BatchWriteItemOutput, error)
}

// Request limits of DynamoDB's batch operations.
const (
	batchGetMax   = 100
	batchWriteMax = 25
)

// PageLeads reads a page of the page's submissions newest first from GSI1
// (gsi1pk "PAGE#<slug>", gsi1sk "<time>#<id>" from since on), one Query that asks
// for one item more than the page to know whether another page follows, then their
// leads with BatchGetItem, 100 keys a request. A cursor continues below its own
// sort key (BETWEEN since AND the cursor's key, the cursor's own item dropped), so
// it holds a time and an id and never the lead's address. GSI1 is read eventually
// consistent: a submission of the last second may be missing.
func (s *Store) PageLeads(ctx context.Context, page string, since time.Time, cursor string, limit int) (leadgate.PageLeads, error) {
	limit = leadgate.PageLeadsLimit(limit)
	low := keyTime(since)
	cond := "#pk = :pk AND #sk >= :low"
	values := map[string]types.AttributeValue{
		":pk":  &types.AttributeValueMemberS{Value: PrefixPage + page},
		":low": &types.AttributeValueMemberS{Value: low},
	}
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
		cond = "#pk = :pk AND #sk BETWEEN :low AND :high"
		values[":high"] = &types.AttributeValueMemberS{Value: high}
	}
	in := &awsddb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(IndexGSI1),
		KeyConditionExpression:    aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrGSI1PK, "#sk": AttrGSI1SK},
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(false),
	}
	var subs []leadgate.Submission
	for {
		in.Limit = aws.Int32(int32(limit + 1 - len(subs)))
		if high != "" {
			*in.Limit++ // the cursor's own item comes first
		}
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return leadgate.PageLeads{}, errorFor("query page leads", err)
		}
		for _, item := range out.Items {
			if sk, ok := item[AttrGSI1SK].(*types.AttributeValueMemberS); ok && high != "" && sk.Value == high {
				continue
			}
			var sub leadgate.Submission
			if err := unmarshalItem(item, &sub); err != nil {
				return leadgate.PageLeads{}, leadgate.Internal("unmarshal submission", err)
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

// batchLeads reads the leads of subs by address, 100 keys a BatchGetItem, asking
// again for the keys DynamoDB left unprocessed.
func (s *Store) batchLeads(ctx context.Context, subs []leadgate.Submission) (map[string]leadgate.Lead, error) {
	leads := map[string]leadgate.Lead{}
	var keys []map[string]types.AttributeValue
	seen := map[string]bool{}
	for _, sub := range subs {
		if !seen[sub.Email] {
			seen[sub.Email] = true
			keys = append(keys, key(PrefixLead+sub.Email, SKLead))
		}
	}
	for start := 0; start < len(keys); start += batchGetMax {
		request := map[string]types.KeysAndAttributes{s.table: {
			Keys: keys[start:min(start+batchGetMax, len(keys))], ConsistentRead: aws.Bool(true),
		}}
		for attempt := 1; len(request) > 0; attempt++ {
			if attempt > 1 {
				if attempt > maxAttempts {
					return nil, leadgate.Unavailable("read leads", fmt.Errorf("keys still unprocessed after %d attempts", maxAttempts))
				}
				if err := pause(ctx, attempt); err != nil {
					return nil, leadgate.Unavailable("read leads", err)
				}
			}
			out, err := s.client.BatchGetItem(ctx, &awsddb.BatchGetItemInput{RequestItems: request})
			if err != nil {
				return nil, errorFor("read leads", err)
			}
			for _, item := range out.Responses[s.table] {
				var l leadgate.Lead
				if err := unmarshalItem(item, &l); err != nil {
					return nil, leadgate.Internal("unmarshal lead", err)
				}
				leads[l.Email] = l
			}
			request = out.UnprocessedKeys
		}
	}
	return leads, nil
}

// EraseLead erases a lead in steps, not in one transaction: a lead's partition
// grows with every submission, send and step, without bound, and a transaction
// holds at most 100 items. The steps are ordered so that a failed erasure can be
// run again: first each grant is marked erased without its address (one
// UpdateItem each, conditional on being the lead's), then the confirmation and
// unsubscribe links are deleted (DeleteItem), then the partition is read (one
// paginated Query of its keys) and deleted with BatchWriteItem, the lead itself
// last, so that until the end the lead is found and the erasure can be retried.
// DynamoDB keeps deleted items in the table's stream for 24 hours and in its
// point-in-time recovery backups for their retention period (35 days at most).
func (s *Store) EraseLead(ctx context.Context, e leadgate.Erasure) (leadgate.Erased, error) {
	var lead leadgate.Lead
	if err := s.get(ctx, "erase lead: get lead", PrefixLead+e.Email, SKLead, "lead", &lead); err != nil {
		return leadgate.Erased{}, err
	}
	res := leadgate.Erased{LeadID: lead.ID}
	for _, id := range e.GrantIDs {
		erased, err := s.eraseGrant(ctx, id, lead.ID)
		if err != nil {
			return leadgate.Erased{}, err
		}
		if erased {
			res.Grants++
		}
	}
	for _, id := range e.ConfirmationIDs {
		deleted, err := s.deleteItem(ctx, "erase lead: delete confirmation", key(PrefixConfirm+id, SKConfirmation))
		if err != nil {
			return leadgate.Erased{}, err
		}
		if deleted {
			res.Confirmations++
		}
	}
	if e.UnsubscribeID != "" {
		deleted, err := s.deleteItem(ctx, "erase lead: delete unsubscribe link", key(PrefixUnsub+e.UnsubscribeID, SKUnsubscribe))
		if err != nil {
			return leadgate.Erased{}, err
		}
		if deleted {
			res.UnsubscribeLinks++
		}
	}

	in := &awsddb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ProjectionExpression:      aws.String("#pk, #sk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPK, "#sk": AttrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: PrefixLead + e.Email}},
		ConsistentRead:            aws.Bool(true),
	}
	var keys []map[string]types.AttributeValue
	var leadKey map[string]types.AttributeValue
	pages := awsddb.NewQueryPaginator(s.client, in)
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return leadgate.Erased{}, errorFor("erase lead: query partition", err)
		}
		for _, item := range out.Items {
			sk, _ := item[AttrSK].(*types.AttributeValueMemberS)
			switch {
			case sk == nil:
				continue
			case sk.Value == SKLead:
				leadKey = item
				continue
			case strings.HasPrefix(sk.Value, PrefixSubmission):
				res.Submissions++
			}
			keys = append(keys, item)
		}
	}
	if leadKey != nil {
		keys = append(keys, leadKey)
	}
	if err := s.batchDelete(ctx, keys); err != nil {
		return leadgate.Erased{}, err
	}
	res.Items = len(keys)
	return res, nil
}

// eraseGrant marks the grant erased and removes its address, if it is the lead's.
func (s *Store) eraseGrant(ctx context.Context, id, leadID string) (bool, error) {
	_, err := s.client.UpdateItem(ctx, &awsddb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(PrefixGrant+id, SKGrant),
		UpdateExpression:          aws.String("SET #erased = :true REMOVE #email"),
		ConditionExpression:       aws.String("attribute_exists(#pk) AND #lead = :lead"),
		ExpressionAttributeNames:  map[string]string{"#erased": attrErased, "#email": attrEmail, "#pk": AttrPK, "#lead": "lead_id"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true}, ":lead": &types.AttributeValueMemberS{Value: leadID}},
	})
	var failed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed):
		return false, nil // no such grant, or another lead's
	case err != nil:
		return false, errorFor("erase lead: erase grant", err)
	}
	return true, nil
}

// deleteItem deletes one item and reports whether it existed.
func (s *Store) deleteItem(ctx context.Context, op string, k map[string]types.AttributeValue) (bool, error) {
	out, err := s.client.DeleteItem(ctx, &awsddb.DeleteItemInput{
		TableName: aws.String(s.table), Key: k, ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil {
		return false, errorFor(op, err)
	}
	return len(out.Attributes) > 0, nil
}

// batchDelete deletes the items of keys in order, 25 a BatchWriteItem, sending the
// unprocessed ones again before going on.
func (s *Store) batchDelete(ctx context.Context, keys []map[string]types.AttributeValue) error {
	for start := 0; start < len(keys); start += batchWriteMax {
		var writes []types.WriteRequest
		for _, k := range keys[start:min(start+batchWriteMax, len(keys))] {
			writes = append(writes, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}})
		}
		request := map[string][]types.WriteRequest{s.table: writes}
		for attempt := 1; len(request) > 0; attempt++ {
			if attempt > 1 {
				if attempt > maxAttempts {
					return leadgate.Unavailable("erase lead", fmt.Errorf("deletes still unprocessed after %d attempts", maxAttempts))
				}
				if err := pause(ctx, attempt); err != nil {
					return leadgate.Unavailable("erase lead", err)
				}
			}
			out, err := s.client.BatchWriteItem(ctx, &awsddb.BatchWriteItemInput{RequestItems: request})
			if err != nil {
				return errorFor("erase lead: delete partition", err)
			}
			request = out.UnprocessedItems
		}
	}
	return nil
}
