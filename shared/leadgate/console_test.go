package leadgate_test

import (
	"slices"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

func TestParseConsoleUsers(t *testing.T) {
	u, err := leadgate.ParseConsoleUsers(" Ada@Example.com,grace@example.com;\n ada@example.com  linus@example.org ")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Emails(), []string{"ada@example.com", "grace@example.com", "linus@example.org"}; !slices.Equal(got, want) {
		t.Fatalf("Emails() = %q, want %q", got, want)
	}
	if !u.Allows("ada@example.com") || u.Allows("Ada@Example.com") || u.Allows("mallory@example.com") || u.Allows("") {
		t.Fatal("Allows answers for other than the normalised listed addresses")
	}
	none, err := leadgate.ParseConsoleUsers("  ")
	if err != nil || len(none.Emails()) != 0 || none.Allows("ada@example.com") {
		t.Fatalf("empty list: %v %v", none.Emails(), err)
	}
	if _, err := leadgate.ParseConsoleUsers("ada@example.com, not-an-address"); err == nil {
		t.Fatal("a malformed address was accepted")
	}
	var zero leadgate.ConsoleUsers
	if zero.Allows("ada@example.com") {
		t.Fatal("the zero allowlist allows someone")
	}
}

func TestSessionExpiry(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	s := leadgate.NewSession("token", "ada@example.com", t0)
	if s.ID != leadgate.SessionID("token") || s.ID == "token" || s.ID == leadgate.SignInLinkID("other") {
		t.Fatalf("session ID %q", s.ID)
	}
	cases := []struct {
		name string
		s    leadgate.Session
		at   time.Time
		want error
	}{
		{"new", s, t0, nil},
		{"just before idle expiry", s, t0.Add(leadgate.SessionIdleTTL - time.Nanosecond), nil},
		{"idle", s, t0.Add(leadgate.SessionIdleTTL), leadgate.ErrSessionExpired},
		{"touched late", s.Touched(t0.Add(leadgate.SessionAbsoluteTTL - time.Hour)), t0.Add(leadgate.SessionAbsoluteTTL - time.Minute), nil},
		{"absolute", s.Touched(t0.Add(leadgate.SessionAbsoluteTTL - time.Hour)), t0.Add(leadgate.SessionAbsoluteTTL), leadgate.ErrSessionExpired},
		{"revoked", leadgate.Session{ID: s.ID, Email: s.Email, IdleExpiresAt: s.IdleExpiresAt, AbsoluteExpiresAt: s.AbsoluteExpiresAt, Revoked: true, RevokedAt: t0}, t0, leadgate.ErrSessionRevoked},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.Valid(tc.at); got != tc.want {
				t.Fatalf("Valid = %v, want %v", got, tc.want)
			}
		})
	}
	touched := s.Touched(t0.Add(time.Hour))
	if !touched.AbsoluteExpiresAt.Equal(s.AbsoluteExpiresAt) || !touched.EndsAt().Equal(t0.Add(time.Hour+leadgate.SessionIdleTTL)) {
		t.Fatalf("touched %+v", touched)
	}
	if late := s.Touched(t0.Add(leadgate.SessionAbsoluteTTL - time.Hour)); !late.EndsAt().Equal(s.AbsoluteExpiresAt) {
		t.Fatalf("a late touch ends at %v, want the absolute expiry", late.EndsAt())
	}
}

func TestSignInLinkAndPasskeyRules(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	l := leadgate.NewSignInLink("token", "ada@example.com", t0)
	if l.Usable(t0.Add(leadgate.SignInLinkTTL-time.Nanosecond)) != nil || l.Usable(t0.Add(leadgate.SignInLinkTTL)) != leadgate.ErrSignInLinkExpired {
		t.Fatal("a link works for other than 15 minutes")
	}
	l.UsedAt = t0
	if l.Usable(t0) != leadgate.ErrSignInLinkUsed {
		t.Fatal("a used link works")
	}
	p := leadgate.Passkey{SignCount: 5}
	for count, want := range map[uint32]bool{0: false, 4: false, 5: false, 6: true} {
		if p.SignCountAccepted(count) != want {
			t.Errorf("after 5, counter %d accepted: %v, want %v", count, !want, want)
		}
	}
	if !(leadgate.Passkey{}).SignCountAccepted(0) {
		t.Error("an authenticator without a counter was refused")
	}
	if id := leadgate.PasskeyID([]byte{0xfb, 0xff}); id != "-_8" {
		t.Errorf("PasskeyID = %q, want unpadded base64url", id)
	}
}
