package dynamodb

import (
	"errors"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// key returns the table key of an item.
func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(pk), attrSK: str(sk)}
}

// keyAttrs returns the key of an item.
func keyAttrs(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: item[attrPK], attrSK: item[attrSK]}
}

// Domain values are stored as top-level attributes named by their JSON tags
// (codec.go), so that items read well in the console and in stream records, with
// times in UTC RFC 3339 at a fixed nanosecond precision (keyTime): fixed width, so
// that conditions can compare stored times as strings ("2026-03-02T09:30:00Z"
// would sort after "2026-03-02T09:30:00.5Z"). The decoder reads any RFC 3339
// precision. A lead and a submission leave out what their keys or other attributes
// already say (leads.go), to stay under one write unit.

// marshalItem returns v's attributes with the item's keys and type added.
func marshalItem(v any, pk, sk, itemType string) (map[string]types.AttributeValue, error) {
	item, err := encodeMap(v)
	if err != nil {
		return nil, err
	}
	item[attrPK] = str(pk)
	item[attrSK] = str(sk)
	item[attrItemType] = str(itemType)
	switch l := v.(type) {
	case leadgate.Lead:
		indexLeadItem(item, l)
		compactLead(item)
	case *leadgate.Lead:
		indexLeadItem(item, *l)
		compactLead(item)
	case leadgate.Submission, *leadgate.Submission:
		compactSubmission(item)
	}
	return item, nil
}

// unmarshalItem decodes an item, or a stream record's image, into out.
func unmarshalItem(item map[string]types.AttributeValue, out any) error {
	switch out.(type) {
	case *leadgate.Lead:
		item = expandLead(item)
	case *leadgate.Submission:
		item = expandSubmission(item)
	}
	return decodeMap(item, out)
}

// keyTime formats t for sort keys: fixed width, so that strings sort as times do.
func keyTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00")
}

// ceilSeconds returns t in epoch seconds, rounded up: a TTL never comes early.
func ceilSeconds(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// epochSeconds is t as a TTL attribute's value.
func epochSeconds(t time.Time) types.AttributeValue {
	return num(ceilSeconds(t))
}

// markItem is the item of a mark that one change or event was counted, so that a
// redelivery counts nothing: it is put only where none exists, and its TTL comes
// long after any redelivery.
func markItem(pk, sk, itemType string, ttl time.Time) map[string]types.AttributeValue {
	mark := key(pk, sk)
	mark[attrItemType] = str(itemType)
	mark[AttrExpiresAt] = epochSeconds(ttl)
	return mark
}

// A link (a grant, a confirmation) has a domain expiry, JSON "expires_at", the name
// of the table's TTL attribute: its item keeps the expiry in attrLinkExpiresAt, and
// in AttrExpiresAt the TTL, a retention after the expiry, so that a late click
// still meets "expired" rather than "unknown link".

// withLinkTTL moves a link's expiry in item to attrLinkExpiresAt and sets its TTL.
func withLinkTTL(item map[string]types.AttributeValue, ttl time.Time) map[string]types.AttributeValue {
	item[attrLinkExpiresAt] = item[AttrExpiresAt]
	item[AttrExpiresAt] = epochSeconds(ttl)
	return item
}

// withLinkExpiry returns a copy of a link's item with its expiry back under the
// domain's name, for unmarshalItem.
func withLinkExpiry(item map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	expiry, ok := item[attrLinkExpiresAt]
	if !ok {
		return nil, errors.New(attrLinkExpiresAt + " missing")
	}
	item = maps.Clone(item)
	item[AttrExpiresAt] = expiry
	delete(item, attrLinkExpiresAt)
	return item, nil
}
