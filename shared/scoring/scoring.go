// Package scoring keeps each lead's score and stage (cold, MQL, SQL) up to date from
// the change feed: on every change that may move the score it recomputes it from
// the lead, its submissions and the rules of the lead's last-touch page, and stores
// it when it differs.
package scoring

import (
	"context"
	"errors"
	"fmt"
	"time"

	"leadgate/shared/leadgate"
)

// Store is what scoring needs of a store.
type Store interface {
	Page(ctx context.Context, slug string) (leadgate.Page, error)
	LeadByEmail(ctx context.Context, email string) (leadgate.Lead, error)
	Submissions(ctx context.Context, email string) ([]leadgate.Submission, error)
	SetScore(ctx context.Context, email string, score int, stage leadgate.Stage, at time.Time, version int64) error
	ScoreDownload(ctx context.Context, email string, downloadedAt time.Time, score int, stage leadgate.Stage, at time.Time, version int64) error
}

// maxAttempts bounds the re-reads after a lead changed between read and write.
const maxAttempts = 5

// Service recomputes lead scores.
type Service struct {
	store Store
	now   func() time.Time
}

// New returns a scoring service on the store; now stamps stage changes.
func New(store Store, now func() time.Time) *Service {
	return &Service{store: store, now: now}
}

// HandleChange rescores the lead a change is about. It is idempotent: a change
// whose recomputation gives the lead's score and stage again writes nothing, which
// is also what ends the loop of a score update coming back through the feed.
//
// A download is the lead's first download (Lead.FirstDownloadAt) where the lead
// has none or a later one: its rescoring records it in the write of the score
// (ScoreDownload), one write for both, even when the score stays.
func (s *Service) HandleChange(ctx context.Context, ch leadgate.Change) error {
	email := changeEmail(ch)
	if email == "" {
		return nil
	}
	var downloadedAt time.Time
	if ch.Kind == leadgate.DownloadMade {
		downloadedAt = ch.Download.At
	}
	return s.rescoreWith(ctx, email, downloadedAt)
}

func changeEmail(ch leadgate.Change) string {
	switch ch.Kind {
	case leadgate.LeadCreated, leadgate.LeadUpdated:
		if ch.Lead != nil {
			return ch.Lead.Email
		}
	case leadgate.LeadConfirmed:
		if ch.Confirmation != nil {
			return ch.Confirmation.Email
		}
	case leadgate.DownloadMade:
		if ch.Download != nil {
			return ch.Download.Email
		}
	case leadgate.SubmissionCreated:
		if ch.Submission != nil {
			return ch.Submission.Email
		}
	}
	return ""
}

// Rescore recomputes the score of the lead with that address and stores it if it
// changed. A lead that is gone (erased) is no error. A lead changed between read and
// write is read again.
func (s *Service) Rescore(ctx context.Context, email string) error {
	return s.rescoreWith(ctx, email, time.Time{})
}

// rescoreWith is Rescore after a download at downloadedAt (zero: none).
func (s *Service) rescoreWith(ctx context.Context, email string, downloadedAt time.Time) error {
	for attempt := 1; ; attempt++ {
		err := s.rescore(ctx, email, downloadedAt)
		if leadgate.ErrorCode(err) != leadgate.ECONFLICT || attempt >= maxAttempts {
			if leadgate.ErrorCode(err) == leadgate.ENOTFOUND {
				return nil
			}
			return err
		}
	}
}

func (s *Service) rescore(ctx context.Context, email string, downloadedAt time.Time) error {
	lead, err := s.store.LeadByEmail(ctx, email)
	if err != nil {
		return err
	}
	if lead.Status == leadgate.StatusErased {
		return nil
	}
	lead, downloaded := lead.Downloaded(downloadedAt)
	subs, err := s.store.Submissions(ctx, email)
	if err != nil {
		return err
	}
	rules := leadgate.DefaultScoringRules
	if slug := lead.LastTouch.Page; slug != "" {
		page, err := s.store.Page(ctx, slug)
		switch {
		case err == nil:
			rules = page.ScoringRules()
		case leadgate.ErrorCode(err) != leadgate.ENOTFOUND:
			return fmt.Errorf("rules of page %s: %w", slug, err)
		}
	}
	score, stage := leadgate.Score(lead, subs, rules)
	switch {
	case downloaded:
		err = s.store.ScoreDownload(ctx, email, downloadedAt, score, stage, s.now(), lead.Version)
	case score == lead.Score && stage == lead.CurrentStage():
		return nil
	default:
		err = s.store.SetScore(ctx, email, score, stage, s.now(), lead.Version)
	}
	var de *leadgate.Error
	if err != nil && !errors.As(err, &de) {
		return fmt.Errorf("set score of lead %s: %w", lead.ID, err)
	}
	return err
}
