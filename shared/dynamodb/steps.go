package dynamodb

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// A step is one scheduled follow-up email of a lead, the item
// ("LEAD#<email>", "STEP#<step key>") of the lead's partition; while it is due it
// is in the sparse index GSI2, by due time.

// stepItemKey is the key of a lead's step.
func stepItemKey(email, stepKey string) map[string]types.AttributeValue {
	return key(prefixLead+email, prefixStep+stepKey)
}

// ScheduleSteps puts each step with its own conditional PutItem, so that a step
// stored before (due, sent or skipped) stays as it is while the others are stored:
// one request per step. A transaction would save requests but cost twice the write
// capacity, and would need a retry without the existing steps on every redelivery.
func (s *Store) ScheduleSteps(ctx context.Context, steps []leadgate.Step) error {
	const op = "schedule step"
	for _, st := range steps {
		st.Status = leadgate.StepDue
		item, err := stepItem(st)
		if err != nil {
			return leadgate.Internal(op, err)
		}
		if err := s.putNew(ctx, op, item, nil); err != nil {
			return err
		}
	}
	return nil
}

// stepItem returns a due step's item, in the due index (GSI2).
func stepItem(st leadgate.Step) (map[string]types.AttributeValue, error) {
	item, err := marshalItem(st, prefixLead+st.Email, prefixStep+st.Key, typeStep)
	if err != nil {
		return nil, fmt.Errorf("marshal step: %w", err)
	}
	item[attrGSI2PK] = str(dueBucket)
	item[attrGSI2SK] = str(keyTime(st.DueAt) + "#" + st.Email + "#" + st.Key)
	return item, nil
}

// DueSteps queries the due index in one request: the steps whose due time is not
// after now, oldest first. The index is a GSI, so the read is eventually consistent:
// a step scheduled a moment ago may not show yet (it will on the next run), and one
// finished a moment ago may still show; claiming its send (ClaimSend) is what keeps
// it from going out twice.
func (s *Store) DueSteps(ctx context.Context, now time.Time, limit int) ([]leadgate.Step, error) {
	const op = "due steps"
	steps := []leadgate.Step{}
	if limit <= 0 {
		return steps, nil
	}
	// gsi2sk starts with the fixed-width due time: every step due at or before now
	// sorts before the first instant after it.
	in := s.queryOf(indexGSI2, dueBefore, values{":bucket": str(dueBucket), ":before": str(keyTime(now.Add(time.Nanosecond)))})
	// One page of at most limit steps: the next run takes the rest.
	in.Limit = aws.Int32(int32(min(limit, math.MaxInt32)))
	out, err := s.client.Query(ctx, in)
	if err != nil {
		return nil, errorFor(op, err)
	}
	for _, item := range out.Items {
		var st leadgate.Step
		if err := unmarshalItem(item, &st); err != nil {
			return nil, leadgate.Internal(op, fmt.Errorf("unmarshal step: %w", err))
		}
		steps = append(steps, st)
	}
	return steps, nil
}

// dueBefore queries the due index for the steps due before a time.
var dueBefore = keyQuery("#gsi2pk = :bucket AND #gsi2sk < :before", "")

// finishStep records a step's outcome and removes its due-index keys, by whether
// it has a done time and whether it has a reason: as the domain's JSON, a zero
// time or an empty reason is no attribute at all.
var finishStep [2][2]expr

func init() {
	for done := range 2 {
		for reason := range 2 {
			set, remove := "SET #status = :status", " REMOVE #gsi2pk, #gsi2sk"
			if done == 1 {
				set += ", #done_at = :done_at"
			} else {
				remove += ", #done_at"
			}
			if reason == 1 {
				set += ", #reason = :reason"
			} else {
				remove += ", #reason"
			}
			finishStep[done][reason] = updating(set+remove, "attribute_exists(#pk)")
		}
	}
}

// FinishStep records a step's outcome in one UpdateItem and removes its due-index
// keys, so that it leaves the index.
func (s *Store) FinishStep(ctx context.Context, st leadgate.Step) error {
	vals := values{":status": str(string(st.Status))}
	done, reason := 0, 0
	if !st.DoneAt.IsZero() {
		done, vals[":done_at"] = 1, str(keyTime(st.DoneAt))
	}
	if st.Reason != "" {
		reason, vals[":reason"] = 1, str(st.Reason)
	}
	w := s.updateOf(stepItemKey(st.Email, st.Key), finishStep[done][reason], vals)
	return s.writeOr(ctx, "finish step", w, leadgate.ErrStepNotFound)
}
