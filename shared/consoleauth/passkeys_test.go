package consoleauth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"leadgate/shared/consoleauth"
	"leadgate/shared/consoleauth/passkeytest"
	"leadgate/shared/leadgate"
)

const origin = "http://localhost:8080"

func (h *harness) passkeys(t *testing.T, svc *consoleauth.Service) *consoleauth.Passkeys {
	t.Helper()
	p, err := svc.Passkeys(origin, "Leadgate console")
	if err != nil {
		t.Fatalf("Passkeys: %v", err)
	}
	return p
}

// register adds a passkey for email with a new software authenticator.
func register(t *testing.T, p *consoleauth.Passkeys, email string) (*passkeytest.Authenticator, leadgate.Passkey) {
	t.Helper()
	ctx := context.Background()
	token, options, err := p.BeginRegistration(ctx, email)
	if err != nil {
		t.Fatalf("BeginRegistration: %v", err)
	}
	auth := passkeytest.New(origin)
	answer, _, err := auth.Create(options)
	if err != nil {
		t.Fatal(err)
	}
	key, err := p.FinishRegistration(ctx, email, token, "  Work   laptop ", answer)
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	return auth, key
}

// beginSignIn begins a sign-in and has auth answer it.
func beginSignIn(t *testing.T, p *consoleauth.Passkeys, auth *passkeytest.Authenticator) (string, []byte) {
	t.Helper()
	token, options, err := p.BeginSignIn(context.Background(), "203.0.113.7")
	if err != nil {
		t.Fatalf("BeginSignIn: %v", err)
	}
	answer, err := auth.Get(options, nil)
	if err != nil {
		t.Fatal(err)
	}
	return token, answer
}

func TestPasskeyRegistersAndSignsIn(t *testing.T) {
	h := newHarness(t, users)
	p := h.passkeys(t, h.svc)
	ctx := context.Background()
	if p.RPID() != "localhost" {
		t.Fatalf("RP ID %q, want the base URL's host", p.RPID())
	}
	auth, key := register(t, p, "ada@example.com")
	if key.Email != "ada@example.com" || key.Name != "Work laptop" || !key.CreatedAt.Equal(t0) || len(key.PublicKey) == 0 ||
		key.Flags&0x04 == 0 || key.AttestationFormat != "none" || strings.Join(key.Transports, ",") != "internal" {
		t.Fatalf("passkey %+v", key)
	}
	if id, _ := key.CredentialID(); string(id) != string(auth.Credentials[0].ID) {
		t.Fatal("passkey stored under another credential ID")
	}
	list, err := p.List(ctx, "ada@example.com")
	if err != nil || len(list) != 1 || list[0].ID != key.ID {
		t.Fatalf("List = %v, %v", list, err)
	}

	h.clock.advance(time.Hour)
	token, answer := beginSignIn(t, p, auth)
	sesToken, ses, err := p.SignInWithPasskey(ctx, token, answer)
	if err != nil {
		t.Fatalf("SignInWithPasskey: %v", err)
	}
	if ses.Email != "ada@example.com" || ses.ID != leadgate.SessionID(sesToken) || !ses.CreatedAt.Equal(h.clock.now()) {
		t.Fatalf("session %+v", ses)
	}
	// One kind of session: the link's checks apply to it.
	if got, err := h.svc.Session(ctx, sesToken); err != nil || got.Email != "ada@example.com" {
		t.Fatalf("Session = %+v, %v", got, err)
	}
	used, _ := h.store.PasskeyByCredentialID(ctx, key.ID)
	if used.SignCount != 1 || !used.LastUsedAt.Equal(h.clock.now()) {
		t.Fatalf("used passkey: count %d, last used %v", used.SignCount, used.LastUsedAt)
	}
	// The ceremony worked once: the same answer again is refused.
	_, _, err = p.SignInWithPasskey(ctx, token, answer)
	wantError(t, "a replayed sign-in", err, leadgate.ErrPasskeyCeremonyUnknown)
}

func TestPasskeyCeremonyExpires(t *testing.T) {
	h := newHarness(t, users)
	p := h.passkeys(t, h.svc)
	auth, _ := register(t, p, "ada@example.com")
	token, answer := beginSignIn(t, p, auth)
	h.clock.advance(leadgate.PasskeyCeremonyTTL)
	_, _, err := p.SignInWithPasskey(context.Background(), token, answer)
	wantError(t, "an expired ceremony", err, leadgate.ErrPasskeyCeremonyUnknown)

	regToken, options, err := p.BeginRegistration(context.Background(), "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	answer, _, _ = passkeytest.New(origin).Create(options)
	h.clock.advance(leadgate.PasskeyCeremonyTTL)
	_, err = p.FinishRegistration(context.Background(), "ada@example.com", regToken, "", answer)
	wantError(t, "an expired registration", err, leadgate.ErrPasskeyCeremonyUnknown)
	if list, _ := p.List(context.Background(), "ada@example.com"); len(list) != 1 {
		t.Fatalf("%d passkeys, want the first only", len(list))
	}
}

func TestPasskeyAnswerToAnotherChallengeRefused(t *testing.T) {
	h := newHarness(t, users)
	p := h.passkeys(t, h.svc)
	ctx := context.Background()
	auth, key := register(t, p, "ada@example.com")
	_, answer := beginSignIn(t, p, auth)
	other, _, err := p.BeginSignIn(ctx, "203.0.113.7")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = p.SignInWithPasskey(ctx, other, answer)
	wantError(t, "an answer to another challenge", err, leadgate.ErrPasskeyNotVerified)
	if got, _ := h.store.PasskeyByCredentialID(ctx, key.ID); !got.LastUsedAt.IsZero() {
		t.Fatal("a refused sign-in recorded a use")
	}
	// An answer made at another origin is refused too.
	auth.Origin = "http://localhost:9999"
	token, answer := beginSignIn(t, p, auth)
	_, _, err = p.SignInWithPasskey(ctx, token, answer)
	wantError(t, "an answer from another origin", err, leadgate.ErrPasskeyNotVerified)
}

func TestPasskeyUnknownOrRemovedOrUserOffTheList(t *testing.T) {
	h := newHarness(t, users)
	p := h.passkeys(t, h.svc)
	ctx := context.Background()
	auth, key := register(t, p, "ada@example.com")

	// The user is taken off the allowlist: their passkey no longer signs in.
	narrowed := h.passkeys(t, h.service(t, "grace@example.com"))
	token, answer := beginSignIn(t, narrowed, auth)
	_, _, err := narrowed.SignInWithPasskey(ctx, token, answer)
	wantError(t, "a passkey of a user off the list", err, leadgate.ErrPasskeyUnknown)

	wantError(t, "removing another user's passkey", p.Remove(ctx, "grace@example.com", key.ID), leadgate.ErrPasskeyUnknown)
	if err := p.Remove(ctx, "ada@example.com", key.ID); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	token, answer = beginSignIn(t, p, auth)
	_, _, err = p.SignInWithPasskey(ctx, token, answer)
	wantError(t, "a removed passkey", err, leadgate.ErrPasskeyUnknown)
	if h.items(t, "console_sessions") != 0 {
		t.Fatal("a refused sign-in opened a session")
	}
}

func TestPasskeySignCountRegressionRefused(t *testing.T) {
	h := newHarness(t, users)
	p := h.passkeys(t, h.svc)
	ctx := context.Background()
	auth, key := register(t, p, "ada@example.com")
	for range 2 {
		token, answer := beginSignIn(t, p, auth)
		if _, _, err := p.SignInWithPasskey(ctx, token, answer); err != nil {
			t.Fatal(err)
		}
	}
	auth.Credentials[0].Counter = 2 // a clone that lags behind
	token, answer := beginSignIn(t, p, auth)
	_, _, err := p.SignInWithPasskey(ctx, token, answer)
	wantError(t, "a counter that went back", err, leadgate.ErrPasskeySignCount)
	if got, _ := h.store.PasskeyByCredentialID(ctx, key.ID); got.SignCount != 2 {
		t.Fatalf("counter %d after a refused sign-in, want 2", got.SignCount)
	}
}

func TestPasskeyMalformedAnswersStoreNothing(t *testing.T) {
	h := newHarness(t, users)
	p := h.passkeys(t, h.svc)
	ctx := context.Background()
	for _, answer := range []string{"", "{", `{"id":"x","type":"public-key"}`, `[1,2,3]`} {
		token, _, err := p.BeginRegistration(ctx, "ada@example.com")
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.FinishRegistration(ctx, "ada@example.com", token, "", []byte(answer))
		wantError(t, "registration answer "+answer, err, leadgate.ErrPasskeyAnswerMalformed)
		token, _, err = p.BeginSignIn(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = p.SignInWithPasskey(ctx, token, []byte(answer))
		wantError(t, "sign-in answer "+answer, err, leadgate.ErrPasskeyAnswerMalformed)
	}
	if h.items(t, "console_passkeys") != 0 || h.items(t, "console_sessions") != 0 {
		t.Fatal("a malformed answer stored something")
	}
	_, _, err := p.SignInWithPasskey(ctx, "not-a-token", []byte("{}"))
	wantError(t, "a malformed token", err, leadgate.ErrPasskeyCeremonyUnknown)
}

func TestPasskeyRegistrationBoundToItsUser(t *testing.T) {
	h := newHarness(t, users)
	p := h.passkeys(t, h.svc)
	ctx := context.Background()
	token, options, err := p.BeginRegistration(ctx, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	answer, _, _ := passkeytest.New(origin).Create(options)
	_, err = p.FinishRegistration(ctx, "grace@example.com", token, "", answer)
	wantError(t, "another user's registration", err, leadgate.ErrPasskeyCeremonyUnknown)
	token, _, _ = p.BeginRegistration(ctx, "ada@example.com")
	_, _, err = p.SignInWithPasskey(ctx, token, answer)
	wantError(t, "a registration's ceremony finished as a sign-in", err, leadgate.ErrPasskeyCeremonyUnknown)

	token, options, _ = p.BeginRegistration(ctx, "ada@example.com")
	answer, _, _ = passkeytest.New(origin).Create(options)
	_, err = p.FinishRegistration(ctx, "ada@example.com", token, strings.Repeat("n", leadgate.PasskeyNameMax+1), answer)
	if leadgate.ErrorCode(err) != leadgate.EINVALID {
		t.Fatalf("a name too long: %v, want EINVALID", err)
	}
	// The name was checked first: the ceremony is still there to finish.
	if key, err := p.FinishRegistration(ctx, "ada@example.com", token, "", answer); err != nil || key.Name != "Passkey" {
		t.Fatalf("FinishRegistration = %+v, %v", key, err)
	}
	// The same authenticator again: the browser is told to exclude it; an answer
	// that still registers it is refused.
	token, _, _ = p.BeginRegistration(ctx, "ada@example.com")
	_, err = p.FinishRegistration(ctx, "ada@example.com", token, "", answer)
	if err == nil {
		t.Fatal("an old answer registered a passkey")
	}
}

func TestPasskeySignInBeginRateLimited(t *testing.T) {
	h := newHarness(t, users, func(c *consoleauth.Config) { c.RatePerIP = 2 })
	p := h.passkeys(t, h.svc)
	for range 2 {
		if _, _, err := p.BeginSignIn(context.Background(), "198.51.100.1"); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := p.BeginSignIn(context.Background(), "198.51.100.1")
	wantError(t, "a third begin", err, leadgate.ErrSignInRequestsLimited)
	if _, _, err := p.BeginSignIn(context.Background(), "198.51.100.2"); err != nil {
		t.Fatalf("another IP: %v", err)
	}
}

func TestPasskeyOrigin(t *testing.T) {
	for _, tc := range []struct {
		base, rpID string
	}{
		{"http://localhost:8080", "localhost"},
		{"http://console.localhost:8080", "console.localhost"},
		{"https://console.example.com", "console.example.com"},
		{"http://127.0.0.1:8080", ""},
		{"https://192.0.2.1", ""},
		{"https://[::1]:8443", ""},
		{"http://console.example.com", ""},
	} {
		rpID, err := consoleauth.PasskeyOrigin(tc.base)
		if rpID != tc.rpID || (err != nil) != (tc.rpID == "") {
			t.Errorf("PasskeyOrigin(%s) = %q, %v; want %q", tc.base, rpID, err, tc.rpID)
		}
	}
	h := newHarness(t, users)
	_, err := h.svc.Passkeys("http://127.0.0.1:8080", "Leadgate console")
	wantError(t, "passkeys at an IP address", err, leadgate.ErrPasskeysUnavailable)
}
