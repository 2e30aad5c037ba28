package webhooks

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"leadgate/shared/leadgate"
)

// Store is what the service needs of the store.
type Store interface {
	leadgate.WebhookStore
	LeadReader
}

// Notifier tells the marketer that an endpoint was disabled after failing too long.
type Notifier interface {
	EndpointDisabled(ctx context.Context, e leadgate.WebhookEndpoint) error
}

// Lease is how long a claim of a delivery holds before another worker may take it
// over: well past one post's timeout.
const Lease = 2 * time.Minute

// Backoff bounds: the first retry a minute after the first failure, doubling, at
// most 12 hours apart, each delay drawn between its half and itself (jitter), so
// that retries of one endpoint's many deliveries spread out.
const (
	backoffFirst = time.Minute
	backoffMax   = 12 * time.Hour
)

// Service creates deliveries from events and sends them.
type Service struct {
	store   Store
	sender  *Sender
	now     func() time.Time
	notify  Notifier
	workers int
	// tracking serialises the read-change-write of endpoints' failure state
	// among this process's workers, so that one endpoint is disabled (and its
	// marketer told) once.
	tracking sync.Mutex
}

// New returns the service: sender posts, now stamps attempts, notify (nil: nobody)
// hears of disabled endpoints.
func New(store Store, sender *Sender, now func() time.Time, notify Notifier) *Service {
	return &Service{store: store, sender: sender, now: now, notify: notify, workers: 32}
}

// Sender returns the service's sender (its policy checks URLs).
func (s *Service) Sender() *Sender { return s.sender }

// Store returns the service's store of endpoints and deliveries.
func (s *Service) Store() leadgate.WebhookStore { return s.store }

// EraseLead cancels the lead's pending deliveries, removes its data from the log,
// and queues lead.erased (its id only) for the endpoints that want it. It returns
// how many deliveries it changed. Erasing again queues the same event, once.
func (s *Service) EraseLead(ctx context.Context, email, leadID string, at time.Time) (int, error) {
	n, err := s.store.EraseDeliveries(ctx, email)
	if err != nil {
		return n, err
	}
	return n, s.Enqueue(ctx, ErasedEvent(leadID, at))
}

// HandleChange is the pipeline's reaction: each event of the change gets one
// delivery per endpoint that wants it, tried at once. A failed post is no error
// here: its retry is scheduled in the store. Only the store's errors hand the change
// back, and the replay creates nothing twice.
func (s *Service) HandleChange(ctx context.Context, ch leadgate.Change) error {
	events, err := EventsOf(ctx, s.store, ch)
	if err != nil || len(events) == 0 {
		return err
	}
	endpoints, err := s.store.WebhookEndpoints(ctx)
	if err != nil || len(endpoints) == 0 {
		return err
	}
	var created []leadgate.WebhookDelivery
	for _, ev := range events {
		ds, err := s.create(ctx, ev, endpoints)
		if err != nil {
			return err
		}
		created = append(created, ds...)
	}
	return s.attemptAll(ctx, created)
}

// Enqueue creates the event's deliveries, due at once, for the dispatcher to send:
// for the services that must not wait on a receiver (erasure).
func (s *Service) Enqueue(ctx context.Context, ev Event) error {
	endpoints, err := s.store.WebhookEndpoints(ctx)
	if err != nil {
		return err
	}
	_, err = s.create(ctx, ev, endpoints)
	return err
}

// create stores the event's delivery to each endpoint that wants it, and returns
// them (those stored before, on a replay, too: a crash may have left them unsent).
func (s *Service) create(ctx context.Context, ev Event, endpoints []leadgate.WebhookEndpoint) ([]leadgate.WebhookDelivery, error) {
	var out []leadgate.WebhookDelivery
	for _, e := range endpoints {
		if !e.Wants(ev.Type, ev.Page) {
			continue
		}
		d, err := s.newDelivery(ev, e.ID)
		if err != nil {
			return nil, err
		}
		if _, err := s.store.CreateDelivery(ctx, d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func (s *Service) newDelivery(ev Event, endpointID string) (leadgate.WebhookDelivery, error) {
	payload, err := ev.Payload()
	if err != nil {
		return leadgate.WebhookDelivery{}, leadgate.Internal("webhook payload", err)
	}
	now := s.now()
	return leadgate.WebhookDelivery{
		ID: leadgate.DeliveryID(ev.ID, endpointID), EndpointID: endpointID, EventID: ev.ID,
		EventType: ev.Type, Page: ev.Page, Email: ev.Email, Payload: payload,
		Status: leadgate.DeliveryPending, CreatedAt: now, NextAttemptAt: now,
		KeepUntil: now.Add(leadgate.WebhookLogRetention),
	}, nil
}

// Test sends a test event to one endpoint now and returns its delivery.
func (s *Service) Test(ctx context.Context, endpointID string) (leadgate.WebhookDelivery, error) {
	if _, err := s.store.WebhookEndpoint(ctx, endpointID); err != nil {
		return leadgate.WebhookDelivery{}, err
	}
	nonce := make([]byte, 8)
	_, _ = crand.Read(nonce)
	d, err := s.newDelivery(TestEvent(endpointID, s.now(), hex.EncodeToString(nonce)), endpointID)
	if err != nil {
		return d, err
	}
	if _, err := s.store.CreateDelivery(ctx, d); err != nil {
		return d, err
	}
	if err := s.attempt(ctx, d); err != nil {
		return d, err
	}
	return s.store.Delivery(ctx, endpointID, d.ID)
}

// Redeliver sends a delivery again now, with its id, and returns it.
func (s *Service) Redeliver(ctx context.Context, endpointID, id string) (leadgate.WebhookDelivery, error) {
	if _, err := s.store.WebhookEndpoint(ctx, endpointID); err != nil {
		return leadgate.WebhookDelivery{}, err
	}
	d, err := s.store.RedeliverDelivery(ctx, endpointID, id, s.now())
	if err != nil {
		return d, err
	}
	if err := s.attempt(ctx, d); err != nil {
		return d, err
	}
	return s.store.Delivery(ctx, endpointID, id)
}

// DeliverDue sends up to limit deliveries that are due, and returns how many it
// tried.
func (s *Service) DeliverDue(ctx context.Context, limit int) (int, error) {
	due, err := s.store.DueDeliveries(ctx, s.now(), limit)
	if err != nil {
		return 0, err
	}
	return len(due), s.attemptAll(ctx, due)
}

// attemptAll tries the deliveries with up to 32 workers: a slow receiver holds up one
// worker, not the batch. The first store error is returned.
func (s *Service) attemptAll(ctx context.Context, ds []leadgate.WebhookDelivery) error {
	if len(ds) == 1 {
		return s.attempt(ctx, ds[0])
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan leadgate.WebhookDelivery)
	)
	for range min(s.workers, len(ds)) {
		wg.Go(func() {
			for d := range next {
				if err := s.attempt(ctx, d); err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, d := range ds {
		next <- d
	}
	close(next)
	wg.Wait()
	return first
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// attempt claims a delivery, posts it, and records the outcome: delivered on a 2xx,
// failed for a refused target or after WebhookRetryFor, else pending again after a
// backoff. A delivery that is not claimable (sent, or another worker's) is left.
func (s *Service) attempt(ctx context.Context, d leadgate.WebhookDelivery) error {
	now := s.now()
	c, ok, err := s.store.ClaimDelivery(ctx, d.EndpointID, d.ID, now, Lease)
	if err != nil || !ok {
		return err
	}
	e, err := s.store.WebhookEndpoint(ctx, c.EndpointID)
	switch {
	case errors.Is(err, leadgate.ErrWebhookNotFound):
		return s.finish(ctx, c, leadgate.DeliveryCancelled, leadgate.DeliveryAttempt{At: now, Error: "the webhook was removed"})
	case err != nil:
		return err
	case !e.Enabled && c.EventType != leadgate.EventWebhookTest:
		return s.finish(ctx, c, leadgate.DeliveryCancelled, leadgate.DeliveryAttempt{At: now, Error: "the webhook is disabled"})
	case c.Payload == "":
		return s.finish(ctx, c, leadgate.DeliveryCancelled, leadgate.DeliveryAttempt{At: now, Error: "the content was erased"})
	}
	body, header, err := request(e, c, now)
	var res Result
	if err != nil {
		res = Result{Err: errors.Join(ErrRefusedTarget, err)}
	} else {
		res = s.sender.Post(ctx, e.URL, body, header)
	}
	at := leadgate.DeliveryAttempt{At: now, StatusCode: res.StatusCode, Error: res.describe(), Duration: res.Duration}
	status := leadgate.DeliveryPending
	switch {
	case res.OK():
		status, c.DeliveredAt = leadgate.DeliveryDelivered, now
	case res.Refused(), now.Sub(c.CreatedAt) >= leadgate.WebhookRetryFor:
		status = leadgate.DeliveryFailed
	default:
		c.NextAttemptAt = now.Add(Backoff(len(c.Attempts) + 1))
	}
	if err := s.finish(ctx, c, status, at); err != nil {
		return err
	}
	if c.EventType == leadgate.EventWebhookTest {
		return nil
	}
	return s.track(ctx, e.ID, res.OK(), now)
}

func (s *Service) finish(ctx context.Context, c leadgate.WebhookDelivery, status leadgate.DeliveryStatus, at leadgate.DeliveryAttempt) error {
	c.Status = status
	if status != leadgate.DeliveryPending {
		c.NextAttemptAt = time.Time{}
	}
	c.Record(at)
	err := s.store.FinishDelivery(ctx, c)
	if errors.Is(err, leadgate.ErrDeliveryClaimLost) {
		// Another worker took it over (or erasure cancelled it): its record stands.
		return nil
	}
	return err
}

// track keeps the endpoint's failing-since time: cleared by a success, set by the
// first failure, and the endpoint disabled, with the marketer told, once it has
// failed for WebhookDisableAfter.
func (s *Service) track(ctx context.Context, id string, ok bool, now time.Time) error {
	s.tracking.Lock()
	defer s.tracking.Unlock()
	e, err := s.store.WebhookEndpoint(ctx, id)
	if errors.Is(err, leadgate.ErrWebhookNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case ok && !e.FailingSince.IsZero():
		e.FailingSince = time.Time{}
	case ok, !e.Enabled:
		return nil
	case e.FailingSince.IsZero():
		e.FailingSince = now
	case now.Sub(e.FailingSince) >= leadgate.WebhookDisableAfter:
		e.Enabled, e.DisabledAt = false, now
		if err := s.store.PutWebhookEndpoint(ctx, e); err != nil {
			return err
		}
		if s.notify != nil {
			// The endpoint is disabled whether or not the email goes: a mail
			// error must not send the deliveries again.
			_ = s.notify.EndpointDisabled(ctx, e)
		}
		return nil
	default:
		return nil
	}
	return s.store.PutWebhookEndpoint(ctx, e)
}

// Backoff returns the delay before the retry that follows attempt n (1 for the
// first failure): exponential, capped, with jitter.
func Backoff(n int) time.Duration {
	d := backoffMax
	if n < 20 {
		d = min(backoffFirst<<(n-1), backoffMax)
	}
	return d/2 + rand.N(d/2+1)
}

// request returns the body and headers of a delivery to e at now.
func request(e leadgate.WebhookEndpoint, d leadgate.WebhookDelivery, now time.Time) ([]byte, http.Header, error) {
	body := []byte(d.Payload)
	header := http.Header{}
	header.Set(HeaderID, d.ID)
	header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	if e.Kind == leadgate.EndpointSlack {
		msg, err := SlackMessage(body)
		return msg, header, err
	}
	sig, err := Sign(d.ID, now, body, e.SigningSecrets(now))
	if err != nil {
		return nil, nil, err
	}
	header.Set(HeaderSignature, sig)
	return body, header, nil
}
