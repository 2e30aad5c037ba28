package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// RunLeadListConformance checks the console's lead table query (LeadLister) and
// the lead detail's reads (LeadReader).
func RunLeadListConformance(t *testing.T, newStore NewStore) {
	t.Run("NewestFirstEveryFilter", func(t *testing.T) { testLeadFilters(t, newStore(t)) })
	t.Run("PagingWalksEverythingOnce", func(t *testing.T) { testLeadPaging(t, newStore(t)) })
	t.Run("BadCursorInvalid", func(t *testing.T) { testLeadBadQuery(t, newStore(t)) })
	t.Run("ErasedLeadNotListed", func(t *testing.T) { testLeadErasedNotListed(t, newStore(t)) })
	t.Run("LeadByRefAndSends", func(t *testing.T) { testLeadByRef(t, newStore(t)) })
	t.Run("SuppressedListedWithTheirTime", func(t *testing.T) { testSuppressedListed(t, newStore(t)) })
}

// leadSpec is one lead of the filters' data set.
type leadSpec struct {
	email, name, company, page, source string
	consent                            bool
	stage                              leadgate.Stage // "" : never scored
	bounced                            bool
}

var leadSpecs = []leadSpec{ // created a minute apart, in this order
	{email: "ada@example.com", name: "Ada Lovelace", company: "Analytical Engines", page: "alpha", source: "newsletter", consent: true, stage: leadgate.StageSQL},
	{email: "bob@builder.test", name: "Bob", company: "Builders Inc", page: "beta", source: "ads"},
	{email: "cleo@example.com", name: "Cleo O'Neil", company: "ACME", page: "alpha", source: "ads", consent: true, stage: leadgate.StageMQL},
	{email: "dan@acme.test", name: "Dan", company: "", page: "beta", source: "newsletter", stage: leadgate.StageCold},
	{email: "eve@example.com", name: "Eve", company: "Evil Corp", page: "alpha", source: "", consent: true, bounced: true},
	{email: "fay@acme.test", name: "Fay Acme-Smith", company: "Other", page: "beta", source: "ads", consent: true, stage: leadgate.StageSQL},
}

// seedLeads captures leadSpecs in order and returns their leads by address.
func seedLeads(t *testing.T, s leadgate.Store) {
	t.Helper()
	pages := map[string]leadgate.Page{"alpha": Page("alpha"), "beta": Page("beta")}
	for _, p := range pages {
		mustPutPage(t, s, p)
	}
	for i, sp := range leadSpecs {
		c := Capture(pages[sp.page], sp.email, T0.Add(time.Duration(i)*time.Minute), sp.source)
		c.Submission.Values["name"], c.Submission.Values["company"] = sp.name, sp.company
		c.Submission.Consent.Given = sp.consent
		if sp.source == "" {
			c.Submission.Attribution.UTMSource = ""
		}
		l := mustCapture(t, s, c).Lead
		if sp.stage != "" {
			if err := s.SetScore(ctx(t), sp.email, 10, sp.stage, c.Submission.At, l.Version); err != nil {
				t.Fatal(err)
			}
		}
		if sp.bounced {
			if err := s.RecordMailEvent(ctx(t), leadgate.MailEvent{Kind: "bounce", Email: sp.email, MessageID: "m-" + sp.email, At: c.Submission.At}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Ada comes back on beta later (with the suite's default name and company):
	// she is on both pages, created first still.
	mustCapture(t, s, Capture(pages["beta"], "ada@example.com", T0.Add(time.Hour), "other"))
}

// emailsOf lists every lead q selects, following the cursor to the end.
func emailsOf(t *testing.T, s leadgate.Store, q leadgate.LeadQuery) []string {
	t.Helper()
	got := []string{}
	for range 100 {
		list, err := s.Leads(ctx(t), q)
		if err != nil {
			t.Fatalf("Leads(%+v): %v", q, err)
		}
		for _, l := range list.Leads {
			got = append(got, l.Email)
		}
		if list.Next == "" {
			return got
		}
		q.Cursor = list.Next
	}
	t.Fatalf("Leads(%+v): no end after 100 pages", q)
	return nil
}

func testLeadFilters(t *testing.T, s leadgate.Store) {
	seedLeads(t, s)
	all := []string{"fay@acme.test", "eve@example.com", "dan@acme.test", "cleo@example.com", "bob@builder.test", "ada@example.com"}
	cases := []struct {
		name string
		q    leadgate.LeadQuery
		want []string
	}{
		{"none", leadgate.LeadQuery{}, all},
		{"search email", leadgate.LeadQuery{Search: "ACME.test"}, []string{"fay@acme.test", "dan@acme.test"}},
		{"search name and company ignoring case", leadgate.LeadQuery{Search: "acme"}, []string{"fay@acme.test", "dan@acme.test", "cleo@example.com"}},
		{"search name", leadgate.LeadQuery{Search: "o'neil"}, []string{"cleo@example.com"}},
		{"page", leadgate.LeadQuery{Page: "alpha"}, []string{"eve@example.com", "cleo@example.com", "ada@example.com"}},
		{"page of a later submission", leadgate.LeadQuery{Page: "beta"}, []string{"fay@acme.test", "dan@acme.test", "bob@builder.test", "ada@example.com"}},
		{"stage sql", leadgate.LeadQuery{Stage: leadgate.StageSQL}, []string{"fay@acme.test", "ada@example.com"}},
		{"stage cold takes unscored", leadgate.LeadQuery{Stage: leadgate.StageCold}, []string{"eve@example.com", "dan@acme.test", "bob@builder.test"}},
		{"source", leadgate.LeadQuery{Source: "ads"}, []string{"fay@acme.test", "cleo@example.com", "bob@builder.test"}},
		{"consent given", leadgate.LeadQuery{Consent: leadgate.ConsentGiven}, []string{"fay@acme.test", "eve@example.com", "cleo@example.com", "ada@example.com"}},
		{"consent not given", leadgate.LeadQuery{Consent: leadgate.ConsentNotGiven}, []string{"dan@acme.test", "bob@builder.test"}},
		{"statuses", leadgate.LeadQuery{Statuses: []leadgate.Status{leadgate.StatusBounced, leadgate.StatusComplained}}, []string{"eve@example.com"}},
		{"from", leadgate.LeadQuery{From: T0.Add(4 * time.Minute)}, []string{"fay@acme.test", "eve@example.com"}},
		{"to excluded", leadgate.LeadQuery{To: T0.Add(2 * time.Minute)}, []string{"bob@builder.test", "ada@example.com"}},
		{"from and to", leadgate.LeadQuery{From: T0.Add(time.Minute), To: T0.Add(3 * time.Minute)}, []string{"cleo@example.com", "bob@builder.test"}},
		{"combined", leadgate.LeadQuery{Page: "beta", Source: "ads", Consent: leadgate.ConsentGiven, Stage: leadgate.StageSQL, Search: "FAY"}, []string{"fay@acme.test"}},
		{"combined with range", leadgate.LeadQuery{Source: "newsletter", From: T0, To: T0.Add(time.Hour)}, []string{"dan@acme.test", "ada@example.com"}},
		{"nothing matches", leadgate.LeadQuery{Search: "zzz"}, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, limit := range []int{0, 1, 2} {
				q := c.q
				q.Limit = limit
				if got := emailsOf(t, s, q); !slices.Equal(got, c.want) {
					t.Errorf("limit %d: got %v, want %v", limit, got, c.want)
				}
			}
		})
	}
	// The listed leads carry what the table shows.
	list, err := s.Leads(ctx(t), leadgate.LeadQuery{Search: "ada@"})
	if err != nil || len(list.Leads) != 1 {
		t.Fatalf("Leads(ada): %v, %v", list, err)
	}
	l := list.Leads[0]
	if l.ID == "" || l.Name != "Ada Lovelace" || l.Company != "Analytical Engines Ltd" || l.Stage != leadgate.StageSQL || l.Score != 10 ||
		!l.Consent.Given || l.Status != leadgate.StatusActive || l.FirstTouch.UTMSource != "newsletter" || !l.CreatedAt.Equal(T0) ||
		!slices.Equal(l.Pages, []string{"alpha", "beta"}) {
		t.Errorf("listed lead %+v", l)
	}
}

func testLeadPaging(t *testing.T, s leadgate.Store) {
	p := Page("paging")
	mustPutPage(t, s, p)
	const n = 23
	var want []string
	for i := range n {
		email := fmt.Sprintf("lead%02d@example.com", i)
		// Two leads share each time: the id orders them.
		mustCapture(t, s, Capture(p, email, T0.Add(time.Duration(i/2)*time.Second), "x"))
		want = append(want, email)
	}
	var got []string
	seen := map[string]bool{}
	q := leadgate.LeadQuery{Limit: 5}
	pages := 0
	for {
		list, err := s.Leads(ctx(t), q)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(list.Leads) > 5 {
			t.Fatalf("page of %d leads, limit 5", len(list.Leads))
		}
		var prev *leadgate.Lead
		for i, l := range list.Leads {
			if seen[l.Email] {
				t.Fatalf("%s listed twice", l.Email)
			}
			seen[l.Email] = true
			got = append(got, l.Email)
			if prev != nil && prev.CreatedAt.Before(l.CreatedAt) {
				t.Fatalf("%s before the newer %s", prev.Email, l.Email)
			}
			prev = &list.Leads[i]
		}
		if list.Next == "" {
			break
		}
		if pages > n {
			t.Fatal("paging does not end")
		}
		q.Cursor = list.Next
	}
	if len(got) != n {
		t.Fatalf("paged through %d leads, want %d: %v", len(got), n, got)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("paged %v, want %v", got, want)
	}
}

func testLeadBadQuery(t *testing.T, s leadgate.Store) {
	for _, q := range []leadgate.LeadQuery{
		{Cursor: "not-a-cursor"},
		{Cursor: leadgate.EncodeLeadsCursor(T0, "bad id!")},
		{Stage: "warm"},
		{Consent: "maybe"},
		{Statuses: []leadgate.Status{"gone"}},
		{From: T0, To: T0},
		{Limit: leadgate.MaxLeadListLimit + 1},
		{Search: strings.Repeat("x", leadgate.MaxSearchLength+1)},
	} {
		_, err := s.Leads(ctx(t), q)
		wantCode(t, fmt.Sprintf("Leads(%+v)", q), err, leadgate.EINVALID)
	}
	// An empty store lists nothing, with no cursor.
	list, err := s.Leads(ctx(t), leadgate.LeadQuery{})
	if err != nil || len(list.Leads) != 0 || list.Next != "" {
		t.Fatalf("empty store: %+v, %v", list, err)
	}
}

func testLeadErasedNotListed(t *testing.T, s leadgate.Store) {
	p := Page("erasing")
	mustPutPage(t, s, p)
	gone := mustCapture(t, s, Capture(p, "gone@example.com", T0, "x")).Lead
	mustCapture(t, s, Capture(p, "stays@example.com", T0.Add(time.Minute), "x"))
	if _, err := s.EraseLead(ctx(t), leadgate.Erasure{Email: "gone@example.com"}); err != nil {
		t.Fatal(err)
	}
	if got := emailsOf(t, s, leadgate.LeadQuery{}); !slices.Equal(got, []string{"stays@example.com"}) {
		t.Fatalf("after erasure: %v", got)
	}
	if got := emailsOf(t, s, leadgate.LeadQuery{Search: "gone"}); len(got) != 0 {
		t.Fatalf("search after erasure: %v", got)
	}
	_, err := s.LeadByRef(ctx(t), leadgate.LeadRef(gone))
	wantCode(t, "LeadByRef(erased)", err, leadgate.ENOTFOUND)
}

// testSuppressedListed lists the suppressed leads, as the deliverability page does,
// each with when it was suppressed.
func testSuppressedListed(t *testing.T, s leadgate.Store) {
	p := Page("suppressed-list")
	mustPutPage(t, s, p)
	for i, e := range []string{"fine@example.com", "bounced@example.com", "angry@example.com"} {
		mustCapture(t, s, Capture(p, e, T0.Add(time.Duration(i)*time.Minute), "x"))
	}
	for _, e := range []leadgate.MailEvent{
		{Kind: "bounce", Email: "bounced@example.com", MessageID: "l1", At: T0.Add(time.Hour)},
		{Kind: "complaint", Email: "angry@example.com", MessageID: "l2", At: T0.Add(2 * time.Hour)},
	} {
		if err := s.RecordMailEvent(ctx(t), e); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.Leads(ctx(t), leadgate.LeadQuery{Statuses: []leadgate.Status{leadgate.StatusBounced, leadgate.StatusComplained, leadgate.StatusUnsubscribed}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range list.Leads {
		got = append(got, l.Email+" "+string(l.Status)+" "+l.SuppressedAt.UTC().Format(time.RFC3339))
	}
	want := []string{
		"angry@example.com complained " + T0.Add(2*time.Hour).Format(time.RFC3339),
		"bounced@example.com bounced " + T0.Add(time.Hour).Format(time.RFC3339),
	}
	if !slices.Equal(got, want) {
		t.Errorf("suppressed leads %q, want %q", got, want)
	}
}

func testLeadByRef(t *testing.T, s leadgate.Store) {
	p := Page("refs")
	mustPutPage(t, s, p)
	l := mustCapture(t, s, Capture(p, "ref@example.com", T0, "x")).Lead
	got, err := s.LeadByRef(ctx(t), leadgate.LeadRef(l))
	if err != nil || got.ID != l.ID || got.Email != l.Email || got.LastTouch != l.LastTouch {
		t.Fatalf("LeadByRef = %+v, %v", got, err)
	}
	for _, ref := range []string{"", "x", leadgate.LeadRef(leadgate.Lead{ID: l.ID, CreatedAt: T0.Add(time.Second)}), leadgate.LeadRef(leadgate.Lead{ID: "other", CreatedAt: T0}), "zz.bad id"} {
		_, err := s.LeadByRef(ctx(t), ref)
		wantCode(t, "LeadByRef("+ref+")", err, leadgate.ENOTFOUND)
	}

	if sends, err := s.Sends(ctx(t), l.Email); err != nil || len(sends) != 0 {
		t.Fatalf("Sends before any = %v, %v", sends, err)
	}
	claim, ok, err := s.ClaimSend(ctx(t), l.Email, "delivery#1", T0, time.Minute)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	claim.Status, claim.SentAt, claim.MessageID = leadgate.SendSent, T0, "msg-1"
	if err := s.FinishSend(ctx(t), claim); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ClaimSend(ctx(t), l.Email, "confirm#1", T0, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ClaimSend(ctx(t), "other@example.com", "delivery#2", T0, time.Minute); err != nil {
		t.Fatal(err)
	}
	sends, err := s.Sends(ctx(t), l.Email)
	if err != nil || len(sends) != 2 || sends[0].Key != "confirm#1" || sends[1].Key != "delivery#1" ||
		sends[1].Status != leadgate.SendSent || sends[1].MessageID != "msg-1" || sends[0].Status != leadgate.SendSending {
		t.Fatalf("Sends = %+v, %v", sends, err)
	}
}
