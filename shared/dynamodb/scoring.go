package dynamodb

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// A lead's score, stage and stage history are attributes of the lead's item.

// setScore sets them on the version the caller read, adding one to it as every
// lead write does.
var setScore = updating("SET #score = :score, #stage = :stage, #stage_history = :history, #version = #version + :one",
	"attribute_exists(#pk) AND #version = :version")

// SetScore reads the lead, then sets its score, stage and stage history in one
// UpdateItem conditioned on the version it was asked for (and read with), adding
// one to the version as every lead write does. A stage that moves moves the stage
// counters of the lead's pages too, in one TransactWriteItems with the update.
// Nothing is written when score and stage are unchanged: the stream would bring
// the write back as a lead update.
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
	history, err := encodeValue(reflect.ValueOf(lead.StageHistory))
	if err != nil {
		return leadgate.Internal(op, err)
	}
	update := s.updateOf(leadKey(email), setScore, values{
		":score": num(int64(lead.Score)), ":stage": str(string(lead.Stage)), ":history": history,
		":version": num(version), ":one": one,
	})
	stages := s.stageUpdates(&old, &lead)
	if len(stages) == 0 {
		return s.writeOr(ctx, op, update, leadgate.ErrLeadChanged)
	}
	items := append([]types.TransactWriteItem{update}, stages...)
	if len(items) > maxTransactItems {
		return leadgate.Internal(op, fmt.Errorf("a lead of %d pages: its stage counters need more than one transaction", len(old.Pages)))
	}
	build := func() ([]types.TransactWriteItem, error) { return items, nil }
	return s.transact(ctx, op, op, build, func(tx cancellation) (verdict, error) {
		if tx.failed(0) {
			return answered, leadgate.ErrLeadChanged
		}
		return unhandled, nil
	})
}
