package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

// Webhook endpoints and their deliveries. A delivery is kept under (endpoint, id);
// three index buckets find it by due time, by the lead's address (for erasure) and
// by its endpoint and creation time (the log, newest first).
var (
	bucketWebhooks         = []byte("webhooks")        // id → endpoint
	bucketDeliveries       = []byte("hook_deliveries") // endpoint NUL id → delivery
	bucketDeliveriesDue    = []byte("hook_due")        // due time NUL endpoint NUL id → nothing
	bucketDeliveriesLead   = []byte("hook_by_lead")    // email NUL endpoint NUL id → nothing
	bucketDeliveriesByHook = []byte("hook_log")        // endpoint NUL created time NUL id → nothing
)

func timeBytes(t time.Time) []byte { return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())) }

func deliveryDueKey(d leadgate.WebhookDelivery) []byte {
	return append(append(timeBytes(d.NextAttemptAt), 0), pairKey(d.EndpointID, d.ID)...)
}

func deliveryLogKey(d leadgate.WebhookDelivery) []byte {
	k := append([]byte(d.EndpointID), 0)
	k = append(k, timeBytes(d.CreatedAt)...)
	return append(append(k, 0), d.ID...)
}

func deliveryLeadKey(d leadgate.WebhookDelivery) []byte {
	return append(append([]byte(d.Email), 0), pairKey(d.EndpointID, d.ID)...)
}

// PutWebhookEndpoint creates or replaces an endpoint.
func (s *Store) PutWebhookEndpoint(_ context.Context, e leadgate.WebhookEndpoint) error {
	return s.putJSON("put webhook", bucketWebhooks, []byte(e.ID), e)
}

// WebhookEndpoint returns an endpoint.
func (s *Store) WebhookEndpoint(_ context.Context, id string) (leadgate.WebhookEndpoint, error) {
	var e leadgate.WebhookEndpoint
	err := s.db.View(func(tx *bbolt.Tx) error {
		raw := tx.Bucket(bucketWebhooks).Get([]byte(id))
		if raw == nil {
			return leadgate.ErrWebhookNotFound
		}
		return decode(raw, &e)
	})
	return e, storeError("get webhook", err)
}

// WebhookEndpoints returns every endpoint, by id.
func (s *Store) WebhookEndpoints(_ context.Context) ([]leadgate.WebhookEndpoint, error) {
	out := []leadgate.WebhookEndpoint{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketWebhooks).ForEach(func(_, v []byte) error {
			var e leadgate.WebhookEndpoint
			if err := decode(v, &e); err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	})
	return out, storeError("list webhooks", err)
}

// DeleteWebhookEndpoint removes an endpoint and takes its deliveries out of the due
// index, cancelled.
func (s *Store) DeleteWebhookEndpoint(_ context.Context, id string) error {
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketWebhooks)
		if b.Get([]byte(id)) == nil {
			return leadgate.ErrWebhookNotFound
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		c := tx.Bucket(bucketDeliveries).Cursor()
		prefix := append([]byte(id), 0)
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var d leadgate.WebhookDelivery
			if err := decode(v, &d); err != nil {
				return err
			}
			if d.Status != leadgate.DeliveryPending && d.Status != leadgate.DeliverySending {
				continue
			}
			old := d
			d.Status = leadgate.DeliveryCancelled
			if err := putDelivery(tx, d, &old); err != nil {
				return err
			}
		}
		return nil
	})
	return storeError("delete webhook", err)
}

// getDelivery reads a delivery; ErrDeliveryNotFound for none.
func getDelivery(tx *bbolt.Tx, endpointID, id string) (leadgate.WebhookDelivery, error) {
	var d leadgate.WebhookDelivery
	raw := tx.Bucket(bucketDeliveries).Get(pairKey(endpointID, id))
	if raw == nil {
		return d, leadgate.ErrDeliveryNotFound
	}
	return d, decode(raw, &d)
}

// putDelivery stores d, moving its index entries from those of old (nil: none).
func putDelivery(tx *bbolt.Tx, d leadgate.WebhookDelivery, old *leadgate.WebhookDelivery) error {
	due, lead := tx.Bucket(bucketDeliveriesDue), tx.Bucket(bucketDeliveriesLead)
	if old != nil {
		if old.Status == leadgate.DeliveryPending {
			if err := due.Delete(deliveryDueKey(*old)); err != nil {
				return err
			}
		}
		if old.Email != "" {
			if err := lead.Delete(deliveryLeadKey(*old)); err != nil {
				return err
			}
		}
	}
	if d.Status == leadgate.DeliveryPending {
		if err := due.Put(deliveryDueKey(d), nil); err != nil {
			return err
		}
	}
	if d.Email != "" {
		if err := lead.Put(deliveryLeadKey(d), nil); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketDeliveriesByHook).Put(deliveryLogKey(d), nil); err != nil {
		return err
	}
	return putJSON(tx.Bucket(bucketDeliveries), pairKey(d.EndpointID, d.ID), d)
}

// CreateDelivery stores a new pending delivery unless it exists.
func (s *Store) CreateDelivery(_ context.Context, d leadgate.WebhookDelivery) (bool, error) {
	created := false
	err := s.batch(func(tx *bbolt.Tx) error {
		created = false
		if tx.Bucket(bucketDeliveries).Get(pairKey(d.EndpointID, d.ID)) != nil {
			return nil
		}
		d.Status = leadgate.DeliveryPending
		created = true
		return putDelivery(tx, d, nil)
	})
	return created, storeError("create delivery", err)
}

// Delivery returns one delivery.
func (s *Store) Delivery(_ context.Context, endpointID, id string) (leadgate.WebhookDelivery, error) {
	var d leadgate.WebhookDelivery
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		d, err = getDelivery(tx, endpointID, id)
		return err
	})
	return d, storeError("get delivery", err)
}

// ClaimDelivery claims a due delivery, or one whose claim outlived its lease.
func (s *Store) ClaimDelivery(_ context.Context, endpointID, id string, now time.Time, lease time.Duration) (leadgate.WebhookDelivery, bool, error) {
	var (
		d       leadgate.WebhookDelivery
		claimed bool
	)
	err := s.batch(func(tx *bbolt.Tx) error {
		var err error
		claimed = false
		if d, err = getDelivery(tx, endpointID, id); err != nil {
			return err
		}
		ok := d.Status == leadgate.DeliveryPending && !d.NextAttemptAt.After(now) ||
			d.Status == leadgate.DeliverySending && now.Sub(d.ClaimedAt) >= lease
		if !ok {
			return nil
		}
		old := d
		d.Status, d.ClaimedAt, d.NextAttemptAt = leadgate.DeliverySending, now, time.Time{}
		claimed = true
		return putDelivery(tx, d, &old)
	})
	return d, claimed, storeError("claim delivery", err)
}

// FinishDelivery records a claim's outcome, if the claim is still the caller's.
func (s *Store) FinishDelivery(_ context.Context, d leadgate.WebhookDelivery) error {
	err := s.batch(func(tx *bbolt.Tx) error {
		stored, err := getDelivery(tx, d.EndpointID, d.ID)
		if err != nil {
			return err
		}
		if stored.Status != leadgate.DeliverySending || !stored.ClaimedAt.Equal(d.ClaimedAt) {
			return leadgate.ErrDeliveryClaimLost
		}
		return putDelivery(tx, d, &stored)
	})
	return storeError("finish delivery", err)
}

// RedeliverDelivery makes a finished delivery pending again at now.
func (s *Store) RedeliverDelivery(_ context.Context, endpointID, id string, now time.Time) (leadgate.WebhookDelivery, error) {
	var d leadgate.WebhookDelivery
	err := s.update(func(tx *bbolt.Tx) error {
		var err error
		if d, err = getDelivery(tx, endpointID, id); err != nil {
			return err
		}
		if d.Status == leadgate.DeliveryPending || d.Status == leadgate.DeliverySending {
			return nil
		}
		if d.Payload == "" {
			return leadgate.ErrWebhookDeliveryNoPayload
		}
		old := d
		d.Status, d.NextAttemptAt = leadgate.DeliveryPending, now
		return putDelivery(tx, d, &old)
	})
	return d, storeError("redeliver", err)
}

// DueDeliveries returns the pending deliveries due at now, oldest due first.
func (s *Store) DueDeliveries(_ context.Context, now time.Time, limit int) ([]leadgate.WebhookDelivery, error) {
	out := []leadgate.WebhookDelivery{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketDeliveriesDue).Cursor()
		end := timeBytes(now)
		for k, _ := c.First(); k != nil && len(out) < limit && bytes.Compare(k[:8], end) <= 0; k, _ = c.Next() {
			endpoint, id, _ := bytes.Cut(k[9:], []byte{0})
			d, err := getDelivery(tx, string(endpoint), string(id))
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, storeError("due deliveries", err)
}

// Deliveries returns an endpoint's newest deliveries first.
func (s *Store) Deliveries(_ context.Context, endpointID string, limit int) ([]leadgate.WebhookDelivery, error) {
	out := []leadgate.WebhookDelivery{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketDeliveriesByHook).Cursor()
		prefix := append([]byte(endpointID), 0)
		// Seek past the last key of the prefix, then walk back.
		k, _ := c.Seek(append([]byte(endpointID), 1))
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, _ = c.Prev() {
			id := k[len(prefix)+9:]
			d, err := getDelivery(tx, endpointID, string(id))
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, storeError("list deliveries", err)
}

// EraseDeliveries cancels the lead's pending deliveries and empties every one of
// its deliveries of the payload and the address.
func (s *Store) EraseDeliveries(_ context.Context, email string) (int, error) {
	n := 0
	err := s.update(func(tx *bbolt.Tx) error {
		n = 0
		prefix := append([]byte(email), 0)
		var keys [][]byte
		c := tx.Bucket(bucketDeliveriesLead).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k[len(prefix):]))
		}
		for _, k := range keys {
			endpoint, id, _ := bytes.Cut(k, []byte{0})
			d, err := getDelivery(tx, string(endpoint), string(id))
			if err != nil {
				return err
			}
			old := d
			d.Email, d.Payload = "", ""
			if d.Status == leadgate.DeliveryPending || d.Status == leadgate.DeliverySending {
				d.Status = leadgate.DeliveryCancelled
			}
			if err := putDelivery(tx, d, &old); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, storeError("erase deliveries", err)
}

// PruneDeliveries deletes the deliveries that expired before before, as TTL does
// on DynamoDB, and returns how many it deleted.
func (s *Store) PruneDeliveries(before time.Time) (int, error) {
	n := 0
	err := s.update(func(tx *bbolt.Tx) error {
		var old []leadgate.WebhookDelivery
		err := tx.Bucket(bucketDeliveries).ForEach(func(_, v []byte) error {
			var d leadgate.WebhookDelivery
			if err := decode(v, &d); err != nil {
				return err
			}
			if d.KeepUntil.Before(before) {
				old = append(old, d)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, d := range old {
			for _, del := range []struct {
				b []byte
				k []byte
			}{
				{bucketDeliveries, pairKey(d.EndpointID, d.ID)},
				{bucketDeliveriesDue, deliveryDueKey(d)},
				{bucketDeliveriesLead, deliveryLeadKey(d)},
				{bucketDeliveriesByHook, deliveryLogKey(d)},
			} {
				if err := tx.Bucket(del.b).Delete(del.k); err != nil {
					return err
				}
			}
		}
		n = len(old)
		return nil
	})
	return n, storeError("prune deliveries", err)
}
