package dynamodb_test

import (
	"context"
	"errors"
	"slices"
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

// TestCountNewLeadStagesAfterItsCount: the count of a new lead's submission moves
// the stage counters after the day's counter, under the same mark: a refused day
// count deletes the mark and moves nothing (the redelivery makes both); a refused
// stage move keeps the mark (the day is counted), so the move is lost rather than
// the day counted twice.
func TestCountNewLeadStagesAfterItsCount(t *testing.T) {
	sub := storetest.Capture(storetest.Page("spring"), "ada@example.com", storetest.T0, "x").Submission
	sub.NewLeadStage = leadgate.StageMQL
	throttled := opError("UpdateItem", &types.ThrottlingException{Message: aws.String("slow down")})
	for _, tt := range []struct {
		name                string
		countErr, stagesErr error
		wantCode            leadgate.Code
		wantUpdates         []string // partitions updated, in order
		wantUnmark          bool
	}{
		{"counted", nil, nil, "", []string{dynamodb.PKDays, dynamodb.PKNow}, false},
		{"count refused", throttled, nil, leadgate.EUNAVAILABLE, []string{dynamodb.PKDays}, true},
		{"stages refused", nil, throttled, leadgate.EUNAVAILABLE, []string{dynamodb.PKDays, dynamodb.PKNow}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var updates []string
			unmarked := false
			s := dynamodb.New(&fakeAPI{
				putItem: func(*awsddb.PutItemInput) (*awsddb.PutItemOutput, error) { return &awsddb.PutItemOutput{}, nil },
				updateItem: func(in *awsddb.UpdateItemInput) (*awsddb.UpdateItemOutput, error) {
					pk := in.Key[dynamodb.AttrPK].(*types.AttributeValueMemberS).Value
					updates = append(updates, pk)
					if pk == dynamodb.PKNow {
						if v := in.ExpressionAttributeValues[":mql"].(*types.AttributeValueMemberN).Value; v != "1" {
							t.Errorf("stage counters moved mql by %s, want 1", v)
						}
						return &awsddb.UpdateItemOutput{}, tt.stagesErr
					}
					return &awsddb.UpdateItemOutput{}, tt.countErr
				},
				deleteItem: func(*awsddb.DeleteItemInput) (*awsddb.DeleteItemOutput, error) {
					unmarked = true
					return &awsddb.DeleteItemOutput{}, nil
				},
			}, "table")
			err := s.CountLead(context.Background(), sub)
			if got := leadgate.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("code %q (%v), want %q", got, err, tt.wantCode)
			}
			if !slices.Equal(updates, tt.wantUpdates) || unmarked != tt.wantUnmark {
				t.Errorf("updates %v, mark deleted %v; want %v, %v", updates, unmarked, tt.wantUpdates, tt.wantUnmark)
			}
		})
	}
}
