package storetest

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// NewConsoleStore returns a fresh, empty console store for one test; it registers
// its own cleanup.
type NewConsoleStore func(t *testing.T) leadgate.ConsoleStore

// consoleStores makes the stores of RunConformanceTests the console's.
func consoleStores(newStore NewStore) NewConsoleStore {
	return func(t *testing.T) leadgate.ConsoleStore { return newStore(t) }
}

// RunConsoleConformance checks the behaviour the console's sign-in relies on from any
// leadgate.ConsoleStore. Every case names the error it expects by its sentinel, so
// that both stores answer alike.
func RunConsoleConformance(t *testing.T, newStore NewConsoleStore) {
	t.Run("SignInLinkWorksOnce", func(t *testing.T) { testSignInLinkOnce(t, newStore(t)) })
	t.Run("ExpiredSignInLinkRefused", func(t *testing.T) { testSignInLinkExpired(t, newStore(t)) })
	t.Run("ConcurrentSignInLinkUseOneWins", func(t *testing.T) { testSignInLinkRace(t, newStore(t)) })
	t.Run("SessionIdleAndAbsoluteExpiry", func(t *testing.T) { testSessionExpiry(t, newStore(t)) })
	t.Run("RevokeOneSessionAndAll", func(t *testing.T) { testRevokeSessions(t, newStore(t)) })
	t.Run("PasskeyRoundTrip", func(t *testing.T) { testPasskeyRoundTrip(t, newStore(t)) })
	t.Run("PasskeySignCountOnlyGrows", func(t *testing.T) { testPasskeySignCount(t, newStore(t)) })
	t.Run("SignInRequestsRateLimited", func(t *testing.T) { testSignInRate(t, newStore(t)) })
	t.Run("DeletePasskeyOfItsUserOnly", func(t *testing.T) { testDeletePasskey(t, newStore(t)) })
	t.Run("PasskeyCeremonyTakenOnce", func(t *testing.T) { testPasskeyCeremonyOnce(t, newStore(t)) })
	t.Run("ConcurrentPasskeyCeremonyTakeOneWins", func(t *testing.T) { testPasskeyCeremonyRace(t, newStore(t)) })
}

// consoleToken returns a well-formed console token made from name.
func consoleToken(name string) string {
	tok := []byte(name + "-0123456789abcdefghijklmnopqrstuvwxyz0123456789")
	return string(tok[:leadgate.ConsoleTokenLength])
}

func mustPutSignInLink(t *testing.T, s leadgate.ConsoleStore, l leadgate.SignInLink) {
	t.Helper()
	if err := s.PutSignInLink(ctx(t), l); err != nil {
		t.Fatalf("PutSignInLink: %v", err)
	}
}

func mustPutSession(t *testing.T, s leadgate.ConsoleStore, ses leadgate.Session) {
	t.Helper()
	if err := s.PutSession(ctx(t), ses); err != nil {
		t.Fatalf("PutSession: %v", err)
	}
}

func mustSession(t *testing.T, s leadgate.ConsoleStore, id string) leadgate.Session {
	t.Helper()
	ses, err := s.Session(ctx(t), id)
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	return ses
}

func testSignInLinkOnce(t *testing.T, s leadgate.ConsoleStore) {
	l := leadgate.NewSignInLink(consoleToken("once"), "ada@example.com", T0)
	mustPutSignInLink(t, s, l)
	wantDomainError(t, "a second put of the link", s.PutSignInLink(ctx(t), l), leadgate.ErrSignInLinkExists)

	at := T0.Add(time.Minute)
	got, err := s.UseSignInLink(ctx(t), l.ID, at)
	if err != nil {
		t.Fatalf("first use: %v", err)
	}
	want := l
	want.UsedAt = at
	if err := equalJSON(got, want); err != nil {
		t.Fatalf("used link: %v", err)
	}
	_, err = s.UseSignInLink(ctx(t), l.ID, at.Add(time.Second))
	wantDomainError(t, "second use", err, leadgate.ErrSignInLinkUsed)
	_, err = s.UseSignInLink(ctx(t), leadgate.SignInLinkID(consoleToken("nope")), at)
	wantDomainError(t, "unknown link", err, leadgate.ErrSignInLinkUnknown)
	// A used link past its expiry still says used, until the store may forget it.
	_, err = s.UseSignInLink(ctx(t), l.ID, l.ExpiresAt.Add(time.Hour))
	wantDomainError(t, "used link, later", err, leadgate.ErrSignInLinkUsed)
	_, err = s.UseSignInLink(ctx(t), l.ID, l.PurgeAt())
	wantDomainError(t, "used link past its purge time", err, leadgate.ErrSignInLinkUnknown)
}

func testSignInLinkExpired(t *testing.T, s leadgate.ConsoleStore) {
	l := leadgate.NewSignInLink(consoleToken("late"), "ada@example.com", T0)
	if !l.ExpiresAt.Equal(T0.Add(15 * time.Minute)) {
		t.Fatalf("link expires at %v, want 15 minutes after it was made", l.ExpiresAt)
	}
	mustPutSignInLink(t, s, l)
	_, err := s.UseSignInLink(ctx(t), l.ID, l.ExpiresAt)
	wantDomainError(t, "use at the expiry", err, leadgate.ErrSignInLinkExpired)
	_, err = s.UseSignInLink(ctx(t), l.ID, l.PurgeAt().Add(-time.Second))
	wantDomainError(t, "use just before the purge time", err, leadgate.ErrSignInLinkExpired)
	_, err = s.UseSignInLink(ctx(t), l.ID, l.PurgeAt())
	wantDomainError(t, "use at the purge time", err, leadgate.ErrSignInLinkUnknown)

	// A refused use changes nothing: the link still works within its time.
	fresh := leadgate.NewSignInLink(consoleToken("fresh"), "ada@example.com", T0)
	mustPutSignInLink(t, s, fresh)
	_, err = s.UseSignInLink(ctx(t), fresh.ID, fresh.ExpiresAt.Add(time.Minute))
	wantDomainError(t, "late use", err, leadgate.ErrSignInLinkExpired)
	if _, err := s.UseSignInLink(ctx(t), fresh.ID, T0.Add(time.Minute)); err != nil {
		t.Fatalf("use within the time after a refused one: %v", err)
	}
}

func testSignInLinkRace(t *testing.T, s leadgate.ConsoleStore) {
	l := leadgate.NewSignInLink(consoleToken("race"), "ada@example.com", T0)
	mustPutSignInLink(t, s, l)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = s.UseSignInLink(ctx(t), l.ID, T0.Add(time.Minute)) })
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, leadgate.ErrSignInLinkUsed):
			t.Errorf("use %d: %v, want nil or %q", i, err, leadgate.ErrSignInLinkUsed.Message)
		}
	}
	if won != 1 {
		t.Fatalf("%d concurrent uses of one link worked, want exactly 1", won)
	}
}

func testSessionExpiry(t *testing.T, s leadgate.ConsoleStore) {
	ses := leadgate.NewSession(consoleToken("session"), "ada@example.com", T0)
	if !ses.IdleExpiresAt.Equal(T0.Add(leadgate.SessionIdleTTL)) || !ses.AbsoluteExpiresAt.Equal(T0.Add(leadgate.SessionAbsoluteTTL)) {
		t.Fatalf("new session %+v", ses)
	}
	mustPutSession(t, s, ses)
	wantDomainError(t, "a second put of the session", s.PutSession(ctx(t), ses), leadgate.ErrSessionExists)
	if err := equalJSON(mustSession(t, s, ses.ID), ses); err != nil {
		t.Fatalf("stored session: %v", err)
	}
	_, err := s.Session(ctx(t), leadgate.SessionID(consoleToken("nope")))
	wantDomainError(t, "unknown session", err, leadgate.ErrSessionUnknown)
	_, err = s.TouchSession(ctx(t), leadgate.SessionID(consoleToken("nope")), T0)
	wantDomainError(t, "touch of an unknown session", err, leadgate.ErrSessionUnknown)

	// Used every 11 hours, the session's idle expiry moves; its absolute one does not.
	var at time.Time
	for at = T0.Add(11 * time.Hour); at.Before(ses.AbsoluteExpiresAt); at = at.Add(11 * time.Hour) {
		got, err := s.TouchSession(ctx(t), ses.ID, at)
		if err != nil {
			t.Fatalf("touch at %v: %v", at, err)
		}
		want := ses.Touched(at)
		if err := equalJSON(got, want); err != nil {
			t.Fatalf("touched session: %v", err)
		}
		if !got.AbsoluteExpiresAt.Equal(ses.AbsoluteExpiresAt) {
			t.Fatalf("a touch moved the absolute expiry to %v", got.AbsoluteExpiresAt)
		}
	}
	before := mustSession(t, s, ses.ID)
	_, err = s.TouchSession(ctx(t), ses.ID, ses.AbsoluteExpiresAt)
	wantDomainError(t, "touch at the absolute expiry", err, leadgate.ErrSessionExpired)
	if err := equalJSON(mustSession(t, s, ses.ID), before); err != nil {
		t.Fatalf("a refused touch changed the session: %v", err)
	}

	// Left idle, a session ends SessionIdleTTL after its last use.
	idle := leadgate.NewSession(consoleToken("idle"), "ada@example.com", T0)
	mustPutSession(t, s, idle)
	if _, err := s.TouchSession(ctx(t), idle.ID, T0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, err = s.TouchSession(ctx(t), idle.ID, T0.Add(time.Hour+leadgate.SessionIdleTTL))
	wantDomainError(t, "touch after idling", err, leadgate.ErrSessionExpired)
	ended := idle.Touched(T0.Add(time.Hour))
	_, err = s.TouchSession(ctx(t), idle.ID, ended.PurgeAt())
	wantDomainError(t, "touch at the purge time", err, leadgate.ErrSessionUnknown)
}

func testRevokeSessions(t *testing.T, s leadgate.ConsoleStore) {
	var ada []leadgate.Session
	for _, name := range []string{"laptop", "phone", "tablet"} {
		ses := leadgate.NewSession(consoleToken(name), "ada@example.com", T0)
		mustPutSession(t, s, ses)
		ada = append(ada, ses)
	}
	grace := leadgate.NewSession(consoleToken("grace"), "grace@example.com", T0)
	mustPutSession(t, s, grace)

	at := T0.Add(time.Hour)
	if err := s.RevokeSession(ctx(t), ada[0].ID, at); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	_, err := s.TouchSession(ctx(t), ada[0].ID, at.Add(time.Minute))
	wantDomainError(t, "touch of a revoked session", err, leadgate.ErrSessionRevoked)
	if got := mustSession(t, s, ada[0].ID); !got.Revoked || !got.RevokedAt.Equal(at) {
		t.Fatalf("revoked session %+v", got)
	}
	if err := s.RevokeSession(ctx(t), ada[0].ID, at.Add(time.Minute)); err != nil {
		t.Fatalf("second revoke: %v", err)
	}
	if got := mustSession(t, s, ada[0].ID); !got.RevokedAt.Equal(at) {
		t.Fatalf("a second revoke moved the time to %v", got.RevokedAt)
	}
	wantDomainError(t, "revoke of an unknown session",
		s.RevokeSession(ctx(t), leadgate.SessionID(consoleToken("nope")), at), leadgate.ErrSessionUnknown)
	if _, err := s.TouchSession(ctx(t), ada[1].ID, at.Add(time.Minute)); err != nil {
		t.Fatalf("another session after one was revoked: %v", err)
	}

	// Signing out everywhere ends every session of the address, and no other.
	later := at.Add(2 * time.Hour)
	if err := s.RevokeSessions(ctx(t), "ada@example.com", later); err != nil {
		t.Fatalf("revoke all: %v", err)
	}
	for i, ses := range ada {
		_, err := s.TouchSession(ctx(t), ses.ID, later.Add(time.Minute))
		wantDomainError(t, "touch after signing out everywhere", err, leadgate.ErrSessionRevoked)
		if got := mustSession(t, s, ses.ID); i > 0 && !got.RevokedAt.Equal(later) {
			t.Errorf("session %d revoked at %v, want %v", i, got.RevokedAt, later)
		}
	}
	if _, err := s.TouchSession(ctx(t), grace.ID, later.Add(time.Minute)); err != nil {
		t.Fatalf("another user's session after signing out everywhere: %v", err)
	}
	if err := s.RevokeSessions(ctx(t), "nobody@example.com", later); err != nil {
		t.Fatalf("revoke all of an address without sessions: %v", err)
	}
}

// Passkey returns a passkey of email for tests, with every field set.
func Passkey(id, email string, at time.Time) leadgate.Passkey {
	return leadgate.Passkey{
		ID: id, Email: email, Name: "Work laptop",
		PublicKey:       []byte{0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20, 0x00, 0xff},
		AttestationType: "none", AttestationFormat: "packed",
		Transports: []string{"internal", "hybrid"}, Flags: 0x45,
		AAGUID:    []byte{0xad, 0xce, 0x00, 0x02, 0x35, 0xbc, 0xc6, 0x0a, 0x64, 0x8b, 0x0b, 0x25, 0xf1, 0xf0, 0x55, 0x03},
		SignCount: 5, Attachment: "platform", CreatedAt: at,
	}
}

func testPasskeyRoundTrip(t *testing.T, s leadgate.ConsoleStore) {
	keys, err := s.Passkeys(ctx(t), "ada@example.com")
	if err != nil || keys == nil || len(keys) != 0 {
		t.Fatalf("passkeys of a new user: %v %v, want an empty list", keys, err)
	}
	// A credential ID may be 1,023 bytes long.
	long := leadgate.PasskeyID(bytes.Repeat([]byte{0xfe}, 1023))
	second := Passkey(long, "ada@example.com", T0.Add(time.Hour))
	second.Transports, second.AAGUID, second.Attachment = nil, nil, ""
	first := Passkey(leadgate.PasskeyID([]byte("credential-1")), "ada@example.com", T0)
	other := Passkey(leadgate.PasskeyID([]byte("credential-2")), "grace@example.com", T0)
	for _, p := range []leadgate.Passkey{second, first, other} {
		if err := s.PutPasskey(ctx(t), p); err != nil {
			t.Fatalf("PutPasskey: %v", err)
		}
	}
	taken := first
	taken.Email = "grace@example.com"
	wantDomainError(t, "a passkey whose credential ID is registered", s.PutPasskey(ctx(t), taken), leadgate.ErrPasskeyExists)
	wantDomainError(t, "the same passkey again", s.PutPasskey(ctx(t), first), leadgate.ErrPasskeyExists)

	for _, p := range []leadgate.Passkey{first, second} {
		got, err := s.PasskeyByCredentialID(ctx(t), p.ID)
		if err != nil {
			t.Fatalf("PasskeyByCredentialID: %v", err)
		}
		if err := equalJSON(got, p); err != nil {
			t.Fatalf("passkey: %v", err)
		}
	}
	if id, err := first.CredentialID(); err != nil || string(id) != "credential-1" {
		t.Fatalf("credential ID %q %v", id, err)
	}
	keys, err = s.Passkeys(ctx(t), "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := equalJSON(keys, []leadgate.Passkey{first, second}); err != nil {
		t.Fatalf("passkeys, oldest first: %v", err)
	}
	_, err = s.PasskeyByCredentialID(ctx(t), leadgate.PasskeyID([]byte("unknown")))
	wantDomainError(t, "unknown passkey", err, leadgate.ErrPasskeyUnknown)
}

func testPasskeySignCount(t *testing.T, s leadgate.ConsoleStore) {
	p := Passkey(leadgate.PasskeyID([]byte("counted")), "ada@example.com", T0)
	if err := s.PutPasskey(ctx(t), p); err != nil {
		t.Fatal(err)
	}
	at := T0.Add(time.Hour)
	if err := s.UpdatePasskeySignCount(ctx(t), p.ID, 6, at); err != nil {
		t.Fatalf("a growing counter: %v", err)
	}
	got, err := s.PasskeyByCredentialID(ctx(t), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := equalJSON(got, p.Used(6, at)); err != nil {
		t.Fatalf("used passkey: %v", err)
	}
	for _, count := range []uint32{6, 3, 0} {
		err := s.UpdatePasskeySignCount(ctx(t), p.ID, count, at.Add(time.Hour))
		wantDomainError(t, "a counter that does not grow", err, leadgate.ErrPasskeySignCount)
	}
	if again, _ := s.PasskeyByCredentialID(ctx(t), p.ID); again.SignCount != 6 || !again.LastUsedAt.Equal(at) {
		t.Fatalf("a refused counter changed the passkey: %+v", again)
	}
	wantDomainError(t, "unknown passkey",
		s.UpdatePasskeySignCount(ctx(t), leadgate.PasskeyID([]byte("unknown")), 1, at), leadgate.ErrPasskeyUnknown)

	// An authenticator without a counter reports 0 each time; once it counts, 0 is
	// refused.
	none := Passkey(leadgate.PasskeyID([]byte("uncounted")), "ada@example.com", T0)
	none.SignCount = 0
	if err := s.PutPasskey(ctx(t), none); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := s.UpdatePasskeySignCount(ctx(t), none.ID, 0, at.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatalf("counter 0 of an authenticator without one: %v", err)
		}
	}
	if got, _ := s.PasskeyByCredentialID(ctx(t), none.ID); !got.LastUsedAt.Equal(at.Add(time.Minute)) {
		t.Fatalf("last use %v, want %v", got.LastUsedAt, at.Add(time.Minute))
	}
	if err := s.UpdatePasskeySignCount(ctx(t), none.ID, 1, at.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantDomainError(t, "counter 0 after 1", s.UpdatePasskeySignCount(ctx(t), none.ID, 0, at.Add(3*time.Minute)), leadgate.ErrPasskeySignCount)

	// A passkey unused for PasskeyRetention is forgotten.
	last := at.Add(2 * time.Minute)
	wantDomainError(t, "a passkey past its purge time",
		s.UpdatePasskeySignCount(ctx(t), none.ID, 2, last.Add(leadgate.PasskeyRetention)), leadgate.ErrPasskeyUnknown)
}

func testSignInRate(t *testing.T, s leadgate.ConsoleStore) {
	limit := leadgate.RateLimit{Key: "signin-ip:test-digest", Limit: 3, Window: time.Hour}
	at := T0.Add(10 * time.Minute)
	for i := range limit.Limit {
		if err := s.CountSignInRequest(ctx(t), limit, at.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatalf("request %d of %d: %v", i+1, limit.Limit, err)
		}
	}
	refusedAt := at.Add(5 * time.Second)
	err := s.CountSignInRequest(ctx(t), limit, refusedAt)
	wantDomainError(t, "a request over the limit", err, leadgate.ErrSignInRequestsLimited)
	var de *leadgate.Error
	if want := 20*time.Minute - 5*time.Second + time.Second; !errors.As(err, &de) || de.RetryAfter != want { // window 09:00-10:00, refused at 09:40:05
		t.Fatalf("RetryAfter = %v, want %v (the rest of the window)", de, want)
	}
	// Another key has its own count; the next window allows the limit again.
	other := leadgate.RateLimit{Key: "signin-ip:other-digest", Limit: 3, Window: time.Hour}
	if err := s.CountSignInRequest(ctx(t), other, refusedAt); err != nil {
		t.Fatalf("another key: %v", err)
	}
	next := T0.Truncate(time.Hour).Add(time.Hour)
	for i := range limit.Limit {
		if err := s.CountSignInRequest(ctx(t), limit, next.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatalf("request %d in the next window: %v", i+1, err)
		}
	}
	wantDomainError(t, "a request over the limit in the next window",
		s.CountSignInRequest(ctx(t), limit, next.Add(time.Minute)), leadgate.ErrSignInRequestsLimited)
	wantDomainError(t, "a limit of 0",
		s.CountSignInRequest(ctx(t), leadgate.RateLimit{Key: "signin-ip:zero", Limit: 0, Window: time.Hour}, at), leadgate.ErrSignInRequestsLimited)
}
