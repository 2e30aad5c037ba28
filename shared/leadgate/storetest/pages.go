package storetest

import (
	"testing"

	"leadgate/shared/leadgate"
)

// testDraftRoundTrip checks that a page's draft flag is kept, both ways: the hosted
// page and the capture route read it to answer visitors as for no page.
func testDraftRoundTrip(t *testing.T, s leadgate.Store) {
	p := Page("draft-guide")
	p.Draft = true
	mustPutPage(t, s, p)
	got, err := s.Page(ctx(t), p.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Draft {
		t.Fatalf("a draft page read back published: %+v", got)
	}
	p.Draft = false
	mustPutPage(t, s, p)
	if got, err = s.Page(ctx(t), p.Slug); err != nil || got.Draft {
		t.Fatalf("a published page read back as %+v, %v", got, err)
	}
}

// testDeletePage deletes one page of two: it is gone from Page and Pages, while
// its lead, submission and counters stay; deleting it again is ENOTFOUND; and its
// slug may be saved again, taking up what was captured on it.
func testDeletePage(t *testing.T, s leadgate.Store) {
	gone, kept := Page("gone-guide"), Page("kept-guide")
	mustPutPage(t, s, gone)
	mustPutPage(t, s, kept)
	c := Capture(gone, "ada@example.com", T0, "delete")
	mustCapture(t, s, c)
	if err := s.CountLead(ctx(t), c.Submission); err != nil {
		t.Fatal(err)
	}
	day := leadgate.Day(T0)
	if err := s.CountView(ctx(t), gone.Slug, day, leadgate.NewSource("", "", "")); err != nil {
		t.Fatal(err)
	}

	if err := s.DeletePage(ctx(t), gone.Slug); err != nil {
		t.Fatalf("DeletePage: %v", err)
	}
	_, err := s.Page(ctx(t), gone.Slug)
	wantDomainError(t, "Page(deleted)", err, leadgate.ErrPageNotFound)
	wantDomainError(t, "DeletePage(deleted)", s.DeletePage(ctx(t), gone.Slug), leadgate.ErrPageNotFound)
	wantDomainError(t, "DeletePage(unknown)", s.DeletePage(ctx(t), "no-such-page"), leadgate.ErrPageNotFound)
	pages, err := s.Pages(ctx(t))
	if err != nil || len(pages) != 1 || pages[0].Slug != kept.Slug {
		t.Fatalf("Pages() after delete = %+v, %v; want only %s", pages, err, kept.Slug)
	}

	lead := mustLead(t, s, "ada@example.com")
	if subs := mustSubmissions(t, s, lead.Email); len(subs) != 1 || subs[0].Page != gone.Slug {
		t.Fatalf("submissions after the page's delete: %+v", subs)
	}
	counts, err := s.DailyCounts(ctx(t), gone.Slug, day)
	if err != nil || counts.Views != 1 || counts.Leads != 1 {
		t.Fatalf("counters after the page's delete: %+v, %v; want 1 view and 1 lead", counts, err)
	}

	mustPutPage(t, s, gone)
	list, err := s.PageLeads(ctx(t), gone.Slug, T0.AddDate(0, 0, -1), "", 0)
	if err != nil || len(list.Leads) != 1 {
		t.Fatalf("PageLeads of the slug saved again = %+v, %v; want the one lead", list, err)
	}
}
