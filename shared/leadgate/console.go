package leadgate

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// The marketer console's sign-in: a console user is a normalised address on the
// console's allowlist (the stack's ConsoleUsers parameter, or a local setting). They
// sign in with a one-time link emailed to them, or a passkey registered once signed
// in; signing in opens a server-side session named by a cookie's token. Links and
// sessions are stored only under a hash of their token (as grants are), so a copy of
// the store opens nothing.

// Lifetimes of sign-in links and sessions.
const (
	// SignInLinkTTL is how long an emailed sign-in link works (once).
	SignInLinkTTL = 15 * time.Minute
	// SessionIdleTTL: a session not used for this long has ended.
	SessionIdleTTL = 12 * time.Hour
	// SessionAbsoluteTTL: a session ends this long after sign-in, however used.
	SessionAbsoluteTTL = 7 * 24 * time.Hour
)

// How long a console record is kept after it stops working, so that a late click or
// an old cookie meets "expired" rather than "unknown". A store may forget a record
// once its PurgeAt has passed (the DynamoDB TTL; the embedded store prunes), and an
// operation given the time treats such a record as unknown, so both stores answer
// alike whether or not it is gone yet.
const (
	SignInLinkRetention = 7 * 24 * time.Hour
	SessionRetention    = 24 * time.Hour
	// PasskeyRetention: a passkey unused for this long is forgotten; its user signs
	// in with an email link and registers it again.
	PasskeyRetention = 400 * 24 * time.Hour
)

// ConsoleTokenLength is the length of every console token (sign-in link, session):
// 32 random bytes in unpadded base64url.
const ConsoleTokenLength = 43

// ConsoleStore is the port of the console's sign-in records; every Store has it, and
// storetest.RunConsoleConformance checks it. Records past their PurgeAt may be gone:
// the operations given now answer for them as for unknown ones.
type ConsoleStore interface {
	// PutSignInLink stores a new link; ErrSignInLinkExists if one has its ID.
	PutSignInLink(ctx context.Context, l SignInLink) error
	// UseSignInLink marks the link used at now, once, in one write: of two uses at the
	// same time one wins. ErrSignInLinkUnknown for no such link (or one past its
	// PurgeAt); ErrSignInLinkUsed or ErrSignInLinkExpired otherwise, changing nothing.
	UseSignInLink(ctx context.Context, id string, now time.Time) (SignInLink, error)

	// PutSession stores a new session; ErrSessionExists if one has its ID.
	PutSession(ctx context.Context, s Session) error
	// Session returns the session as stored, valid or not; ErrSessionUnknown for
	// none.
	Session(ctx context.Context, id string) (Session, error)
	// TouchSession checks the session at now and, if it still works, moves its last
	// use to now and its idle expiry to now + SessionIdleTTL, in one write; its
	// absolute expiry stays. ErrSessionUnknown for no such session (or one past its
	// PurgeAt); ErrSessionRevoked or ErrSessionExpired otherwise, changing nothing.
	TouchSession(ctx context.Context, id string, now time.Time) (Session, error)
	// RevokeSession ends a session at now; revoking it again changes nothing.
	// ErrSessionUnknown for no such session.
	RevokeSession(ctx context.Context, id string, now time.Time) error
	// RevokeSessions ends every session of the address at now ("sign out
	// everywhere"); none is no error.
	RevokeSessions(ctx context.Context, email string, now time.Time) error

	// PutPasskey stores a newly registered passkey; ErrPasskeyExists if one has its
	// credential ID, whoever's it is.
	PutPasskey(ctx context.Context, p Passkey) error
	// Passkeys returns the address's passkeys, oldest first (then by ID); none is
	// an empty list.
	Passkeys(ctx context.Context, email string) ([]Passkey, error)
	// PasskeyByCredentialID returns the passkey with that credential ID (Passkey.ID);
	// ErrPasskeyUnknown for none.
	PasskeyByCredentialID(ctx context.Context, id string) (Passkey, error)
	// UpdatePasskeySignCount records a sign-in with the passkey at now that reported
	// the authenticator's signature counter count, in one write. The counter only
	// grows: ErrPasskeySignCount, changing nothing, for a count not above the stored
	// one (unless both are 0: an authenticator without a counter). ErrPasskeyUnknown
	// for no such passkey (or one past its PurgeAt).
	UpdatePasskeySignCount(ctx context.Context, id string, count uint32, now time.Time) error
	// DeletePasskey removes the address's passkey with that credential ID, in one
	// write; ErrPasskeyUnknown, changing nothing, if the address has none such.
	DeletePasskey(ctx context.Context, email, id string) error

	// PutPasskeyCeremony stores the state of a begun passkey ceremony;
	// ErrPasskeyCeremonyExists if one has its ID.
	PutPasskeyCeremony(ctx context.Context, c PasskeyCeremony) error
	// TakePasskeyCeremony removes the ceremony and returns it, in one write, so that
	// it finishes once: of two takes at the same time one gets it.
	// ErrPasskeyCeremonyUnknown for none, or one expired at now (removed as well).
	TakePasskeyCeremony(ctx context.Context, id string, now time.Time) (PasskeyCeremony, error)

	// CountSignInRequest counts one sign-in link request at now against l, whose Key
	// is a digest (never a raw address or IP): at most l.Limit in each fixed window
	// of l.Window (or the one window from l.Start). Over the limit it counts nothing
	// and returns SignInRateLimited. The capture service counts coupon claims on it
	// too, under keys of their own.
	CountSignInRequest(ctx context.Context, l RateLimit, now time.Time) error
}

// ConsoleUsers is the console's allowlist: the normalised addresses that may sign in.
type ConsoleUsers struct {
	emails []string
	set    map[string]bool
}

// ParseConsoleUsers reads an allowlist: addresses separated by commas, semicolons or
// white space, as the ConsoleUsers parameter or a local setting gives them.
// Duplicates count once; an empty list allows no one.
func ParseConsoleUsers(list string) (ConsoleUsers, error) {
	u := ConsoleUsers{set: map[string]bool{}}
	fields := strings.FieldsFunc(list, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	for _, f := range fields {
		email, fe := NormaliseEmail(f)
		if fe != nil {
			return ConsoleUsers{}, fmt.Errorf("console users: %q: %s", f, fe.Message)
		}
		if !u.set[email] {
			u.set[email] = true
			u.emails = append(u.emails, email)
		}
	}
	return u, nil
}

// Allows reports whether the normalised address may sign in.
func (u ConsoleUsers) Allows(email string) bool { return u.set[email] }

// Emails returns the allowed addresses in the order the list gave them.
func (u ConsoleUsers) Emails() []string { return append([]string(nil), u.emails...) }

// tokenID is the key a console record is stored under: a hash of its token.
func tokenID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// WellFormedConsoleToken reports whether s can be a console token at all, so that
// junk costs no store request.
func WellFormedConsoleToken(s string) bool {
	if len(s) != ConsoleTokenLength {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// SignInLink is a one-time sign-in link emailed to a console user. Its token is
// never stored: the link is kept under SignInLinkID(token).
type SignInLink struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	UsedAt    time.Time `json:"used_at,omitzero"`
}

// SignInLinkID is the key a sign-in link is stored under: a hash of its token.
func SignInLinkID(token string) string { return tokenID(token) }

// NewSignInLink returns the link of token for the address, made at now.
func NewSignInLink(token, email string, now time.Time) SignInLink {
	return SignInLink{ID: SignInLinkID(token), Email: email, CreatedAt: now, ExpiresAt: now.Add(SignInLinkTTL)}
}

// Usable returns nil if the link may sign in at now, or the error that says why not.
func (l SignInLink) Usable(now time.Time) error {
	switch {
	case !l.UsedAt.IsZero():
		return ErrSignInLinkUsed
	case !now.Before(l.ExpiresAt):
		return ErrSignInLinkExpired
	}
	return nil
}

// PurgeAt is when a store may forget the link.
func (l SignInLink) PurgeAt() time.Time { return l.ExpiresAt.Add(SignInLinkRetention) }

// Session is a signed-in console user's server-side session, named by the cookie's
// token; it is kept under SessionID(token). It ends when idle for SessionIdleTTL,
// SessionAbsoluteTTL after sign-in, or when revoked.
type Session struct {
	ID                string    `json:"id"`
	Email             string    `json:"email"`
	CreatedAt         time.Time `json:"created_at"`
	LastSeenAt        time.Time `json:"last_seen_at"`
	IdleExpiresAt     time.Time `json:"idle_expires_at"`
	AbsoluteExpiresAt time.Time `json:"absolute_expires_at"`
	Revoked           bool      `json:"revoked,omitempty"`
	RevokedAt         time.Time `json:"revoked_at,omitzero"`
}

// SessionID is the key a session is stored under: a hash of its cookie's token.
func SessionID(token string) string { return tokenID(token) }

// NewSession returns the session of token for the address, signed in at now.
func NewSession(token, email string, now time.Time) Session {
	return Session{
		ID: SessionID(token), Email: email, CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(SessionIdleTTL), AbsoluteExpiresAt: now.Add(SessionAbsoluteTTL),
	}
}

// EndsAt is when the session stops working unless used before: its idle expiry, or
// its absolute one if sooner.
func (s Session) EndsAt() time.Time {
	if s.IdleExpiresAt.Before(s.AbsoluteExpiresAt) {
		return s.IdleExpiresAt
	}
	return s.AbsoluteExpiresAt
}

// Valid returns nil if the session works at now, or the error that says why not.
func (s Session) Valid(now time.Time) error {
	switch {
	case s.Revoked:
		return ErrSessionRevoked
	case !now.Before(s.EndsAt()):
		return ErrSessionExpired
	}
	return nil
}

// Touched returns the session used at now: its idle expiry moves, its absolute one
// does not.
func (s Session) Touched(now time.Time) Session {
	s.LastSeenAt = now
	s.IdleExpiresAt = now.Add(SessionIdleTTL)
	return s
}

// PurgeAt is when a store may forget the session.
func (s Session) PurgeAt() time.Time {
	if s.Revoked && s.RevokedAt.Before(s.EndsAt()) {
		return s.RevokedAt.Add(SessionRetention)
	}
	return s.EndsAt().Add(SessionRetention)
}

// Passkey is a console user's WebAuthn credential: the fields of the webauthn
// library's Credential that a sign-in needs, kept in our own shape so that the
// domain does not depend on the library. ID is the credential ID in unpadded
// base64url, as WebAuthn's JSON carries it.
type Passkey struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	Name      string `json:"name"` // the user's name for it, e.g. "Work laptop"
	PublicKey []byte `json:"public_key"`
	// AttestationType and AttestationFormat are as the registration reported them.
	AttestationType   string `json:"attestation_type,omitempty"`
	AttestationFormat string `json:"attestation_format,omitempty"`
	// Transports are the authenticator's ("usb", "nfc", "ble", "internal", "hybrid").
	Transports []string `json:"transports,omitempty"`
	// Flags are the authenticator data flags stored with the credential (user
	// present, user verified, backup eligible, backup state), as one byte.
	Flags        uint8  `json:"flags"`
	AAGUID       []byte `json:"aaguid,omitempty"`
	SignCount    uint32 `json:"sign_count"`
	CloneWarning bool   `json:"clone_warning,omitempty"`
	// Attachment is "platform" or "cross-platform", when the browser said.
	Attachment string    `json:"attachment,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
}

// PasskeyID returns the ID of a credential ID: unpadded base64url.
func PasskeyID(credentialID []byte) string {
	return base64.RawURLEncoding.EncodeToString(credentialID)
}

// CredentialID returns the passkey's credential ID as bytes.
func (p Passkey) CredentialID() ([]byte, error) { return base64.RawURLEncoding.DecodeString(p.ID) }

// SignCountAccepted reports whether a sign-in reporting count may follow the stored
// counter: it must grow, unless the authenticator keeps none (both 0).
func (p Passkey) SignCountAccepted(count uint32) bool {
	return count > p.SignCount || count == 0 && p.SignCount == 0
}

// Used returns the passkey after a sign-in at now that reported count.
func (p Passkey) Used(count uint32, now time.Time) Passkey {
	p.SignCount = count
	p.LastUsedAt = now
	return p
}

// PurgeAt is when a store may forget the passkey: PasskeyRetention after it was
// last used (or registered).
func (p Passkey) PurgeAt() time.Time {
	last := p.CreatedAt
	if p.LastUsedAt.After(last) {
		last = p.LastUsedAt
	}
	return last.Add(PasskeyRetention)
}

// SignInRateLimited returns the ERATELIMITED error of a sign-in link request that l
// refused at t, with the rest of the window to wait.
func SignInRateLimited(l RateLimit, t time.Time) *Error {
	e := *ErrSignInRequestsLimited
	e.RetryAfter = l.Exceeded(t).RetryAfter
	return &e
}
