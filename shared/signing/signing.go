// Package signing derives purpose-bound HMAC keys from the deployment's one secret:
// form tokens that carry a page's signed render time, link tokens, the console's
// CSRF tokens, and keyed digests that let rate counters name an address or an IP
// without storing it.
package signing

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// MinKeyLength is the shortest secret accepted: 32 bytes, the HMAC-SHA256 block of
// entropy an attacker would have to guess.
const MinKeyLength = 32

// Key holds the keys derived from the secret.
type Key struct {
	form    []byte
	digest  []byte
	grant   []byte
	confirm []byte
	unsub   []byte
	csrf    []byte
	decoy   []byte
}

// NewKey derives the purpose keys from secret.
func NewKey(secret []byte) (*Key, error) {
	if len(secret) < MinKeyLength {
		return nil, errors.New("the signing secret must be at least 32 bytes")
	}
	return &Key{form: derive(secret, "form-token/v1"), digest: derive(secret, "digest/v1"), grant: derive(secret, "grant-token/v1"),
		confirm: derive(secret, "confirm-token/v1"), unsub: derive(secret, "unsubscribe-token/v1"),
		csrf: derive(secret, "console-csrf/v1"), decoy: derive(secret, "decoy-grant-token/v1")}, nil
}

func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

var b64 = base64.RawURLEncoding

// Errors of Verify.
var (
	ErrMalformed = errors.New("form token malformed")
	ErrSignature = errors.New("form token signature does not match")
)

// FormToken signs the time a page's form was rendered: "<unix ms>.<mac>", where the
// mac covers the page slug too, so a token works only on the page it was made for.
func (k *Key) FormToken(slug string, renderedAt time.Time) string {
	return k.ArmFormToken(slug, "", renderedAt)
}

// ArmFormToken signs the render time of a form shown as an arm of the page's A/B
// test too: "<unix ms>~<arm>~<nonce>.<mac>", so the arm reaches the capture as
// shown. An arm "" makes FormToken's token. The random nonce makes each render's
// token its own: forms rendered in the same millisecond would otherwise share one,
// and the use limit the capture counts on it (capture.Config.FormTokenUses).
// Tokens signed before the nonce ("<unix ms>" or "<unix ms>~<arm>") still verify.
func (k *Key) ArmFormToken(slug, arm string, renderedAt time.Time) string {
	nonce := make([]byte, formNonceBytes)
	_, _ = rand.Read(nonce) // never fails (crypto/rand)
	signed := strconv.FormatInt(renderedAt.UnixMilli(), 10) + "~" + arm + "~" + b64.EncodeToString(nonce)
	return signed + "." + b64.EncodeToString(k.formMAC(slug, signed))
}

// formNonceBytes is the length of a form token's nonce: 48 bits, 8 characters.
const formNonceBytes = 6

// VerifyFormToken returns the render time a token signed for slug carries.
func (k *Key) VerifyFormToken(token, slug string) (time.Time, error) {
	t, _, err := k.VerifyArmFormToken(token, slug)
	return t, err
}

// VerifyArmFormToken returns the render time and the arm ("" for none) a token
// signed for slug carries.
func (k *Key) VerifyArmFormToken(token, slug string) (time.Time, string, error) {
	signed, mac, ok := strings.Cut(token, ".")
	if !ok || len(token) > 96 {
		return time.Time{}, "", ErrMalformed
	}
	ms, rest, _ := strings.Cut(signed, "~")
	arm, _, _ := strings.Cut(rest, "~")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, "", ErrMalformed
	}
	got, err := b64.DecodeString(mac)
	if err != nil {
		return time.Time{}, "", ErrMalformed
	}
	if !hmac.Equal(got, k.formMAC(slug, signed)) {
		return time.Time{}, "", ErrSignature
	}
	return time.UnixMilli(n).UTC(), arm, nil
}

func (k *Key) formMAC(slug, ms string) []byte {
	m := hmac.New(sha256.New, k.form)
	m.Write([]byte(slug))
	m.Write([]byte{0})
	m.Write([]byte(ms))
	return m.Sum(nil)
}

// Digest returns a keyed, non-reversible name for value within a purpose, such as
// "ip" or "email": stable for one secret, meaningless without it.
func (k *Key) Digest(purpose, value string) string {
	m := hmac.New(sha256.New, k.digest)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return b64.EncodeToString(m.Sum(nil)[:18])
}

// GrantToken returns the token of the download grant a submission earns: 192 bits of
// HMAC over the submission ID. Deriving it (rather than drawing it at random) lets a
// repeated submission be offered the same link without the token ever being stored:
// the store keeps only a hash of it, so a copy of the table holds no working link.
func (k *Key) GrantToken(submissionID string) string { return linkToken(k.grant, submissionID) }

// ConfirmToken returns the token of a submission's confirmation link (double opt-in),
// made like a grant token: derived, never stored, found by its hash.
func (k *Key) ConfirmToken(submissionID string) string { return linkToken(k.confirm, submissionID) }

// UnsubscribeToken returns the token of a lead's unsubscribe link: one per lead, the
// same in every email.
func (k *Key) UnsubscribeToken(leadID string) string { return linkToken(k.unsub, leadID) }

// CSRFToken returns the token every state-changing form of a console session
// carries: an HMAC of the session's ID (a hash of its cookie's token, never the
// token itself). It is tied to that session, so a form of another session, or of
// none, is refused; and it needs no storing.
func (k *Key) CSRFToken(sessionID string) string { return linkToken(k.csrf, sessionID) }

// VerifyCSRFToken reports whether token is the CSRF token of the session, in
// constant time.
func (k *Key) VerifyCSRFToken(token, sessionID string) bool {
	return sessionID != "" && hmac.Equal([]byte(token), []byte(k.CSRFToken(sessionID)))
}

func linkToken(key []byte, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	return b64.EncodeToString(m.Sum(nil)[:24])
}

// DecoyGrantToken returns a link token for a bot's fake success: shaped like a grant
// token, but 96 random bits followed by 96 bits of HMAC over them, so the download
// route can tell it from a real one without anything stored, and answer it like one
// without handing out a file.
func (k *Key) DecoyGrantToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:12])
	copy(b[12:], decoyMAC(k.decoy, b[:12]))
	return b64.EncodeToString(b[:])
}

// IsDecoyGrantToken reports whether token is one of DecoyGrantToken's. A real grant
// token passes by chance once in 2^96.
func (k *Key) IsDecoyGrantToken(token string) bool {
	b, err := b64.DecodeString(token)
	if err != nil || len(b) != 24 {
		return false
	}
	return hmac.Equal(b[12:], decoyMAC(k.decoy, b[:12]))
}

func decoyMAC(key, nonce []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(nonce)
	return m.Sum(nil)[:12]
}

// WellFormedToken reports whether s can be a link token at all, so that junk costs no
// store request.
func WellFormedToken(s string) bool {
	if len(s) != GrantTokenLength {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// GrantTokenLength is the length of every link token (grant, confirm, unsubscribe).
const GrantTokenLength = 32
