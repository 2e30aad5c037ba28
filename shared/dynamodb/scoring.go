package dynamodb

import (
	"context"
	"reflect"
	"time"

	"leadgate/shared/leadgate"
)

// A lead's score, stage and stage history are attributes of the lead's item.

// setScore sets them on the version the caller read, adding one to it as every
// lead write does.
var setScore = updating("SET #score = :score, #stage = :stage, #stage_history = :history, #version = #version + :one",
	"attribute_exists(#pk) AND #version = :version")

// SetScore reads the lead, then sets its score, stage and stage history in one
// UpdateItem conditioned on the version it was asked for (and read with), adding
// one to the version as every lead write does. A stage that moves then moves the
// stage counters of the lead's pages, one UpdateItem each: a transaction of the
// lead and its counters would double the price of every item in it. The lead's
// condition makes the move once: a repeated SetScore of a version finds the
// version changed, and a rescoring of the new version finds the stage unchanged.
// A counter that DynamoDB refuses, or a process that dies between the writes,
// loses that move (the lead stays counted in its former stage) rather than making
// it twice. Nothing is written when score and stage are unchanged: the stream
// would bring the write back as a lead update.
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
	if err := s.writeOr(ctx, op, update, leadgate.ErrLeadChanged); err != nil {
		return err
	}
	for _, w := range s.stageUpdates(&old, &lead) {
		if err := s.writeOr(ctx, op+": stage counters", w, nil); err != nil {
			return err
		}
	}
	return nil
}
