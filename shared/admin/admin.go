// Package admin is the marketer's and operator's service: pages and magnets saved
// and listed, upload links for magnet files, a page's leads listed and exported,
// one lead's data exported or erased, campaign spend, funnel stats, and download
// links revoked. The admin API's handlers and leadctl (through that API) both use
// it, so each rule lives here once; it works on ports and builds no adapter.
package admin

import (
	"context"
	"errors"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
	"leadgate/shared/webhooks"
)

// Store is the part of the lead store the service works on.
type Store interface {
	Page(ctx context.Context, slug string) (leadgate.Page, error)
	Pages(ctx context.Context) ([]leadgate.Page, error)
	PutPage(ctx context.Context, p leadgate.Page) error
	DeletePage(ctx context.Context, slug string) error
	Magnet(ctx context.Context, id string) (leadgate.Magnet, error)
	Magnets(ctx context.Context) ([]leadgate.Magnet, error)
	PutMagnet(ctx context.Context, m leadgate.Magnet) error

	PageLeads(ctx context.Context, page string, since time.Time, cursor string, limit int) (leadgate.PageLeads, error)
	LeadByEmail(ctx context.Context, email string) (leadgate.Lead, error)
	Submissions(ctx context.Context, email string) ([]leadgate.Submission, error)
	EraseLead(ctx context.Context, e leadgate.Erasure) (leadgate.Erased, error)
	Leads(ctx context.Context, q leadgate.LeadQuery) (leadgate.LeadList, error)

	Grant(ctx context.Context, id string) (leadgate.Grant, error)
	RevokeGrant(ctx context.Context, id string) error

	PageStats(ctx context.Context, page, from, to string) ([]leadgate.SourceDayCounts, error)
	Spends(ctx context.Context, page string) ([]leadgate.Spend, error)
	Overview(ctx context.Context) (leadgate.Overview, error)
	PutSpend(ctx context.Context, s leadgate.Spend) error

	AddCoupons(ctx context.Context, magnetID string, codes []string) (int, error)
	CouponStock(ctx context.Context, magnetID string) (leadgate.CouponStock, error)
}

// EraseHook removes what a deployment keeps of an address outside the store (the
// local outbox's messages) and returns how many things it removed.
type EraseHook func(ctx context.Context, email string) (int, error)

// Service holds the admin rules.
type Service struct {
	store   Store
	objects leadgate.ObjectStore
	// key derives the ids of a lead's links (grants, confirmations, unsubscribe),
	// which the store keeps only as hashes of their tokens.
	key     *signing.Key
	now     func() time.Time
	onErase EraseHook
	hooks   *webhooks.Service // nil: no webhooks (WithWebhooks)
	// postalAddress is the deployment's sender address for email footers
	// (WithPostalAddress); without one, no page may have nurture steps.
	postalAddress string
	// markdown renders the pages' Markdown texts (WithMarkdown); nil: no page
	// can be saved.
	markdown func(string) string
}

// New returns the service. key may be nil where no lead is exported or erased.
func New(store Store, objects leadgate.ObjectStore, key *signing.Key, now func() time.Time) *Service {
	return &Service{store: store, objects: objects, key: key, now: now}
}

// WithEraseHook makes every erasure call hook after the store's erasure, and also
// when the store has no such lead, so that a retry finishes an erasure whose hook
// failed.
func (s *Service) WithEraseHook(hook EraseHook) *Service {
	s.onErase = hook
	return s
}

// WithPostalAddress gives the service the deployment's postal address, which every
// email's footer shows: pages may have nurture steps only when there is one.
func (s *Service) WithPostalAddress(address string) *Service {
	s.postalAddress = address
	return s
}

// stamp is now as stores keep it: UTC, whole milliseconds.
func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

var errNoKey = errors.New("the admin service was built without the signing key")
