package followup

import (
	"context"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

// Links serves the confirm and unsubscribe links of follow-up emails. It sends
// nothing itself: a confirmation reaches the follow-up service as a change.
type Links struct {
	store Store
	key   *signing.Key
	now   func() time.Time
}

// NewLinks returns the links' service.
func NewLinks(store Store, key *signing.Key, now func() time.Time) *Links {
	return &Links{store: store, key: key, now: now}
}

var (
	errNoConfirmLink = leadgate.ErrConfirmationNotFound
	errNoUnsubLink   = leadgate.ErrUnsubscribeNotFound
)

// Confirmation returns the confirmation behind a link's token, to show its page.
func (s *Links) Confirmation(ctx context.Context, token string) (leadgate.Confirmation, error) {
	if !signing.WellFormedToken(token) {
		return leadgate.Confirmation{}, errNoConfirmLink
	}
	return s.store.Confirmation(ctx, leadgate.GrantID(token))
}

// Confirm confirms the address behind a confirmation link and returns the path of the
// download link the confirmation earns, made at once so the page can offer it; the
// delivery email follows from the change feed.
func (s *Links) Confirm(ctx context.Context, token string) (string, error) {
	if !signing.WellFormedToken(token) {
		return "", errNoConfirmLink
	}
	c, err := s.store.Confirm(ctx, leadgate.GrantID(token), s.now().UTC().Truncate(timeUnit))
	if err != nil {
		return "", err
	}
	page, err := s.store.Page(ctx, c.Page)
	if err != nil {
		return "", err
	}
	sub, err := submission(ctx, s.store, c.Email, c.SubmissionID)
	if err != nil {
		return "", err
	}
	if err := grant(ctx, s.store, s.key, page, sub, c.ConfirmedAt); err != nil {
		return "", err
	}
	return leadgate.DownloadPath(s.key.GrantToken(c.SubmissionID)), nil
}

// Unsubscribe stops all email to the address behind an unsubscribe link.
func (s *Links) Unsubscribe(ctx context.Context, token string) error {
	if !signing.WellFormedToken(token) {
		return errNoUnsubLink
	}
	return s.store.Unsubscribe(ctx, leadgate.GrantID(token), s.now().UTC().Truncate(timeUnit))
}

// timeUnit is the precision of stored times.
const timeUnit = time.Millisecond

// Now is the service's clock, for pages that say whether a link still works.
func (s *Links) Now() time.Time { return s.now() }
