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
	s            *Service
	rpID, rpName string
	origin       string // the console's origin, where answers must be made
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
	return &Passkeys{s: s, rpID: rpID, rpName: rpName, origin: strings.TrimSuffix(baseURL, "/")}, nil
}

// RPID is the relying party's ID, the console's host.
func (p *Passkeys) RPID() string { return p.rpID }

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
	keys, err := p.s.store.Passkeys(ctx, email)
	if err != nil {
		return "", nil, err
	}
	state := p.newState(p.userHandle(email))
	var o creationOptions
	pk := &o.PublicKey
	pk.RP.Name, pk.RP.ID = p.rpName, p.rpID
	pk.User.Name, pk.User.DisplayName, pk.User.ID = email, email, state.UserID
	pk.Challenge, pk.Timeout = state.Challenge, leadgate.PasskeyCeremonyTTL.Milliseconds()
	for _, alg := range offeredAlgs {
		pk.PubKeyCredParams = append(pk.PubKeyCredParams, struct {
			Type string `json:"type"`
			Alg  int64  `json:"alg"`
		}{"public-key", alg})
	}
	for _, k := range keys {
		id, err := k.CredentialID()
		if err != nil {
			return "", nil, leadgate.Internal("passkeys of a user", errors.New("passkey with a malformed credential ID"))
		}
		pk.ExcludeCredentials = append(pk.ExcludeCredentials, credentialDescriptor{Type: "public-key", ID: id, Transports: k.Transports})
	}
	pk.AuthenticatorSelection.RequireResidentKey, pk.AuthenticatorSelection.ResidentKey = true, "required"
	pk.AuthenticatorSelection.UserVerification = state.UserVerification
	pk.Attestation = "none"
	return p.begin(ctx, email, state, o)
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
	parsed, err := parseRegistration(answer)
	if err != nil {
		return leadgate.Passkey{}, leadgate.ErrPasskeyAnswerMalformed.WithCause("finish passkey registration", err)
	}
	attestation, err := p.verifyRegistration(session, email, parsed, now)
	if err != nil {
		return leadgate.Passkey{}, leadgate.ErrPasskeyNotVerified.WithCause("finish passkey registration", err)
	}
	key := passkeyOf(parsed, attestation, email, name, now)
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
	state := p.newState(nil)
	var o requestOptions
	o.PublicKey.Challenge, o.PublicKey.Timeout = state.Challenge, leadgate.PasskeyCeremonyTTL.Milliseconds()
	o.PublicKey.RPID, o.PublicKey.UserVerification = p.rpID, state.UserVerification
	return p.begin(ctx, "", state, o)
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
	parsed, err := parseAssertion(answer)
	if err != nil {
		return "", leadgate.Session{}, leadgate.ErrPasskeyAnswerMalformed.WithCause(op, err)
	}
	if len(parsed.userHandle) == 0 {
		return "", leadgate.Session{}, leadgate.ErrPasskeyNotVerified.WithCause(op, errors.New("an assertion of a discoverable credential without its user handle"))
	}
	found, err := p.s.store.PasskeyByCredentialID(ctx, leadgate.PasskeyID(parsed.rawID))
	switch {
	case err != nil:
		return "", leadgate.Session{}, err
	case !p.s.cfg.Users.Allows(found.Email) || !bytes.Equal(parsed.userHandle, p.userHandle(found.Email)):
		return "", leadgate.Session{}, leadgate.ErrPasskeyUnknown
	}
	if err := p.checkState(session, now); err != nil {
		return "", leadgate.Session{}, leadgate.ErrPasskeyNotVerified.WithCause(op, err)
	}
	if err := parsed.verify(session, p.origin, found.PublicKey, found.Flags&flagBE != 0); err != nil {
		return "", leadgate.Session{}, leadgate.ErrPasskeyNotVerified.WithCause(op, err)
	}
	if found.CloneWarning || cloned(found.SignCount, parsed.auth.signCount) {
		return "", leadgate.Session{}, leadgate.ErrPasskeySignCount
	}
	// The store checks the counter again in its write: of two sign-ins with one
	// counter value, one wins.
	if err := p.s.store.UpdatePasskeySignCount(ctx, found.ID, parsed.auth.signCount, now); err != nil {
		return "", leadgate.Session{}, err
	}
	return p.s.openSession(ctx, found.Email, now)
}

// newState is the state of a new ceremony, for the user of handle (nil: a sign-in,
// whose passkey names its user).
func (p *Passkeys) newState(handle []byte) ceremonyState {
	return ceremonyState{Challenge: newChallenge(), RPID: p.rpID, UserID: handle,
		Expires: p.s.clock().Add(leadgate.PasskeyCeremonyTTL), UserVerification: "required"}
}

// checkState checks what the ceremony's state holds beyond its challenge.
func (p *Passkeys) checkState(s ceremonyState, now time.Time) error {
	switch {
	case s.RPID != p.rpID:
		return fmt.Errorf("ceremony begun for RP ID %q", s.RPID)
	case !s.Expires.IsZero() && !now.Before(s.Expires):
		return errors.New("ceremony expired")
	}
	return nil
}

// verifyRegistration checks a registration answer against its ceremony, begun for
// email, and returns its attestation type.
func (p *Passkeys) verifyRegistration(s ceremonyState, email string, r parsedRegistration, now time.Time) (string, error) {
	if !bytes.Equal(s.UserID, p.userHandle(email)) {
		return "", errors.New("ceremony begun for another user handle")
	}
	if err := p.checkState(s, now); err != nil {
		return "", err
	}
	return r.verify(s, p.origin)
}

// begin stores the ceremony's state under a new token.
func (p *Passkeys) begin(ctx context.Context, email string, state ceremonyState, options any) (string, []byte, error) {
	raw, err := json.Marshal(state)
	if err != nil {
		return "", nil, leadgate.Internal("passkey ceremony", err)
	}
	opts, err := json.Marshal(options)
	if err != nil {
		return "", nil, leadgate.Internal("passkey ceremony", err)
	}
	token := NewToken()
	if err := p.s.store.PutPasskeyCeremony(ctx, leadgate.NewPasskeyCeremony(token, email, raw, p.s.clock())); err != nil {
		return "", nil, err
	}
	return token, opts, nil
}

// take takes the ceremony of token back, once.
func (p *Passkeys) take(ctx context.Context, token string, now time.Time) (leadgate.PasskeyCeremony, ceremonyState, error) {
	if !leadgate.WellFormedConsoleToken(token) {
		return leadgate.PasskeyCeremony{}, ceremonyState{}, leadgate.ErrPasskeyCeremonyUnknown
	}
	c, err := p.s.store.TakePasskeyCeremony(ctx, leadgate.PasskeyCeremonyID(token), now)
	if err != nil {
		return leadgate.PasskeyCeremony{}, ceremonyState{}, err
	}
	var state ceremonyState
	if err := json.Unmarshal(c.State, &state); err != nil {
		return leadgate.PasskeyCeremony{}, ceremonyState{}, leadgate.Internal("passkey ceremony", err)
	}
	return c, state, nil
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

// passkeyOf is a newly registered credential as the passkey to store: its COSE
// key as the authenticator sent it, and its registration's flags byte.
func passkeyOf(r parsedRegistration, attestation, email, name string, now time.Time) leadgate.Passkey {
	return leadgate.Passkey{
		ID: leadgate.PasskeyID(r.auth.credentialID), Email: email, Name: name, PublicKey: r.auth.publicKey,
		AttestationType: attestation, AttestationFormat: r.format,
		Transports: append([]string{}, r.transports...), Flags: r.auth.flags, AAGUID: r.auth.aaguid,
		SignCount: r.auth.signCount, Attachment: r.attachment, CreatedAt: now,
	}
}
