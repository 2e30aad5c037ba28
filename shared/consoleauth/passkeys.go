package consoleauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"leadgate/shared/leadgate"
)

// Passkeys signs console users in with passkeys (WebAuthn discoverable credentials)
// that they register once signed in. Each ceremony is two steps: a begin that
// stores the challenge under a new token (the caller keeps the token in a cookie)
// and answers the options for navigator.credentials, and a finish that takes the
// stored challenge back, once, and checks the browser's answer against it.
//
// The relying party is the console's origin: its host is the RP ID, and only
// answers made at that origin are accepted. A passkey's user handle is a keyed
// digest of its user's address, so that authenticators hold no address.
type Passkeys struct {
	s  *Service
	wa *webauthn.WebAuthn
}

// PasskeyOrigin checks that a console at baseURL can carry passkeys and returns
// its RP ID: browsers take only a domain as RP ID (never an IP address), and
// WebAuthn needs a secure context, https or http://localhost. The error says why
// not, as the end of a sentence that starts with the address.
func PasskeyOrigin(baseURL string) (rpID string, err error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return "", errors.New("is not an origin such as https://console.example.com")
	}
	host := u.Hostname()
	local := host == "localhost" || strings.HasSuffix(host, ".localhost")
	switch {
	case net.ParseIP(host) != nil:
		return "", errors.New("is an IP address, and browsers take passkeys only for a host name (locally, open the console at localhost with the same port, and make that its base URL)")
	case u.Scheme != "https" && !(u.Scheme == "http" && local):
		return "", errors.New("is not https, and browsers allow passkeys over http only at localhost")
	}
	return host, nil
}

// Passkeys returns the passkey ceremonies of the console at baseURL (its origin,
// the configured base URL: never a request's Host). Where passkeys cannot work
// there, the error is ErrPasskeysUnavailable with the reason as its cause.
func (s *Service) Passkeys(baseURL, rpName string) (*Passkeys, error) {
	rpID, err := PasskeyOrigin(baseURL)
	if err != nil {
		return nil, leadgate.ErrPasskeysUnavailable.WithCause("passkeys at "+baseURL, err)
	}
	wa, err := webauthn.New(&webauthn.Config{
		RPID: rpID, RPDisplayName: rpName, RPOrigins: []string{strings.TrimSuffix(baseURL, "/")},
		AttestationPreference: protocol.PreferNoAttestation,
		// A passkey signs in alone: it must be discoverable and its user verified
		// (a PIN or biometric), not only present.
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: protocol.VerificationRequired,
		},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: leadgate.PasskeyCeremonyTTL, TimeoutUVD: leadgate.PasskeyCeremonyTTL},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: leadgate.PasskeyCeremonyTTL, TimeoutUVD: leadgate.PasskeyCeremonyTTL},
		},
	})
	if err != nil {
		return nil, leadgate.ErrPasskeysUnavailable.WithCause("passkeys", err)
	}
	return &Passkeys{s: s, wa: wa}, nil
}

// RPID is the relying party's ID, the console's host.
func (p *Passkeys) RPID() string { return p.wa.Config.RPID }

// List returns the user's passkeys, oldest first.
func (p *Passkeys) List(ctx context.Context, email string) ([]leadgate.Passkey, error) {
	return p.s.store.Passkeys(ctx, email)
}

// Remove removes the user's passkey with that ID; ErrPasskeyUnknown if they have
// none such.
func (p *Passkeys) Remove(ctx context.Context, email, id string) error {
	return p.s.store.DeletePasskey(ctx, email, id)
}

// BeginRegistration begins adding a passkey for the signed-in user: it returns
// the ceremony's token and the options for navigator.credentials.create. The
// user's passkeys are excluded, so that an authenticator is not registered twice.
func (p *Passkeys) BeginRegistration(ctx context.Context, email string) (token string, options []byte, err error) {
	user, err := p.user(ctx, email)
	if err != nil {
		return "", nil, err
	}
	creation, session, err := p.wa.BeginRegistration(user, webauthn.WithExclusions(webauthn.Credentials(user.creds).CredentialDescriptors()))
	if err != nil {
		return "", nil, leadgate.Internal("begin passkey registration", err)
	}
	return p.begin(ctx, email, session, creation)
}

// FinishRegistration checks the browser's answer (a PublicKeyCredential's JSON) to
// the ceremony of token, begun by the same user, and stores the new passkey under
// name. A ceremony that is no one's, used or expired is ErrPasskeyCeremonyUnknown;
// an answer that cannot be read ErrPasskeyAnswerMalformed, one that does not
// verify ErrPasskeyNotVerified; a name too long EINVALID on "name". Nothing is
// stored unless all is well; the ceremony is used up either way.
func (p *Passkeys) FinishRegistration(ctx context.Context, email, token, name string, answer []byte) (leadgate.Passkey, error) {
	name, fe := passkeyName(name)
	if fe != nil {
		return leadgate.Passkey{}, leadgate.Invalid(*fe)
	}
	now := p.s.clock()
	c, session, err := p.take(ctx, token, now)
	if err != nil {
		return leadgate.Passkey{}, err
	}
	if c.Email != email {
		return leadgate.Passkey{}, leadgate.ErrPasskeyCeremonyUnknown
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(answer)
	if err != nil {
		return leadgate.Passkey{}, leadgate.ErrPasskeyAnswerMalformed.WithCause("finish passkey registration", err)
	}
	user, err := p.user(ctx, email)
	if err != nil {
		return leadgate.Passkey{}, err
	}
	cred, err := p.wa.CreateCredential(user, session, parsed)
	if err != nil {
		return leadgate.Passkey{}, leadgate.ErrPasskeyNotVerified.WithCause("finish passkey registration", err)
	}
	key := passkeyOf(cred, email, name, now)
	if err := p.s.store.PutPasskey(ctx, key); err != nil {
		return leadgate.Passkey{}, err
	}
	return key, nil
}

// BeginSignIn begins a sign-in with a passkey: it returns the ceremony's token and
// the options for navigator.credentials.get, which name no user (the passkey
// does). It counts against the per-IP limit of sign-in requests, as asking for a
// link does: ErrSignInRequestsLimited over it.
func (p *Passkeys) BeginSignIn(ctx context.Context, ip string) (token string, options []byte, err error) {
	if p.s.cfg.RatePerIP > 0 && ip != "" {
		l := leadgate.RateLimit{Key: "passkey-ip:" + p.s.key.Digest("passkey-ip", ip), Limit: p.s.cfg.RatePerIP, Window: p.s.cfg.RateWindow}
		if err := p.s.store.CountSignInRequest(ctx, l, p.s.clock()); err != nil {
			return "", nil, err
		}
	}
	assertion, session, err := p.wa.BeginDiscoverableLogin()
	if err != nil {
		return "", nil, leadgate.Internal("begin passkey sign-in", err)
	}
	return p.begin(ctx, "", session, assertion)
}

// SignInWithPasskey finishes the sign-in of token with the browser's answer (a
// PublicKeyCredential's JSON) and opens a session as an emailed link does,
// returning it and its token for the cookie. A passkey that is not registered, or
// whose user is no longer on the allowlist, is ErrPasskeyUnknown; a ceremony that
// is used or expired ErrPasskeyCeremonyUnknown; an answer that cannot be read
// ErrPasskeyAnswerMalformed, one that does not verify ErrPasskeyNotVerified.
//
// A signature counter that does not grow (where the authenticator keeps one) may
// mean a cloned authenticator: the sign-in is refused with ErrPasskeySignCount,
// and the passkey stays as it was; its user signs in with a link and may remove it.
func (p *Passkeys) SignInWithPasskey(ctx context.Context, token string, answer []byte) (string, leadgate.Session, error) {
	const op = "passkey sign-in"
	now := p.s.clock()
	c, session, err := p.take(ctx, token, now)
	if err != nil {
		return "", leadgate.Session{}, err
	}
	if c.Email != "" { // a registration's, not a sign-in's
		return "", leadgate.Session{}, leadgate.ErrPasskeyCeremonyUnknown
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(answer)
	if err != nil {
		return "", leadgate.Session{}, leadgate.ErrPasskeyAnswerMalformed.WithCause(op, err)
	}
	var (
		found  leadgate.Passkey
		lookup error // the handler's own answer, which the library wraps
	)
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		found, lookup = p.s.store.PasskeyByCredentialID(ctx, leadgate.PasskeyID(rawID))
		switch {
		case lookup != nil:
			return nil, lookup
		case !p.s.cfg.Users.Allows(found.Email) || !bytes.Equal(userHandle, p.userHandle(found.Email)):
			lookup = leadgate.ErrPasskeyUnknown
			return nil, lookup
		}
		cred, err := credentialOf(found)
		if err != nil {
			lookup = leadgate.Internal(op, err)
			return nil, lookup
		}
		return &passkeyUser{id: p.userHandle(found.Email), email: found.Email, creds: []webauthn.Credential{cred}}, nil
	}
	_, cred, err := p.wa.ValidatePasskeyLogin(handler, session, parsed)
	switch {
	case lookup != nil:
		return "", leadgate.Session{}, lookup
	case err != nil:
		return "", leadgate.Session{}, leadgate.ErrPasskeyNotVerified.WithCause(op, err)
	case cred.Authenticator.CloneWarning:
		return "", leadgate.Session{}, leadgate.ErrPasskeySignCount
	}
	// The store checks the counter again in its write: of two sign-ins with one
	// counter value, one wins.
	if err := p.s.store.UpdatePasskeySignCount(ctx, found.ID, cred.Authenticator.SignCount, now); err != nil {
		return "", leadgate.Session{}, err
	}
	return p.s.openSession(ctx, found.Email, now)
}

// begin stores the ceremony's state under a new token.
func (p *Passkeys) begin(ctx context.Context, email string, session *webauthn.SessionData, options any) (string, []byte, error) {
	state, err := json.Marshal(session)
	if err != nil {
		return "", nil, leadgate.Internal("passkey ceremony", err)
	}
	opts, err := json.Marshal(options)
	if err != nil {
		return "", nil, leadgate.Internal("passkey ceremony", err)
	}
	token := NewToken()
	if err := p.s.store.PutPasskeyCeremony(ctx, leadgate.NewPasskeyCeremony(token, email, state, p.s.clock())); err != nil {
		return "", nil, err
	}
	return token, opts, nil
}

// take takes the ceremony of token back, once.
func (p *Passkeys) take(ctx context.Context, token string, now time.Time) (leadgate.PasskeyCeremony, webauthn.SessionData, error) {
	if !leadgate.WellFormedConsoleToken(token) {
		return leadgate.PasskeyCeremony{}, webauthn.SessionData{}, leadgate.ErrPasskeyCeremonyUnknown
	}
	c, err := p.s.store.TakePasskeyCeremony(ctx, leadgate.PasskeyCeremonyID(token), now)
	if err != nil {
		return leadgate.PasskeyCeremony{}, webauthn.SessionData{}, err
	}
	var session webauthn.SessionData
	if err := json.Unmarshal(c.State, &session); err != nil {
		return leadgate.PasskeyCeremony{}, webauthn.SessionData{}, leadgate.Internal("passkey ceremony", err)
	}
	return c, session, nil
}

// user is the console user of email, with their passkeys, as the library sees them.
func (p *Passkeys) user(ctx context.Context, email string) (*passkeyUser, error) {
	keys, err := p.s.store.Passkeys(ctx, email)
	if err != nil {
		return nil, err
	}
	u := &passkeyUser{id: p.userHandle(email), email: email}
	for _, k := range keys {
		cred, err := credentialOf(k)
		if err != nil {
			return nil, leadgate.Internal("passkeys of a user", err)
		}
		u.creds = append(u.creds, cred)
	}
	return u, nil
}

// userHandle is the WebAuthn user handle of the address: the same for every passkey
// of the user, and no address in it.
func (p *Passkeys) userHandle(email string) []byte {
	return []byte(p.s.key.Digest("passkey-user", email))
}

// passkeyName is a passkey's name as typed, trimmed; none names it "Passkey".
func passkeyName(typed string) (string, *leadgate.FieldError) {
	name := strings.Join(strings.Fields(typed), " ")
	switch {
	case name == "":
		return "Passkey", nil
	case utf8.RuneCountInString(name) > leadgate.PasskeyNameMax:
		return "", &leadgate.FieldError{Field: "name", Code: "too_long", Message: fmt.Sprintf("keep the name under %d characters", leadgate.PasskeyNameMax+1)}
	}
	return name, nil
}

// passkeyUser is a console user as the webauthn library sees one.
type passkeyUser struct {
	id    []byte
	email string
	creds []webauthn.Credential
}

func (u *passkeyUser) WebAuthnID() []byte                         { return u.id }
func (u *passkeyUser) WebAuthnName() string                       { return u.email }
func (u *passkeyUser) WebAuthnDisplayName() string                { return u.email }
func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// credentialOf is a stored passkey as the library's credential.
func credentialOf(p leadgate.Passkey) (webauthn.Credential, error) {
	id, err := p.CredentialID()
	if err != nil {
		return webauthn.Credential{}, errors.New("passkey with a malformed credential ID")
	}
	transports := make([]protocol.AuthenticatorTransport, len(p.Transports))
	for i, t := range p.Transports {
		transports[i] = protocol.AuthenticatorTransport(t)
	}
	return webauthn.Credential{
		ID: id, PublicKey: p.PublicKey, AttestationType: p.AttestationType, AttestationFormat: p.AttestationFormat,
		Transport: transports, Flags: webauthn.CredentialFlagsFromMsgpByte(p.Flags),
		Authenticator: webauthn.Authenticator{
			AAGUID: p.AAGUID, SignCount: p.SignCount, CloneWarning: p.CloneWarning,
			Attachment: protocol.AuthenticatorAttachment(p.Attachment),
		},
	}, nil
}

// passkeyOf is a newly registered credential as the passkey to store.
func passkeyOf(c *webauthn.Credential, email, name string, now time.Time) leadgate.Passkey {
	transports := make([]string, 0, len(c.Transport))
	for _, t := range c.Transport {
		transports = append(transports, string(t))
	}
	return leadgate.Passkey{
		ID: leadgate.PasskeyID(c.ID), Email: email, Name: name, PublicKey: c.PublicKey,
		AttestationType: c.AttestationType, AttestationFormat: c.AttestationFormat,
		Transports: transports, Flags: c.Flags.MsgpByte(), AAGUID: c.Authenticator.AAGUID,
		SignCount: c.Authenticator.SignCount, Attachment: string(c.Authenticator.Attachment), CreatedAt: now,
	}
}
