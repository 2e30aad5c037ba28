package storetest

import (
	"testing"
	"time"

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

func ptr(f float64) *float64 { return &f }

// FullPage returns a valid draft page that sets every setting a page has, with
// texts that YAML and HTML forms could get wrong: several lines, values that read
// as numbers or booleans, quotes, a custom required field.
func FullPage(slug string) leadgate.Page {
	return leadgate.Page{
		Slug:          slug,
		Title:         `The "full" guide: yes`,
		Description:   "Every setting a page has.\nOn two lines.",
		MagnetID:      "playbook",
		CoverImageURL: "https://cdn.example.com/covers/full.png",
		Fields: []leadgate.Field{
			{Name: "email", Label: "Work email", Type: leadgate.FieldEmail, Required: true},
			{Name: "name", Label: "Your name", Type: leadgate.FieldText, Required: true, MaxLength: 100},
			{Name: "phone", Label: "Phone", Type: leadgate.FieldTel},
			{Name: "team_size", Label: "Team size", Type: leadgate.FieldText, Required: true, MaxLength: 20},
			{Name: "notes", Label: "Anything else?", Type: leadgate.FieldTextarea, MaxLength: 3000},
			{Name: "role", Label: "Role", Type: leadgate.FieldSelect, Options: []string{"Founder", "true", "12"}},
			{Name: "seats", Label: "Seats", Type: leadgate.FieldNumber, Min: ptr(0.5), Max: ptr(250)},
			{Name: "terms", Label: "I accept the terms", Type: leadgate.FieldCheckbox, Required: true},
			{Name: "plan", Label: "Plan", Type: leadgate.FieldHidden, Value: "yes"},
		},
		Look:                leadgate.Look{LogoURL: "/logo.png", AccentColor: "#7a1fa2", BackgroundColor: "#fdf6e3", Layout: leadgate.LayoutSplit},
		Locale:              "de",
		ThankYouContent:     "**Danke!**\n\n- Kapitel 1\n- Kapitel 2\n",
		Captcha:             leadgate.Captcha{Provider: leadgate.CaptchaHCaptcha, SiteKey: "10000000-ffff-ffff-ffff-000000000001"},
		HiddenFields:        []string{"utm_source", "utm_medium", "utm_campaign", "referrer", "landing_url"},
		ConsentText:         "true",
		PrivacyURL:          "/privacy",
		ConsentVersion:      "2026-03",
		OptIn:               leadgate.OptInDouble,
		ThankYouURL:         "/p/" + slug + "/thanks",
		ErrorURL:            "https://www.example.com/sorry",
		FormURL:             "https://www.example.com/full",
		AllowedOrigins:      []string{"https://www.example.com", "http://localhost:8080"},
		UntimedFormsAllowed: true,
		DownloadLinkDays:    14,
		Draft:               true,
		FollowUp: leadgate.FollowUp{
			FromName:      "The Team",
			Delivery:      leadgate.EmailTemplate{Subject: "Your copy, {{.FirstName}}", Text: "Hi {{.FirstName}},\n\nHere it is: {{.DownloadURL}}\n", HTML: `<p>Hi {{.FirstName}}, <a href="{{.DownloadURL}}">download</a></p>`},
			Confirmation:  leadgate.EmailTemplate{Subject: "Confirm, please", Text: "Confirm: {{.ConfirmURL}}"},
			Reminder:      leadgate.EmailTemplate{Subject: "A reminder", Text: "  indented first line\nthen {{.ConfirmURL}}"},
			ReminderAfter: 36 * time.Hour,
			Nurture: []leadgate.NurtureStep{
				{ID: "day-2", After: 48 * time.Hour, EmailTemplate: leadgate.EmailTemplate{Subject: "Play one", Text: "Hi {{.FirstName}},\n\nPlay one.\n\n{{.FromName}}"}},
				{ID: "day-5", After: 90 * time.Minute, EmailTemplate: leadgate.EmailTemplate{Subject: "123", HTML: "<p>Play two</p>"}},
			},
		},
		Scoring: leadgate.ScoringRules{
			Basic: 5, Company: 5, JobTitle: 5, Phone: 5, Confirmed: 10, Downloaded: 10, Returned: 15,
			Fit: []leadgate.FitRule{
				{Field: "team_size", Keywords: []string{"50", "100+"}, Points: 10},
				{Field: "company", Keywords: []string{"student", "university"}, Points: -10},
			},
			MQLAt: 20, SQLAt: 45,
		},
	}
}
