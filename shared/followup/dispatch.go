package followup

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"leadgate/shared/emails"
	"leadgate/shared/leadgate"
)

// RunResult says what one dispatcher run did.
type RunResult struct {
	Sent, Skipped, Failed, Retry int
}

// add adds another run's counts.
func (r *RunResult) add(o RunResult) {
	r.Sent += o.Sent
	r.Skipped += o.Skipped
	r.Failed += o.Failed
	r.Retry += o.Retry
}

// DispatchDue sends the due steps a page of pageSize at a time (Dispatch) until none
// is due or ctx's deadline is less than margin away, and returns the counts of every
// page; the next run takes the rest. It stops at a page whose steps were all left
// due (Retry): the next page would be the same steps. On an error it returns the
// counts so far with it.
func (s *Service) DispatchDue(ctx context.Context, pageSize int, margin time.Duration) (RunResult, error) {
	var total RunResult
	for {
		// The deadline is wall time, not s.now: a local run's clock may be moved.
		if d, ok := ctx.Deadline(); ok && time.Until(d) < margin {
			return total, nil
		}
		res, err := s.Dispatch(ctx, pageSize)
		total.add(res)
		if err != nil {
			return total, err
		}
		if res.Sent+res.Skipped+res.Failed == 0 {
			return total, nil
		}
	}
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
					s.log.WarnContext(gctx, "step left due for the next run", "lead_id", st.LeadID, "step", st.Key, "code", leadgate.ErrorCode(err))
					return nil // later steps of this lead wait too: order is kept
				}
			}
			return nil
		})
	}
	_ = g.Wait()
	return res, ctx.Err()
}

// postponeFor is how long a nurture step waits for an unconfirmed lead to confirm
// before it is skipped for good.
const postponeFor = 30 * 24 * time.Hour

// errPostponed leaves a step due for a later run.
var errPostponed = errors.New("postponed until the lead confirms")

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
	var status leadgate.SendStatus
	switch st.Kind {
	case leadgate.StepReminder:
		switch {
		case !lead.Reachable():
			return finish(leadgate.StepSkipped, "the address takes no email: "+string(lead.Status))
		case !lead.ConfirmedAt.IsZero():
			// Confirmed on another page meanwhile: the address is proven, so this
			// submission gets its download instead of a reminder.
			sub, err := submission(ctx, s.store, lead.Email, st.SubmissionID)
			if err != nil {
				return "", err
			}
			if err := grant(ctx, s.store, s.key, page, sub, s.now()); err != nil {
				return "", err
			}
			status, err = s.sendDelivery(ctx, page, lead, leadgate.DeliveryKey(st.SubmissionID), st.SubmissionID)
			if err != nil {
				return "", err
			}
		default:
			token := s.key.ConfirmToken(st.SubmissionID)
			status, err = s.send(ctx, page, lead, st.Key, emails.Reminder, page.FollowUp.Reminder, func(d *emails.Data) {
				d.ConfirmURL = s.cfg.BaseURL + leadgate.InLocale(leadgate.ConfirmPath(token), page.PageLocale())
			})
			if err != nil {
				return "", err
			}
		}
	default:
		if lead.Status == leadgate.StatusUnconfirmed && s.now().Sub(st.DueAt) < postponeFor {
			return "", errPostponed
		}
		if !lead.MarketingAllowed() {
			return finish(leadgate.StepSkipped, "no marketing: "+string(lead.Status))
		}
		step, ok := nurtureStep(page, st.StepID)
		if !ok {
			return finish(leadgate.StepSkipped, "step removed from the page")
		}
		if status, err = s.send(ctx, page, lead, st.Key, emails.Nurture, step.EmailTemplate, func(*emails.Data) {}); err != nil {
			return "", err
		}
	}
	switch status {
	case leadgate.SendSent:
		return finish(leadgate.StepSent, "")
	case leadgate.SendFailed:
		return finish(leadgate.StepFailed, "the provider refused it, or its template does not render")
	default:
		return finish(leadgate.StepSkipped, "nothing to send: the magnet is gone or it went out before")
	}
}

func nurtureStep(page leadgate.Page, id string) (leadgate.NurtureStep, bool) {
	for _, n := range page.FollowUp.Nurture {
		if n.ID == id {
			return n, true
		}
	}
	return leadgate.NurtureStep{}, false
}
