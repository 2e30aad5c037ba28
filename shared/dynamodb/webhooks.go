package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// Webhook endpoints and deliveries. An endpoint is the item ("WEBHOOK#<id>",
// "WEBHOOK"), listed from GSI1 under listWebhooks. A delivery is the item
// ("WEBHOOK#<endpoint>", "DELIVERY#<id>") in its endpoint's partition: in GSI1 under
// "HOOKLOG#<endpoint>" by creation time (the log, newest first), in the due index
// (GSI2) under dueDeliveries while pending, and removed by TTL after
// WebhookLogRetention. A lead's deliveries leave a reference in the lead's partition
// ("LEAD#<email>", "HOOK#<endpoint>#<id>") so that erasure finds them.

const (
	prefixWebhook     = "WEBHOOK#"  // pk of an endpoint and its deliveries
	prefixDelivery    = "DELIVERY#" // sk of a delivery in its endpoint's partition
	prefixHookLog     = "HOOKLOG#"  // gsi1pk of an endpoint's deliveries
	prefixDeliveryRef = "HOOK#"     // sk of a delivery's reference in its lead's partition
	skWebhook         = "WEBHOOK"
	listWebhooks      = "WEBHOOKS"
	// dueDeliveries is the gsi2pk of every pending delivery, a bucket of its own so
	// that DueSteps never meets one.
	dueDeliveries = "DUEHOOK"

	typeWebhook     = "webhook"
	typeDelivery    = "webhook_delivery"
	typeDeliveryRef = "webhook_delivery_ref"
)

func webhookKey(id string) map[string]types.AttributeValue {
	return key(prefixWebhook+id, skWebhook)
}

func deliveryKey(endpointID, id string) map[string]types.AttributeValue {
	return key(prefixWebhook+endpointID, prefixDelivery+id)
}

// PutWebhookEndpoint creates or replaces an endpoint.
func (s *Store) PutWebhookEndpoint(ctx context.Context, e leadgate.WebhookEndpoint) error {
	item, err := marshalItem(e, prefixWebhook+e.ID, skWebhook, typeWebhook)
	if err != nil {
		return leadgate.Internal("put webhook", err)
	}
	item[attrGSI1PK], item[attrGSI1SK] = str(listWebhooks), str(e.ID)
	return s.put(ctx, "put webhook", item)
}

// WebhookEndpoint returns an endpoint.
func (s *Store) WebhookEndpoint(ctx context.Context, id string) (leadgate.WebhookEndpoint, error) {
	var e leadgate.WebhookEndpoint
	err := s.get(ctx, "get webhook", webhookKey(id), leadgate.ErrWebhookNotFound, &e)
	return e, err
}

// WebhookEndpoints lists every endpoint from GSI1, by id.
func (s *Store) WebhookEndpoints(ctx context.Context) ([]leadgate.WebhookEndpoint, error) {
	return listGSI1[leadgate.WebhookEndpoint](ctx, s, "list webhooks", listWebhooks)
}

var webhookExists = condition("attribute_exists(#pk)")

// DeleteWebhookEndpoint deletes an endpoint, then cancels its unfinished deliveries.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, id string) error {
	const op = "delete webhook"
	if err := s.writeOr(ctx, op, s.deleteOf(webhookKey(id), &webhookExists, nil), leadgate.ErrWebhookNotFound); err != nil {
		return err
	}
	in := s.queryOf("", partitionPrefix, values{":pk": str(prefixWebhook + id), ":prefix": str(prefixDelivery)})
	all, err := queryAll[leadgate.WebhookDelivery](ctx, s, op, in)
	if err != nil {
		return err
	}
	for _, d := range all {
		if d.Status != leadgate.DeliveryPending && d.Status != leadgate.DeliverySending {
			continue
		}
		if err := s.changeDelivery(ctx, op, d.EndpointID, d.ID, func(d *leadgate.WebhookDelivery) bool {
			if d.Status != leadgate.DeliveryPending && d.Status != leadgate.DeliverySending {
				return false
			}
			d.Status = leadgate.DeliveryCancelled
			return true
		}); err != nil && !errors.Is(err, leadgate.ErrDeliveryNotFound) {
			return err
		}
	}
	return nil
}

// deliveryItem returns a delivery's item, indexed as its status says, with its TTL.
func deliveryItem(d leadgate.WebhookDelivery) (map[string]types.AttributeValue, error) {
	item, err := marshalItem(d, prefixWebhook+d.EndpointID, prefixDelivery+d.ID, typeDelivery)
	if err != nil {
		return nil, fmt.Errorf("marshal delivery: %w", err)
	}
	item[attrGSI1PK] = str(prefixHookLog + d.EndpointID)
	item[attrGSI1SK] = str(keyTime(d.CreatedAt) + "#" + d.ID)
	if d.Status == leadgate.DeliveryPending {
		item[attrGSI2PK] = str(dueDeliveries)
		item[attrGSI2SK] = str(keyTime(d.NextAttemptAt) + "#" + d.EndpointID + "#" + d.ID)
	}
	item[AttrExpiresAt] = epochSeconds(d.KeepUntil)
	return item, nil
}

// CreateDelivery puts the lead's reference (harmless alone), then the delivery
// unless it exists.
func (s *Store) CreateDelivery(ctx context.Context, d leadgate.WebhookDelivery) (bool, error) {
	const op = "create delivery"
	d.Status = leadgate.DeliveryPending
	if d.Email != "" {
		ref := key(prefixLead+d.Email, prefixDeliveryRef+d.EndpointID+"#"+d.ID)
		ref[attrItemType] = str(typeDeliveryRef)
		ref["endpoint_id"], ref["id"] = str(d.EndpointID), str(d.ID)
		ref[AttrExpiresAt] = epochSeconds(d.KeepUntil)
		if err := s.put(ctx, op, ref); err != nil {
			return false, err
		}
	}
	item, err := deliveryItem(d)
	if err != nil {
		return false, leadgate.Internal(op, err)
	}
	err = s.putNew(ctx, op, item, leadgate.ErrDeliveryExists)
	if errors.Is(err, leadgate.ErrDeliveryExists) {
		return false, nil
	}
	return err == nil, err
}

// Delivery returns one delivery.
func (s *Store) Delivery(ctx context.Context, endpointID, id string) (leadgate.WebhookDelivery, error) {
	var d leadgate.WebhookDelivery
	err := s.get(ctx, "get delivery", deliveryKey(endpointID, id), leadgate.ErrDeliveryNotFound, &d)
	return d, err
}

var (
	claimDelivery = updating("SET #status = :sending, #claimed_at = :now REMOVE #next_attempt_at, #gsi2pk, #gsi2sk",
		"(#status = :pending AND #next_attempt_at <= :now) OR (#status = :sending AND #claimed_at <= :expired)")
	ownDeliveryClaim = condition("#status = :sending AND #claimed_at = :claimed_at")
	deliveryStatusIs = condition("#status = :status")
)

// ClaimDelivery claims a delivery in one UpdateItem; a refused claim returns the
// delivery as stored.
func (s *Store) ClaimDelivery(ctx context.Context, endpointID, id string, now time.Time, lease time.Duration) (leadgate.WebhookDelivery, bool, error) {
	const op = "claim delivery"
	k := deliveryKey(endpointID, id)
	w := s.updateOf(k, claimDelivery, values{
		":sending": str(string(leadgate.DeliverySending)), ":pending": str(string(leadgate.DeliveryPending)),
		":now": str(keyTime(now)), ":expired": str(keyTime(now.Add(-lease))),
	})
	item, refused, err := s.write(ctx, op, w, types.ReturnValueAllNew)
	if err != nil {
		return leadgate.WebhookDelivery{}, false, err
	}
	if refused {
		if item, err = s.refusedItem(ctx, op, item, k, leadgate.ErrDeliveryNotFound); err != nil {
			return leadgate.WebhookDelivery{}, false, err
		}
	}
	var d leadgate.WebhookDelivery
	if err := unmarshalItem(item, &d); err != nil {
		return d, false, leadgate.Internal(op, fmt.Errorf("unmarshal delivery: %w", err))
	}
	return d, !refused, nil
}

// FinishDelivery replaces the claim with its outcome, if the claim is still the
// caller's.
func (s *Store) FinishDelivery(ctx context.Context, d leadgate.WebhookDelivery) error {
	const op = "finish delivery"
	item, err := deliveryItem(d)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	vals := values{":sending": str(string(leadgate.DeliverySending)), ":claimed_at": str(keyTime(d.ClaimedAt))}
	return s.writeOr(ctx, op, s.putOf(item, &ownDeliveryClaim, vals), leadgate.ErrDeliveryClaimLost)
}

// changeDelivery reads a delivery, lets change edit it (false: leave it) and puts it
// back if its status has not changed meanwhile, reading again if it has.
func (s *Store) changeDelivery(ctx context.Context, op, endpointID, id string, change func(*leadgate.WebhookDelivery) bool) error {
	return retry(ctx, op, func() (*again, error) {
		d, err := s.Delivery(ctx, endpointID, id)
		if err != nil {
			return nil, err
		}
		read := d.Status
		if !change(&d) {
			return nil, nil
		}
		item, err := deliveryItem(d)
		if err != nil {
			return nil, leadgate.Internal(op, err)
		}
		_, refused, err := s.write(ctx, op, s.putOf(item, &deliveryStatusIs, values{":status": str(string(read))}), types.ReturnValueNone)
		if err != nil {
			return nil, err
		}
		if refused {
			return &again{cause: errors.New("the delivery changed meanwhile"), wait: true}, nil
		}
		return nil, nil
	})
}

// RedeliverDelivery makes a finished delivery pending again at now.
func (s *Store) RedeliverDelivery(ctx context.Context, endpointID, id string, now time.Time) (leadgate.WebhookDelivery, error) {
	var out leadgate.WebhookDelivery
	var refuse error
	err := s.changeDelivery(ctx, "redeliver", endpointID, id, func(d *leadgate.WebhookDelivery) bool {
		out, refuse = *d, nil
		if d.Status == leadgate.DeliveryPending || d.Status == leadgate.DeliverySending {
			return false
		}
		if d.Payload == "" {
			refuse = leadgate.ErrWebhookDeliveryNoPayload
			return false
		}
		d.Status, d.NextAttemptAt = leadgate.DeliveryPending, now
		out = *d
		return true
	})
	if err == nil {
		err = refuse
	}
	return out, err
}

// DueDeliveries queries the due index in one request, oldest due first. The index is
// eventually consistent; claiming is what keeps a delivery from going out twice.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]leadgate.WebhookDelivery, error) {
	const op = "due deliveries"
	out := []leadgate.WebhookDelivery{}
	if limit <= 0 {
		return out, nil
	}
	in := s.queryOf(indexGSI2, dueBefore, values{":bucket": str(dueDeliveries), ":before": str(keyTime(now.Add(time.Nanosecond)))})
	in.Limit = aws.Int32(int32(min(limit, math.MaxInt32)))
	res, err := s.client.Query(ctx, in)
	if err != nil {
		return nil, errorFor(op, err)
	}
	for _, item := range res.Items {
		var d leadgate.WebhookDelivery
		if err := unmarshalItem(item, &d); err != nil {
			return nil, leadgate.Internal(op, fmt.Errorf("unmarshal delivery: %w", err))
		}
		out = append(out, d)
	}
	return out, nil
}

// Deliveries queries an endpoint's log in GSI1, newest first, one page of limit.
func (s *Store) Deliveries(ctx context.Context, endpointID string, limit int) ([]leadgate.WebhookDelivery, error) {
	const op = "list deliveries"
	out := []leadgate.WebhookDelivery{}
	if limit <= 0 {
		return out, nil
	}
	in := s.queryOf(indexGSI1, gsi1Partition, values{":pk": str(prefixHookLog + endpointID)})
	in.ScanIndexForward = aws.Bool(false)
	in.Limit = aws.Int32(int32(min(limit, math.MaxInt32)))
	res, err := s.client.Query(ctx, in)
	if err != nil {
		return nil, errorFor(op, err)
	}
	for _, item := range res.Items {
		var d leadgate.WebhookDelivery
		if err := unmarshalItem(item, &d); err != nil {
			return nil, leadgate.Internal(op, fmt.Errorf("unmarshal delivery: %w", err))
		}
		out = append(out, d)
	}
	return out, nil
}

// deliveryRef is a delivery's reference in its lead's partition.
type deliveryRef struct {
	EndpointID string `json:"endpoint_id"`
	ID         string `json:"id"`
}

// EraseDeliveries finds the lead's deliveries by their references, empties each of
// the payload and the address (cancelling an unfinished one), and deletes the
// references.
func (s *Store) EraseDeliveries(ctx context.Context, email string) (int, error) {
	const op = "erase deliveries"
	in := s.queryOf("", partitionPrefix, values{":pk": str(prefixLead + email), ":prefix": str(prefixDeliveryRef)})
	refs, err := queryAll[deliveryRef](ctx, s, op, in)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range refs {
		err := s.changeDelivery(ctx, op, r.EndpointID, r.ID, func(d *leadgate.WebhookDelivery) bool {
			d.Email, d.Payload = "", ""
			if d.Status == leadgate.DeliveryPending || d.Status == leadgate.DeliverySending {
				d.Status = leadgate.DeliveryCancelled
			}
			return true
		})
		switch {
		case err == nil:
			n++
		case !errors.Is(err, leadgate.ErrDeliveryNotFound):
			return n, err
		}
		w := s.deleteOf(key(prefixLead+email, prefixDeliveryRef+r.EndpointID+"#"+r.ID), nil, nil)
		if err := s.writeOr(ctx, op, w, nil); err != nil {
			return n, err
		}
	}
	return n, nil
}
