// Package downloads hands lead magnets to the leads allowed them: a click on a
// grant's link is checked and counted in one store write, then answered with a URL
// to the file that lives minutes; counted downloads go into the daily counters from
// the change feed (funnel.Counter).
package downloads

import (
	"context"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

// URLTTL is how long the file URL of one click works: long enough to start the
// download, too short to be worth sharing.
const URLTTL = 5 * time.Minute

// Store is what the download route needs of a lead store.
type Store interface {
	Page(ctx context.Context, slug string) (leadgate.Page, error)
	Grant(ctx context.Context, id string) (leadgate.Grant, error)
	UseGrant(ctx context.Context, id string, t time.Time) (leadgate.Grant, error)
}

// Service serves download links.
type Service struct {
	store   Store
	objects leadgate.ObjectStore
	now     func() time.Time
	// key signs a trial's token of the address (delivery.go); nil: trials carry
	// the address itself.
	key *signing.Key
}

// New returns the download service.
func New(store Store, objects leadgate.ObjectStore, now func() time.Time) *Service {
	return &Service{store: store, objects: objects, now: now}
}

var errUnknown = leadgate.ErrGrantNotFound

// Download checks the grant behind token, counts the download, and returns the
// file's short-lived URL. On EGONE the grant is returned too, to say which page's
// form gives a new link.
func (s *Service) Download(ctx context.Context, token string) (string, leadgate.Grant, error) {
	if !wellFormed(token) {
		return "", leadgate.Grant{}, errUnknown
	}
	g, err := s.store.UseGrant(ctx, leadgate.GrantID(token), s.now().UTC().Truncate(time.Millisecond))
	if err != nil {
		return "", g, err
	}
	url, err := s.target(ctx, g)
	return url, g, err
}

// Check answers as Download would, without counting: for HEAD requests, which link
// checkers and mail scanners make.
func (s *Service) Check(ctx context.Context, token string) (string, leadgate.Grant, error) {
	if !wellFormed(token) {
		return "", leadgate.Grant{}, errUnknown
	}
	g, err := s.store.Grant(ctx, leadgate.GrantID(token))
	if err != nil {
		return "", g, err
	}
	if err := g.Usable(s.now()); err != nil {
		return "", g, err
	}
	url, err := s.target(ctx, g)
	return url, g, err
}

// Page returns a page, to offer its form again when a link has expired.
func (s *Service) Page(ctx context.Context, slug string) (leadgate.Page, error) {
	return s.store.Page(ctx, slug)
}

func wellFormed(token string) bool { return signing.WellFormedToken(token) }
