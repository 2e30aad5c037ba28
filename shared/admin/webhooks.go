package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/webhooks"
)

// WithWebhooks lets the service manage webhook endpoints, and makes every erasure
// cancel the lead's deliveries and announce lead.erased.
func (s *Service) WithWebhooks(hooks *webhooks.Service) *Service {
	s.hooks = hooks
	return s
}

var errNoWebhooks = leadgate.Errorf(leadgate.EUNAVAILABLE, "webhooks are not set up in this deployment")

// Webhook is an endpoint as the admin API and the console show it: never its
// secrets, but the new one when it was just made (created or rotated), and its
// recent deliveries when one endpoint is asked for.
type Webhook struct {
	leadgate.WebhookEndpoint
	Secret     string                     `json:"secret,omitempty"`
	Deliveries []leadgate.WebhookDelivery `json:"deliveries,omitempty"`
}

// WebhookInput is what creating an endpoint takes.
type WebhookInput struct {
	URL         string                `json:"url"`
	Kind        leadgate.EndpointKind `json:"kind,omitempty"` // "": webhook
	Events      []string              `json:"events"`
	Pages       []string              `json:"pages,omitempty"`
	Description string                `json:"description,omitempty"`
}

// WebhookPatch is what changing an endpoint takes: nil fields stay.
type WebhookPatch struct {
	URL         *string   `json:"url,omitempty"`
	Events      *[]string `json:"events,omitempty"`
	Pages       *[]string `json:"pages,omitempty"`
	Description *string   `json:"description,omitempty"`
	Enabled     *bool     `json:"enabled,omitempty"`
	// RotateSecret makes a new secret; the old ones keep signing for a day.
	RotateSecret bool `json:"rotate_secret,omitempty"`
}

// RecentDeliveries is how many deliveries one endpoint's view shows.
const RecentDeliveries = 50

// secretOverlap is how long a rotated secret keeps signing.
const secretOverlap = 24 * time.Hour

func (s *Service) webhookStore() (leadgate.WebhookStore, error) {
	if s.hooks == nil {
		return nil, errNoWebhooks
	}
	return s.hooks.Store(), nil
}

func view(e leadgate.WebhookEndpoint) Webhook {
	e.Secrets = nil
	return Webhook{WebhookEndpoint: e}
}

// checkURL refuses a URL the deployment's sender would refuse, next to the field.
func (s *Service) checkURL(url string) error {
	if err := s.hooks.Sender().Policy().CheckURL(url); err != nil {
		msg := strings.TrimPrefix(err.Error(), webhooks.ErrRefusedTarget.Error()+": ")
		return leadgate.Invalid(leadgate.FieldError{Field: "url", Code: "refused", Message: msg})
	}
	return nil
}

// CreateWebhook stores a new endpoint with a new id and secret, and answers it with
// the secret.
func (s *Service) CreateWebhook(ctx context.Context, in WebhookInput) (Webhook, error) {
	store, err := s.webhookStore()
	if err != nil {
		return Webhook{}, err
	}
	all, err := store.WebhookEndpoints(ctx)
	if err != nil {
		return Webhook{}, err
	}
	if len(all) >= leadgate.MaxWebhookEndpoints {
		return Webhook{}, leadgate.ErrTooManyWebhooks
	}
	secret, err := webhooks.NewSecret()
	if err != nil {
		return Webhook{}, leadgate.Internal("webhook secret", err)
	}
	id := make([]byte, 6)
	if _, err := rand.Read(id); err != nil {
		return Webhook{}, leadgate.Internal("webhook id", err)
	}
	if in.Kind == "" {
		in.Kind = leadgate.EndpointWebhook
	}
	now := s.stamp()
	e := leadgate.WebhookEndpoint{
		ID: "wh_" + hex.EncodeToString(id), URL: strings.TrimSpace(in.URL), Kind: in.Kind,
		Events: in.Events, Pages: in.Pages, Description: strings.TrimSpace(in.Description), Enabled: true,
		Secrets: []leadgate.WebhookSecret{{Secret: secret, CreatedAt: now}}, CreatedAt: now,
	}
	if err := s.saveWebhook(ctx, store, e); err != nil {
		return Webhook{}, err
	}
	w := view(e)
	w.Secret = secret
	return w, nil
}

func (s *Service) saveWebhook(ctx context.Context, store leadgate.WebhookStore, e leadgate.WebhookEndpoint) error {
	e.Events = dedupe(e.Events)
	e.Pages = dedupe(e.Pages)
	if err := e.Validate(); err != nil {
		return err
	}
	if err := s.checkURL(e.URL); err != nil {
		return err
	}
	return store.PutWebhookEndpoint(ctx, e)
}

func dedupe(ss []string) []string {
	var out []string
	for _, v := range ss {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// Webhooks lists the endpoints, by id.
func (s *Service) Webhooks(ctx context.Context) ([]Webhook, error) {
	store, err := s.webhookStore()
	if err != nil {
		return nil, err
	}
	all, err := store.WebhookEndpoints(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Webhook, 0, len(all))
	for _, e := range all {
		out = append(out, view(e))
	}
	return out, nil
}

// Webhook returns one endpoint with its recent deliveries, newest first.
func (s *Service) Webhook(ctx context.Context, id string) (Webhook, error) {
	store, err := s.webhookStore()
	if err != nil {
		return Webhook{}, err
	}
	e, err := store.WebhookEndpoint(ctx, id)
	if err != nil {
		return Webhook{}, err
	}
	ds, err := store.Deliveries(ctx, id, RecentDeliveries)
	if err != nil {
		return Webhook{}, err
	}
	w := view(e)
	w.Deliveries = ds
	return w, nil
}

// UpdateWebhook applies a patch. Turning an endpoint on again forgets its failures.
func (s *Service) UpdateWebhook(ctx context.Context, id string, p WebhookPatch) (Webhook, error) {
	store, err := s.webhookStore()
	if err != nil {
		return Webhook{}, err
	}
	e, err := store.WebhookEndpoint(ctx, id)
	if err != nil {
		return Webhook{}, err
	}
	now := s.stamp()
	if p.URL != nil {
		e.URL = strings.TrimSpace(*p.URL)
	}
	if p.Events != nil {
		e.Events = *p.Events
	}
	if p.Pages != nil {
		e.Pages = *p.Pages
	}
	if p.Description != nil {
		e.Description = strings.TrimSpace(*p.Description)
	}
	if p.Enabled != nil {
		if *p.Enabled && !e.Enabled {
			e.FailingSince, e.DisabledAt = time.Time{}, time.Time{}
		}
		e.Enabled = *p.Enabled
	}
	var secret string
	if p.RotateSecret {
		if secret, err = webhooks.NewSecret(); err != nil {
			return Webhook{}, leadgate.Internal("webhook secret", err)
		}
		e.Rotate(secret, now, secretOverlap)
	}
	e.UpdatedAt = now
	if err := s.saveWebhook(ctx, store, e); err != nil {
		return Webhook{}, err
	}
	w := view(e)
	w.Secret = secret
	return w, nil
}

// DeleteWebhook removes an endpoint; its pending deliveries are cancelled.
func (s *Service) DeleteWebhook(ctx context.Context, id string) error {
	store, err := s.webhookStore()
	if err != nil {
		return err
	}
	return store.DeleteWebhookEndpoint(ctx, id)
}

// TestWebhook sends a test event to the endpoint now and answers its delivery.
func (s *Service) TestWebhook(ctx context.Context, id string) (leadgate.WebhookDelivery, error) {
	if s.hooks == nil {
		return leadgate.WebhookDelivery{}, errNoWebhooks
	}
	return s.hooks.Test(ctx, id)
}

// Redeliver sends one of the endpoint's deliveries again now, with the same id.
func (s *Service) Redeliver(ctx context.Context, id, delivery string) (leadgate.WebhookDelivery, error) {
	if s.hooks == nil {
		return leadgate.WebhookDelivery{}, errNoWebhooks
	}
	return s.hooks.Redeliver(ctx, id, delivery)
}
