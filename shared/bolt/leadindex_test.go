package bolt_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// listed returns the addresses of every lead the console's table lists, newest first.
func listed(t *testing.T, s *bolt.Store, q leadgate.LeadQuery) []string {
	t.Helper()
	res, err := s.Leads(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, l := range res.Leads {
		emails = append(emails, l.Email)
	}
	return emails
}

func indexRecords(t *testing.T, s *bolt.Store) int {
	t.Helper()
	counts, err := bolt.StoredCounts(s)
	if err != nil {
		t.Fatal(err)
	}
	return counts["leadindex"]
}

// A capture writes no index record (a commit with three pages fewer); the index is
// brought up to date from the feed before it is read, so the table still lists
// every capture at once, as the lead stands, and never an erased one.
func TestLeadIndexIsWrittenFromTheFeed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.db")
	s, err := bolt.OpenWith(path, manualOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	ctx := context.Background()
	p := storetest.Page("index")
	capture := func(email string, at time.Time, values map[string]string) {
		t.Helper()
		c := storetest.Capture(p, email, at, "newsletter")
		for k, v := range values {
			c.Submission.Values[k] = v
		}
		if _, err := s.Capture(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		capture(fmt.Sprintf("lead%d@example.com", i), storetest.T0.Add(time.Duration(i)*time.Minute), nil)
	}
	if n := indexRecords(t, s); n != 0 {
		t.Fatalf("%d index records after three captures, want none: captures leave the index to the feed", n)
	}
	all := leadgate.LeadQuery{}
	if got := fmt.Sprint(listed(t, s, all)); got != "[lead2@example.com lead1@example.com lead0@example.com]" {
		t.Fatalf("listed %s right after the captures", got)
	}
	if n := indexRecords(t, s); n != 3 {
		t.Fatalf("%d index records once listed, want 3", n)
	}

	// A returning lead's new name is found by the search at once.
	capture("lead0@example.com", storetest.T0.Add(time.Hour), map[string]string{"name": "Grace Hopper"})
	if got := fmt.Sprint(listed(t, s, leadgate.LeadQuery{Search: "hopper"})); got != "[lead0@example.com]" {
		t.Fatalf("search for the new name listed %s", got)
	}
	// Its lead ref still finds it.
	lead, err := s.LeadByEmail(ctx, "lead0@example.com")
	if err != nil {
		t.Fatal(err)
	}

	// A lead erased before its change was indexed is not listed, and indexing goes on.
	capture("gone@example.com", storetest.T0.Add(2*time.Hour), nil)
	if _, err := s.EraseLead(ctx, leadgate.Erasure{Email: "gone@example.com"}); err != nil {
		t.Fatal(err)
	}
	capture("lead3@example.com", storetest.T0.Add(3*time.Hour), nil)
	if got := fmt.Sprint(listed(t, s, all)); got != "[lead3@example.com lead2@example.com lead1@example.com lead0@example.com]" {
		t.Fatalf("listed %s after an erasure", got)
	}
	byRef, err := s.LeadByRef(ctx, leadgate.LeadRef(lead))
	if err != nil || byRef.Name != "Grace Hopper" {
		t.Fatalf("lead by ref: %+v (%v)", byRef, err)
	}

	// The position survives a reopen, and pruning indexes what is left first.
	capture("lead4@example.com", storetest.T0.Add(4*time.Hour), nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = bolt.OpenWith(path, manualOptions()); err != nil {
		t.Fatal(err)
	}
	recent, err := s.RecentChanges(1)
	if err != nil || len(recent) != 1 {
		t.Fatalf("newest change: %v (%v)", recent, err)
	}
	followTo(t, s, "dev-log", recent[0].Seq)
	if _, err := s.PruneFeed(0); err != nil {
		t.Fatal(err)
	}
	if n := indexRecords(t, s); n != 5 {
		t.Fatalf("%d index records after pruning, want 5", n)
	}
	if got := fmt.Sprint(listed(t, s, all)); got != "[lead4@example.com lead3@example.com lead2@example.com lead1@example.com lead0@example.com]" {
		t.Fatalf("listed %s after reopening and pruning", got)
	}
}

// A capture's grant waits in the feed too: every way to a grant finds it at once,
// the download link of a fresh capture included, and an erasure still keeps it,
// marked erased.
func TestGrantsAreWrittenFromTheFeed(t *testing.T) {
	s, err := bolt.OpenWith(filepath.Join(t.TempDir(), "leads.db"), manualOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	p := storetest.Page("grants")
	captureWithGrant := func(email, token string) string {
		t.Helper()
		c := storetest.Capture(p, email, storetest.T0, "newsletter")
		g := leadgate.NewGrant(token, c.Submission, p, storetest.Magnet())
		c.Grant = &g
		if _, err := s.Capture(ctx, c); err != nil {
			t.Fatal(err)
		}
		return g.ID
	}
	grantsStored := func() int {
		t.Helper()
		counts, err := bolt.StoredCounts(s)
		if err != nil {
			t.Fatal(err)
		}
		return counts["grants"]
	}

	read := captureWithGrant("read@example.com", "token-read")
	if n := grantsStored(); n != 0 {
		t.Fatalf("%d grants stored by a capture, want none: it leaves its grant to the feed", n)
	}
	if g, err := s.Grant(ctx, read); err != nil || g.Email != "read@example.com" {
		t.Fatalf("grant of a fresh capture: %+v (%v)", g, err)
	}
	if n := grantsStored(); n != 1 {
		t.Fatalf("%d grants stored once read, want 1", n)
	}
	if _, err := s.Grant(ctx, leadgate.GrantID("no-such-token")); !errors.Is(err, leadgate.ErrGrantNotFound) {
		t.Fatalf("unknown grant: %v", err)
	}

	used := captureWithGrant("used@example.com", "token-used")
	if g, err := s.UseGrant(ctx, used, storetest.T0.Add(time.Minute)); err != nil || g.Downloads != 1 {
		t.Fatalf("first download of a fresh capture: %+v (%v)", g, err)
	}
	revoked := captureWithGrant("revoked@example.com", "token-revoked")
	if err := s.RevokeGrant(ctx, revoked); err != nil {
		t.Fatalf("revoke a fresh capture's grant: %v", err)
	}
	if g, err := s.Grant(ctx, revoked); err != nil || !g.Revoked {
		t.Fatalf("revoked grant: %+v (%v)", g, err)
	}
	// A grant written again by the follower's path is refused as existing.
	again := captureWithGrant("again@example.com", "token-again")
	if err := s.PutGrant(ctx, leadgate.Grant{ID: again, Page: p.Slug}); !errors.Is(err, leadgate.ErrGrantExists) {
		t.Fatalf("put over a capture's grant: %v", err)
	}

	erased := captureWithGrant("erased@example.com", "token-erased")
	if _, err := s.EraseLead(ctx, leadgate.Erasure{Email: "erased@example.com", GrantIDs: []string{erased}}); err != nil {
		t.Fatal(err)
	}
	if g, err := s.Grant(ctx, erased); err != nil || !g.Erased || g.Email != "" {
		t.Fatalf("grant of an erased lead: %+v (%v), want kept, erased, without its address", g, err)
	}
}

// Any other write of a lead makes the writes its captures left pending first: the
// capture's index record must not land after the newer one and undo it.
func TestLeadWriteComesAfterItsPendingRecord(t *testing.T) {
	s, err := bolt.OpenWith(filepath.Join(t.TempDir(), "leads.db"), manualOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	const email = "rescored@example.com"
	if _, err := s.Capture(ctx, storetest.Capture(storetest.Page("rescore"), email, storetest.T0, "newsletter")); err != nil {
		t.Fatal(err)
	}
	l, err := s.LeadByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	if l.Stage == leadgate.StageSQL {
		t.Fatalf("a fresh capture is already %s", l.Stage)
	}
	if err := s.SetScore(ctx, email, 90, leadgate.StageSQL, storetest.T0.Add(time.Minute), l.Version); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(listed(t, s, leadgate.LeadQuery{Stage: leadgate.StageSQL})); got != "["+email+"]" {
		t.Fatalf("SQL leads listed %s after the rescoring, want the rescored lead", got)
	}
	if got := listed(t, s, leadgate.LeadQuery{Stage: leadgate.StageCold}); len(got) != 0 {
		t.Fatalf("cold leads listed %v after the rescoring, want none", got)
	}
}

// A field a page may name like the member of the pending writes is only a string
// in an image: it neither hides a capture's pending writes nor stops the others.
func TestFieldNamedLikeThePendingWrites(t *testing.T) {
	s, err := bolt.OpenWith(filepath.Join(t.TempDir(), "leads.db"), manualOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	p := storetest.Page("named")
	for i, email := range []string{"first@example.com", "second@example.com"} {
		c := storetest.Capture(p, email, storetest.T0.Add(time.Duration(i)*time.Minute), "newsletter")
		c.Submission.Values["a_field"] = "a"
		c.Submission.Values["leadgate_pending"] = `{"index_key":"x"}`
		if _, err := s.Capture(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if got := fmt.Sprint(listed(t, s, leadgate.LeadQuery{})); got != "[second@example.com first@example.com]" {
		t.Fatalf("listed %s", got)
	}
}

// A new address's lead, submission and dedupe marker are written from the feed too
// (a commit with a B+tree fewer), and every read and write of the address finds
// them: a repeat is a repeat, a read sees the lead, and a store closed before the
// catch-up has them when it opens again.
func TestNewLeadsAreWrittenFromTheFeed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.db")
	s := openWith(t, path, manualOptions())
	ctx := context.Background()
	p := storetest.Page("deferred")
	stored := func(s *bolt.Store) map[string]int {
		t.Helper()
		counts, err := bolt.StoredCounts(s)
		if err != nil {
			t.Fatal(err)
		}
		return counts
	}
	capture := func(s *bolt.Store, email string, at time.Time) leadgate.CaptureResult {
		t.Helper()
		res, err := s.Capture(ctx, storetest.Capture(p, email, at, "newsletter"))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	first := capture(s, "a@example.com", storetest.T0)
	capture(s, "b@example.com", storetest.T0.Add(time.Second))
	if c := stored(s); c["leads"]+c["submissions"]+c["dedupe"] != 0 {
		t.Fatalf("stored %v after two new captures, want no lead, submission or marker: they are in the feed", c)
	}
	again := capture(s, "a@example.com", storetest.T0.Add(time.Minute))
	if !again.Repeat || again.Submission.ID != first.Submission.ID || again.Lead.ID != first.Lead.ID {
		t.Fatalf("the same address a minute later: %+v, want a repeat of %s", again, first.Submission.ID)
	}
	if l, err := s.LeadByEmail(ctx, "b@example.com"); err != nil || l.Email != "b@example.com" {
		t.Fatalf("lead b: %+v (%v)", l, err)
	}
	if c := stored(s); c["leads"] != 2 || c["submissions"] != 2 || c["dedupe"] != 2 {
		t.Fatalf("stored %v after a read, want 2 leads, submissions and markers", c)
	}

	// A returning address: its lead is written at once, with its own submission.
	returning := capture(s, "b@example.com", storetest.T0.Add(2*time.Hour))
	if returning.Repeat || returning.LeadCreated {
		t.Fatalf("b two hours later: %+v, want a returning lead", returning)
	}
	capture(s, "c@example.com", storetest.T0.Add(3*time.Hour))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openWith(t, path, manualOptions())
	if c := stored(s); c["leads"] != 3 || c["submissions"] != 4 || c["dedupe"] != 3 {
		t.Fatalf("stored %v on opening again, want 3 leads, 4 submissions and 3 markers", c)
	}
	if subs, err := s.Submissions(ctx, "c@example.com"); err != nil || len(subs) != 1 || subs[0].Page != p.Slug {
		t.Fatalf("c's submissions: %+v (%v)", subs, err)
	}
	if res := capture(s, "c@example.com", storetest.T0.Add(3*time.Hour+time.Minute)); !res.Repeat {
		t.Fatalf("c a minute later, after opening again: %+v, want a repeat", res)
	}
}
