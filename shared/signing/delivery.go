package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// CouponHolder names the address that claims a coupon code, so a pool keeps no
// address: the same address always has the same holder.
func (k *Key) CouponHolder(email string) string { return k.Digest("coupon", email) }

// TrialSecret is the key a trial magnet's signup app checks its tokens with (hex,
// 64 characters): one per magnet, so one app cannot mint another's tokens.
func (k *Key) TrialSecret(magnetID string) string {
	m := hmac.New(sha256.New, k.digest)
	m.Write([]byte("trial-token/v1"))
	m.Write([]byte{0})
	m.Write([]byte(magnetID))
	return hex.EncodeToString(m.Sum(nil))
}

// TrialToken signs a lead's address for a trial's signup URL:
// "<base64url address>.<unix expiry>.<base64url HMAC-SHA256>", the MAC keyed
// with the hex-decoded TrialSecret over the two parts before it with their dot.
func (k *Key) TrialToken(magnetID, email string, expires time.Time) string {
	body := b64.EncodeToString([]byte(email)) + "." + strconv.FormatInt(expires.Unix(), 10)
	return body + "." + b64.EncodeToString(trialMAC(k.TrialSecret(magnetID), body))
}

// Errors of VerifyTrialToken.
var (
	ErrTrialToken   = errors.New("trial token malformed or forged")
	ErrTrialExpired = errors.New("trial token expired")
)

// VerifyTrialToken checks a trial token with the magnet's secret at now and
// returns the address it carries: what a signup app written in Go does.
func VerifyTrialToken(secret, token string, now time.Time) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", ErrTrialToken
	}
	mac, err := b64.DecodeString(parts[2])
	if err != nil || !hmac.Equal(mac, trialMAC(secret, parts[0]+"."+parts[1])) {
		return "", ErrTrialToken
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return "", ErrTrialToken
	}
	if !now.Before(time.Unix(exp, 0)) {
		return "", ErrTrialExpired
	}
	email, err := b64.DecodeString(parts[0])
	if err != nil {
		return "", ErrTrialToken
	}
	return string(email), nil
}

func trialMAC(secret, body string) []byte {
	key, _ := hex.DecodeString(secret)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(body))
	return m.Sum(nil)
}
