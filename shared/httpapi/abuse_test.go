package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"leadgate/shared/capture"
	"leadgate/shared/followup"
	"leadgate/shared/leadgate"
)

// A stranger posts someone's address on one page again and again (a repeat each
// time after the first): the address's owner must still get through on another page.
func TestRepeatsDoNotLockAnAddressOut(t *testing.T) {
	h := newHarness(t)
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

// recordingMailer records each email it is handed.
type recordingMailer struct{ sent []leadgate.Message }

func (m *recordingMailer) Send(_ context.Context, msg leadgate.Message) (string, error) {
	m.sent = append(m.sent, msg)
	return fmt.Sprintf("msg-%d", len(m.sent)), nil
}

// A stranger posts someone's address on page after page. Each post is stored and
// answered as a first capture is (a stranger learns nothing), and the owner's own
// post after them is taken and gets its download at once: the address limit holds
// back emails, not captures. The follow-up sends the address at most PerAddress
// emails in the window, however the posts and their changes come.
func TestStrangerCanNeitherBlockNorFloodAnAddress(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const victim = "victim@example.com"
	var bodies []string
	post := func(slug, ip string) captureBody {
		t.Helper()
		h.ip = ip
		h.now = h.now.Add(time.Second)
		w := h.do("POST", leadgate.CapturePath(slug), jsonType, h.lead(victim, map[string]any{"form_token": h.token(slug, 10*time.Second)}), nil)
		b := decode(t, w)
		if w.Code != http.StatusCreated || b.Status != "created" || b.Next.Step != "download" || b.Next.DownloadURL == "" {
			t.Fatalf("post on %s: %d %s, want a first capture's answer", slug, w.Code, w.Body)
		}
		// The answer's shape is the same for every post: only ids and the link differ.
		shape := strings.NewReplacer(b.LeadID, "", b.SubmissionID, "", b.Next.DownloadURL, "").Replace(w.Body.String())
		bodies = append(bodies, shape)
		return b
	}
	stranger := []string{"spring-guide", "second-guide", "third-guide", "fourth-guide"}
	for _, slug := range stranger {
		post(slug, "198.51.100.66")
	}
	own := post("with-error-url", "203.0.113.50")
	for i, b := range bodies {
		if b != bodies[0] {
			t.Fatalf("answer %d differs from the first: %s against %s", i+1, b, bodies[0])
		}
	}
	subs, err := h.store.Submissions(ctx, victim)
	if err != nil || len(subs) != len(stranger)+1 {
		t.Fatalf("submissions of the address: %d, %v; want every post stored", len(subs), err)
	}
	g, err := h.store.Grant(ctx, leadgate.GrantID(own.Next.DownloadURL[strings.LastIndexByte(own.Next.DownloadURL, '/')+1:]))
	if err != nil || g.Usable(h.now) != nil || g.Page != "with-error-url" {
		t.Fatalf("the owner's download link: %+v, %v; want a usable grant of their page", g, err)
	}

	// The change pipeline, each change handed over twice as a stream may.
	mailer := &recordingMailer{}
	cfg := followup.DefaultConfig()
	cfg.PerAddress, cfg.PerAddressWindow = 3, time.Hour
	fu := followup.New(h.store, mailer, h.key, cfg, func() time.Time { return h.now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	changes, err := h.store.Changes(0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		for _, ch := range changes {
			if err := fu.HandleChange(ctx, ch); err != nil {
				t.Fatalf("change %s: %v", ch.Kind, err)
			}
		}
	}
	if len(mailer.sent) != 3 {
		t.Fatalf("%d emails to the address in the window, want the limit, 3", len(mailer.sent))
	}
	for _, m := range mailer.sent {
		if m.To != victim || m.Tags["page"] == "with-error-url" || m.Tags["page"] == "fourth-guide" {
			t.Fatalf("email %+v: want the first three submissions' deliveries only", m.Tags)
		}
	}
	// A window on (and past the page's dedupe window), the address gets its emails again.
	h.now = h.now.Add(25 * time.Hour)
	post("fourth-guide", "203.0.113.50")
	later, err := h.store.Changes(changes[len(changes)-1].Seq, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range later {
		if err := fu.HandleChange(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	if len(mailer.sent) != 4 || mailer.sent[3].Tags["page"] != "fourth-guide" {
		t.Fatalf("after the window: %d emails, want the new submission's delivery", len(mailer.sent))
	}
}
