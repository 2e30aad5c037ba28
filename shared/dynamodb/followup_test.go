package dynamodb_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/dynamodb"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// TestFollowUpErrors: every follow-up operation maps a throttled request to
// EUNAVAILABLE, without the address in its error.
func TestFollowUpErrors(t *testing.T) {
	throttled := opError("Any", &types.ThrottlingException{Message: aws.String("slow down")})
	api := &fakeAPI{
		getItem: func(*awsddb.GetItemInput) (*awsddb.GetItemOutput, error) { return nil, throttled },
		putItem: func(*awsddb.PutItemInput) (*awsddb.PutItemOutput, error) { return nil, throttled },
		updateItem: func(*awsddb.UpdateItemInput) (*awsddb.UpdateItemOutput, error) {
			return nil, throttled
		},
		deleteItem: func(*awsddb.DeleteItemInput) (*awsddb.DeleteItemOutput, error) { return nil, throttled },
		query:      func(*awsddb.QueryInput) (*awsddb.QueryOutput, error) { return nil, throttled },
		transactWriteItems: func(*awsddb.TransactWriteItemsInput) (*awsddb.TransactWriteItemsOutput, error) {
			return nil, throttled
		},
	}
	s := dynamodb.New(api, "table")
	ctx := context.Background()
	const email = "ada@example.com"
	t0 := storetest.T0
	step := leadgate.Step{Email: email, Key: "nurture#p#day-2", DueAt: t0}
	for name, call := range map[string]func() error{
		"ClaimSend": func() error { _, _, err := s.ClaimSend(ctx, email, "delivery#s1", t0, time.Minute); return err },
		"FinishSend": func() error {
			return s.FinishSend(ctx, leadgate.Send{Email: email, Key: "delivery#s1", Status: leadgate.SendSent})
		},
		"ReleaseSend":     func() error { return s.ReleaseSend(ctx, leadgate.Send{Email: email, Key: "delivery#s1"}) },
		"ScheduleSteps":   func() error { return s.ScheduleSteps(ctx, []leadgate.Step{step}) },
		"DueSteps":        func() error { _, err := s.DueSteps(ctx, t0, 10); return err },
		"FinishStep":      func() error { return s.FinishStep(ctx, step) },
		"PutConfirmation": func() error { return s.PutConfirmation(ctx, leadgate.Confirmation{ID: "c", Email: email}) },
		"Confirm":         func() error { _, err := s.Confirm(ctx, "c", t0); return err },
		"PutUnsubscribe":  func() error { return s.PutUnsubscribe(ctx, leadgate.Unsubscribe{ID: "u", Email: email}) },
		"Unsubscribe":     func() error { return s.Unsubscribe(ctx, "u", t0) },
		"bounce":          func() error { return s.RecordMailEvent(ctx, leadgate.MailEvent{Kind: "bounce", Email: email, At: t0}) },
		"soft bounce": func() error {
			return s.RecordMailEvent(ctx, leadgate.MailEvent{Kind: "soft_bounce", Email: email, MessageID: "m", At: t0})
		},
	} {
		t.Run(name, func(t *testing.T) {
			err := call()
			if got := leadgate.ErrorCode(err); got != leadgate.EUNAVAILABLE {
				t.Errorf("code %q (%v), want %q", got, err, leadgate.EUNAVAILABLE)
			}
			if err != nil && strings.Contains(err.Error(), email) {
				t.Errorf("error %q holds the address", err)
			}
		})
	}
}

// TestClaimSendRefusedWithoutItem: a refusal that comes without the stored send (as
// the API allows) is answered with the send read anew.
func TestClaimSendRefusedWithoutItem(t *testing.T) {
	stored := leadgate.Send{Email: "ada@example.com", Key: "delivery#s1", Status: leadgate.SendSent, ClaimedAt: storetest.T0, MessageID: "m1", Attempts: 1}
	item, err := attributevalue.MarshalMapWithOptions(stored, func(o *attributevalue.EncoderOptions) { o.TagKey = "json" })
	if err != nil {
		t.Fatal(err)
	}
	reads := 0
	s := dynamodb.New(&fakeAPI{
		updateItem: func(in *awsddb.UpdateItemInput) (*awsddb.UpdateItemOutput, error) {
			if in.ReturnValuesOnConditionCheckFailure != types.ReturnValuesOnConditionCheckFailureAllOld {
				t.Errorf("ReturnValuesOnConditionCheckFailure %q, want ALL_OLD", in.ReturnValuesOnConditionCheckFailure)
			}
			return nil, opError("UpdateItem", &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")})
		},
		getItem: func(in *awsddb.GetItemInput) (*awsddb.GetItemOutput, error) {
			reads++
			if !aws.ToBool(in.ConsistentRead) {
				t.Error("the refused send was read with an eventually consistent read")
			}
			return &awsddb.GetItemOutput{Item: item}, nil
		},
	}, "table")
	got, ok, err := s.ClaimSend(context.Background(), stored.Email, stored.Key, storetest.T0.Add(time.Hour), time.Minute)
	if err != nil || ok || got.MessageID != "m1" || got.Status != leadgate.SendSent || reads != 1 {
		t.Errorf("got %+v, %v, %v after %d reads; want the stored send, refused, after one read", got, ok, err, reads)
	}
}

// TestConfirmPaths follows Confirm through the cancellation reasons of its
// transaction: the lead item comes first, the confirmation second.
func TestConfirmPaths(t *testing.T) {
	t0 := storetest.T0
	c := leadgate.Confirmation{ID: "c1", Email: "ada@example.com", LeadID: "l1", Page: "p", SubmissionID: "s1", CreatedAt: t0, ExpiresAt: t0.Add(leadgate.ConfirmationTTL)}
	confirmationItem, err := dynamodb.ConfirmationItem(c)
	if err != nil {
		t.Fatal(err)
	}
	lead := func(status leadgate.Status, confirmedAt time.Time) map[string]types.AttributeValue {
		item, err := attributevalue.MarshalMapWithOptions(leadgate.Lead{ID: "l1", Email: c.Email, Status: status, Version: 3, ConfirmedAt: confirmedAt},
			func(o *attributevalue.EncoderOptions) { o.TagKey = "json" })
		if err != nil {
			t.Fatal(err)
		}
		return item
	}
	// leadFailed is a transaction cancelled by the lead's condition, with the lead.
	leadFailed := func(item map[string]types.AttributeValue) error {
		err := canceled("ConditionalCheckFailed", "None")
		var tc *types.TransactionCanceledException
		if errors.As(err, &tc) {
			tc.CancellationReasons[0].Item = item
		}
		return err
	}
	for _, tt := range []struct {
		name     string
		answers  []error // of the transactions, in turn
		leadRead map[string]types.AttributeValue
		wantCode leadgate.Code
		// wantLead: how each transaction treats the lead, "update" or "check"
		wantLead []string
	}{
		{"unconfirmed lead", []error{nil}, nil, "", []string{"update"}},
		{"active lead never confirmed", []error{leadFailed(lead(leadgate.StatusActive, time.Time{})), nil}, nil, "", []string{"update", "update"}},
		{"lead confirmed before", []error{leadFailed(lead(leadgate.StatusActive, t0)), nil}, nil, "", []string{"update", "check"}},
		{"conflict, then unconfirmed", []error{canceled("TransactionConflict", "None"), nil}, nil, "", []string{"update", "update"}},
		{"erased lead", []error{leadFailed(lead(leadgate.StatusErased, time.Time{}))}, nil, leadgate.EGONE, []string{"update"}},
		{"lead gone, no item returned", []error{leadFailed(nil)}, map[string]types.AttributeValue{}, leadgate.EGONE, []string{"update"}},
		{"unconfirmed again before the check", []error{leadFailed(lead(leadgate.StatusActive, t0)), leadFailed(lead(leadgate.StatusUnconfirmed, time.Time{})), nil}, nil, "",
			[]string{"update", "check", "update"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			s := dynamodb.New(&fakeAPI{
				getItem: func(in *awsddb.GetItemInput) (*awsddb.GetItemOutput, error) {
					if pk := in.Key[dynamodb.AttrPK].(*types.AttributeValueMemberS).Value; strings.HasPrefix(pk, dynamodb.PrefixLead) {
						return &awsddb.GetItemOutput{Item: tt.leadRead}, nil
					}
					return &awsddb.GetItemOutput{Item: confirmationItem}, nil
				},
				transactWriteItems: func(in *awsddb.TransactWriteItemsInput) (*awsddb.TransactWriteItemsOutput, error) {
					if len(in.TransactItems) != 2 || in.TransactItems[1].Update == nil {
						t.Fatalf("transaction %+v, want the lead and the confirmation's update", in.TransactItems)
					}
					switch {
					case in.TransactItems[0].Update != nil:
						got = append(got, "update")
					case in.TransactItems[0].ConditionCheck != nil:
						got = append(got, "check")
					}
					answer := tt.answers[len(got)-1]
					if answer != nil {
						return nil, answer
					}
					return &awsddb.TransactWriteItemsOutput{}, nil
				},
			}, "table")
			res, err := s.Confirm(context.Background(), c.ID, t0.Add(time.Hour))
			if code := leadgate.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("code %q (%v), want %q", code, err, tt.wantCode)
			}
			if err == nil && !res.ConfirmedAt.Equal(t0.Add(time.Hour)) {
				t.Errorf("confirmed at %v, want %v", res.ConfirmedAt, t0.Add(time.Hour))
			}
			if strings.Join(got, ",") != strings.Join(tt.wantLead, ",") {
				t.Errorf("transactions %v, want %v", got, tt.wantLead)
			}
		})
	}

	t.Run("ConfirmedMeanwhile", func(t *testing.T) {
		confirmed := c
		confirmed.ConfirmedAt = t0.Add(time.Minute)
		item, err := dynamodb.ConfirmationItem(confirmed)
		if err != nil {
			t.Fatal(err)
		}
		s := dynamodb.New(&fakeAPI{
			getItem: func(*awsddb.GetItemInput) (*awsddb.GetItemOutput, error) {
				return &awsddb.GetItemOutput{Item: confirmationItem}, nil
			},
			transactWriteItems: func(*awsddb.TransactWriteItemsInput) (*awsddb.TransactWriteItemsOutput, error) {
				err := canceled("None", "ConditionalCheckFailed")
				var tc *types.TransactionCanceledException
				if errors.As(err, &tc) {
					tc.CancellationReasons[1].Item = item
				}
				return nil, err
			},
		}, "table")
		res, err := s.Confirm(context.Background(), c.ID, t0.Add(time.Hour))
		if err != nil || !res.ConfirmedAt.Equal(confirmed.ConfirmedAt) {
			t.Errorf("got %+v, %v; want the other click's confirmation", res, err)
		}
	})
}
