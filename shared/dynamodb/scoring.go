package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// Attributes of a lead's score (the Lead's JSON names).
const (
	attrScore        = "score"
	attrStage        = "stage"
	attrStageHistory = "stage_history"
)

// SetScore reads the lead, then sets its score, stage and stage history in one
// UpdateItem conditioned on the version it was asked for (and read with), adding
// one to the version as every lead write does. Nothing is written when score and
// stage are unchanged: the stream would bring the write back as a lead update.
func (s *Store) SetScore(ctx context.Context, email string, score int, stage leadgate.Stage, at time.Time, version int64) error {
	const op = "set score"
	old, err := s.LeadByEmail(ctx, email)
	if err != nil {
		return err
	}
	if old.Version != version {
		return leadgate.Errorf(leadgate.ECONFLICT, "the lead changed since it was read")
	}
	lead, ok := old.WithScore(score, stage, at)
	if !ok {
		return nil
	}
	history, err := attributevalue.MarshalWithOptions(lead.StageHistory, encoderOptions)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	versionName := expression.Name(attrVersion)
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name(attrScore), expression.Value(lead.Score)).
			Set(expression.Name(attrStage), expression.Value(string(lead.Stage))).
			Set(expression.Name(attrStageHistory), expression.Value(history)).
			Set(versionName, versionName.Plus(expression.Value(1)))).
		WithCondition(expression.AttributeExists(expression.Name(AttrPK)).And(versionName.Equal(expression.Value(version)))).
		Build()
	if err != nil {
		return leadgate.Internal(op, fmt.Errorf("build score update: %w", err))
	}
	out, err := s.client.UpdateItem(ctx, &awsddb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(PrefixLead+email, SKLead),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ReturnConsumedCapacity:    s.capacityMode(),
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return leadgate.Errorf(leadgate.ECONFLICT, "the lead changed since it was read")
	}
	if err != nil {
		return errorFor(op, err)
	}
	s.reportOne(op, out.ConsumedCapacity)
	return nil
}
