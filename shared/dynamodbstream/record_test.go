package dynamodbstream_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"leadgate/shared/dynamodbstream"
)

// allTypesJSON holds every DynamoDB type, nested, as Lambda delivers images.
const allTypesJSON = `{
	"s":    {"S": "Grüße, \"quoted\""},
	"n":    {"N": "-12.5E3"},
	"b":    {"B": "AAEC/w=="},
	"bool": {"BOOL": true},
	"null": {"NULL": true},
	"ss":   {"SS": ["a", "b"]},
	"ns":   {"NS": ["1", "2.5"]},
	"bs":   {"BS": ["aGk=", "AP8="]},
	"m":    {"M": {"inner": {"M": {"deep": {"L": [{"S": "x"}, {"N": "1"}]}}}, "flag": {"BOOL": false}, "empty": {"M": {}}}},
	"l":    {"L": [{"M": {"k": {"SS": ["z"]}}}, {"L": [{"NULL": true}, {"B": "AQ=="}]}, {"BS": ["AA=="]}, {"L": []}]}
}`

// TestEventRecord converts a record as the Streams API returns it to Lambda's shape:
// its images hold every DynamoDB type as Lambda's JSON does.
func TestEventRecord(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 30, 17, 0, time.UTC)
	streamImage := map[string]streamtypes.AttributeValue{
		"s":    &streamtypes.AttributeValueMemberS{Value: "Grüße, \"quoted\""},
		"n":    &streamtypes.AttributeValueMemberN{Value: "-12.5E3"},
		"b":    &streamtypes.AttributeValueMemberB{Value: []byte{0, 1, 2, 255}},
		"bool": &streamtypes.AttributeValueMemberBOOL{Value: true},
		"null": &streamtypes.AttributeValueMemberNULL{Value: true},
		"ss":   &streamtypes.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"ns":   &streamtypes.AttributeValueMemberNS{Value: []string{"1", "2.5"}},
		"bs":   &streamtypes.AttributeValueMemberBS{Value: [][]byte{[]byte("hi"), {0, 255}}},
		"m": &streamtypes.AttributeValueMemberM{Value: map[string]streamtypes.AttributeValue{
			"inner": &streamtypes.AttributeValueMemberM{Value: map[string]streamtypes.AttributeValue{
				"deep": &streamtypes.AttributeValueMemberL{Value: []streamtypes.AttributeValue{
					&streamtypes.AttributeValueMemberS{Value: "x"},
					&streamtypes.AttributeValueMemberN{Value: "1"},
				}},
			}},
			"flag":  &streamtypes.AttributeValueMemberBOOL{Value: false},
			"empty": &streamtypes.AttributeValueMemberM{Value: map[string]streamtypes.AttributeValue{}},
		}},
		"l": &streamtypes.AttributeValueMemberL{Value: []streamtypes.AttributeValue{
			&streamtypes.AttributeValueMemberM{Value: map[string]streamtypes.AttributeValue{
				"k": &streamtypes.AttributeValueMemberSS{Value: []string{"z"}},
			}},
			&streamtypes.AttributeValueMemberL{Value: []streamtypes.AttributeValue{
				&streamtypes.AttributeValueMemberNULL{Value: true},
				&streamtypes.AttributeValueMemberB{Value: []byte{1}},
			}},
			&streamtypes.AttributeValueMemberBS{Value: [][]byte{{0}}},
			&streamtypes.AttributeValueMemberL{Value: []streamtypes.AttributeValue{}},
		}},
	}
	in := streamtypes.Record{
		AwsRegion:    aws.String("eu-west-1"),
		EventID:      aws.String("e-1"),
		EventName:    streamtypes.OperationTypeRemove,
		EventSource:  aws.String("aws:dynamodb"),
		EventVersion: aws.String("1.1"),
		UserIdentity: &streamtypes.Identity{Type: aws.String("Service"), PrincipalId: aws.String("dynamodb.amazonaws.com")},
		Dynamodb: &streamtypes.StreamRecord{
			ApproximateCreationDateTime: aws.Time(at.In(time.FixedZone("CET", 3600))),
			Keys:                        map[string]streamtypes.AttributeValue{"pk": &streamtypes.AttributeValueMemberS{Value: "K"}},
			NewImage:                    streamImage,
			OldImage:                    streamImage,
			SequenceNumber:              aws.String("000000000000000000042"),
			SizeBytes:                   aws.Int64(321),
			StreamViewType:              streamtypes.StreamViewTypeNewAndOldImages,
		},
	}
	rec, err := dynamodbstream.EventRecord(in)
	if err != nil {
		t.Fatal(err)
	}
	// Through JSON, as Lambda would hand it over.
	data, err := json.Marshal(events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec}})
	if err != nil {
		t.Fatal(err)
	}
	var e events.DynamoDBEvent
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	got := e.Records[0]
	for _, c := range []struct{ name, got, want string }{
		{"awsRegion", got.AWSRegion, "eu-west-1"},
		{"eventID", got.EventID, "e-1"},
		{"eventName", got.EventName, "REMOVE"},
		{"eventSource", got.EventSource, "aws:dynamodb"},
		{"eventVersion", got.EventVersion, "1.1"},
		{"SequenceNumber", got.Change.SequenceNumber, "000000000000000000042"},
		{"StreamViewType", got.Change.StreamViewType, "NEW_AND_OLD_IMAGES"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if !got.Change.ApproximateCreationDateTime.Equal(at) {
		t.Errorf("ApproximateCreationDateTime: got %v, want %v", got.Change.ApproximateCreationDateTime, at)
	}
	if got.Change.SizeBytes != 321 {
		t.Errorf("SizeBytes: got %d, want 321", got.Change.SizeBytes)
	}
	if got.UserIdentity == nil || *got.UserIdentity != (events.DynamoDBUserIdentity{Type: "Service", PrincipalID: "dynamodb.amazonaws.com"}) {
		t.Errorf("userIdentity: got %+v", got.UserIdentity)
	}
	var want map[string]events.DynamoDBAttributeValue
	if err := json.Unmarshal([]byte(allTypesJSON), &want); err != nil {
		t.Fatal(err)
	}
	for name, img := range map[string]map[string]events.DynamoDBAttributeValue{"NewImage": got.Change.NewImage, "OldImage": got.Change.OldImage} {
		if g, w := imageJSON(t, img), imageJSON(t, want); g != w {
			t.Errorf("%s:\n got %s\nwant %s", name, g, w)
		}
	}

	t.Run("UnknownType", func(t *testing.T) {
		in := streamtypes.Record{EventID: aws.String("e-2"), Dynamodb: &streamtypes.StreamRecord{
			NewImage: map[string]streamtypes.AttributeValue{"x": &streamtypes.UnknownUnionMember{Tag: "VECTOR"}},
		}}
		if _, err := dynamodbstream.EventRecord(in); err == nil || !strings.Contains(err.Error(), "VECTOR") {
			t.Errorf("got %v, want an error naming the unknown type", err)
		}
	})
}

// imageJSON returns an image as Lambda's JSON, its keys in order, for comparing.
func imageJSON(t *testing.T, img map[string]events.DynamoDBAttributeValue) string {
	t.Helper()
	data, err := json.Marshal(img)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	data, err = json.Marshal(v) // maps marshal with sorted keys
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
