package dynamodbstream

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// eventSource is the EventSource of every DynamoDB stream record Lambda delivers.
const eventSource = "aws:dynamodb"

// eventRecord converts a record read from the DynamoDB Streams API to the shape Lambda
// delivers. The API does not name the stream, so EventSourceArn is left for the
// caller to set.
func eventRecord(r streamtypes.Record) (events.DynamoDBEventRecord, error) {
	rec := events.DynamoDBEventRecord{
		AWSRegion:    aws.ToString(r.AwsRegion),
		EventID:      aws.ToString(r.EventID),
		EventName:    string(r.EventName),
		EventSource:  aws.ToString(r.EventSource),
		EventVersion: aws.ToString(r.EventVersion),
	}
	if r.UserIdentity != nil {
		rec.UserIdentity = &events.DynamoDBUserIdentity{
			Type:        aws.ToString(r.UserIdentity.Type),
			PrincipalID: aws.ToString(r.UserIdentity.PrincipalId),
		}
	}
	if d := r.Dynamodb; d != nil {
		if d.ApproximateCreationDateTime != nil {
			rec.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: d.ApproximateCreationDateTime.UTC()}
		}
		rec.Change.SequenceNumber = aws.ToString(d.SequenceNumber)
		rec.Change.SizeBytes = aws.ToInt64(d.SizeBytes)
		rec.Change.StreamViewType = string(d.StreamViewType)
		var err error
		for _, img := range []struct {
			name string
			from map[string]streamtypes.AttributeValue
			to   *map[string]events.DynamoDBAttributeValue
		}{
			{"Keys", d.Keys, &rec.Change.Keys},
			{"NewImage", d.NewImage, &rec.Change.NewImage},
			{"OldImage", d.OldImage, &rec.Change.OldImage},
		} {
			if *img.to, err = eventImage(img.from); err != nil {
				return events.DynamoDBEventRecord{}, fmt.Errorf("record %s: %s: %w", rec.EventID, img.name, err)
			}
		}
	}
	return rec, nil
}

func eventImage(img map[string]streamtypes.AttributeValue) (map[string]events.DynamoDBAttributeValue, error) {
	if img == nil {
		return nil, nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(img))
	for name, v := range img {
		ev, err := eventAttributeValue(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", name, err)
		}
		out[name] = ev
	}
	return out, nil
}

func eventAttributeValue(v streamtypes.AttributeValue) (events.DynamoDBAttributeValue, error) {
	switch v := v.(type) {
	case *streamtypes.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberNULL:
		return events.NewNullAttribute(), nil
	case *streamtypes.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value), nil
	case *streamtypes.AttributeValueMemberM:
		m, err := eventImage(v.Value)
		if err != nil {
			return events.DynamoDBAttributeValue{}, err
		}
		if m == nil {
			m = map[string]events.DynamoDBAttributeValue{}
		}
		return events.NewMapAttribute(m), nil
	case *streamtypes.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			ev, err := eventAttributeValue(e)
			if err != nil {
				return events.DynamoDBAttributeValue{}, fmt.Errorf("list item %d: %w", i, err)
			}
			l[i] = ev
		}
		return events.NewListAttribute(l), nil
	case *streamtypes.UnknownUnionMember:
		return events.DynamoDBAttributeValue{}, fmt.Errorf("unknown attribute type %q", v.Tag)
	}
	return events.DynamoDBAttributeValue{}, fmt.Errorf("unsupported attribute value %T", v)
}
