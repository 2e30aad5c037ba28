package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// Event names of stream records.
const (
	eventInsert = "INSERT"
	eventModify = "MODIFY"
	eventRemove = "REMOVE"
)

// DecodeRecord turns one stream record of the table into the domain change it
// describes: the INSERT of a lead is LeadCreated, its MODIFY LeadUpdated (with the old
// image), the INSERT of a submission SubmissionCreated, the MODIFY of a grant whose
// downloads grew DownloadMade, the MODIFY of a confirmation that set its confirmed_at
// LeadConfirmed (the embedded store's feed has the same). Every other record (a
// grant's creation, revocation or erasure, a confirmation's creation, daily counters,
// download marks, dedupe markers, rate counters, sends, steps, unsubscribe links,
// soft-bounce marks, pages, magnets, removals, items of other shapes) is no change:
// ok is false and err nil. A record that is a lead, a submission, a grant or a
// confirmation but cannot be decoded is an error: retrying it will not help, so the
// caller should report it (a poison record) rather than drop it silently.
//
// The change's ID is the record's event ID and At its approximate creation time; Seq is
// 0, for the shard's order is the order of the records.
func DecodeRecord(rec events.DynamoDBEventRecord) (leadgate.Change, bool, error) {
	ch := leadgate.Change{ID: rec.EventID, At: rec.Change.ApproximateCreationDateTime.UTC()}
	if rec.EventName == eventRemove {
		return ch, false, nil
	}
	itemType, ok := imageItemType(rec.Change.NewImage)
	if !ok {
		if (rec.EventName == eventInsert || rec.EventName == eventModify) && len(rec.Change.NewImage) == 0 && ourKeys(rec.Change.Keys) {
			// A stream of keys only (or of old images only) would lose every change
			// without a word: that is a deployment fault, not a record to skip.
			return ch, false, poison(rec, "lead, submission, grant or confirmation", errors.New("no new image: the stream must carry NEW_AND_OLD_IMAGES"))
		}
		return ch, false, nil
	}
	switch {
	case itemType == typeLead && (rec.EventName == eventInsert || rec.EventName == eventModify):
		lead, err := decodeLead(rec.Change.NewImage)
		if err != nil {
			return ch, false, poison(rec, itemType, fmt.Errorf("new image: %w", err))
		}
		ch.Kind, ch.Lead = leadgate.LeadCreated, lead
		if rec.EventName == eventModify {
			if len(rec.Change.OldImage) == 0 {
				return ch, false, poison(rec, itemType, errors.New("no old image: the stream must carry NEW_AND_OLD_IMAGES"))
			}
			old, err := decodeLead(rec.Change.OldImage)
			if err != nil {
				return ch, false, poison(rec, itemType, fmt.Errorf("old image: %w", err))
			}
			ch.Kind, ch.OldLead = leadgate.LeadUpdated, old
		}
		return ch, true, nil
	case itemType == typeSubmission && rec.EventName == eventInsert:
		var sub leadgate.Submission
		if err := decodeImage(rec.Change.NewImage, &sub); err != nil {
			return ch, false, poison(rec, itemType, fmt.Errorf("new image: %w", err))
		}
		if sub.ID == "" || sub.Email == "" || sub.Page == "" {
			return ch, false, poison(rec, itemType, errors.New("new image: id, email or page missing"))
		}
		ch.Kind, ch.Submission = leadgate.SubmissionCreated, &sub
		return ch, true, nil
	case itemType == typeGrant && rec.EventName == eventModify:
		return decodeDownload(rec, ch)
	case itemType == typeConfirmation && rec.EventName == eventModify:
		return decodeConfirmed(rec, ch)
	}
	return ch, false, nil
}

// decodeConfirmed returns the LeadConfirmed change of a confirmation's MODIFY record
// that set its confirmed_at, as Confirm does once. Any other MODIFY of a
// confirmation is no change.
func decodeConfirmed(rec events.DynamoDBEventRecord, ch leadgate.Change) (leadgate.Change, bool, error) {
	if len(rec.Change.OldImage) == 0 {
		return ch, false, poison(rec, typeConfirmation, errors.New("no old image: the stream must carry NEW_AND_OLD_IMAGES"))
	}
	c, err := decodeConfirmation(rec.Change.NewImage)
	if err != nil {
		return ch, false, poison(rec, typeConfirmation, fmt.Errorf("new image: %w", err))
	}
	old, err := decodeConfirmation(rec.Change.OldImage)
	if err != nil {
		return ch, false, poison(rec, typeConfirmation, fmt.Errorf("old image: %w", err))
	}
	if c.ConfirmedAt.IsZero() || !old.ConfirmedAt.IsZero() {
		return ch, false, nil
	}
	ch.Kind, ch.Confirmation = leadgate.LeadConfirmed, &c
	return ch, true, nil
}

func decodeConfirmation(img map[string]events.DynamoDBAttributeValue) (leadgate.Confirmation, error) {
	item, err := fromEventImage(img)
	if err != nil {
		return leadgate.Confirmation{}, err
	}
	return unmarshalConfirmation(item)
}

// decodeDownload returns the DownloadMade change of a grant's MODIFY record whose
// downloads grew, as UseGrant's update makes them grow: by one, with
// last_download_at set to the download's time. Any other MODIFY of a grant
// (revocation, erasure) is no change.
func decodeDownload(rec events.DynamoDBEventRecord, ch leadgate.Change) (leadgate.Change, bool, error) {
	if len(rec.Change.OldImage) == 0 {
		return ch, false, poison(rec, typeGrant, errors.New("no old image: the stream must carry NEW_AND_OLD_IMAGES"))
	}
	g, err := decodeGrant(rec.Change.NewImage)
	if err != nil {
		return ch, false, poison(rec, typeGrant, fmt.Errorf("new image: %w", err))
	}
	old, err := decodeGrant(rec.Change.OldImage)
	if err != nil {
		return ch, false, poison(rec, typeGrant, fmt.Errorf("old image: %w", err))
	}
	if g.Downloads <= old.Downloads {
		return ch, false, nil
	}
	if g.LastDownloadAt.IsZero() {
		return ch, false, poison(rec, typeGrant, errors.New("new image: downloads grew without last_download_at"))
	}
	ch.Kind = leadgate.DownloadMade
	ch.Download = &leadgate.Download{GrantID: g.ID, N: g.Downloads, Page: g.Page, Email: g.Email, At: g.LastDownloadAt, Source: g.Source, Variant: g.Variant}
	return ch, true, nil
}

func decodeGrant(img map[string]events.DynamoDBAttributeValue) (leadgate.Grant, error) {
	item, err := fromEventImage(img)
	if err != nil {
		return leadgate.Grant{}, err
	}
	return unmarshalGrant(item)
}

// DecodeEvent is the body of a stream handler: it decodes the event's records in
// order and hands each change to handle. The first record that fails (a poison record
// or an error from handle) is reported in BatchItemFailures together with every later
// record, and none of those is handed on: the event source mapping then retries from
// the lowest failed sequence number, so the shard's order is kept. Failures are
// logged with slog's default logger, by event ID and sequence number only, for the
// images may hold personal data.
//
// Return its result to Lambda with a nil error (an error would retry the whole batch);
// the function's event source mapping must have ReportBatchItemFailures set.
func DecodeEvent(ctx context.Context, e events.DynamoDBEvent, handle func(context.Context, leadgate.Change) error) events.DynamoDBEventResponse {
	resp := events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{}}
	for i, rec := range e.Records {
		ch, ok, err := DecodeRecord(rec)
		if err == nil && ok {
			err = handle(ctx, ch)
		}
		if err == nil {
			continue
		}
		slog.WarnContext(ctx, "dynamodb stream: record failed; it and the records after it are reported for retry",
			"event_id", rec.EventID, "sequence_number", rec.Change.SequenceNumber,
			"event_name", rec.EventName, "later_records", len(e.Records)-i-1, "err", err)
		for _, later := range e.Records[i:] {
			resp.BatchItemFailures = append(resp.BatchItemFailures,
				events.DynamoDBBatchItemFailure{ItemIdentifier: later.Change.SequenceNumber})
		}
		break
	}
	return resp
}

func decodeLead(img map[string]events.DynamoDBAttributeValue) (*leadgate.Lead, error) {
	var l leadgate.Lead
	if err := decodeImage(img, &l); err != nil {
		return nil, err
	}
	if l.ID == "" || l.Email == "" {
		return nil, errors.New("id or email missing")
	}
	return &l, nil
}

// decodeImage decodes a stream image as the store decodes the items it reads.
func decodeImage(img map[string]events.DynamoDBAttributeValue, out any) error {
	item, err := fromEventImage(img)
	if err != nil {
		return err
	}
	return unmarshalItem(item, out)
}

// poison describes a record that cannot be decoded. It names the record, never its
// data.
func poison(rec events.DynamoDBEventRecord, what string, err error) error {
	return leadgate.Internal(fmt.Sprintf("decode stream record %s (%s of a %s, sequence number %s)",
		rec.EventID, rec.EventName, what, rec.Change.SequenceNumber), err)
}

func imageItemType(img map[string]events.DynamoDBAttributeValue) (string, bool) {
	v, ok := img[attrItemType]
	if !ok || v.DataType() != events.DataTypeString {
		return "", false
	}
	return v.String(), true
}

// ourKeys reports whether a record's keys are those of a lead, a submission, a grant
// or a confirmation: the items whose records may be changes.
func ourKeys(keys map[string]events.DynamoDBAttributeValue) bool {
	pk, sk := keys[attrPK], keys[attrSK]
	if pk.DataType() != events.DataTypeString || sk.DataType() != events.DataTypeString {
		return false
	}
	if strings.HasPrefix(pk.String(), prefixGrant) {
		return sk.String() == skGrant
	}
	if strings.HasPrefix(pk.String(), prefixConfirm) {
		return sk.String() == skConfirmation
	}
	return strings.HasPrefix(pk.String(), prefixLead) && (sk.String() == skLead || strings.HasPrefix(sk.String(), prefixSubmission))
}

// fromEventImage converts an image of a stream record, as Lambda delivers it, to the
// SDK's attribute values, which the store's decoder reads (unmarshalItem).
func fromEventImage(img map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	if img == nil {
		return nil, nil
	}
	out := make(map[string]types.AttributeValue, len(img))
	for name, v := range img {
		av, err := fromEventAttributeValue(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", name, err)
		}
		out[name] = av
	}
	return out, nil
}

// fromEventAttributeValue converts one attribute value of a Lambda event to the SDK's
// type, for all ten DynamoDB types, maps and lists recursively.
func fromEventAttributeValue(v events.DynamoDBAttributeValue) (av types.AttributeValue, err error) {
	// The events type panics when its accessors meet a value of no type (its zero
	// value, which no JSON decodes to): report that as an error instead.
	defer func() {
		if r := recover(); r != nil {
			av, err = nil, fmt.Errorf("malformed attribute value: %v", r)
		}
	}()
	return fromEvent(v)
}

func fromEvent(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeMap:
		m := make(map[string]types.AttributeValue, len(v.Map()))
		for name, e := range v.Map() {
			av, err := fromEvent(e)
			if err != nil {
				return nil, fmt.Errorf("map key %q: %w", name, err)
			}
			m[name] = av
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	case events.DataTypeList:
		l := make([]types.AttributeValue, len(v.List()))
		for i, e := range v.List() {
			av, err := fromEvent(e)
			if err != nil {
				return nil, fmt.Errorf("list item %d: %w", i, err)
			}
			l[i] = av
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	}
	return nil, fmt.Errorf("unknown attribute type %d", v.DataType())
}
