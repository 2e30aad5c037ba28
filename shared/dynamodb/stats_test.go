package dynamodb_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"leadgate/shared/dynamodb"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// TestCountLeadMarkThenCount: a lead's count puts its mark, then counts; a mark
// that exists counts nothing; a count that DynamoDB refuses deletes the mark again,
// so that the redelivered change counts it; a count that got no answer may have
// been made, and leaves the mark.
func TestCountLeadMarkThenCount(t *testing.T) {
	sub := storetest.Capture(storetest.Page("spring"), "ada@example.com", storetest.T0, "x").Submission
	throttled := opError("UpdateItem", &types.ThrottlingException{Message: aws.String("slow down")})
	noAnswer := opError("UpdateItem", &smithyhttp.RequestSendError{Err: context.DeadlineExceeded})
	for _, tt := range []struct {
		name        string
		markRefused bool
		countErr    error
		wantCode    leadgate.Code
		wantCounts  int // UpdateItems sent
		wantUnmark  bool
	}{
		{"counted", false, nil, "", 1, false},
		{"counted before", true, nil, "", 0, false},
		{"count refused", false, throttled, leadgate.EUNAVAILABLE, 1, true},
		{"count unanswered", false, noAnswer, leadgate.EUNAVAILABLE, 1, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var mark map[string]types.AttributeValue
			counts, unmarked := 0, false
			s := dynamodb.New(&fakeAPI{
				putItem: func(in *awsddb.PutItemInput) (*awsddb.PutItemOutput, error) {
					mark = in.Item
					if aws.ToString(in.ConditionExpression) != "attribute_not_exists(#pk)" {
						t.Errorf("mark put under %q, want only where none exists", aws.ToString(in.ConditionExpression))
					}
					if tt.markRefused {
						return nil, conditionFailed(nil)
					}
					return &awsddb.PutItemOutput{}, nil
				},
				updateItem: func(in *awsddb.UpdateItemInput) (*awsddb.UpdateItemOutput, error) {
					counts++
					if in.ConditionExpression != nil {
						t.Errorf("count under a condition %q", *in.ConditionExpression)
					}
					return &awsddb.UpdateItemOutput{}, tt.countErr
				},
				deleteItem: func(in *awsddb.DeleteItemInput) (*awsddb.DeleteItemOutput, error) {
					unmarked = true
					if in.Key[dynamodb.AttrPK].(*types.AttributeValueMemberS).Value != mark[dynamodb.AttrPK].(*types.AttributeValueMemberS).Value {
						t.Errorf("deleted %v, want the mark %v", in.Key, mark)
					}
					return &awsddb.DeleteItemOutput{}, nil
				},
			}, "table")
			err := s.CountLead(context.Background(), sub)
			if got := leadgate.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("code %q (%v), want %q", got, err, tt.wantCode)
			}
			if counts != tt.wantCounts || unmarked != tt.wantUnmark {
				t.Errorf("%d counts, mark deleted %v; want %d, %v", counts, unmarked, tt.wantCounts, tt.wantUnmark)
			}
			if tt.countErr != nil && !errors.Is(err, tt.countErr) {
				t.Errorf("error %v does not carry the count's %v", err, tt.countErr)
			}
		})
	}
}
