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
	key     *signing.Key
	now     func() time.Time
}

// New returns the download service; key recognises the decoy links a bot's fake
// success carries, and signs a trial's token of the address (delivery.go).
func New(store Store, objects leadgate.ObjectStore, key *signing.Key, now func() time.Time) *Service {
	return &Service{store: store, objects: objects, key: key, now: now}
}

var errUnknown = leadgate.ErrGrantNotFound

// Download checks the grant behind token, counts the download, and returns the
// file's short-lived URL: what a person's click on the link page's button asks. On
// EGONE the grant is returned too, to say which page's form gives a new link. A
// decoy link gets a URL of the same kind to a file that does not exist.
func (s *Service) Download(ctx context.Context, token string) (string, leadgate.Grant, error) {
	if !wellFormed(token) {
		return "", leadgate.Grant{}, errUnknown
	}
	g, err := s.store.UseGrant(ctx, leadgate.GrantID(token), s.now().UTC().Truncate(time.Millisecond))
	if s.decoy(token, err) {
		url, err := s.objects.DownloadURL(ctx, decoyObjectKey(token), decoyFileName, decoyContentType, URLTTL)
		return url, leadgate.Grant{}, err
	}
	if err != nil {
		return "", g, err
	}
	url, err := s.target(ctx, g)
	return url, g, err
}

// Check answers whether the link works, without counting: for the GET and HEAD of
// the link itself, which mail scanners, link previewers and prefetching browsers
// make as well as people. A decoy link works, as far as Check says.
func (s *Service) Check(ctx context.Context, token string) (leadgate.Grant, error) {
	if !wellFormed(token) {
		return leadgate.Grant{}, errUnknown
	}
	g, err := s.store.Grant(ctx, leadgate.GrantID(token))
	if s.decoy(token, err) {
		return leadgate.Grant{}, nil
	}
	if err != nil {
		return g, err
	}
	return g, g.Usable(s.now())
}

// decoy reports whether a link the store does not know is a decoy: asked after the
// store, so that a decoy takes the time a real link takes.
func (s *Service) decoy(token string, err error) bool {
	return leadgate.ErrorCode(err) == leadgate.ENOTFOUND && s.key != nil && s.key.IsDecoyGrantToken(token)
}

// A decoy's file: named like the usual magnet, under a key in the magnets' prefix
// that no magnet can have (magnet ids are lower-case slugs), so the file host
// answers that it has no such file.
const (
	decoyFileName    = "download.pdf"
	decoyContentType = "application/pdf"
)

func decoyObjectKey(token string) string {
	id := leadgate.GrantID(token)[:16]
	if leadgate.ValidSlug(id) {
		id = "X" + id[1:]
	}
	return leadgate.MagnetKeyPrefix + id + ".pdf"
}

// Page returns a page, to offer its form again when a link has expired.
func (s *Service) Page(ctx context.Context, slug string) (leadgate.Page, error) {
	return s.store.Page(ctx, slug)
}

func wellFormed(token string) bool { return signing.WellFormedToken(token) }
