package dynamodb_test

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/dynamodb"
)

// An upload counts each batch's codes in the transaction that writes them. When the
// process stops after one batch (every later request fails), the pool counts
// exactly the codes it holds; the upload sent again adds and counts the rest.
func TestAddCouponsCountsCodesInTheirTransaction(t *testing.T) {
	client := newClient(t, nil)
	table := newTable(t, client)
	ctx := testContext(t)
	const pool = "half-way"
	codes := make([]string, 60) // 3 batches: 25, 25, 10
	for i := range codes {
		codes[i] = fmt.Sprintf("HALF-%02d", i)
	}

	errStopped := errors.New("the process stopped")
	var stopped atomic.Bool
	stopping := &fakeAPI{
		// The first transaction is sent; every request after it fails.
		transactWriteItems: func(in *awsddb.TransactWriteItemsInput) (*awsddb.TransactWriteItemsOutput, error) {
			if stopped.Swap(true) {
				return nil, errStopped
			}
			return client.TransactWriteItems(ctx, in)
		},
		updateItem: func(in *awsddb.UpdateItemInput) (*awsddb.UpdateItemOutput, error) {
			if stopped.Load() {
				return nil, errStopped
			}
			return client.UpdateItem(ctx, in)
		},
	}
	if _, err := dynamodb.New(stopping, table).AddCoupons(ctx, pool, codes); err == nil {
		t.Fatal("an upload whose requests failed reported no error")
	}
	s := dynamodb.New(client, table)
	countsItsCodes := func(want int) {
		t.Helper()
		st, err := s.CouponStock(ctx, pool)
		if err != nil {
			t.Fatal(err)
		}
		marks, free := countItems(t, client, table, pool, dynamodb.SKCouponCode), countItems(t, client, table, pool, dynamodb.SKCouponFree)
		if st.Added != want || marks != want || free != want {
			t.Fatalf("pool counts %d added, holds %d codes, %d free; want %d of each", st.Added, marks, free, want)
		}
	}
	countsItsCodes(25)

	if n, err := s.AddCoupons(ctx, pool, codes); err != nil || n != 35 {
		t.Fatalf("the upload again: %d added (%v), want the 35 missing", n, err)
	}
	countsItsCodes(60)
}

// countItems counts the items of the pool's partition whose sort key starts with
// prefix.
func countItems(t *testing.T, client *awsddb.Client, table, pool, prefix string) int {
	t.Helper()
	out, err := client.Query(testContext(t), &awsddb.QueryInput{
		TableName:              aws.String(table),
		KeyConditionExpression: aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": dynamodb.AttrPK, "#sk": dynamodb.AttrSK,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: dynamodb.PrefixCoupon + pool},
			":prefix": &types.AttributeValueMemberS{Value: prefix},
		},
		Select:         types.SelectCount,
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}
