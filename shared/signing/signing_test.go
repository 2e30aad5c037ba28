package signing_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"leadgate/shared/signing"
)

func mustKey(t *testing.T, secret string) *signing.Key {
	t.Helper()
	k, err := signing.NewKey([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestFormToken(t *testing.T) {
	k := mustKey(t, strings.Repeat("s", 32))
	at := time.Date(2026, 5, 1, 12, 0, 0, 123e6, time.UTC)
	tok := k.FormToken("spring-guide", at)

	got, err := k.VerifyFormToken(tok, "spring-guide")
	if err != nil || !got.Equal(at) {
		t.Fatalf("VerifyFormToken = %v, %v; want %v", got, err, at)
	}
	other := mustKey(t, strings.Repeat("t", 32))
	ms, mac, _ := strings.Cut(tok, ".")
	cases := []struct {
		name  string
		key   *signing.Key
		token string
		slug  string
		want  error
	}{
		{"other page", k, tok, "other-page", signing.ErrSignature},
		{"other secret", other, tok, "spring-guide", signing.ErrSignature},
		{"time moved back", k, "1000." + mac, "spring-guide", signing.ErrSignature},
		{"mac flipped", k, ms + "." + strings.Repeat("A", len(mac)), "spring-guide", signing.ErrSignature},
		{"no dot", k, ms, "spring-guide", signing.ErrMalformed},
		{"not a number", k, "abc." + mac, "spring-guide", signing.ErrMalformed},
		{"negative", k, "-5." + mac, "spring-guide", signing.ErrMalformed},
		{"bad base64", k, ms + ".!!!", "spring-guide", signing.ErrMalformed},
		{"overlong", k, strings.Repeat("1", 80) + "." + mac, "spring-guide", signing.ErrMalformed},
		{"empty", k, "", "spring-guide", signing.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.key.VerifyFormToken(tc.token, tc.slug); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestShortSecretRefused(t *testing.T) {
	if _, err := signing.NewKey([]byte("short")); err == nil {
		t.Fatal("a 5-byte secret was accepted")
	}
}

func TestDigest(t *testing.T) {
	k := mustKey(t, strings.Repeat("s", 32))
	a, b := k.Digest("ip", "203.0.113.7"), k.Digest("ip", "203.0.113.8")
	if a == b || a != k.Digest("ip", "203.0.113.7") || a == k.Digest("email", "203.0.113.7") {
		t.Fatalf("digests not stable and distinct: %s %s", a, b)
	}
	if strings.Contains(a, "203") {
		t.Fatalf("digest %q shows its input", a)
	}
}

func TestGrantToken(t *testing.T) {
	k := mustKey(t, strings.Repeat("s", 32))
	a := k.GrantToken("sub-1")
	if len(a) != signing.GrantTokenLength || a != k.GrantToken("sub-1") || a == k.GrantToken("sub-2") {
		t.Fatalf("grant tokens not stable, distinct and %d long: %q", signing.GrantTokenLength, a)
	}
	if a == mustKey(t, strings.Repeat("t", 32)).GrantToken("sub-1") {
		t.Fatal("another secret gives the same token")
	}
}

func TestCSRFToken(t *testing.T) {
	k := mustKey(t, strings.Repeat("s", 32))
	a := k.CSRFToken("session-1")
	if !k.VerifyCSRFToken(a, "session-1") {
		t.Fatal("a session's own token refused")
	}
	for _, tc := range []struct{ name, token, session string }{
		{"another session's", a, "session-2"},
		{"a grant token of the same id", k.GrantToken("session-1"), "session-1"},
		{"another secret's", mustKey(t, strings.Repeat("t", 32)).CSRFToken("session-1"), "session-1"},
		{"none", "", "session-1"},
		{"without a session", k.CSRFToken(""), ""},
	} {
		if k.VerifyCSRFToken(tc.token, tc.session) {
			t.Errorf("%s token accepted", tc.name)
		}
	}
}

func TestDecoyGrantTokens(t *testing.T) {
	key, err := signing.NewKey([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := signing.NewKey([]byte(strings.Repeat("o", 32)))
	decoy := key.DecoyGrantToken()
	if !signing.WellFormedToken(decoy) || decoy == key.DecoyGrantToken() {
		t.Fatalf("decoy %q: want a well-formed, fresh link token", decoy)
	}
	if !key.IsDecoyGrantToken(decoy) {
		t.Fatal("a decoy is not recognised by its key")
	}
	if other.IsDecoyGrantToken(decoy) || key.IsDecoyGrantToken(key.GrantToken("sub-1")) || key.IsDecoyGrantToken("x") {
		t.Fatal("a token that is not this key's decoy taken for one")
	}
}

// An arm signed into a form token comes back from it, and cannot be changed.
func TestArmFormToken(t *testing.T) {
	k := mustKey(t, strings.Repeat("s", 32))
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tok := k.ArmFormToken("spring-guide", "short-form-2026-abcd", at)
	got, arm, err := k.VerifyArmFormToken(tok, "spring-guide")
	if err != nil || !got.Equal(at) || arm != "short-form-2026-abcd" {
		t.Fatalf("VerifyArmFormToken = %v, %q, %v", got, arm, err)
	}
	if _, err := k.VerifyFormToken(tok, "spring-guide"); err != nil {
		t.Errorf("VerifyFormToken of an arm's token: %v", err)
	}
	signed, mac, _ := strings.Cut(tok, ".")
	ms, _, _ := strings.Cut(signed, "~")
	for _, forged := range []string{ms + "~b." + mac, ms + "." + mac} {
		if _, _, err := k.VerifyArmFormToken(forged, "spring-guide"); !errors.Is(err, signing.ErrSignature) {
			t.Errorf("%s: %v, want a signature error", forged, err)
		}
	}
	if _, arm, err := k.VerifyArmFormToken(k.FormToken("spring-guide", at), "spring-guide"); err != nil || arm != "" {
		t.Errorf("plain token: arm %q, %v", arm, err)
	}
}

// Forms rendered in the same millisecond get tokens of their own, so that the
// capture's use limit on a token never counts another visitor's posts.
func TestFormTokensOfOneMillisecondDiffer(t *testing.T) {
	k := mustKey(t, strings.Repeat("s", 32))
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for range 1000 {
		tok := k.ArmFormToken("spring-guide", "short-form-2026-abcd", at)
		if seen[tok] {
			t.Fatalf("token %s handed out twice", tok)
		}
		seen[tok] = true
		if len(tok) > 96 {
			t.Fatalf("token %s is longer than a verifier takes", tok)
		}
		if got, arm, err := k.VerifyArmFormToken(tok, "spring-guide"); err != nil || !got.Equal(at) || arm != "short-form-2026-abcd" {
			t.Fatalf("VerifyArmFormToken(%s) = %v, %q, %v", tok, got, arm, err)
		}
	}
	// The nonce is signed too.
	tok := k.FormToken("spring-guide", at)
	signed, mac, _ := strings.Cut(tok, ".")
	other := "A"
	if strings.HasSuffix(signed, other) {
		other = "B"
	}
	forged := signed[:len(signed)-1] + other + "." + mac
	if _, err := k.VerifyFormToken(forged, "spring-guide"); !errors.Is(err, signing.ErrSignature) {
		t.Fatalf("a token with another nonce: %v, want a signature error", err)
	}
}

// Pages rendered before tokens carried a nonce are still posted: their tokens verify.
func TestFormTokenWithoutNonceVerifies(t *testing.T) {
	k := mustKey(t, strings.Repeat("s", 32))
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, arm := range []string{"", "short-form"} {
		got, gotArm, err := k.VerifyArmFormToken(k.LegacyArmFormToken("spring-guide", arm, at), "spring-guide")
		if err != nil || !got.Equal(at) || gotArm != arm {
			t.Errorf("arm %q: %v, %q, %v", arm, got, gotArm, err)
		}
	}
}
