package dynamodb

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"leadgate/shared/leadgate"
)

// A lead's score, stage and stage history are attributes of the lead's item.

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
		return leadgate.ErrLeadChanged
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
	w, err := s.updateOf(leadKey(email),
		expression.Set(expression.Name(attrScore), expression.Value(lead.Score)).
			Set(expression.Name(attrStage), expression.Value(string(lead.Stage))).
			Set(expression.Name(attrStageHistory), expression.Value(history)).
			Set(versionName, versionName.Plus(expression.Value(1))),
		itemPresent(), versionName.Equal(expression.Value(version)))
	if err != nil {
		return leadgate.Internal(op, err)
	}
	return s.writeOr(ctx, op, w, leadgate.ErrLeadChanged)
}
