package httpapi_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"leadgate/shared/capture"
	"leadgate/shared/leadgate"
)

// A stranger posts someone's address on one page again and again (a repeat each
// time after the first): the address's owner must still get through on another page.
func TestRepeatsDoNotLockAnAddressOut(t *testing.T) {
	h := newHarness(t) // 3 captures per address an hour
	h.ip = "198.51.100.66"
	for i := range 5 {
		h.now = h.now.Add(time.Second)
		w := h.do("POST", leadsURL, jsonType, h.lead("victim@example.com", nil), nil)
		if want := map[bool]int{true: 201, false: 200}[i == 0]; w.Code != want {
			t.Fatalf("stranger's post %d: %d, want %d: %s", i+1, w.Code, want, w.Body)
		}
	}
	h.ip = "203.0.113.50"
	h.now = h.now.Add(time.Second)
	w := h.do("POST", leadgate.CapturePath("second-guide"), jsonType, h.lead("victim@example.com", map[string]any{"form_token": h.token("second-guide", 10*time.Second)}), nil)
	if w.Code != http.StatusCreated {
		t.Fatalf("the owner's post on another page: %d (Retry-After %q), want 201", w.Code, w.Header().Get("Retry-After"))
	}
}

// One form token carried thousands of accepted submissions: now it carries
// FormTokenUses captures (repeats included), and later posts with it get the fake
// success a bot gets, storing nothing and mailing no one.
func TestFormTokenCarriesFewSubmissions(t *testing.T) {
	h := newHarness(t, func(c *capture.Config) { c.RatePerIP, c.FormTokenUses = 0, 3 })
	token := h.token("spring-guide", 10*time.Second)
	var created int
	for i := range 10 {
		h.now = h.now.Add(time.Millisecond)
		before := h.counts()
		w := h.do("POST", leadsURL, jsonType, h.lead(fmt.Sprintf("bot%d@example.com", i), map[string]any{"form_token": token}), nil)
		b := decode(t, w)
		if w.Code != http.StatusCreated || b.Status != "created" || b.Next.DownloadURL == "" {
			t.Fatalf("post %d with one token: %d %s, want a success either way", i+1, w.Code, w.Body)
		}
		if !maps.Equal(before, h.counts()) {
			created++
		}
	}
	if created != 3 {
		t.Fatalf("one form token stored %d submissions, want 3", created)
	}
	// A fresh token (a person reloading the form) works again.
	w := h.do("POST", leadsURL, jsonType, h.lead("person@example.com", nil), nil)
	if w.Code != http.StatusCreated {
		t.Fatalf("a fresh token: %d", w.Code)
	}
	if _, err := h.store.LeadByEmail(context.Background(), "person@example.com"); err != nil {
		t.Fatalf("the post with a fresh token was not stored: %v", err)
	}
}

// A repeat after the link was revoked gets a new, working link; further repeats get
// that same link.
func TestRepeatAfterRevocationGetsAWorkingLink(t *testing.T) {
	h := newHarness(t)
	link := func() string {
		h.t.Helper()
		h.now = h.now.Add(time.Minute)
		w := h.do("POST", leadsURL, jsonType, h.lead("revoked@example.com", nil), nil)
		b := decode(t, w)
		if w.Code/100 != 2 || b.Next.DownloadURL == "" {
			t.Fatalf("capture: %d %s", w.Code, w.Body)
		}
		return b.Next.DownloadURL[strings.LastIndexByte(b.Next.DownloadURL, '/')+1:]
	}
	usable := func(token string) error {
		g, err := h.store.Grant(context.Background(), leadgate.GrantID(token))
		if err != nil {
			return err
		}
		return g.Usable(h.now)
	}
	first := link()
	if err := h.store.RevokeGrant(context.Background(), leadgate.GrantID(first)); err != nil {
		t.Fatal(err)
	}
	again := link()
	if again == first {
		t.Fatal("a repeat after revocation was handed the revoked link again")
	}
	if err := usable(again); err != nil {
		t.Fatalf("the new link: %v, want usable", err)
	}
	if third := link(); third != again {
		t.Fatal("a later repeat got yet another link, want the replacement")
	}
}

// A link that expired within the dedupe window (DOWNLOAD_LINK_TTL) is replaced too:
// its page says to submit the form again.
func TestRepeatAfterExpiryGetsAWorkingLink(t *testing.T) {
	h := newHarness(t, func(c *capture.Config) { c.DownloadLinkTTL = 10 * time.Minute })
	link := func() string {
		h.t.Helper()
		w := h.do("POST", leadsURL, jsonType, h.lead("late@example.com", nil), nil)
		b := decode(t, w)
		return b.Next.DownloadURL[strings.LastIndexByte(b.Next.DownloadURL, '/')+1:]
	}
	first := link()
	h.now = h.now.Add(time.Hour)
	again := link()
	g, err := h.store.Grant(context.Background(), leadgate.GrantID(again))
	if again == first || err != nil || g.Usable(h.now) != nil {
		t.Fatalf("a repeat after expiry: same link %v, grant %+v, %v; want a new working link", again == first, g, err)
	}
}

// Consent given on one page stays when the box is left unticked on another.
func TestUntickedBoxOnAnotherPageKeepsConsent(t *testing.T) {
	h := newHarness(t)
	post := func(slug string, consent bool) {
		t.Helper()
		v := url.Values{"email": {"keen@example.com"}, "name": {"Keen"}, "form_token": {h.token(slug, 10*time.Second)}}
		if consent {
			v.Set("consent", "on")
		}
		if w := h.do("POST", leadgate.CapturePath(slug), formType, v.Encode(), nil); w.Code != http.StatusSeeOther {
			t.Fatalf("form post on %s: %d", slug, w.Code)
		}
	}
	post("spring-guide", true)
	post("second-guide", false)
	l, err := h.store.LeadByEmail(context.Background(), "keen@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !l.Consent.Given || l.Consent.Page != "spring-guide" || !l.MarketingAllowed() {
		t.Fatalf("consent after an unticked box on another page: %+v, want the one given on spring-guide", l.Consent)
	}
}
