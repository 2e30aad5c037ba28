// Package followup sends the emails that follow a submission: the delivery email
// with the download link (single opt-in), the confirmation email and its one
// reminder (double opt-in), and the page's nurture sequence for leads who gave
// marketing consent. It reacts to the store's changes (the change feed locally, the
// DynamoDB stream on AWS) and sends due steps when the dispatcher runs.
//
// Every send is claimed in the store before the email goes out (ClaimSend) and
// recorded after (FinishSend), so a retried batch or run sends nothing twice. The one
// window that can still duplicate an email: the provider accepted it and the process
// died before FinishSend. The claim then outlives its lease and the next try sends
// again. The window is one provider call plus one store write wide.
package followup

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/mail"
	"time"

	"golang.org/x/time/rate"

	"leadgate/shared/emails"
	"leadgate/shared/leadgate"
	"leadgate/shared/metrics"
	"leadgate/shared/signing"
)

// Store is what follow-ups need of the lead store.
type Store interface {
	leadgate.FollowUpStore
	Page(ctx context.Context, slug string) (leadgate.Page, error)
	Magnet(ctx context.Context, id string) (leadgate.Magnet, error)
	LeadByEmail(ctx context.Context, email string) (leadgate.Lead, error)
	Submissions(ctx context.Context, email string) ([]leadgate.Submission, error)
	PutGrant(ctx context.Context, g leadgate.Grant) error
}

// Config sets the sender and the pace of sending.
type Config struct {
	// BaseURL is the public origin of the API, for the links in emails.
	BaseURL string
	// From is the sender address (a verified SES identity on AWS); FromName the
	// display name when a page gives none.
	From     string
	FromName string
	// SendRate caps the emails this process sends a second (0: no cap);
	// Concurrency is how many are in flight at once. The account's sending quota,
	// which every process of a deployment shares, is not kept here: the mailer
	// keeps it (on AWS, the SES client slows down on SES's throttling errors and
	// retries them). The cap keeps one process from overshooting the quota alone
	// while its client has yet to learn the rate, and can keep a deployment below
	// the quota when other applications send from the same account.
	SendRate    float64
	Concurrency int
	// ClaimLease is how long a claimed send is left to its worker before another may
	// take it over: ClaimLease by default (tests shorten it). A send has three
	// quarters of the lease (sendTimeout).
	ClaimLease time.Duration
	// PostalAddress is the sender's postal address, which the footer of every email
	// shows (commercial email must carry one); the admin service refuses nurture
	// steps without one.
	PostalAddress string
	// At most PerAddress new submissions of one address in any PerAddressWindow get
	// their emails (0: no limit); later ones are stored and answered as usual, and
	// sent nothing (held). The limit is on email, not on capture, so that no
	// stranger can lock an address out of a form, and none can have the address sent
	// more than PerAddress submission emails in a window.
	PerAddress       int
	PerAddressWindow time.Duration
}

const (
	// ShortestSendingTimeout is the shortest Timeout template.yaml gives a function
	// that sends email: the follow-up function's 60 s (the dispatcher's is 300 s).
	// functions/template_test.go checks the template against it.
	ShortestSendingTimeout = 60 * time.Second
	// SendTimeout is the deadline of one send, from its claim: three quarters of the
	// shortest sending function's time, so a send fits in any function that makes
	// it and no send, in any function or locally, takes longer than this.
	SendTimeout = ShortestSendingTimeout * 3 / 4
	// ClaimLease is how long a claim holds by default: longer than the longest a send
	// can take (SendTimeout), with a quarter more for the write that records the
	// outcome (storeTimeout) and for the workers' clocks. A worker that died holding
	// a claim delays that one email by at most this.
	ClaimLease = SendTimeout * 4 / 3
)

// sendTimeout is the deadline of one send, from its claim, under a lease of lease
// (SendTimeout under ClaimLease).
func sendTimeout(lease time.Duration) time.Duration {
	return lease * 3 / 4
}

// DefaultConfig caps each process at SES's default sending quota.
func DefaultConfig() Config {
	return Config{FromName: "Leadgate", SendRate: 14, Concurrency: 8, ClaimLease: ClaimLease, PerAddress: 5, PerAddressWindow: time.Hour}
}

// Service sends follow-up emails.
type Service struct {
	store   Store
	mailer  leadgate.Mailer
	key     *signing.Key
	cfg     Config
	now     func() time.Time
	log     *slog.Logger
	limiter *rate.Limiter
}

// New returns the follow-up service.
func New(store Store, mailer leadgate.Mailer, key *signing.Key, cfg Config, now func() time.Time, log *slog.Logger) *Service {
	limit := rate.Inf
	if cfg.SendRate > 0 {
		limit = rate.Limit(cfg.SendRate)
	}
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	return &Service{store: store, mailer: mailer, key: key, cfg: cfg, now: now, log: log,
		limiter: rate.NewLimiter(limit, max(1, int(cfg.SendRate)))}
}

// HandleChange reacts to one change: a new submission or a confirmation sends its
// email and schedules the page's steps. Other changes are not its business. It is
// safe to hand the same change twice.
func (s *Service) HandleChange(ctx context.Context, ch leadgate.Change) error {
	switch {
	case ch.Kind == leadgate.SubmissionCreated && ch.Submission != nil:
		return s.onSubmission(ctx, *ch.Submission)
	case ch.Kind == leadgate.LeadConfirmed && ch.Confirmation != nil:
		return s.onConfirmed(ctx, *ch.Confirmation)
	}
	return nil
}

// gone reports a read that found nothing: the page was removed or the lead erased
// since the change was made. Nothing can be sent then, and retrying will not help.
func (s *Service) gone(ctx context.Context, err error, what string) bool {
	if leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		return false
	}
	s.log.InfoContext(ctx, "no follow-up: "+what+" is gone")
	return true
}

func (s *Service) onSubmission(ctx context.Context, sub leadgate.Submission) error {
	page, err := s.store.Page(ctx, sub.Page)
	if s.gone(ctx, err, "the page") {
		return nil
	} else if err != nil {
		return err
	}
	lead, err := s.store.LeadByEmail(ctx, sub.Email)
	if s.gone(ctx, err, "the lead") {
		return nil
	} else if err != nil {
		return err
	}
	if !lead.Reachable() {
		s.log.InfoContext(ctx, "no follow-up: the address does not take email", "lead_id", lead.ID, "status", lead.Status)
		return nil
	}
	if held, err := s.held(ctx, sub); err != nil {
		return err
	} else if held {
		s.log.InfoContext(ctx, "no follow-up: the address had its emails for this window", "lead_id", lead.ID, "page", page.Slug,
			metrics.Count(metrics.EmailsHeld))
		return nil
	}
	if page.OptIn == leadgate.OptInDouble && lead.ConfirmedAt.IsZero() {
		// Active from a single opt-in page is no proof of the address: ask for it.
		return s.askToConfirm(ctx, page, lead, sub)
	}
	if page.OptIn == leadgate.OptInDouble {
		// The address was confirmed before: it needs no new proof.
		if err := grant(ctx, s.store, s.key, page, sub, s.now()); err != nil {
			return err
		}
	}
	// Steps first: a send that must be retried later does not lose them.
	if err := s.scheduleNurture(ctx, page, lead, sub, sub.At); err != nil {
		return err
	}
	return s.deliver(ctx, page, lead, sub.ID)
}

func (s *Service) onConfirmed(ctx context.Context, c leadgate.Confirmation) error {
	page, err := s.store.Page(ctx, c.Page)
	if s.gone(ctx, err, "the page") {
		return nil
	} else if err != nil {
		return err
	}
	lead, err := s.store.LeadByEmail(ctx, c.Email)
	if s.gone(ctx, err, "the lead") {
		return nil
	} else if err != nil {
		return err
	}
	if !lead.Reachable() {
		return nil
	}
	sub, err := submission(ctx, s.store, c.Email, c.SubmissionID)
	if err != nil {
		return err
	}
	if err := grant(ctx, s.store, s.key, page, sub, c.ConfirmedAt); err != nil {
		return err
	}
	if err := s.scheduleNurture(ctx, page, lead, sub, c.ConfirmedAt); err != nil {
		return err
	}
	return s.deliver(ctx, page, lead, sub.ID)
}

// held reports whether sub comes after the address's PerAddress submissions of the
// window before it: then it gets no email. Each submission is judged from the
// address's stored submissions, held ones included, so the verdict is the same
// however often its change is handed over, and no PerAddressWindow ever holds more
// than PerAddress submissions that were sent their email. A repeat makes no
// submission, and so costs nothing.
func (s *Service) held(ctx context.Context, sub leadgate.Submission) (bool, error) {
	if s.cfg.PerAddress <= 0 || s.cfg.PerAddressWindow <= 0 {
		return false, nil
	}
	subs, err := s.store.Submissions(ctx, sub.Email)
	if err != nil {
		return false, err
	}
	since := sub.At.Add(-s.cfg.PerAddressWindow)
	before := 0
	for _, o := range subs {
		if o.At.After(since) && (o.At.Before(sub.At) || o.At.Equal(sub.At) && o.ID < sub.ID) {
			before++
		}
	}
	return before >= s.cfg.PerAddress, nil
}

func submission(ctx context.Context, store Store, email, id string) (leadgate.Submission, error) {
	subs, err := store.Submissions(ctx, email)
	if err != nil {
		return leadgate.Submission{}, err
	}
	for _, sub := range subs {
		if sub.ID == id {
			return sub, nil
		}
	}
	return leadgate.Submission{}, leadgate.ErrSubmissionNotFound
}

// grant makes the download grant a confirmed submission earns, from at; making it
// again is harmless.
func grant(ctx context.Context, store Store, key *signing.Key, page leadgate.Page, sub leadgate.Submission, at time.Time) error {
	m, err := store.Magnet(ctx, page.MagnetID)
	if err != nil {
		return err
	}
	granted := sub
	granted.At = at
	g := leadgate.NewGrant(key.GrantToken(sub.ID), granted, page, m)
	if err := claimCoupon(ctx, store, key, m, &g); err != nil {
		return err
	}
	err = store.PutGrant(ctx, g)
	if leadgate.ErrorCode(err) == leadgate.ECONFLICT {
		return nil
	}
	return err
}

func (s *Service) askToConfirm(ctx context.Context, page leadgate.Page, lead leadgate.Lead, sub leadgate.Submission) error {
	token := s.key.ConfirmToken(sub.ID)
	c := leadgate.Confirmation{ID: leadgate.GrantID(token), Email: lead.Email, LeadID: lead.ID, Page: page.Slug,
		SubmissionID: sub.ID, CreatedAt: sub.At, ExpiresAt: sub.At.Add(leadgate.ConfirmationTTL)}
	if err := s.store.PutConfirmation(ctx, c); err != nil {
		return err
	}
	err := s.store.ScheduleSteps(ctx, []leadgate.Step{{
		Email: lead.Email, Key: leadgate.ReminderKey(sub.ID), Kind: leadgate.StepReminder, LeadID: lead.ID,
		Page: page.Slug, SubmissionID: sub.ID, DueAt: sub.At.Add(page.FollowUp.ReminderDelay()),
	}})
	if err != nil {
		return err
	}
	_, err = s.send(ctx, page, lead, leadgate.ConfirmationKey(sub.ID), emails.Confirmation, page.FollowUp.Confirmation, func(d *emails.Data) {
		d.ConfirmURL = s.cfg.BaseURL + leadgate.InLocale(leadgate.ConfirmPath(token), page.PageLocale())
	})
	return err
}

func (s *Service) deliver(ctx context.Context, page leadgate.Page, lead leadgate.Lead, submissionID string) error {
	_, err := s.sendDelivery(ctx, page, lead, leadgate.DeliveryKey(submissionID), submissionID)
	return err
}

func (s *Service) sendDelivery(ctx context.Context, page leadgate.Page, lead leadgate.Lead, key, submissionID string) (leadgate.SendStatus, error) {
	return s.send(ctx, page, lead, key, emails.Delivery, page.FollowUp.Delivery, func(d *emails.Data) {
		d.DownloadURL = s.cfg.BaseURL + leadgate.DownloadPath(s.key.GrantToken(submissionID))
	})
}

// scheduleNurture schedules the page's sequence from start, for a lead who gave
// marketing consent on this submission.
func (s *Service) scheduleNurture(ctx context.Context, page leadgate.Page, lead leadgate.Lead, sub leadgate.Submission, start time.Time) error {
	if !sub.Consent.Given || len(page.FollowUp.Nurture) == 0 {
		return nil
	}
	steps := make([]leadgate.Step, 0, len(page.FollowUp.Nurture))
	for _, n := range page.FollowUp.Nurture {
		steps = append(steps, leadgate.Step{Email: lead.Email, Key: leadgate.NurtureKey(page.Slug, n.ID), Kind: leadgate.StepNurture,
			LeadID: lead.ID, Page: page.Slug, StepID: n.ID, SubmissionID: sub.ID, DueAt: start.Add(n.After)})
	}
	return s.store.ScheduleSteps(ctx, steps)
}

// errInFlight says another worker holds the send's claim: try again later.
var errInFlight = leadgate.ErrSendInFlight

// storeTimeout bounds the store writes that record a send's outcome; they run even
// when the invocation's own time is up, so a claim is not left behind.
const storeTimeout = 5 * time.Second

// send renders and sends one email once: claimed first, recorded after. It returns
// what became of the send: SendSent, SendFailed (refused for good, or a template
// that cannot render: recorded, and nil returned, so one bad address or page does not
// block the rest), or "" when there was nothing to send (the page's magnet is gone,
// or the email went out before). A send the mailer could not make (throttled, or
// the provider unavailable, after the mailer's own retries) is handed back as
// EUNAVAILABLE, to be retried later.
func (s *Service) send(ctx context.Context, page leadgate.Page, lead leadgate.Lead, key, kind string, t leadgate.EmailTemplate, fill func(*emails.Data)) (leadgate.SendStatus, error) {
	msg, renderErr := s.message(ctx, page, lead, kind, t, fill)
	if s.gone(ctx, renderErr, "the page's magnet") {
		return "", nil
	} else if renderErr != nil && leadgate.ErrorCode(renderErr) != leadgate.EINVALID {
		return "", renderErr
	}
	claim, err := s.claim(ctx, lead.Email, key)
	if err != nil || claim.Status != leadgate.SendSending {
		return "", err // sent or failed for good already, or in flight elsewhere
	}
	var id string
	if renderErr == nil {
		// The send ends before its claim's lease does: a slow provider call cannot
		// run on while another worker takes the send over.
		sendCtx, cancelSend := context.WithTimeout(ctx, sendTimeout(s.cfg.ClaimLease))
		id, err = s.sendCapped(sendCtx, msg)
		cancelSend()
	} else {
		err = renderErr
	}
	// The outcome is recorded even if the invocation's time ran out meanwhile.
	done, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	switch code := leadgate.ErrorCode(err); {
	case err == nil:
		claim.Status, claim.SentAt, claim.MessageID = leadgate.SendSent, s.now(), id
	case code == leadgate.EREJECTED || code == leadgate.EINVALID:
		// Only codes are logged: a provider's message may quote the address.
		s.log.ErrorContext(ctx, "email refused for good", "kind", kind, "lead_id", lead.ID, "page", page.Slug, "code", code,
			metrics.Count(metrics.EmailsFailed))
		claim.Status, claim.Reason = leadgate.SendFailed, leadgate.ErrorMessage(err)
	case ambiguous(err):
		// The provider may have taken the email: keep the claim, so that only its
		// lease running out lets another try send again.
		return "", err
	default:
		if code == leadgate.EUNAVAILABLE || code == leadgate.ERATELIMITED {
			s.log.WarnContext(ctx, "email not sent for now; retried", "kind", kind, "lead_id", lead.ID, "code", code,
				metrics.Count(metrics.EmailsThrottled))
		}
		if rerr := s.store.ReleaseSend(done, claim); rerr != nil && leadgate.ErrorCode(rerr) != leadgate.ECONFLICT {
			return "", errors.Join(err, rerr)
		}
		return "", err
	}
	if err := s.store.FinishSend(done, claim); leadgate.ErrorCode(err) == leadgate.ECONFLICT {
		s.log.WarnContext(ctx, "another worker took the send over after this one's lease ran out", "kind", kind, "lead_id", lead.ID)
		return claim.Status, nil
	} else if err != nil {
		return "", err
	}
	if claim.Status == leadgate.SendSent {
		s.log.InfoContext(ctx, "email sent", "kind", kind, "lead_id", lead.ID, "page", page.Slug, "message_id", claim.MessageID,
			metrics.Count(metrics.EmailsSent))
	}
	return claim.Status, nil
}

// claim claims a send. When another worker holds it, and its lease ends while this
// invocation still has time, it waits for the lease and claims again: a worker that
// died mid-send must not cost the email. It returns the claim (status sending) to
// send, or the stored send (sent or failed) when there is nothing to do.
func (s *Service) claim(ctx context.Context, email, key string) (leadgate.Send, error) {
	for attempt := 0; ; attempt++ {
		now := s.now()
		send, ok, err := s.store.ClaimSend(ctx, email, key, now, s.cfg.ClaimLease)
		if err != nil || ok {
			return send, err
		}
		if send.Status != leadgate.SendSending {
			return send, nil
		}
		wait := send.ClaimedAt.Add(s.cfg.ClaimLease).Sub(now) + 10*time.Millisecond
		deadline, hasDeadline := ctx.Deadline()
		if attempt > 0 || (hasDeadline && time.Until(deadline) < wait+storeTimeout) {
			return leadgate.Send{}, errInFlight
		}
		select {
		case <-ctx.Done():
			return leadgate.Send{}, errInFlight
		case <-time.After(wait):
		}
	}
}

// ambiguous reports a failure after which the provider may have accepted the email:
// the call timed out or the connection broke, rather than a refusal it answered.
func ambiguous(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		(errors.As(err, &netErr) && netErr.Timeout())
}

// sendCapped sends msg within the process's cap. It does not retry: the mailer
// retries what is worth retrying (SES's client, in adaptive mode, also slows down
// when throttled), and a retry here would only add to the load of a throttled
// account.
func (s *Service) sendCapped(ctx context.Context, msg leadgate.Message) (string, error) {
	if err := s.limiter.Wait(ctx); err != nil {
		return "", leadgate.Unavailable("wait for the send cap", err)
	}
	return s.mailer.Send(ctx, msg)
}

// message renders an email of kind to the lead, with the unsubscribe link and
// headers every follow-up carries.
func (s *Service) message(ctx context.Context, page leadgate.Page, lead leadgate.Lead, kind string, t leadgate.EmailTemplate, fill func(*emails.Data)) (leadgate.Message, error) {
	m, err := s.store.Magnet(ctx, page.MagnetID)
	if err != nil {
		return leadgate.Message{}, err
	}
	unsubToken := s.key.UnsubscribeToken(lead.ID)
	if err := s.store.PutUnsubscribe(ctx, leadgate.Unsubscribe{ID: leadgate.GrantID(unsubToken), Email: lead.Email, LeadID: lead.ID}); err != nil {
		return leadgate.Message{}, err
	}
	fromName := page.FollowUp.FromName
	if fromName == "" {
		fromName = s.cfg.FromName
	}
	d := emails.Data{Name: emails.VisitorName(lead.Name), PageTitle: page.Title, MagnetTitle: m.Title, MagnetKind: m.Kind, Delivery: m.DeliveryKind(), FromName: fromName,
		UnsubscribeURL: s.cfg.BaseURL + leadgate.InLocale(leadgate.UnsubscribePath(unsubToken), page.PageLocale()), LinkDays: int(page.DownloadLinkTTL().Hours() / 24),
		Locale: page.PageLocale(), PostalAddress: cmp.Or(page.FollowUp.PostalAddress, s.cfg.PostalAddress)}
	fill(&d)
	subject, text, html, err := emails.Render(kind, t, d)
	if err != nil {
		return leadgate.Message{}, err
	}
	return leadgate.Message{
		From: (&mail.Address{Name: fromName, Address: s.cfg.From}).String(), To: lead.Email, Subject: subject, Text: text, HTML: html,
		Headers: emails.UnsubscribeHeaders(d.UnsubscribeURL),
		Tags:    map[string]string{"kind": kind, "page": page.Slug, "lead_id": lead.ID},
	}, nil
}
