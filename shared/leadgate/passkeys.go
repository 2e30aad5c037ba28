package leadgate

import "time"

// PasskeyCeremonyTTL is how long a begun passkey ceremony (registration or sign-in)
// may be finished: long enough for a person to touch their authenticator, short
// enough that an old challenge is worth nothing.
const PasskeyCeremonyTTL = 5 * time.Minute

// PasskeyNameMax bounds a passkey's name, in characters.
const PasskeyNameMax = 60

// PasskeyCeremony is the server's half of a WebAuthn ceremony between its begin and
// its finish: the challenge sent to the browser and what the check of the answer
// needs (State, opaque here: shared/consoleauth's). It is kept under a
// hash of a token that only the browser that began it holds (in a cookie), and
// works once, within PasskeyCeremonyTTL.
type PasskeyCeremony struct {
	ID string `json:"id"`
	// Email is whose passkey a registration adds; "" for a sign-in, where the
	// passkey names its user.
	Email     string    `json:"email,omitempty"`
	State     []byte    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// PasskeyCeremonyID is the key a ceremony is stored under: a hash of its token.
func PasskeyCeremonyID(token string) string { return tokenID("passkey-ceremony\x00" + token) }

// NewPasskeyCeremony returns the ceremony of token, begun at now.
func NewPasskeyCeremony(token, email string, state []byte, now time.Time) PasskeyCeremony {
	return PasskeyCeremony{ID: PasskeyCeremonyID(token), Email: email, State: state, CreatedAt: now, ExpiresAt: now.Add(PasskeyCeremonyTTL)}
}

// PurgeAt is when a store may forget the ceremony: once expired it is worth
// nothing, and an expired one answers as an unknown one.
func (c PasskeyCeremony) PurgeAt() time.Time { return c.ExpiresAt }
