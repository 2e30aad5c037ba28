package storetest

import (
	"errors"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// testRepeatsCount: a repeat within the dedupe window counts under the capture's
// limits like any post (a bot repeating one address must not escape the per-IP
// limit), is answered as a repeat while under them, and is refused with the limit
// named once one is reached, storing nothing.
func testRepeatsCount(t *testing.T, s leadgate.Store) {
	p := Page("repeats-count")
	mustPutPage(t, s, p)
	const email = "repeater@example.com"
	ip := leadgate.RateLimit{Key: "ip:repeater", Limit: 3, Window: time.Hour}
	at := T0.Add(5 * time.Minute)
	for i := range 4 {
		c := Capture(p, email, at.Add(time.Duration(i)*time.Second), "x")
		c.RateLimits = []leadgate.RateLimit{ip}
		res, err := s.Capture(ctx(t), c)
		if i < 3 && (err != nil || res.Repeat != (i > 0)) {
			t.Fatalf("post %d under a per-IP limit of 3: %+v, %v", i+1, res, err)
		}
		if i == 3 {
			wantCode(t, "a repeat over a limit of 3", err, leadgate.ERATELIMITED)
			var reached leadgate.LimitReached
			if !errors.As(err, &reached) || reached.Key != ip.Key {
				t.Fatalf("refusal %v: want it to name the limit %q", err, ip.Key)
			}
		}
	}
	if n := len(mustSubmissions(t, s, email)); n != 1 {
		t.Fatalf("%d submissions, want 1", n)
	}
}

// testLimitWindowFromStart checks a limit whose one window starts at a given time
// (a form token's render time), not at the clock's fixed window.
func testLimitWindowFromStart(t *testing.T, s leadgate.Store) {
	p := Page("token-uses")
	mustPutPage(t, s, p)
	rendered := T0.Add(50 * time.Minute)
	token := leadgate.RateLimit{Key: "form:token", Limit: 2, Window: 24 * time.Hour, Start: rendered}
	// The clock's hourly windows change at T0+1h: the token's window does not.
	for i, at := range []time.Time{rendered.Add(5 * time.Minute), rendered.Add(15 * time.Minute)} {
		c := Capture(p, "u"+string(rune('a'+i))+"@example.com", at, "x")
		c.RateLimits = []leadgate.RateLimit{token}
		mustCapture(t, s, c)
	}
	c := Capture(p, "uc@example.com", rendered.Add(20*time.Hour), "x")
	c.RateLimits = []leadgate.RateLimit{token}
	_, err := s.Capture(ctx(t), c)
	wantCode(t, "a third use of a token allowed 2", err, leadgate.ERATELIMITED)
	var de *leadgate.Error
	if !errors.As(err, &de) || de.RetryAfter != 4*time.Hour+time.Second {
		t.Fatalf("RetryAfter %v, want the rest of the token's window, 4h0m1s", de)
	}
}

// testConsentKeptWhenUnticked: consent given on one page stays when the box is left
// unticked on another; only unsubscribing withdraws it, and a tick gives it again.
func testConsentKeptWhenUnticked(t *testing.T, s leadgate.Store) {
	a, b := Page("consent-a"), Page("consent-b")
	mustPutPage(t, s, a)
	mustPutPage(t, s, b)
	const email = "kept@example.com"
	given := mustCapture(t, s, Capture(a, email, T0, "x")).Lead.Consent
	unticked := Capture(b, email, T0.Add(time.Minute), "y")
	unticked.Submission.Consent.Given = false
	mustCapture(t, s, unticked)
	l := mustLead(t, s, email)
	if err := equalJSON(l.Consent, given); err != nil || !l.MarketingAllowed() {
		t.Fatalf("consent after an unticked box on another page: %+v; want the one given on %s (%v)", l.Consent, a.Slug, err)
	}
	// The submission itself still records its own unticked box.
	subs := mustSubmissions(t, s, email)
	if last := subs[len(subs)-1]; last.Page != b.Slug || last.Consent.Given {
		t.Fatalf("the unticked submission records %+v", last.Consent)
	}
	u := leadgate.Unsubscribe{ID: leadgate.GrantID("kept-unsub"), Email: email, LeadID: l.ID}
	if err := s.PutUnsubscribe(ctx(t), u); err != nil {
		t.Fatal(err)
	}
	if err := s.Unsubscribe(ctx(t), u.ID, T0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if l := mustLead(t, s, email); l.Consent.Given {
		t.Fatalf("consent after unsubscribing: %+v", l.Consent)
	}
	mustCapture(t, s, Capture(b, email, T0.Add(48*time.Hour), "z"))
	if l := mustLead(t, s, email); !l.Consent.Given || l.Consent.Page != b.Slug {
		t.Fatalf("consent after a new tick: %+v", l.Consent)
	}
}

// testRevokeForgetsRepeat: the page of a revoked link says to submit the form again.
// Within the dedupe window that post must be a new submission with a new grant, not
// a repeat handed the revoked link; revoking an older grant, whose submission is no
// longer the last on its page, leaves the later one's repeats alone.
func testRevokeForgetsRepeat(t *testing.T, s leadgate.Store) {
	p := Page("revoked")
	mustPutPage(t, s, p)
	const email = "leaked@example.com"
	capture := func(at time.Time, token string) leadgate.CaptureResult {
		t.Helper()
		c := Capture(p, email, at, "x")
		g := leadgate.NewGrant(token, c.Submission, p, Magnet())
		c.Grant = &g
		return mustCapture(t, s, c)
	}
	first := capture(T0, "revoked-one")
	if err := s.RevokeGrant(ctx(t), leadgate.GrantID("revoked-one")); err != nil {
		t.Fatal(err)
	}
	again := capture(T0.Add(time.Minute), "revoked-two")
	if again.Repeat || again.Submission.ID == first.Submission.ID {
		t.Fatalf("the form sent again after revocation: %+v, want a new submission", again)
	}
	if g := mustGrant(t, s, leadgate.GrantID("revoked-two")); g.Usable(T0.Add(2*time.Minute)) != nil {
		t.Fatalf("the new grant %+v does not work", g)
	}
	if g := mustGrant(t, s, leadgate.GrantID("revoked-one")); !g.Revoked {
		t.Fatal("the revoked grant came back")
	}
	// The next post is a repeat of the new submission.
	if res := capture(T0.Add(2*time.Minute), "revoked-three"); !res.Repeat || res.Submission.ID != again.Submission.ID {
		t.Fatalf("a post after the new submission: %+v, want its repeat", res)
	}
	// Revoking the first grant again changes nothing of the later submission's marker.
	if err := s.RevokeGrant(ctx(t), leadgate.GrantID("revoked-one")); err != nil {
		t.Fatal(err)
	}
	if res := capture(T0.Add(3*time.Minute), "revoked-four"); !res.Repeat {
		t.Fatal("revoking an older grant forgot a later submission's repeat")
	}
}
