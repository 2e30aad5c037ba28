package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"leadgate/shared/leadgate"
)

// Standard Webhooks headers.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// secretBytes is the length of a new secret's key: 24 random bytes, as the
// specification suggests (between 24 and 64).
const secretBytes = 24

// NewSecret returns a new signing secret, "whsec_<base64 of 24 random bytes>".
func NewSecret() (string, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return leadgate.WebhookSecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// secretKey returns the key of a "whsec_" secret.
func secretKey(secret string) ([]byte, error) {
	raw, ok := strings.CutPrefix(secret, leadgate.WebhookSecretPrefix)
	if !ok {
		return nil, errors.New("a signing secret starts with whsec_")
	}
	return base64.StdEncoding.DecodeString(raw)
}

// Sign returns the webhook-signature header of a message: "v1,<base64 HMAC-SHA256
// of id.timestamp.body>" for each secret, separated by spaces, so that a receiver
// holding either secret of a rotation verifies it.
func Sign(id string, at time.Time, body []byte, secrets []string) (string, error) {
	var sigs []string
	ts := strconv.FormatInt(at.Unix(), 10)
	for _, s := range secrets {
		key, err := secretKey(s)
		if err != nil {
			return "", err
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id))
		mac.Write([]byte{'.'})
		mac.Write([]byte(ts))
		mac.Write([]byte{'.'})
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	if len(sigs) == 0 {
		return "", errors.New("no signing secret")
	}
	return strings.Join(sigs, " "), nil
}
