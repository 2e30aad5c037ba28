package dynamodb

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// key returns the table key of an item.
func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrPK: &types.AttributeValueMemberS{Value: pk},
		attrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

// Domain values are stored as top-level attributes named by their JSON tags, so that
// items read well in the console and in stream records, with times in UTC RFC 3339 at
// a fixed nanosecond precision (keyTime): fixed width, so that conditions can compare
// stored times as strings ("2026-03-02T09:30:00Z" would sort after
// "2026-03-02T09:30:00.5Z"). The decoder reads any RFC 3339 precision.
func encoderOptions(o *attributevalue.EncoderOptions) {
	o.TagKey = "json"
	o.EncodeTime = func(t time.Time) (types.AttributeValue, error) {
		return &types.AttributeValueMemberS{Value: keyTime(t)}, nil
	}
}

func decoderOptions(o *attributevalue.DecoderOptions) {
	o.TagKey = "json"
	o.DecodeTime.S = func(v string) (time.Time, error) {
		t, err := time.Parse(time.RFC3339Nano, v)
		return t.UTC(), err
	}
}

// marshalItem returns v's attributes with the item's keys and type added.
func marshalItem(v any, pk, sk, itemType string) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMapWithOptions(v, encoderOptions)
	if err != nil {
		return nil, err
	}
	omitZero(v, item)
	item[attrPK] = &types.AttributeValueMemberS{Value: pk}
	item[attrSK] = &types.AttributeValueMemberS{Value: sk}
	item[attrItemType] = &types.AttributeValueMemberS{Value: itemType}
	return item, nil
}

// omitZero removes the attributes of v's top-level fields tagged omitzero that hold
// their zero value, as encoding/json leaves them out. attributevalue knows omitempty
// but not omitzero: it would store a zero time as "0001-01-01...", which a condition
// such as attribute_not_exists(first_download_at) would take for a real one.
func omitZero(v any, item map[string]types.AttributeValue) {
	rv := reflect.Indirect(reflect.ValueOf(v))
	if rv.Kind() != reflect.Struct {
		return
	}
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || !slices.Contains(strings.Split(opts, ","), "omitzero") {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fv := rv.Field(i)
		zero := fv.IsZero()
		if z, ok := fv.Interface().(interface{ IsZero() bool }); ok && !(fv.Kind() == reflect.Pointer && fv.IsNil()) {
			zero = z.IsZero()
		}
		if zero {
			delete(item, name)
		}
	}
}

func unmarshalItem(item map[string]types.AttributeValue, out any) error {
	return attributevalue.UnmarshalMapWithOptions(item, out, decoderOptions)
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
	return &types.AttributeValueMemberN{Value: fmt.Sprint(ceilSeconds(t))}
}

// markItem is the item of a mark that one change or event was counted, so that a
// redelivery counts nothing: it is put only where none exists, and its TTL comes
// long after any redelivery.
func markItem(pk, sk, itemType string, ttl time.Time) map[string]types.AttributeValue {
	mark := key(pk, sk)
	mark[attrItemType] = &types.AttributeValueMemberS{Value: itemType}
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
