// Package storetest is the conformance suite of leadgate.Store: every store
// implementation runs RunConformanceTests against a fresh, empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// NewStore returns a fresh, empty store for one test; it registers its own cleanup.
type NewStore func(t *testing.T) leadgate.Store

// T0 is the clock the suite starts from; whole milliseconds, as every store keeps.
var T0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// RunConformanceTests checks the behaviour users rely on from any leadgate.Store.
func RunConformanceTests(t *testing.T, newStore NewStore) {
	t.Run("PageRoundTrip", func(t *testing.T) { testPageRoundTrip(t, newStore(t)) })
	t.Run("UnknownPageAndMagnet", func(t *testing.T) { testUnknown(t, newStore(t)) })
	t.Run("MagnetRoundTrip", func(t *testing.T) { testMagnetRoundTrip(t, newStore(t)) })
	t.Run("EmptyStoreListsNothing", func(t *testing.T) { testListEmpty(t, newStore(t)) })
	t.Run("PagesAndMagnetsListed", func(t *testing.T) { testLists(t, newStore(t)) })
	t.Run("DraftFlagKept", func(t *testing.T) { testDraftRoundTrip(t, newStore(t)) })
	t.Run("DeletePageKeepsLeadsAndCounters", func(t *testing.T) { testDeletePage(t, newStore(t)) })
	t.Run("CaptureNewLead", func(t *testing.T) { testCaptureNewLead(t, newStore(t)) })
	t.Run("RepeatWithinWindowIsOneSubmission", func(t *testing.T) { testRepeat(t, newStore(t)) })
	t.Run("RepeatAnswersWithEarlierSubmission", func(t *testing.T) { testRepeatAnswer(t, newStore(t)) })
	t.Run("DedupeMarkersExpire", func(t *testing.T) { testDedupeExpiry(t, newStore(t)) })
	t.Run("LeadAndSubmissionsKeepEveryField", func(t *testing.T) { testCaptureRoundTrip(t, newStore(t)) })
	t.Run("LaterSubmissionMovesLastTouch", func(t *testing.T) { testLaterSubmission(t, newStore(t)) })
	t.Run("OtherPageIsNewSubmission", func(t *testing.T) { testOtherPage(t, newStore(t)) })
	t.Run("ConsentNotGivenIsKept", func(t *testing.T) { testConsentNotGiven(t, newStore(t)) })
	t.Run("RateLimitWritesNothing", func(t *testing.T) { testRateLimit(t, newStore(t)) })
	t.Run("RepeatsCount", func(t *testing.T) { testRepeatsCount(t, newStore(t)) })
	t.Run("LimitWindowFromStart", func(t *testing.T) { testLimitWindowFromStart(t, newStore(t)) })
	t.Run("ConsentKeptWhenUnticked", func(t *testing.T) { testConsentKeptWhenUnticked(t, newStore(t)) })
	t.Run("RevokeForgetsRepeat", func(t *testing.T) { testRevokeForgetsRepeat(t, newStore(t)) })
	t.Run("ConcurrentSameAddressIsOneSubmission", func(t *testing.T) { testConcurrentSame(t, newStore(t)) })
	t.Run("ConcurrentDifferentAddressesAllStored", func(t *testing.T) { testConcurrentDifferent(t, newStore(t)) })
	t.Run("CaptureCreatesGrant", func(t *testing.T) { testCaptureGrant(t, newStore(t)) })
	t.Run("UseGrantCountsAndRefuses", func(t *testing.T) { testUseGrant(t, newStore(t)) })
	t.Run("ConcurrentDownloadsAllCounted", func(t *testing.T) { testConcurrentDownloads(t, newStore(t)) })
	t.Run("CountDownloadIsIdempotent", func(t *testing.T) { testCountDownload(t, newStore(t)) })
	t.Run("ViewsAddUp", func(t *testing.T) { testCountView(t, newStore(t)) })
	t.Run("ViewsAndDownloadsOfADayLiveTogether", func(t *testing.T) { testViewsAndDownloads(t, newStore(t)) })
	t.Run("ClaimSendOnce", func(t *testing.T) { testClaimSend(t, newStore(t)) })
	t.Run("ConcurrentClaimsOneWins", func(t *testing.T) { testConcurrentClaims(t, newStore(t)) })
	t.Run("FinishedSendsCountedOncePerDay", func(t *testing.T) { testMailStats(t, newStore(t)) })
	t.Run("StepsScheduleOnceAndComeDueInOrder", func(t *testing.T) { testSteps(t, newStore(t)) })
	t.Run("ConfirmOnce", func(t *testing.T) { testConfirm(t, newStore(t)) })
	t.Run("UnsubscribeStopsMarketing", func(t *testing.T) { testUnsubscribe(t, newStore(t)) })
	t.Run("MailEventsSuppress", func(t *testing.T) { testMailEvents(t, newStore(t)) })
	t.Run("PageLeadsNewestFirstByCursor", func(t *testing.T) { testPageLeads(t, newStore(t)) })
	t.Run("EraseLeadKeepsOthersAndCounters", func(t *testing.T) { testEraseLead(t, newStore(t)) })
	t.Run("ErasedLeadLeavesNoTrace", func(t *testing.T) { testErasedLeadLeavesNoTrace(t, newStore(t)) })
	t.Run("UnsubscribeLinkPutAgainAfterErasure", func(t *testing.T) { testUnsubscribeAfterErasure(t, newStore(t)) })
	t.Run("FunnelCountsPerSourceOnceEach", func(t *testing.T) { testFunnelCounts(t, newStore(t)) })
	t.Run("PageStatsRange", func(t *testing.T) { testPageStatsRange(t, newStore(t)) })
	t.Run("SpendsPerCampaign", func(t *testing.T) { testSpends(t, newStore(t)) })
	t.Run("SetScoreOnVersionWithStageHistory", func(t *testing.T) { testSetScore(t, newStore(t)) })
	t.Run("ScoreDownloadRecordsTheFirstDownload", func(t *testing.T) { testScoreDownload(t, newStore(t)) })
	t.Run("StageCountersFollowLeads", func(t *testing.T) { testStageCounters(t, newStore(t)) })
	t.Run("NewLeadScoredAtCapture", func(t *testing.T) { testScoreNew(t, newStore(t)) })
	t.Run("AllPageStatsAndOverview", func(t *testing.T) { testAllPageStats(t, newStore(t)) })
	t.Run("VariantsCountPerArm", func(t *testing.T) { testVariants(t, newStore(t)) })
	t.Run("SuppressedAtKeptUntilOptIn", func(t *testing.T) { testSuppressedAt(t, newStore(t)) })
	t.Run("Console", func(t *testing.T) { RunConsoleConformance(t, consoleStores(newStore)) })
	t.Run("LeadList", func(t *testing.T) { RunLeadListConformance(t, newStore) })
	t.Run("Webhooks", func(t *testing.T) { RunWebhookConformance(t, newStore) })
	t.Run("Delivery", func(t *testing.T) { RunDeliveryConformance(t, newStore) })
}

// Page returns a valid page for tests.
func Page(slug string) leadgate.Page {
	return leadgate.Page{
		Slug:     slug,
		Title:    "The " + slug + " playbook",
		MagnetID: "playbook",
		Fields: []leadgate.Field{
			{Name: "email", Label: "Work email", Type: leadgate.FieldEmail, Required: true},
			{Name: "name", Label: "Name", Type: leadgate.FieldText},
			{Name: "company", Label: "Company", Type: leadgate.FieldText},
			{Name: "team_size", Label: "Team size", Type: leadgate.FieldText, MaxLength: 10},
		},
		HiddenFields:   []string{"utm_source", "utm_medium", "utm_campaign", "gclid", "referrer", "landing_url"},
		ConsentText:    "Send me the occasional email about new guides.",
		PrivacyURL:     "/privacy",
		ConsentVersion: "2026-01",
		OptIn:          leadgate.OptInSingle,
		ThankYouURL:    "https://example.com/thanks",
		AllowedOrigins: []string{"https://example.com"},
		CreatedAt:      T0,
		UpdatedAt:      T0,
	}
}

var idSeq struct {
	sync.Mutex
	n int
}

func nextID(prefix string) string {
	idSeq.Lock()
	defer idSeq.Unlock()
	idSeq.n++
	return fmt.Sprintf("%s-%06d", prefix, idSeq.n)
}

// Capture returns a capture of email on page at the given time, with consent given.
func Capture(page leadgate.Page, email string, at time.Time, source string) leadgate.Capture {
	return leadgate.Capture{
		Submission: leadgate.Submission{
			ID:       nextID("sub"),
			Email:    email,
			Page:     page.Slug,
			MagnetID: page.MagnetID,
			At:       at,
			Values:   map[string]string{"email": email, "name": "Ada Lovelace", "company": "Analytical Engines Ltd", "team_size": "11-50"},
			Attribution: leadgate.Attribution{
				Page: page.Slug, At: at, UTMSource: source, UTMMedium: "cpc", UTMCampaign: "spring",
				Referrer: "https://search.example/?q=playbook", LandingURL: "https://example.com/lp?utm_source=" + source,
			},
			Consent: leadgate.Consent{Given: true, TextVersion: page.ConsentVersion, Page: page.Slug, At: at, IP: "203.0.113.7", UserAgent: "Mozilla/5.0 (conformance)"},
		},
		Page:         page,
		NewLeadID:    nextID("lead"),
		DedupeWindow: time.Hour,
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// wantDomainError fails unless err is the domain's sentinel want, with its code and
// its message exactly.
func wantDomainError(t *testing.T, what string, err error, want *leadgate.Error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s = %v, want %q (%s)", what, err, want.Message, want.Code)
		return
	}
	if got := leadgate.ErrorMessage(err); got != want.Message {
		t.Errorf("%s message = %q, want %q", what, got, want.Message)
	}
}

func mustPutPage(t *testing.T, s leadgate.Store, p leadgate.Page) {
	t.Helper()
	if err := s.PutPage(ctx(t), p); err != nil {
		t.Fatalf("PutPage(%s): %v", p.Slug, err)
	}
}

func mustCapture(t *testing.T, s leadgate.Store, c leadgate.Capture) leadgate.CaptureResult {
	t.Helper()
	res, err := s.Capture(ctx(t), c)
	if err != nil {
		t.Fatalf("Capture(%s on %s): %v", c.Submission.Email, c.Page.Slug, err)
	}
	return res
}

func mustLead(t *testing.T, s leadgate.Store, email string) leadgate.Lead {
	t.Helper()
	l, err := s.LeadByEmail(ctx(t), email)
	if err != nil {
		t.Fatalf("LeadByEmail(%s): %v", email, err)
	}
	return l
}

func mustSubmissions(t *testing.T, s leadgate.Store, email string) []leadgate.Submission {
	t.Helper()
	subs, err := s.Submissions(ctx(t), email)
	if err != nil {
		t.Fatalf("Submissions(%s): %v", email, err)
	}
	return subs
}

func wantCode(t *testing.T, what string, err error, want leadgate.Code) {
	t.Helper()
	if got := leadgate.ErrorCode(err); got != want {
		t.Fatalf("%s: error code %q (%v), want %q", what, got, err, want)
	}
}

func testPageRoundTrip(t *testing.T, s leadgate.Store) {
	p := Page("spring-guide")
	// The HTML rendered when the page was saved, which the hosted page writes as it
	// is: kept byte for byte, entities, quotes and newlines included.
	p.Description, p.DescriptionHTML = "**Twelve** plays & \"more\"\n\n- one", "<p><strong>Twelve</strong> plays &amp; &#34;more&#34;</p>\n<ul>\n<li>one</li>\n</ul>"
	p.ThankYouContent, p.ThankYouHTML = "Read [it](https://example.com/it)", `<p>Read <a href="https://example.com/it" rel="nofollow noreferrer">it</a></p>`
	mustPutPage(t, s, p)
	got, err := s.Page(ctx(t), p.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if err := equalJSON(got, p); err != nil {
		t.Fatalf("page round trip: %v", err)
	}
	p.Title = "A new title"
	p.Fields = append(p.Fields, leadgate.Field{Name: "phone", Label: "Phone", Type: leadgate.FieldTel})
	p.CoverImageURL = "https://cdn.example.com/covers/spring-guide.png"
	mustPutPage(t, s, p)
	got, err = s.Page(ctx(t), p.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if err := equalJSON(got, p); err != nil {
		t.Fatalf("page after update: %v", err)
	}
}

func testListEmpty(t *testing.T, s leadgate.Store) {
	pages, err := s.Pages(ctx(t))
	if err != nil || pages == nil || len(pages) != 0 {
		t.Fatalf("Pages() of an empty store = %#v, %v; want an empty list, nil", pages, err)
	}
	magnets, err := s.Magnets(ctx(t))
	if err != nil || magnets == nil || len(magnets) != 0 {
		t.Fatalf("Magnets() of an empty store = %#v, %v; want an empty list, nil", magnets, err)
	}
}

// testLists puts pages and magnets out of order, updates one of each, and lists
// them: each once, by slug or id, as last put. Leads and submissions of a page
// (which share its index on DynamoDB) are no pages.
func testLists(t *testing.T, s leadgate.Store) {
	b, a, c := Page("b-guide"), Page("a-guide"), Page("c-guide")
	for _, p := range []leadgate.Page{b, a, c} {
		mustPutPage(t, s, p)
	}
	mustCapture(t, s, Capture(a, "ada@example.com", T0, "list"))
	a.Title, a.OptIn = "The a-guide, second edition", leadgate.OptInDouble
	mustPutPage(t, s, a)
	pages, err := s.Pages(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 3 {
		t.Fatalf("Pages() listed %d pages, want 3: %+v", len(pages), pages)
	}
	for i, want := range []leadgate.Page{a, b, c} {
		if err := equalJSON(pages[i], want); err != nil {
			t.Errorf("page %d: %v", i, err)
		}
	}

	m1, m2 := Magnet(), Magnet()
	m2.ID, m2.ObjectKey = "checklist", "magnets/checklist.pdf"
	for _, m := range []leadgate.Magnet{m1, m2} {
		if err := s.PutMagnet(ctx(t), m); err != nil {
			t.Fatal(err)
		}
	}
	m1.Title = "The playbook, revised"
	if err := s.PutMagnet(ctx(t), m1); err != nil {
		t.Fatal(err)
	}
	magnets, err := s.Magnets(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(magnets) != 2 {
		t.Fatalf("Magnets() listed %d magnets, want 2: %+v", len(magnets), magnets)
	}
	for i, want := range []leadgate.Magnet{m2, m1} {
		if err := equalJSON(magnets[i], want); err != nil {
			t.Errorf("magnet %d: %v", i, err)
		}
	}
}

// testUnknown checks that every store answers a missing item with the domain's own
// error, so callers and people read the same words whichever store runs.
func testUnknown(t *testing.T, s leadgate.Store) {
	_, err := s.Page(ctx(t), "no-such-page")
	wantDomainError(t, "Page(unknown)", err, leadgate.ErrPageNotFound)
	_, err = s.Magnet(ctx(t), "no-such-magnet")
	wantDomainError(t, "Magnet(unknown)", err, leadgate.ErrMagnetNotFound)
	_, err = s.LeadByEmail(ctx(t), "nobody@example.com")
	wantDomainError(t, "LeadByEmail(unknown)", err, leadgate.ErrLeadNotFound)
	_, err = s.Grant(ctx(t), "no-such-grant")
	wantDomainError(t, "Grant(unknown)", err, leadgate.ErrGrantNotFound)
	_, err = s.UseGrant(ctx(t), "no-such-grant", T0)
	wantDomainError(t, "UseGrant(unknown)", err, leadgate.ErrGrantNotFound)
	_, err = s.Confirmation(ctx(t), "no-such-confirmation")
	wantDomainError(t, "Confirmation(unknown)", err, leadgate.ErrConfirmationNotFound)
	_, err = s.Confirm(ctx(t), "no-such-confirmation", T0)
	wantDomainError(t, "Confirm(unknown)", err, leadgate.ErrConfirmationNotFound)
	err = s.Unsubscribe(ctx(t), "no-such-link", T0)
	wantDomainError(t, "Unsubscribe(unknown)", err, leadgate.ErrUnsubscribeNotFound)
	subs, err := s.Submissions(ctx(t), "nobody@example.com")
	if err != nil || len(subs) != 0 {
		t.Fatalf("Submissions(unknown) = %v, %v; want none, nil", subs, err)
	}
}

func testMagnetRoundTrip(t *testing.T, s leadgate.Store) {
	m := leadgate.Magnet{ID: "playbook", Title: "The playbook", Kind: "ebook", ObjectKey: "magnets/playbook.pdf",
		FileName: "playbook.pdf", ContentType: "application/pdf", CreatedAt: T0}
	if err := s.PutMagnet(ctx(t), m); err != nil {
		t.Fatal(err)
	}
	got, err := s.Magnet(ctx(t), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := equalJSON(got, m); err != nil {
		t.Fatalf("magnet round trip: %v", err)
	}
}

func testCaptureNewLead(t *testing.T, s leadgate.Store) {
	p := Page("new-lead")
	mustPutPage(t, s, p)
	c := Capture(p, "ada@example.com", T0, "newsletter")
	c.Submission.Values["name"] = "Ada Lovelace ✓ 日本"
	res := mustCapture(t, s, c)
	if !res.LeadCreated || res.Repeat {
		t.Fatalf("first capture: LeadCreated=%v Repeat=%v, want true false", res.LeadCreated, res.Repeat)
	}
	if res.Lead.ID != c.NewLeadID || res.Submission.ID != c.Submission.ID || res.Submission.LeadID != c.NewLeadID {
		t.Fatalf("ids: lead %q sub %q sub.lead %q; want %q %q", res.Lead.ID, res.Submission.ID, res.Submission.LeadID, c.NewLeadID, c.Submission.ID)
	}
	got := mustLead(t, s, "ada@example.com")
	want := leadgate.NewLead(c.NewLeadID, c.Submission, p)
	if err := equalJSON(got, want); err != nil {
		t.Fatalf("stored lead: %v", err)
	}
	if err := equalJSON(res.Lead, want); err != nil {
		t.Fatalf("returned lead: %v", err)
	}
	if got.Custom["team_size"] != "11-50" || got.Name != "Ada Lovelace ✓ 日本" {
		t.Fatalf("fields not kept: %+v", got)
	}
	subs := mustSubmissions(t, s, "ada@example.com")
	if len(subs) != 1 {
		t.Fatalf("%d submissions, want 1", len(subs))
	}
	wantSub := c.Submission
	wantSub.LeadID = c.NewLeadID
	wantSub.NewLeadStage = leadgate.StageCold // the new lead's, unscored
	if err := equalJSON(subs[0], wantSub); err != nil {
		t.Fatalf("stored submission: %v", err)
	}
}

func testRepeat(t *testing.T, s leadgate.Store) {
	p := Page("repeat")
	mustPutPage(t, s, p)
	first := mustCapture(t, s, Capture(p, "grace@example.com", T0, "ads"))
	again := Capture(p, "grace@example.com", T0.Add(59*time.Minute), "other")
	again.Submission.Values["name"] = "Someone Else"
	res := mustCapture(t, s, again)
	if !res.Repeat || res.LeadCreated {
		t.Fatalf("repeat: Repeat=%v LeadCreated=%v, want true false", res.Repeat, res.LeadCreated)
	}
	if res.Submission.ID != first.Submission.ID || res.Lead.ID != first.Lead.ID {
		t.Fatalf("repeat returned submission %q lead %q, want the first: %q %q", res.Submission.ID, res.Lead.ID, first.Submission.ID, first.Lead.ID)
	}
	if n := len(mustSubmissions(t, s, "grace@example.com")); n != 1 {
		t.Fatalf("%d submissions after a repeat, want 1", n)
	}
	l := mustLead(t, s, "grace@example.com")
	if err := equalJSON(l, first.Lead); err != nil {
		t.Fatalf("a repeat changed the lead: %v", err)
	}
}

// testRepeatAnswer checks what a repeat answers with: the earlier submission's
// identity (its ID, lead, address, page and time) and the lead as it is.
func testRepeatAnswer(t *testing.T, s leadgate.Store) {
	p := Page("repeat-answer")
	mustPutPage(t, s, p)
	first := mustCapture(t, s, Capture(p, "hedy@example.com", T0, "ads"))
	res := mustCapture(t, s, Capture(p, "hedy@example.com", T0.Add(10*time.Minute), "other"))
	if !res.Repeat {
		t.Fatalf("second capture within the window: %+v, want a repeat", res)
	}
	got, want := res.Submission, first.Submission
	if got.ID != want.ID || got.LeadID != first.Lead.ID || got.Email != want.Email || got.Page != want.Page || !got.At.Equal(want.At) {
		t.Fatalf("repeat answered with submission %+v, want the identity of %+v", got, want)
	}
	if err := equalJSON(res.Lead, mustLead(t, s, "hedy@example.com")); err != nil {
		t.Fatalf("repeat answered with a lead other than the stored one: %v", err)
	}
}

// testCaptureRoundTrip stores leads and submissions whose parts differ where they
// usually agree (a consent of another page and time than the attribution, a touch
// without a page, an address typed otherwise, a later page that asks no consent)
// and reads them back unchanged.
func testCaptureRoundTrip(t *testing.T, s leadgate.Store) {
	p, quiet := Page("round-trip"), Page("round-trip-quiet")
	quiet.ConsentText, quiet.ConsentVersion = "", ""
	mustPutPage(t, s, p)
	mustPutPage(t, s, quiet)

	c := Capture(p, "alan@example.com", T0, "newsletter")
	c.Submission.Values["email"] = "Alan.TURING@Example.com"
	c.Submission.Consent.Page = ""
	c.Submission.Consent.At = T0.Add(-time.Second)
	c.Submission.Attribution.At = T0.Add(-time.Minute)
	first := mustCapture(t, s, c)
	want := leadgate.NewLead(c.NewLeadID, c.Submission, p)
	if err := equalJSON(mustLead(t, s, "alan@example.com"), want); err != nil {
		t.Fatalf("lead: %v", err)
	}

	later := Capture(quiet, "alan@example.com", T0.Add(2*time.Hour), "")
	later.Submission.Attribution = leadgate.Attribution{At: later.Submission.At, Referrer: "https://example.org/"}
	later.Submission.Consent = leadgate.Consent{At: later.Submission.At}
	res := mustCapture(t, s, later)
	if res.LeadCreated || res.Repeat {
		t.Fatalf("later capture: %+v", res)
	}
	want = first.Lead.Apply(later.Submission, quiet)
	if err := equalJSON(mustLead(t, s, "alan@example.com"), want); err != nil {
		t.Fatalf("lead after a later submission: %v", err)
	}
	wantSubs := []leadgate.Submission{c.Submission, later.Submission}
	wantSubs[0].LeadID, wantSubs[1].LeadID = first.Lead.ID, first.Lead.ID
	wantSubs[0].NewLeadStage = leadgate.StageCold // it made the lead
	if err := equalJSON(mustSubmissions(t, s, "alan@example.com"), wantSubs); err != nil {
		t.Fatalf("submissions: %v", err)
	}
}

func testLaterSubmission(t *testing.T, s leadgate.Store) {
	p := Page("later")
	mustPutPage(t, s, p)
	first := mustCapture(t, s, Capture(p, "alan@example.com", T0, "first-source"))
	later := Capture(p, "alan@example.com", T0.Add(2*time.Hour), "second-source")
	later.Submission.Values["company"] = "Bletchley"
	res := mustCapture(t, s, later)
	if res.Repeat || res.LeadCreated {
		t.Fatalf("later capture: Repeat=%v LeadCreated=%v, want false false", res.Repeat, res.LeadCreated)
	}
	l := mustLead(t, s, "alan@example.com")
	if l.ID != first.Lead.ID {
		t.Fatalf("lead id changed: %q, want %q", l.ID, first.Lead.ID)
	}
	if l.FirstTouch.UTMSource != "first-source" || l.LastTouch.UTMSource != "second-source" {
		t.Fatalf("touches: first %q last %q, want first-source second-source", l.FirstTouch.UTMSource, l.LastTouch.UTMSource)
	}
	if l.Company != "Bletchley" || l.Submissions != 2 || !l.UpdatedAt.Equal(T0.Add(2*time.Hour)) || !l.CreatedAt.Equal(T0) {
		t.Fatalf("lead after later submission: %+v", l)
	}
	if l.Version <= first.Lead.Version {
		t.Fatalf("version %d did not grow from %d", l.Version, first.Lead.Version)
	}
	subs := mustSubmissions(t, s, "alan@example.com")
	if len(subs) != 2 || subs[0].ID != first.Submission.ID || subs[1].ID != later.Submission.ID {
		t.Fatalf("submissions %v, want the two in order", ids(subs))
	}
}

func testOtherPage(t *testing.T, s leadgate.Store) {
	a, b := Page("page-a"), Page("page-b")
	mustPutPage(t, s, a)
	mustPutPage(t, s, b)
	mustCapture(t, s, Capture(a, "katherine@example.com", T0, "a-source"))
	res := mustCapture(t, s, Capture(b, "katherine@example.com", T0.Add(time.Minute), "b-source"))
	if res.Repeat || res.LeadCreated {
		t.Fatalf("other page: Repeat=%v LeadCreated=%v, want false false", res.Repeat, res.LeadCreated)
	}
	l := mustLead(t, s, "katherine@example.com")
	if l.FirstTouch.Page != "page-a" || l.LastTouch.Page != "page-b" || l.LastTouch.UTMSource != "b-source" {
		t.Fatalf("touches after another page: first %+v last %+v", l.FirstTouch, l.LastTouch)
	}
	if n := len(mustSubmissions(t, s, "katherine@example.com")); n != 2 {
		t.Fatalf("%d submissions, want 2", n)
	}
}

func testConsentNotGiven(t *testing.T, s leadgate.Store) {
	p := Page("no-consent")
	mustPutPage(t, s, p)
	c := Capture(p, "dorothy@example.com", T0, "x")
	c.Submission.Consent.Given = false
	mustCapture(t, s, c)
	l := mustLead(t, s, "dorothy@example.com")
	if l.Consent.Given || l.Consent.TextVersion != "2026-01" || l.MarketingAllowed() {
		t.Fatalf("consent record %+v: want not given, version kept, no marketing", l.Consent)
	}
}

func testRateLimit(t *testing.T, s leadgate.Store) {
	p := Page("rate")
	mustPutPage(t, s, p)
	limit := leadgate.RateLimit{Key: "ip:test-hash", Limit: 2, Window: time.Hour}
	at := T0.Add(10 * time.Minute)
	for i, email := range []string{"r1@example.com", "r2@example.com"} {
		c := Capture(p, email, at.Add(time.Duration(i)*time.Second), "x")
		c.RateLimits = []leadgate.RateLimit{limit}
		mustCapture(t, s, c)
	}
	c := Capture(p, "r3@example.com", at.Add(5*time.Second), "x")
	c.RateLimits = []leadgate.RateLimit{limit}
	_, err := s.Capture(ctx(t), c)
	wantCode(t, "third capture over a limit of 2", err, leadgate.ERATELIMITED)
	var de *leadgate.Error
	if !errors.As(err, &de) || de.RetryAfter <= 0 || de.RetryAfter > time.Hour {
		t.Fatalf("RetryAfter = %v, want within the window", de)
	}
	if want := 20*time.Minute - 5*time.Second + time.Second; de.RetryAfter != want { // window 09:00-10:00, refused at 09:40:05
		t.Fatalf("RetryAfter = %v, want %v (the rest of the window)", de.RetryAfter, want)
	}
	_, err = s.LeadByEmail(ctx(t), "r3@example.com")
	wantCode(t, "lead refused by the rate limit", err, leadgate.ENOTFOUND)
	if subs := mustSubmissions(t, s, "r3@example.com"); len(subs) != 0 {
		t.Fatalf("rate-limited capture stored %d submissions", len(subs))
	}
	// Another key is not limited; the next window is open again.
	other := Capture(p, "r3@example.com", at.Add(6*time.Second), "x")
	other.RateLimits = []leadgate.RateLimit{{Key: "ip:other-hash", Limit: 2, Window: time.Hour}}
	mustCapture(t, s, other)
	next := Capture(p, "r4@example.com", T0.Add(time.Hour), "x")
	next.RateLimits = []leadgate.RateLimit{limit}
	mustCapture(t, s, next)
}

func testConcurrentSame(t *testing.T, s leadgate.Store) {
	p := Page("race")
	mustPutPage(t, s, p)
	const n = 8
	results := make([]leadgate.CaptureResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = s.Capture(ctx(t), Capture(p, "race@example.com", T0.Add(time.Duration(i)*time.Millisecond), "x"))
		}()
	}
	wg.Wait()
	created, fresh := 0, 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("concurrent capture %d: %v", i, errs[i])
		}
		if results[i].LeadCreated {
			created++
		}
		if !results[i].Repeat {
			fresh++
		}
	}
	if created != 1 || fresh != 1 {
		t.Fatalf("%d captures created the lead and %d were not repeats; want 1 and 1", created, fresh)
	}
	if subs := mustSubmissions(t, s, "race@example.com"); len(subs) != 1 {
		t.Fatalf("%d submissions stored, want 1", len(subs))
	}
}

func testConcurrentDifferent(t *testing.T, s leadgate.Store) {
	p := Page("many")
	mustPutPage(t, s, p)
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Capture(ctx(t), Capture(p, fmt.Sprintf("person%02d@example.com", i), T0, "x"))
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("capture %d: %v", i, errs[i])
		}
		mustLead(t, s, fmt.Sprintf("person%02d@example.com", i))
	}
}

func ids(subs []leadgate.Submission) []string {
	out := make([]string, len(subs))
	for i, s := range subs {
		out[i] = s.ID
	}
	return out
}

// Magnet is the magnet Page gates.
func Magnet() leadgate.Magnet {
	return leadgate.Magnet{ID: "playbook", Title: "The playbook", Kind: "ebook", ObjectKey: "magnets/playbook.pdf",
		FileName: "The Playbook.pdf", ContentType: "application/pdf", CreatedAt: T0}
}

// Grant returns a grant of email's submission on page, made at T0.
func Grant(token string, page leadgate.Page, email string) leadgate.Grant {
	sub := Capture(page, email, T0, "x").Submission
	sub.LeadID = nextID("lead")
	return leadgate.NewGrant(token, sub, page, Magnet())
}

func mustGrant(t *testing.T, s leadgate.Store, id string) leadgate.Grant {
	t.Helper()
	g, err := s.Grant(ctx(t), id)
	if err != nil {
		t.Fatalf("Grant(%s): %v", id, err)
	}
	return g
}

func testCaptureGrant(t *testing.T, s leadgate.Store) {
	p := Page("granted")
	mustPutPage(t, s, p)
	c := Capture(p, "grant@example.com", T0, "x")
	g := leadgate.NewGrant("token-one", c.Submission, p, Magnet())
	c.Grant = &g
	res := mustCapture(t, s, c)
	got := mustGrant(t, s, leadgate.GrantID("token-one"))
	want := g
	want.LeadID = res.Lead.ID
	if err := equalJSON(got, want); err != nil {
		t.Fatalf("grant made by a capture: %v", err)
	}
	if !got.ExpiresAt.Equal(T0.Add(30 * 24 * time.Hour)) {
		t.Fatalf("grant expires %v, want 30 days after the capture", got.ExpiresAt)
	}
	// A repeat records nothing new: not even a grant.
	again := Capture(p, "grant@example.com", T0.Add(time.Minute), "x")
	g2 := leadgate.NewGrant("token-two", again.Submission, p, Magnet())
	again.Grant = &g2
	if res := mustCapture(t, s, again); !res.Repeat {
		t.Fatal("second capture was not a repeat")
	}
	_, err := s.Grant(ctx(t), leadgate.GrantID("token-two"))
	wantCode(t, "grant of a repeat", err, leadgate.ENOTFOUND)
	// A rate-limited capture makes no grant either.
	limited := Capture(p, "limited@example.com", T0, "x")
	g3 := leadgate.NewGrant("token-three", limited.Submission, p, Magnet())
	limited.Grant = &g3
	limited.RateLimits = []leadgate.RateLimit{{Key: "ip:zero", Limit: 1, Window: time.Hour}}
	mustCapture(t, s, Capture(p, "first@example.com", T0, "x"))
	first := Capture(p, "first2@example.com", T0, "x")
	first.RateLimits = limited.RateLimits
	mustCapture(t, s, first)
	_, err = s.Capture(ctx(t), limited)
	wantCode(t, "capture over the limit", err, leadgate.ERATELIMITED)
	_, err = s.Grant(ctx(t), leadgate.GrantID("token-three"))
	wantCode(t, "grant of a refused capture", err, leadgate.ENOTFOUND)
}

func testUseGrant(t *testing.T, s leadgate.Store) {
	p := Page("downloads")
	g := Grant("use-token", p, "user@example.com")
	if err := s.PutGrant(ctx(t), g); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "PutGrant twice", s.PutGrant(ctx(t), g), leadgate.ECONFLICT)
	first, err := s.UseGrant(ctx(t), g.ID, T0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.UseGrant(ctx(t), g.ID, T0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if first.Downloads != 1 || second.Downloads != 2 || !second.FirstDownloadAt.Equal(T0.Add(time.Hour)) || !second.LastDownloadAt.Equal(T0.Add(2*time.Hour)) {
		t.Fatalf("after two downloads: %+v", second)
	}
	if second.ObjectKey != "magnets/playbook.pdf" || second.FileName != "The Playbook.pdf" {
		t.Fatalf("grant lost its file: %+v", second)
	}
	_, err = s.UseGrant(ctx(t), leadgate.GrantID("no-such-token"), T0)
	wantCode(t, "unknown grant", err, leadgate.ENOTFOUND)
	_, err = s.UseGrant(ctx(t), g.ID, g.ExpiresAt)
	wantCode(t, "grant at its expiry", err, leadgate.EGONE)
	if got := mustGrant(t, s, g.ID); got.Downloads != 2 {
		t.Fatalf("a refused download was counted: %d", got.Downloads)
	}
	wantCode(t, "revoke unknown", s.RevokeGrant(ctx(t), leadgate.GrantID("nope")), leadgate.ENOTFOUND)
	if err := s.RevokeGrant(ctx(t), g.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.UseGrant(ctx(t), g.ID, T0.Add(3*time.Hour))
	wantCode(t, "revoked grant", err, leadgate.EGONE)

	erased := Grant("erased-token", p, "")
	erased.Erased = true
	if err := s.PutGrant(ctx(t), erased); err != nil {
		t.Fatal(err)
	}
	_, err = s.UseGrant(ctx(t), erased.ID, T0.Add(time.Hour))
	wantCode(t, "grant of an erased lead", err, leadgate.EGONE)
}

func testConcurrentDownloads(t *testing.T, s leadgate.Store) {
	g := Grant("busy-token", Page("busy"), "busy@example.com")
	if err := s.PutGrant(ctx(t), g); err != nil {
		t.Fatal(err)
	}
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.UseGrant(ctx(t), g.ID, T0.Add(time.Duration(i+1)*time.Second))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("download %d: %v", i, err)
		}
	}
	if got := mustGrant(t, s, g.ID); got.Downloads != n {
		t.Fatalf("%d downloads counted, want %d", got.Downloads, n)
	}
}

func testCountDownload(t *testing.T, s leadgate.Store) {
	p := Page("counted")
	mustPutPage(t, s, p)
	mustCapture(t, s, Capture(p, "counted@example.com", T0, "x"))
	day := leadgate.Day(T0)
	d1 := leadgate.Download{GrantID: "g1", N: 1, Page: p.Slug, Email: "counted@example.com", At: T0.Add(time.Hour)}
	d2 := leadgate.Download{GrantID: "g1", N: 2, Page: p.Slug, Email: "counted@example.com", At: T0.Add(2 * time.Hour)}
	for _, d := range []leadgate.Download{d1, d1, d2, d2, d1} {
		if err := s.CountDownload(ctx(t), d); err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.DailyCounts(ctx(t), p.Slug, day)
	if err != nil {
		t.Fatal(err)
	}
	if c.Downloads != 2 {
		t.Fatalf("%d downloads counted for %s, want 2 (each (grant, n) once)", c.Downloads, day)
	}
	other, err := s.DailyCounts(ctx(t), p.Slug, "2026-03-03")
	if err != nil || other.Downloads != 0 {
		t.Fatalf("another day: %+v %v", other, err)
	}
	// The lead's first download is its rescoring's to record (ScoreDownload).
	if l := mustLead(t, s, "counted@example.com"); !l.FirstDownloadAt.IsZero() || l.Version != 1 {
		t.Fatalf("counting downloads wrote the lead: first download at %v, version %d", l.FirstDownloadAt, l.Version)
	}
	// A download of a lead that is gone still counts for the page.
	if err := s.CountDownload(ctx(t), leadgate.Download{GrantID: "g2", N: 1, Page: p.Slug, At: T0.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.DailyCounts(ctx(t), p.Slug, day); c.Downloads != 3 {
		t.Fatalf("%d downloads, want 3", c.Downloads)
	}
}

func testCountView(t *testing.T, s leadgate.Store) {
	p := Page("viewed")
	mustPutPage(t, s, p)
	day := leadgate.Day(T0)
	// Concurrent views, as warm Lambda containers count them: none may be lost.
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() { errs <- s.CountView(ctx(t), p.Slug, day, leadgate.Source{}) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CountView(ctx(t), p.Slug, day, leadgate.Source{}); err != nil {
		t.Fatal(err)
	}
	c, err := s.DailyCounts(ctx(t), p.Slug, day)
	if err != nil {
		t.Fatal(err)
	}
	if want := (leadgate.DailyCounts{Page: p.Slug, Day: day, Views: n + 1}); c != want {
		t.Fatalf("counts %+v, want %+v", c, want)
	}
	if other, err := s.DailyCounts(ctx(t), p.Slug, "2026-03-03"); err != nil || other.Views != 0 {
		t.Fatalf("another day: %+v %v", other, err)
	}
	if other, err := s.DailyCounts(ctx(t), "other-page", day); err != nil || other.Views != 0 {
		t.Fatalf("another page: %+v %v", other, err)
	}
}

func testViewsAndDownloads(t *testing.T, s leadgate.Store) {
	p := Page("viewed-and-downloaded")
	mustPutPage(t, s, p)
	day := leadgate.Day(T0)
	// A view first, then downloads, then views again: each count keeps the other's.
	if err := s.CountView(ctx(t), p.Slug, day, leadgate.Source{}); err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 2; n++ {
		if err := s.CountDownload(ctx(t), leadgate.Download{GrantID: "g1", N: n, Page: p.Slug, At: T0.Add(time.Duration(n) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if err := s.CountView(ctx(t), p.Slug, day, leadgate.Source{}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.DailyCounts(ctx(t), p.Slug, day)
	if err != nil {
		t.Fatal(err)
	}
	if want := (leadgate.DailyCounts{Page: p.Slug, Day: day, Views: 3, Downloads: 2}); c != want {
		t.Fatalf("counts %+v, want %+v", c, want)
	}
}
