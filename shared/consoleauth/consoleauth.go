// Package consoleauth signs marketers in to the console: a one-time link emailed to
// an address on the console's allowlist opens a server-side session, named by the
// token of a cookie, that ends when idle, at an absolute limit, or on sign-out. It
// makes and checks tokens and sessions; sending the link and setting the cookie are
// the caller's.
package consoleauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

// Store is what the service needs of a store.
type Store interface {
	PutSignInLink(ctx context.Context, l leadgate.SignInLink) error
	UseSignInLink(ctx context.Context, id string, now time.Time) (leadgate.SignInLink, error)
	PutSession(ctx context.Context, s leadgate.Session) error
	TouchSession(ctx context.Context, id string, now time.Time) (leadgate.Session, error)
	RevokeSession(ctx context.Context, id string, now time.Time) error
	RevokeSessions(ctx context.Context, email string, now time.Time) error
	CountSignInRequest(ctx context.Context, l leadgate.RateLimit, now time.Time) error
	// Passkeys (passkeys.go).
	PutPasskey(ctx context.Context, p leadgate.Passkey) error
	Passkeys(ctx context.Context, email string) ([]leadgate.Passkey, error)
	PasskeyByCredentialID(ctx context.Context, id string) (leadgate.Passkey, error)
	UpdatePasskeySignCount(ctx context.Context, id string, count uint32, now time.Time) error
	DeletePasskey(ctx context.Context, email, id string) error
	PutPasskeyCeremony(ctx context.Context, c leadgate.PasskeyCeremony) error
	TakePasskeyCeremony(ctx context.Context, id string, now time.Time) (leadgate.PasskeyCeremony, error)
}

var _ Store = leadgate.ConsoleStore(nil)

// Config names who may sign in and how often links may be asked for.
type Config struct {
	Users leadgate.ConsoleUsers
	// At most RatePerEmail link requests per address and RatePerIP per client IP in
	// each RateWindow; 0 turns that limit off. Requests for addresses that may not
	// sign in count too, so that the limits answer alike for every address.
	RatePerEmail int
	RatePerIP    int
	RateWindow   time.Duration
}

// DefaultConfig is what a deployment gets for its users unless it says otherwise.
func DefaultConfig(users leadgate.ConsoleUsers) Config {
	return Config{Users: users, RatePerEmail: 5, RatePerIP: 20, RateWindow: time.Hour}
}

// Service signs console users in and out.
type Service struct {
	store Store
	key   *signing.Key
	cfg   Config
	now   func() time.Time
}

// New returns the service; key names the rate counters, now is the clock (time.Now
// in production).
func New(store Store, key *signing.Key, cfg Config, now func() time.Time) *Service {
	return &Service{store: store, key: key, cfg: cfg, now: now}
}

// Link is a sign-in link to email: the caller puts the token in the link's URL.
type Link struct {
	Token     string
	Email     string // normalised
	ExpiresAt time.Time
}

// RequestLink makes a sign-in link for the address as typed, if it may sign in:
// ok is false, with no error, for any other address, so that the caller answers
// every request alike ("if the address may sign in, a link is on its way"). A
// malformed address is EINVALID; a request over a rate limit is
// ErrSignInRequestsLimited, whether or not the address may sign in.
func (s *Service) RequestLink(ctx context.Context, typed, ip string) (link Link, ok bool, err error) {
	email, fe := leadgate.NormaliseEmail(typed)
	if fe != nil {
		return Link{}, false, leadgate.Invalid(*fe)
	}
	now := s.clock()
	if s.cfg.RatePerIP > 0 && ip != "" {
		l := leadgate.RateLimit{Key: "signin-ip:" + s.key.Digest("signin-ip", ip), Limit: s.cfg.RatePerIP, Window: s.cfg.RateWindow}
		if err := s.store.CountSignInRequest(ctx, l, now); err != nil {
			return Link{}, false, err
		}
	}
	if s.cfg.RatePerEmail > 0 {
		l := leadgate.RateLimit{Key: "signin-email:" + s.key.Digest("signin-email", email), Limit: s.cfg.RatePerEmail, Window: s.cfg.RateWindow}
		if err := s.store.CountSignInRequest(ctx, l, now); err != nil {
			return Link{}, false, err
		}
	}
	if !s.cfg.Users.Allows(email) {
		return Link{}, false, nil
	}
	token := NewToken()
	l := leadgate.NewSignInLink(token, email, now)
	if err := s.store.PutSignInLink(ctx, l); err != nil {
		return Link{}, false, err
	}
	return Link{Token: token, Email: email, ExpiresAt: l.ExpiresAt}, true, nil
}

// UseLink signs in with a link's token: the link works once, within SignInLinkTTL,
// for an address that may still sign in. It returns the new session and its token,
// for the cookie. A token that is no link's, or a link of an address no longer
// allowed, is ErrSignInLinkUnknown; a used or expired one ErrSignInLinkUsed or
// ErrSignInLinkExpired.
func (s *Service) UseLink(ctx context.Context, token string) (string, leadgate.Session, error) {
	if !leadgate.WellFormedConsoleToken(token) {
		return "", leadgate.Session{}, leadgate.ErrSignInLinkUnknown
	}
	now := s.clock()
	l, err := s.store.UseSignInLink(ctx, leadgate.SignInLinkID(token), now)
	if err != nil {
		return "", leadgate.Session{}, err
	}
	if !s.cfg.Users.Allows(l.Email) {
		return "", leadgate.Session{}, leadgate.ErrSignInLinkUnknown
	}
	return s.openSession(ctx, l.Email, now)
}

// openSession opens a session for the address, signed in at now, however it
// signed in (an emailed link, a passkey), and returns it with its token.
func (s *Service) openSession(ctx context.Context, email string, now time.Time) (string, leadgate.Session, error) {
	token := NewToken()
	ses := leadgate.NewSession(token, email, now)
	if err := s.store.PutSession(ctx, ses); err != nil {
		return "", leadgate.Session{}, err
	}
	return token, ses, nil
}

// Session returns the session of a cookie's token, if it still works, and records
// its use: its idle expiry moves, its absolute one does not. A session whose address
// was taken off the allowlist is revoked. Any session that does not work is
// EUNAUTHORIZED: ErrSessionUnknown, ErrSessionExpired or ErrSessionRevoked.
func (s *Service) Session(ctx context.Context, token string) (leadgate.Session, error) {
	if !leadgate.WellFormedConsoleToken(token) {
		return leadgate.Session{}, leadgate.ErrSessionUnknown
	}
	now := s.clock()
	ses, err := s.store.TouchSession(ctx, leadgate.SessionID(token), now)
	if err != nil {
		return leadgate.Session{}, err
	}
	if !s.cfg.Users.Allows(ses.Email) {
		if err := s.store.RevokeSession(ctx, ses.ID, now); err != nil {
			return leadgate.Session{}, err
		}
		return leadgate.Session{}, leadgate.ErrSessionRevoked
	}
	return ses, nil
}

// SignOut ends the session of a cookie's token. A token of no session is signed
// out already: no error.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if !leadgate.WellFormedConsoleToken(token) {
		return nil
	}
	err := s.store.RevokeSession(ctx, leadgate.SessionID(token), s.clock())
	if errors.Is(err, leadgate.ErrSessionUnknown) {
		return nil
	}
	return err
}

// SignOutEverywhere ends every session of the user signed in with the cookie's
// token, this one included; the session must still work.
func (s *Service) SignOutEverywhere(ctx context.Context, token string) error {
	ses, err := s.Session(ctx, token)
	if err != nil {
		return err
	}
	return s.store.RevokeSessions(ctx, ses.Email, s.clock())
}

// clock returns the time now in UTC, to the millisecond, as records are stamped.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// NewToken returns a new console token: 32 random bytes in unpadded base64url, as
// leadgate.WellFormedConsoleToken accepts.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}
