package storetest

import (
	"sync"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

func testDeletePasskey(t *testing.T, s leadgate.ConsoleStore) {
	mine := Passkey(leadgate.PasskeyID([]byte("mine")), "ada@example.com", T0)
	kept := Passkey(leadgate.PasskeyID([]byte("kept")), "ada@example.com", T0.Add(time.Minute))
	theirs := Passkey(leadgate.PasskeyID([]byte("theirs")), "grace@example.com", T0)
	for _, p := range []leadgate.Passkey{mine, kept, theirs} {
		if err := s.PutPasskey(ctx(t), p); err != nil {
			t.Fatal(err)
		}
	}
	wantDomainError(t, "another user's passkey", s.DeletePasskey(ctx(t), "ada@example.com", theirs.ID), leadgate.ErrPasskeyUnknown)
	if _, err := s.PasskeyByCredentialID(ctx(t), theirs.ID); err != nil {
		t.Fatalf("a refused delete removed another user's passkey: %v", err)
	}
	if err := s.DeletePasskey(ctx(t), "ada@example.com", mine.ID); err != nil {
		t.Fatalf("DeletePasskey: %v", err)
	}
	_, err := s.PasskeyByCredentialID(ctx(t), mine.ID)
	wantDomainError(t, "a deleted passkey", err, leadgate.ErrPasskeyUnknown)
	wantDomainError(t, "a deleted passkey again", s.DeletePasskey(ctx(t), "ada@example.com", mine.ID), leadgate.ErrPasskeyUnknown)
	keys, err := s.Passkeys(ctx(t), "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := equalJSON(keys, []leadgate.Passkey{kept}); err != nil {
		t.Fatalf("passkeys after a delete: %v", err)
	}
	// Its credential ID may be registered again (say, by a re-registration).
	if err := s.PutPasskey(ctx(t), mine); err != nil {
		t.Fatalf("a deleted passkey registered again: %v", err)
	}
}

func testPasskeyCeremonyOnce(t *testing.T, s leadgate.ConsoleStore) {
	c := leadgate.NewPasskeyCeremony(consoleToken("register"), "ada@example.com", []byte(`{"challenge":"abc"}`), T0)
	if err := s.PutPasskeyCeremony(ctx(t), c); err != nil {
		t.Fatalf("PutPasskeyCeremony: %v", err)
	}
	wantDomainError(t, "the same ceremony again", s.PutPasskeyCeremony(ctx(t), c), leadgate.ErrPasskeyCeremonyExists)
	got, err := s.TakePasskeyCeremony(ctx(t), c.ID, c.ExpiresAt.Add(-time.Millisecond))
	if err != nil {
		t.Fatalf("TakePasskeyCeremony: %v", err)
	}
	if err := equalJSON(got, c); err != nil {
		t.Fatalf("ceremony: %v", err)
	}
	_, err = s.TakePasskeyCeremony(ctx(t), c.ID, T0.Add(time.Second))
	wantDomainError(t, "a ceremony taken already", err, leadgate.ErrPasskeyCeremonyUnknown)
	_, err = s.TakePasskeyCeremony(ctx(t), leadgate.PasskeyCeremonyID(consoleToken("unknown")), T0)
	wantDomainError(t, "an unknown ceremony", err, leadgate.ErrPasskeyCeremonyUnknown)

	signIn := leadgate.NewPasskeyCeremony(consoleToken("sign-in"), "", []byte(`{"challenge":"def"}`), T0)
	if err := s.PutPasskeyCeremony(ctx(t), signIn); err != nil {
		t.Fatal(err)
	}
	_, err = s.TakePasskeyCeremony(ctx(t), signIn.ID, signIn.ExpiresAt)
	wantDomainError(t, "an expired ceremony", err, leadgate.ErrPasskeyCeremonyUnknown)
	_, err = s.TakePasskeyCeremony(ctx(t), signIn.ID, T0)
	wantDomainError(t, "an expired ceremony, later taken in time", err, leadgate.ErrPasskeyCeremonyUnknown)
}

func testPasskeyCeremonyRace(t *testing.T, s leadgate.ConsoleStore) {
	c := leadgate.NewPasskeyCeremony(consoleToken("race"), "", []byte(`{}`), T0)
	if err := s.PutPasskeyCeremony(ctx(t), c); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var (
		wg   sync.WaitGroup
		errs = make([]error, n)
	)
	for i := range n {
		wg.Go(func() { _, errs[i] = s.TakePasskeyCeremony(ctx(t), c.ID, T0.Add(time.Second)) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		default:
			wantDomainError(t, "a losing take", err, leadgate.ErrPasskeyCeremonyUnknown)
		}
	}
	if won != 1 {
		t.Fatalf("%d takes won, want 1", won)
	}
}
