package dynamodb_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"leadgate/shared/dynamodb"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// fakeAPI is a hand-written dynamodb.API: each call goes to its function field.
type fakeAPI struct {
	getItem            func(*awsddb.GetItemInput) (*awsddb.GetItemOutput, error)
	putItem            func(*awsddb.PutItemInput) (*awsddb.PutItemOutput, error)
	updateItem         func(*awsddb.UpdateItemInput) (*awsddb.UpdateItemOutput, error)
	deleteItem         func(*awsddb.DeleteItemInput) (*awsddb.DeleteItemOutput, error)
	query              func(*awsddb.QueryInput) (*awsddb.QueryOutput, error)
	transactWriteItems func(*awsddb.TransactWriteItemsInput) (*awsddb.TransactWriteItemsOutput, error)
	batchGetItem       func(*awsddb.BatchGetItemInput) (*awsddb.BatchGetItemOutput, error)
	batchWriteItem     func(*awsddb.BatchWriteItemInput) (*awsddb.BatchWriteItemOutput, error)
}

func (f *fakeAPI) BatchGetItem(_ context.Context, in *awsddb.BatchGetItemInput, _ ...func(*awsddb.Options)) (*awsddb.BatchGetItemOutput, error) {
	if f.batchGetItem == nil {
		return nil, errUnexpectedCall
	}
	return f.batchGetItem(in)
}

func (f *fakeAPI) BatchWriteItem(_ context.Context, in *awsddb.BatchWriteItemInput, _ ...func(*awsddb.Options)) (*awsddb.BatchWriteItemOutput, error) {
	if f.batchWriteItem == nil {
		return nil, errUnexpectedCall
	}
	return f.batchWriteItem(in)
}

var errUnexpectedCall = errors.New("unexpected call")

func (f *fakeAPI) GetItem(_ context.Context, in *awsddb.GetItemInput, _ ...func(*awsddb.Options)) (*awsddb.GetItemOutput, error) {
	if f.getItem == nil {
		return nil, errUnexpectedCall
	}
	return f.getItem(in)
}

func (f *fakeAPI) PutItem(_ context.Context, in *awsddb.PutItemInput, _ ...func(*awsddb.Options)) (*awsddb.PutItemOutput, error) {
	if f.putItem == nil {
		return nil, errUnexpectedCall
	}
	return f.putItem(in)
}

func (f *fakeAPI) UpdateItem(_ context.Context, in *awsddb.UpdateItemInput, _ ...func(*awsddb.Options)) (*awsddb.UpdateItemOutput, error) {
	if f.updateItem == nil {
		return nil, errUnexpectedCall
	}
	return f.updateItem(in)
}

func (f *fakeAPI) DeleteItem(_ context.Context, in *awsddb.DeleteItemInput, _ ...func(*awsddb.Options)) (*awsddb.DeleteItemOutput, error) {
	if f.deleteItem == nil {
		return nil, errUnexpectedCall
	}
	return f.deleteItem(in)
}

func (f *fakeAPI) Query(_ context.Context, in *awsddb.QueryInput, _ ...func(*awsddb.Options)) (*awsddb.QueryOutput, error) {
	if f.query == nil {
		return nil, errUnexpectedCall
	}
	return f.query(in)
}

func (f *fakeAPI) TransactWriteItems(_ context.Context, in *awsddb.TransactWriteItemsInput, _ ...func(*awsddb.Options)) (*awsddb.TransactWriteItemsOutput, error) {
	if f.transactWriteItems == nil {
		return nil, errUnexpectedCall
	}
	return f.transactWriteItems(in)
}

// opError wraps err the way the SDK returns it.
func opError(op string, err error) error {
	return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: op, Err: err}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		want     leadgate.Code
		contains string
	}{
		{"throughput", &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}, leadgate.EUNAVAILABLE, "get page"},
		{"throttling", &types.ThrottlingException{Message: aws.String("slow down")}, leadgate.EUNAVAILABLE, ""},
		{"request limit", &types.RequestLimitExceeded{Message: aws.String("account limit")}, leadgate.EUNAVAILABLE, ""},
		{"server error", &types.InternalServerError{Message: aws.String("oops")}, leadgate.EUNAVAILABLE, ""},
		{"deadline", context.DeadlineExceeded, leadgate.EUNAVAILABLE, ""},
		{"missing table", &types.ResourceNotFoundException{Message: aws.String("Requested resource not found")}, leadgate.EINTERNAL, "table or index does not exist"},
		{"other", errors.New("boom"), leadgate.EINTERNAL, "get page spring: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := dynamodb.New(&fakeAPI{getItem: func(*awsddb.GetItemInput) (*awsddb.GetItemOutput, error) {
				return nil, opError("GetItem", tt.err)
			}}, "table")
			_, err := s.Page(context.Background(), "spring")
			if got := leadgate.ErrorCode(err); got != tt.want {
				t.Fatalf("code %q (%v), want %q", got, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not say %q", err, tt.contains)
			}
			if msg := leadgate.ErrorMessage(err); strings.Contains(msg, "DynamoDB") || strings.Contains(msg, "slow down") {
				t.Errorf("user message %q leaks the cause", msg)
			}
		})
	}
}

// TestNotFound: a read of a missing item answers the domain's own error, with its
// code and message, and without the address.
func TestNotFound(t *testing.T) {
	s := dynamodb.New(&fakeAPI{
		getItem: func(*awsddb.GetItemInput) (*awsddb.GetItemOutput, error) {
			return &awsddb.GetItemOutput{}, nil
		},
		query: func(*awsddb.QueryInput) (*awsddb.QueryOutput, error) { return &awsddb.QueryOutput{}, nil },
	}, "table")
	ctx := context.Background()
	const email = "nobody@example.com"
	for _, tt := range []struct {
		name string
		call func() error
		want *leadgate.Error
	}{
		{"Page", func() error { _, err := s.Page(ctx, "nope"); return err }, leadgate.ErrPageNotFound},
		{"Magnet", func() error { _, err := s.Magnet(ctx, "nope"); return err }, leadgate.ErrMagnetNotFound},
		{"LeadByEmail", func() error { _, err := s.LeadByEmail(ctx, email); return err }, leadgate.ErrLeadNotFound},
		{"SetScore", func() error { return s.SetScore(ctx, email, 1, "", storetest.T0, 1) }, leadgate.ErrLeadNotFound},
		{"EraseLead", func() error { _, err := s.EraseLead(ctx, leadgate.Erasure{Email: email}); return err }, leadgate.ErrLeadNotFound},
		{"Grant", func() error { _, err := s.Grant(ctx, "nope"); return err }, leadgate.ErrGrantNotFound},
		{"Confirmation", func() error { _, err := s.Confirmation(ctx, "nope"); return err }, leadgate.ErrConfirmationNotFound},
		{"Confirm", func() error { _, err := s.Confirm(ctx, "nope", storetest.T0); return err }, leadgate.ErrConfirmationNotFound},
		{"Unsubscribe", func() error { return s.Unsubscribe(ctx, "nope", storetest.T0) }, leadgate.ErrUnsubscribeNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, tt.want) || leadgate.ErrorCode(err) != leadgate.ENOTFOUND || leadgate.ErrorMessage(err) != tt.want.Message {
				t.Errorf("got %v, want %q (%s)", err, tt.want.Message, tt.want.Code)
			}
			if err != nil && strings.Contains(err.Error(), "nobody") {
				t.Errorf("error %q holds the address", err)
			}
		})
	}
	if c, err := s.DailyCounts(ctx, "spring", "2026-03-02"); err != nil || c != (leadgate.DailyCounts{Page: "spring", Day: "2026-03-02"}) {
		t.Errorf("DailyCounts of no counter: %+v, %v; want zero counts", c, err)
	}
}

func TestWriteErrors(t *testing.T) {
	s := dynamodb.New(&fakeAPI{putItem: func(*awsddb.PutItemInput) (*awsddb.PutItemOutput, error) {
		return nil, opError("PutItem", &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")})
	}}, "table")
	err := s.PutPage(context.Background(), storetest.Page("spring"))
	if got := leadgate.ErrorCode(err); got != leadgate.ECONFLICT {
		t.Errorf("conditional check failed: %q (%v), want %q", got, err, leadgate.ECONFLICT)
	}
	s = dynamodb.New(&fakeAPI{query: func(*awsddb.QueryInput) (*awsddb.QueryOutput, error) {
		return nil, opError("Query", &types.TransactionConflictException{Message: aws.String("in a transaction")})
	}}, "table")
	_, err = s.Submissions(context.Background(), "ada@example.com")
	if got := leadgate.ErrorCode(err); got != leadgate.EUNAVAILABLE {
		t.Errorf("transaction conflict: %q (%v), want %q", got, err, leadgate.EUNAVAILABLE)
	}
}

// canceled returns the error of a transaction cancelled for the given reasons.
func canceled(codes ...string) error {
	reasons := make([]types.CancellationReason, len(codes))
	for i, c := range codes {
		reasons[i] = types.CancellationReason{Code: aws.String(c)}
	}
	return opError("TransactWriteItems", &types.TransactionCanceledException{
		Message:             aws.String("Transaction cancelled"),
		CancellationReasons: reasons,
	})
}

func TestCaptureErrors(t *testing.T) {
	page := storetest.Page("spring")
	limit := leadgate.RateLimit{Key: "ip:hash", Limit: 3, Window: time.Hour}
	newCapture := func() leadgate.Capture {
		c := storetest.Capture(page, "ada@example.com", storetest.T0.Add(15*time.Minute), "x")
		c.RateLimits = []leadgate.RateLimit{limit}
		return c
	}

	t.Run("RateCounterFailed", func(t *testing.T) {
		s := dynamodb.New(&fakeAPI{transactWriteItems: func(*awsddb.TransactWriteItemsInput) (*awsddb.TransactWriteItemsOutput, error) {
			return nil, canceled("None", "None", "None", "ConditionalCheckFailed")
		}}, "table")
		_, err := s.Capture(context.Background(), newCapture())
		var de *leadgate.Error
		if !errors.As(err, &de) || de.Code != leadgate.ERATELIMITED || de.RetryAfter != 15*time.Minute+time.Second {
			t.Fatalf("got %v, want ERATELIMITED retrying after 15m1s (the rest of the window)", err)
		}
	})

	t.Run("ConflictsUntilGivingUp", func(t *testing.T) {
		calls := 0
		s := dynamodb.New(&fakeAPI{transactWriteItems: func(*awsddb.TransactWriteItemsInput) (*awsddb.TransactWriteItemsOutput, error) {
			calls++
			return nil, canceled("TransactionConflict", "None", "None", "None")
		}}, "table")
		_, err := s.Capture(context.Background(), newCapture())
		if got := leadgate.ErrorCode(err); got != leadgate.EUNAVAILABLE {
			t.Fatalf("code %q (%v), want %q", got, err, leadgate.EUNAVAILABLE)
		}
		if calls < 2 || calls > 10 {
			t.Errorf("%d attempts; want a few retries", calls)
		}
	})

	t.Run("ThrottledRequest", func(t *testing.T) {
		s := dynamodb.New(&fakeAPI{transactWriteItems: func(*awsddb.TransactWriteItemsInput) (*awsddb.TransactWriteItemsOutput, error) {
			return nil, opError("TransactWriteItems", &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")})
		}}, "table")
		_, err := s.Capture(context.Background(), newCapture())
		if got := leadgate.ErrorCode(err); got != leadgate.EUNAVAILABLE {
			t.Fatalf("code %q (%v), want %q", got, err, leadgate.EUNAVAILABLE)
		}
	})

	t.Run("ValidationError", func(t *testing.T) {
		s := dynamodb.New(&fakeAPI{transactWriteItems: func(*awsddb.TransactWriteItemsInput) (*awsddb.TransactWriteItemsOutput, error) {
			return nil, canceled("None", "ValidationError", "None", "None")
		}}, "table")
		_, err := s.Capture(context.Background(), newCapture())
		if got := leadgate.ErrorCode(err); got != leadgate.EINTERNAL || !strings.Contains(err.Error(), "capture on page spring") {
			t.Fatalf("code %q (%v), want %q naming the operation", got, err, leadgate.EINTERNAL)
		}
	})

	t.Run("KnownLeadUpdatedWithVersionCondition", func(t *testing.T) {
		first := storetest.Capture(page, "ada@example.com", storetest.T0, "first")
		old := leadgate.NewLead("lead-old", first.Submission, page)
		oldItem, err := attributevalue.MarshalMapWithOptions(old, func(o *attributevalue.EncoderOptions) { o.TagKey = "json" })
		if err != nil {
			t.Fatal(err)
		}
		var inputs []*awsddb.TransactWriteItemsInput
		s := dynamodb.New(&fakeAPI{transactWriteItems: func(in *awsddb.TransactWriteItemsInput) (*awsddb.TransactWriteItemsOutput, error) {
			inputs = append(inputs, in)
			if len(inputs) == 1 {
				err := canceled("ConditionalCheckFailed", "None", "None", "None")
				var tc *types.TransactionCanceledException
				errors.As(err, &tc)
				tc.CancellationReasons[0].Item = oldItem
				return nil, err
			}
			return &awsddb.TransactWriteItemsOutput{}, nil
		}}, "table")
		res, err := s.Capture(context.Background(), newCapture())
		if err != nil {
			t.Fatal(err)
		}
		if res.LeadCreated || res.Repeat || res.Lead.ID != "lead-old" || res.Lead.Version != 2 || res.Submission.LeadID != "lead-old" {
			t.Fatalf("result %+v: want the old lead at version 2", res)
		}
		if len(inputs) != 2 {
			t.Fatalf("%d transactions, want 2", len(inputs))
		}
		put := inputs[1].TransactItems[0].Put
		if put == nil || !strings.Contains(aws.ToString(put.ConditionExpression), "=") {
			t.Fatalf("second transaction's lead put has condition %q, want a version check", aws.ToString(put.ConditionExpression))
		}
		checksOldVersion := false
		for _, v := range put.ExpressionAttributeValues {
			if n, ok := v.(*types.AttributeValueMemberN); ok && n.Value == "1" {
				checksOldVersion = true
			}
		}
		if !checksOldVersion {
			t.Errorf("version condition values %v, want the old version 1", put.ExpressionAttributeValues)
		}
	})
}

// TestRepeatCountsAndAnswersWithEarlierSubmission: a repeat is answered from the
// marker and the lead that came back with the failed transaction, with no read, and
// counted against the rate limits in a second transaction.
func TestRepeatCountsAndAnswersWithEarlierSubmission(t *testing.T) {
	page := storetest.Page("spring")
	first := storetest.Capture(page, "ada@example.com", storetest.T0, "first")
	lead := leadgate.NewLead("lead-1", first.Submission, page)
	earlier := first.Submission
	earlier.LeadID = lead.ID
	marshal := func(v any) map[string]types.AttributeValue {
		item, err := attributevalue.MarshalMapWithOptions(v, func(o *attributevalue.EncoderOptions) { o.TagKey = "json" })
		if err != nil {
			t.Fatal(err)
		}
		return item
	}
	marker := map[string]types.AttributeValue{
		"submission_sk": &types.AttributeValueMemberS{Value: "SUB#2026-03-02T09:30:00.000000000Z#" + earlier.ID},
	}

	again := storetest.Capture(page, "ada@example.com", storetest.T0.Add(time.Minute), "again")
	again.RateLimits = []leadgate.RateLimit{{Key: "ip:hash", Limit: 3, Window: time.Hour}}

	for _, tt := range []struct {
		name     string
		countErr error
		wantCode leadgate.Code
	}{
		{"UnderLimit", nil, ""},
		{"OverLimit", canceled("ConditionalCheckFailed"), leadgate.ERATELIMITED},
	} {
		t.Run(tt.name, func(t *testing.T) {
			writes := 0
			s := dynamodb.New(&fakeAPI{
				transactWriteItems: func(in *awsddb.TransactWriteItemsInput) (*awsddb.TransactWriteItemsOutput, error) {
					writes++
					if writes == 1 {
						err := canceled("ConditionalCheckFailed", "None", "ConditionalCheckFailed", "None")
						var tc *types.TransactionCanceledException
						errors.As(err, &tc)
						tc.CancellationReasons[0].Item = marshal(lead)
						tc.CancellationReasons[2].Item = marker
						return nil, err
					}
					if len(in.TransactItems) != 1 || in.TransactItems[0].Update == nil {
						t.Errorf("follow-up write %+v, want the one rate counter update", in.TransactItems)
					}
					return &awsddb.TransactWriteItemsOutput{}, tt.countErr
				},
			}, "table")
			res, err := s.Capture(context.Background(), again)
			if got := leadgate.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("code %q (%v), want %q", got, err, tt.wantCode)
			}
			if writes != 2 {
				t.Errorf("%d writes, want 2 (and no read)", writes)
			}
			if err == nil && (!res.Repeat || res.Submission.ID != earlier.ID || res.Submission.LeadID != lead.ID ||
				!res.Submission.At.Equal(earlier.At) || res.Submission.Page != page.Slug || res.Lead.ID != lead.ID) {
				t.Errorf("result %+v, want a repeat answered with the earlier submission", res)
			}
		})
	}
}

func TestTableDefinition(t *testing.T) {
	def := dynamodb.TableDefinition("leads")
	if aws.ToString(def.TableName) != "leads" || def.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("table %q billing %q, want leads on demand", aws.ToString(def.TableName), def.BillingMode)
	}
	if s := def.StreamSpecification; s == nil || !aws.ToBool(s.StreamEnabled) || s.StreamViewType != types.StreamViewTypeNewAndOldImages {
		t.Errorf("stream %+v, want NEW_AND_OLD_IMAGES", s)
	}
	indexes := map[string]string{}
	for _, g := range def.GlobalSecondaryIndexes {
		indexes[aws.ToString(g.IndexName)] = aws.ToString(g.KeySchema[0].AttributeName) + "/" + aws.ToString(g.KeySchema[1].AttributeName)
	}
	want := map[string]string{
		dynamodb.IndexGSI1: dynamodb.AttrGSI1PK + "/" + dynamodb.AttrGSI1SK,
		dynamodb.IndexGSI2: dynamodb.AttrGSI2PK + "/" + dynamodb.AttrGSI2SK,
		dynamodb.IndexGSI3: "item_type/gsi3sk",
	}
	if !maps.Equal(indexes, want) {
		t.Errorf("indexes %v, want %v", indexes, want)
	}
}
