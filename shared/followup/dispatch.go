package followup

import (
	"context"
	"log/slog"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/sync/errgroup"

	"leadgate/shared/emails"
	"leadgate/shared/leadgate"
)

// RunResult says what one dispatcher run did.
type RunResult struct {
	Sent, Skipped, Failed, Retry int
}

// Dispatch sends the steps due now, at most limit of them: the reminder to leads who
// still have not confirmed, and nurture steps to leads who may still get marketing.
// Steps of one lead go out in order; leads are served concurrently. A step whose
// send must be retried stays due for the next run.
func (s *Service) Dispatch(ctx context.Context, limit int) (RunResult, error) {
	steps, err := s.store.DueSteps(ctx, s.now(), limit)
	if err != nil {
		return RunResult{}, err
	}
	var (
		mu  sync.Mutex
		res RunResult
	)
	count := func(status leadgate.StepStatus, err error) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err != nil:
			res.Retry++
		case status == leadgate.StepSent:
			res.Sent++
		case status == leadgate.StepSkipped:
			res.Skipped++
		default:
			res.Failed++
		}
	}
	byLead := map[string][]leadgate.Step{}
	var order []string
	for _, st := range steps {
		if _, ok := byLead[st.Email]; !ok {
			order = append(order, st.Email)
		}
		byLead[st.Email] = append(byLead[st.Email], st)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.cfg.Concurrency)
	for _, email := range order {
		g.Go(func() error {
			for _, st := range byLead[email] {
				status, err := s.runStep(gctx, st)
				count(status, err)
				if err != nil {
					s.log.WarnContext(gctx, "step left due for the next run", "lead_id", st.LeadID, "step", st.Key, "error", err)
					return nil // later steps of this lead wait too: order is kept
				}
			}
			return nil
		})
	}
	_ = g.Wait()
	return res, ctx.Err()
}

// runStep sends or skips one due step and records the outcome.
func (s *Service) runStep(ctx context.Context, st leadgate.Step) (leadgate.StepStatus, error) {
	finish := func(status leadgate.StepStatus, reason string) (leadgate.StepStatus, error) {
		st.Status, st.DoneAt, st.Reason = status, s.now(), reason
		return status, s.store.FinishStep(ctx, st)
	}
	lead, err := s.store.LeadByEmail(ctx, st.Email)
	if leadgate.ErrorCode(err) == leadgate.ENOTFOUND {
		return finish(leadgate.StepSkipped, "lead erased")
	}
	if err != nil {
		return "", err
	}
	page, err := s.store.Page(ctx, st.Page)
	if leadgate.ErrorCode(err) == leadgate.ENOTFOUND {
		return finish(leadgate.StepSkipped, "page removed")
	}
	if err != nil {
		return "", err
	}
	var (
		kind string
		tmpl leadgate.EmailTemplate
		fill = func(*emails.Data) {}
	)
	switch st.Kind {
	case leadgate.StepReminder:
		if lead.Status != leadgate.StatusUnconfirmed {
			return finish(leadgate.StepSkipped, "no longer unconfirmed: "+string(lead.Status))
		}
		kind, tmpl = emails.Reminder, page.FollowUp.Reminder
		token := s.key.ConfirmToken(st.SubmissionID)
		fill = func(d *emails.Data) { d.ConfirmURL = s.cfg.BaseURL + "/v1/confirm/" + token }
	default:
		if !lead.MarketingAllowed() {
			return finish(leadgate.StepSkipped, "no marketing: "+string(lead.Status))
		}
		step, ok := nurtureStep(page, st.StepID)
		if !ok {
			return finish(leadgate.StepSkipped, "step removed from the page")
		}
		kind, tmpl = emails.Nurture, step.EmailTemplate
	}
	if err := s.send(ctx, page, lead, st.Key, kind, tmpl, fill); err != nil {
		if leadgate.ErrorCode(err) == leadgate.EINVALID {
			return finish(leadgate.StepFailed, leadgate.ErrorMessage(err))
		}
		return "", err
	}
	claim, _, err := s.store.ClaimSend(ctx, lead.Email, st.Key, s.now(), s.cfg.ClaimLease)
	if err != nil {
		return "", err
	}
	if claim.Status == leadgate.SendFailed {
		return finish(leadgate.StepFailed, claim.Reason)
	}
	return finish(leadgate.StepSent, "")
}

func nurtureStep(page leadgate.Page, id string) (leadgate.NurtureStep, bool) {
	for _, n := range page.FollowUp.Nurture {
		if n.ID == id {
			return n, true
		}
	}
	return leadgate.NurtureStep{}, false
}

// Decoder turns one stream record into a change; ok is false for records that are
// not changes.
type Decoder func(events.DynamoDBEventRecord) (leadgate.Change, bool, error)

// HandleBatch handles a stream batch: records of one item partition (one lead's
// items) in order, partitions concurrently. A record that fails is reported with the
// later records of its partition (so their order is kept); the rest of the batch
// succeeds.
func HandleBatch(ctx context.Context, e events.DynamoDBEvent, decode Decoder, handle func(context.Context, leadgate.Change) error, concurrency int) events.DynamoDBEventResponse {
	type item struct {
		rec events.DynamoDBEventRecord
		ch  leadgate.Change
		ok  bool
		err error
	}
	groups := map[string][]item{}
	var order []string
	for _, rec := range e.Records {
		ch, ok, err := decode(rec)
		key := leadKey(rec)
		if _, seen := groups[key]; !seen {
			order = append(order, key)
		}
		groups[key] = append(groups[key], item{rec, ch, ok, err})
	}
	var (
		mu     sync.Mutex
		failed []events.DynamoDBBatchItemFailure
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, concurrency))
	for _, key := range order {
		g.Go(func() error {
			for i, it := range groups[key] {
				err := it.err
				if err == nil && it.ok {
					err = handle(gctx, it.ch)
				}
				if err != nil {
					// The record's data stays out of the log: it holds personal data.
					slog.WarnContext(gctx, "stream record failed; reported for a retry with the later records of its item",
						"sequence_number", it.rec.Change.SequenceNumber, "event_id", it.rec.EventID, "error", err)
					mu.Lock()
					for _, rest := range groups[key][i:] {
						failed = append(failed, events.DynamoDBBatchItemFailure{ItemIdentifier: rest.rec.Change.SequenceNumber})
					}
					mu.Unlock()
					return nil
				}
			}
			return nil
		})
	}
	_ = g.Wait()
	return events.DynamoDBEventResponse{BatchItemFailures: failed}
}

// leadKey groups a record by its item's partition key, which is the lead's for every
// item of a lead, and the same whether or not the record decodes.
func leadKey(rec events.DynamoDBEventRecord) string {
	if pk, ok := rec.Change.Keys["pk"]; ok && pk.DataType() == events.DataTypeString {
		return pk.String()
	}
	return rec.EventID
}
