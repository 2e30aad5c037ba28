package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// An unsubscribe link maps its ID, a hash of the link's token, to the lead's
// address: the item ("UNSUB#<id>", "UNSUB") of a partition of its own.

// unsubscribeKey is the key of the unsubscribe link with that ID.
func unsubscribeKey(id string) map[string]types.AttributeValue {
	return key(prefixUnsub+id, skUnsubscribe)
}

// PutUnsubscribe puts an unsubscribe link's mapping if none with its ID exists.
// Every email carries its lead's link, which never changes, so it is put once: the
// store remembers the links it has put or found, for a warm function sends many
// emails, and looks for one it does not know with an eventually consistent GetItem
// (half a read unit) before the conditional put, which costs a write unit even
// when it is refused. A link put a moment ago that the read misses refuses the put.
func (s *Store) PutUnsubscribe(ctx context.Context, u leadgate.Unsubscribe) error {
	const op = "put unsubscribe"
	if s.links.has(u.ID) {
		return nil
	}
	out, err := s.client.GetItem(ctx, &awsddb.GetItemInput{TableName: &s.table, Key: unsubscribeKey(u.ID)})
	if err != nil {
		return errorFor(op+": look for the link", err)
	}
	if len(out.Item) == 0 {
		item, err := marshalItem(u, prefixUnsub+u.ID, skUnsubscribe, typeUnsubscribe)
		if err != nil {
			return leadgate.Internal(op, err)
		}
		if err := s.putNew(ctx, op, item, nil); err != nil {
			return err
		}
	}
	s.links.add(u.ID)
	return nil
}

// linkSet holds the IDs of the unsubscribe links a store put or found, at most
// maxLinks: then it starts again.
type linkSet struct {
	mu  sync.Mutex
	ids map[string]struct{}
}

const maxLinks = 10000

func (l *linkSet) has(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.ids[id]
	return ok
}

func (l *linkSet) add(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ids == nil || len(l.ids) >= maxLinks {
		l.ids = map[string]struct{}{}
	}
	l.ids[id] = struct{}{}
}

func (l *linkSet) forget(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.ids, id)
}

// The edits of an unsubscribe: a lead who may get email leaves, with its consent;
// one who bounced, complained or was erased keeps its status, and loses its consent.
var (
	unsubscribeLead = leadUpdate("#consent.#given = :false, #status = :unsubscribed, #suppressed_at = :now", "#status IN (:active, :unconfirmed)")
	withdrawConsent = leadUpdate("#consent.#given = :false", "NOT (#status IN (:active, :unconfirmed)) AND #consent.#given = :true")
)

// Unsubscribe reads the link, then withdraws the lead's consent in one conditional
// UpdateItem; the link's address is the lead's key.
func (s *Store) Unsubscribe(ctx context.Context, id string, now time.Time) error {
	const op = "unsubscribe"
	var u leadgate.Unsubscribe
	if err := s.get(ctx, op+": get link", unsubscribeKey(id), leadgate.ErrUnsubscribeNotFound, &u); err != nil {
		return err
	}
	if u.Email == "" {
		return leadgate.Internal(op, fmt.Errorf("unmarshal link: %w", errors.New("email missing")))
	}
	return s.editLead(ctx, op, u.Email, now,
		leadEdit{
			e: unsubscribeLead,
			vals: values{":false": boolFalse, ":unsubscribed": statusValue(leadgate.StatusUnsubscribed),
				":active": statusValue(leadgate.StatusActive), ":unconfirmed": statusValue(leadgate.StatusUnconfirmed)},
			applies: func(l leadgate.Lead) bool { return l.Reachable() },
		},
		leadEdit{
			e: withdrawConsent,
			vals: values{":false": boolFalse, ":true": boolTrue,
				":active": statusValue(leadgate.StatusActive), ":unconfirmed": statusValue(leadgate.StatusUnconfirmed)},
			applies: func(l leadgate.Lead) bool { return !l.Reachable() && l.Consent.Given },
		},
	)
}
