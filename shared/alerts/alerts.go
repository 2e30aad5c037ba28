// Package alerts emails a page's new-lead alerts (leadgate.LeadAlerts): one email
// per new lead at once, from the change pipeline, or one digest a day, from the
// scheduled dispatcher. Each alert is a send claimed before it goes out and recorded
// after, under the alert's address, as follow-up emails are, so retries and replays
// send nothing twice.
package alerts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"leadgate/shared/leadgate"
)

// Store is what the alerts need of the store.
type Store interface {
	Page(ctx context.Context, slug string) (leadgate.Page, error)
	Pages(ctx context.Context) ([]leadgate.Page, error)
	LeadByEmail(ctx context.Context, email string) (leadgate.Lead, error)
	PageLeads(ctx context.Context, page string, since time.Time, cursor string, limit int) (leadgate.PageLeads, error)
	Claims
}

// Claims record each email to a marketer once, as the follow-up sends are: the
// store's send claims.
type Claims interface {
	ClaimSend(ctx context.Context, email, key string, now time.Time, lease time.Duration) (leadgate.Send, bool, error)
	FinishSend(ctx context.Context, s leadgate.Send) error
	ReleaseSend(ctx context.Context, s leadgate.Send) error
}

// lease is how long a claimed alert holds before another worker may send it.
const lease = 5 * time.Minute

// digestWindow is how long after midnight (UTC) the dispatcher tries the day
// before's digests: every run within it claims them, the first sends.
const digestWindow = time.Hour

// maxDigestLeads bounds the leads one digest lists; it says how many more there were.
const maxDigestLeads = 200

// Service sends the alerts through mailer, from from.
type Service struct {
	store  Store
	mailer leadgate.Mailer
	from   string
	now    func() time.Time
}

// New returns the service.
func New(store Store, mailer leadgate.Mailer, from string, now func() time.Time) *Service {
	return &Service{store: store, mailer: mailer, from: from, now: now}
}

// HandleChange is the pipeline's reaction: a submission that made a new lead on a
// page with immediate alerts emails each address. A known lead's submission, or a
// lead gone meanwhile, alerts nobody.
func (s *Service) HandleChange(ctx context.Context, ch leadgate.Change) error {
	if ch.Kind != leadgate.SubmissionCreated || ch.Submission == nil {
		return nil
	}
	sub := *ch.Submission
	p, err := s.store.Page(ctx, sub.Page)
	if errors.Is(err, leadgate.ErrPageNotFound) {
		return nil
	}
	if err != nil || len(p.Alerts.To) == 0 || p.Alerts.Digest {
		return err
	}
	l, err := s.store.LeadByEmail(ctx, sub.Email)
	if errors.Is(err, leadgate.ErrLeadNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if l.ID != sub.LeadID || !l.CreatedAt.Equal(sub.At) {
		return nil // a known lead's new submission
	}
	subject := "New lead on " + p.Title + ": " + l.Email
	text := "A new lead on " + p.Title + " (" + p.Slug + "):\n\n" + describe(l, sub) +
		"\nYou get this because the page's alerts name your address.\n"
	for _, to := range p.Alerts.To {
		if err := s.send(ctx, to, leadgate.AlertKey(sub.ID), subject, text); err != nil {
			return err
		}
	}
	return nil
}

// describe writes a lead's lines in an alert.
func describe(l leadgate.Lead, sub leadgate.Submission) string {
	var b strings.Builder
	line := func(label, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", label, v)
		}
	}
	line("Email", l.Email)
	line("Name", sub.Values["name"])
	line("Company", sub.Values["company"])
	a := sub.Attribution
	line("Source", strings.Trim(strings.Join([]string{a.UTMSource, a.UTMMedium, a.UTMCampaign}, " / "), " /"))
	line("Referrer", a.Referrer)
	if sub.Consent.Given {
		line("Marketing consent", "given")
	}
	return b.String()
}

// send claims the alert (to, key), sends it, and records it.
func (s *Service) send(ctx context.Context, to, key, subject, text string) error {
	return SendOnce(ctx, s.store, s.mailer, s.now, key, leadgate.Message{From: s.from, To: to, Subject: subject, Text: text,
		Tags: map[string]string{"kind": "lead_alert"}})
}

// SendOnce claims the email (m.To, key), sends m, and records the outcome, so that
// workers that race, retries and replays send it once: a send claimed by another
// worker within its lease, or recorded already, is not sent again. A failure that a
// retry may fix releases the claim and is returned.
func SendOnce(ctx context.Context, claims Claims, mailer leadgate.Mailer, now func() time.Time, key string, m leadgate.Message) error {
	claim, ok, err := claims.ClaimSend(ctx, m.To, key, now(), lease)
	if err != nil || !ok {
		return err
	}
	id, err := mailer.Send(ctx, m)
	if err != nil {
		if leadgate.ErrorCode(err) == leadgate.EUNAVAILABLE {
			if rerr := claims.ReleaseSend(ctx, claim); rerr != nil && !errors.Is(rerr, leadgate.ErrClaimLost) {
				return rerr
			}
			return err
		}
		claim.Status, claim.Reason = leadgate.SendFailed, string(leadgate.ErrorCode(err))
	} else {
		claim.Status, claim.SentAt, claim.MessageID = leadgate.SendSent, now(), id
	}
	if err := claims.FinishSend(ctx, claim); err != nil && !errors.Is(err, leadgate.ErrClaimLost) {
		return err
	}
	return nil
}

// SendDigests sends the day before's digest of each page with digest alerts, once
// per page, day and address, in the first hour of a UTC day. A day with no new
// lead sends nothing.
func (s *Service) SendDigests(ctx context.Context) error {
	now := s.now().UTC()
	today := now.Truncate(24 * time.Hour)
	if now.Sub(today) >= digestWindow {
		return nil
	}
	pages, err := s.store.Pages(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range pages {
		if !p.Alerts.Digest || len(p.Alerts.To) == 0 {
			continue
		}
		errs = append(errs, s.digest(ctx, p, today.Add(-24*time.Hour), today))
	}
	return errors.Join(errs...)
}

func (s *Service) digest(ctx context.Context, p leadgate.Page, from, to time.Time) error {
	var (
		lines []string
		more  int
		next  string
	)
	for {
		got, err := s.store.PageLeads(ctx, p.Slug, from, next, 0)
		if err != nil {
			return err
		}
		for _, pl := range got.Leads {
			sub := pl.Submission
			if !sub.At.Before(to) || !pl.Lead.CreatedAt.Equal(sub.At) {
				continue // today's, or a known lead's
			}
			if len(lines) == maxDigestLeads {
				more++
				continue
			}
			lines = append(lines, sub.At.UTC().Format("15:04")+"  "+strings.ReplaceAll(strings.TrimSpace(describe(pl.Lead, sub)), "\n", "; "))
		}
		if next = got.Next; next == "" {
			break
		}
	}
	if len(lines) == 0 {
		return nil
	}
	day := leadgate.Day(from)
	subject := fmt.Sprintf("%d new lead(s) on %s, %s", len(lines)+more, p.Title, day)
	text := "New leads on " + p.Title + " (" + p.Slug + ") on " + day + " (UTC), newest first:\n\n" + strings.Join(lines, "\n") + "\n"
	if more > 0 {
		text += fmt.Sprintf("\nand %d more: see the console's leads.\n", more)
	}
	for _, addr := range p.Alerts.To {
		if err := s.send(ctx, addr, leadgate.DigestKey(p.Slug, day), subject, text); err != nil {
			return err
		}
	}
	return nil
}
