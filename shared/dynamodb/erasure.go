package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// EraseLead erases a lead in steps, not in one transaction: a lead's partition
// grows with every submission, send and step, without bound, and a transaction
// holds at most 100 items. The steps are ordered so that a failed erasure can be
// run again: first each grant is marked erased without its address (one
// UpdateItem each, conditional on being the lead's), then the confirmation and
// unsubscribe links are deleted (DeleteItem), then the partition is read (one
// paginated Query of its keys) and deleted with BatchWriteItem, the lead itself
// last, in one transaction with its pages' stage counters, so that until the end
// the lead is found and the erasure can be retried, and it leaves the counters once.
// DynamoDB keeps deleted items in the table's stream for 24 hours and in its
// point-in-time recovery backups for their retention period (35 days at most).
func (s *Store) EraseLead(ctx context.Context, e leadgate.Erasure) (leadgate.Erased, error) {
	const op = "erase lead"
	var lead leadgate.Lead
	if err := s.get(ctx, op+": get lead", leadKey(e.Email), leadgate.ErrLeadNotFound, &lead); err != nil {
		return leadgate.Erased{}, err
	}
	res := leadgate.Erased{LeadID: lead.ID}
	for _, id := range e.GrantIDs {
		erased, err := s.eraseGrant(ctx, op+": erase grant", id, lead.ID)
		if err != nil {
			return leadgate.Erased{}, err
		}
		if erased {
			res.Grants++
		}
	}
	for _, id := range e.ConfirmationIDs {
		deleted, err := s.deleteItem(ctx, op+": delete confirmation", confirmationKey(id))
		if err != nil {
			return leadgate.Erased{}, err
		}
		if deleted {
			res.Confirmations++
		}
	}
	if e.UnsubscribeID != "" {
		s.links.forget(e.UnsubscribeID)
		deleted, err := s.deleteItem(ctx, op+": delete unsubscribe link", unsubscribeKey(e.UnsubscribeID))
		if err != nil {
			return leadgate.Erased{}, err
		}
		if deleted {
			res.UnsubscribeLinks++
		}
	}

	in := s.queryOf("", partitionKeys, values{":pk": str(prefixLead + e.Email)})
	var keys []map[string]types.AttributeValue
	var leadItemKey map[string]types.AttributeValue
	err := s.queryPages(ctx, op+": query partition", in, func(k map[string]types.AttributeValue) error {
		sk, _ := k[attrSK].(*types.AttributeValueMemberS)
		switch {
		case sk == nil:
			return nil
		case sk.Value == skLead:
			leadItemKey = k
			return nil
		case strings.HasPrefix(sk.Value, prefixSubmission):
			res.Submissions++
		}
		keys = append(keys, k)
		return nil
	})
	if err != nil {
		return leadgate.Erased{}, err
	}
	if err := s.batchDelete(ctx, op+": delete partition", keys); err != nil {
		return leadgate.Erased{}, err
	}
	res.Items = len(keys)
	if leadItemKey != nil {
		if err := s.deleteLead(ctx, op+": delete lead", lead); err != nil {
			return leadgate.Erased{}, err
		}
		res.Items++
	}
	return res, nil
}

// leadAtVersion is the condition of a write of the lead as it was read.
var leadAtVersion = condition("#version = :version")

// deleteLead deletes the lead's item and takes it off its pages' stage counters,
// in one TransactWriteItems conditioned on the version read; a lead that changed
// meanwhile is read again, one erased meanwhile is done.
func (s *Store) deleteLead(ctx context.Context, op string, lead leadgate.Lead) error {
	build := func() ([]types.TransactWriteItem, error) {
		items := []types.TransactWriteItem{s.deleteOf(leadKey(lead.Email), &leadAtVersion, values{":version": num(lead.Version)})}
		items = append(items, s.stageUpdates(&lead, nil)...)
		if len(items) > maxTransactItems {
			return nil, fmt.Errorf("a lead of %d pages: its stage counters need more than one transaction", len(lead.Pages))
		}
		return items, nil
	}
	return s.transact(ctx, op, op, build, func(tx cancellation) (verdict, error) {
		if !tx.failed(0) {
			return unhandled, nil
		}
		item, err := s.refusedItem(ctx, op, tx.item(0), leadKey(lead.Email), errNoItem)
		switch {
		case errors.Is(err, errNoItem):
			return answered, nil // erased meanwhile
		case err != nil:
			return answered, err
		}
		if err := unmarshalItem(item, &lead); err != nil {
			return answered, leadgate.Internal(op, fmt.Errorf("unmarshal lead: %w", err))
		}
		return retryNow, nil
	})
}

// partitionKeys queries the keys of every item of one partition.
var partitionKeys = keyQuery("#pk = :pk", "#pk, #sk")

// eraseGrantWrite is the erasure of a grant: marked erased without its address, if it
// is the lead's.
var eraseGrantWrite = updating("SET #erased = :true REMOVE #email", "attribute_exists(#pk) AND #lead_id = :lead_id")

// eraseGrant marks the grant erased and removes its address, if it is the lead's.
func (s *Store) eraseGrant(ctx context.Context, op, id, leadID string) (bool, error) {
	w := s.updateOf(grantKey(id), eraseGrantWrite, values{":true": boolTrue, ":lead_id": str(leadID)})
	_, refused, err := s.write(ctx, op, w, "")
	// Refused: no such grant, or another lead's.
	return err == nil && !refused, err
}

// deleteItem deletes one item and reports whether it existed.
func (s *Store) deleteItem(ctx context.Context, op string, k map[string]types.AttributeValue) (bool, error) {
	old, _, err := s.write(ctx, op, s.deleteOf(k, nil, nil), types.ReturnValueAllOld)
	return len(old) > 0, err
}

// batchDelete deletes the items of keys in order, 25 a BatchWriteItem, sending the
// unprocessed ones again before going on.
func (s *Store) batchDelete(ctx context.Context, op string, keys []map[string]types.AttributeValue) error {
	for start := 0; start < len(keys); start += batchWriteMax {
		var writes []types.WriteRequest
		for _, k := range keys[start:min(start+batchWriteMax, len(keys))] {
			writes = append(writes, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}})
		}
		request := map[string][]types.WriteRequest{s.table: writes}
		err := retry(ctx, op, func() (*again, error) {
			out, err := s.client.BatchWriteItem(ctx, &awsddb.BatchWriteItemInput{RequestItems: request})
			if err != nil {
				return nil, errorFor(op, err)
			}
			if request = out.UnprocessedItems; len(request) > 0 {
				return &again{cause: errors.New("deletes left unprocessed"), wait: true}, nil
			}
			return nil, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
