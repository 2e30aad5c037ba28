package localdev

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/richtext"
	"leadgate/shared/samplemagnet"
)

// SampleSlug names the sample page and its magnet.
const SampleSlug = "lead-gen-playbook"

// SamplePage is the page a fresh local run starts with.
func SamplePage(now time.Time) leadgate.Page {
	return leadgate.Page{
		Slug:        SampleSlug,
		Title:       "The lead magnet playbook",
		Description: "A short ebook on gated content: what to offer, how to ask, and how to measure what converts.",
		MagnetID:    SampleSlug,
		Fields: []leadgate.Field{
			{Name: "email", Label: "Work email", Type: leadgate.FieldEmail, Required: true},
			{Name: "name", Label: "Your name", Type: leadgate.FieldText, Required: true, MaxLength: 100},
			{Name: "company", Label: "Company", Type: leadgate.FieldText, MaxLength: 120},
			{Name: "job_title", Label: "Job title", Type: leadgate.FieldText, MaxLength: 120},
		},
		HiddenFields:   leadgate.AttributionFields,
		ConsentText:    "Yes, send me a few helpful emails about lead generation. I can leave with one click.",
		PrivacyURL:     "/privacy",
		ConsentVersion: "2026-11-v1",
		OptIn:          leadgate.OptInSingle,
		ThankYouURL:    leadgate.ThanksPath(SampleSlug),
		FormURL:        leadgate.PagePath(SampleSlug),
		FollowUp: leadgate.FollowUp{
			FromName: "The Leadgate team",
			Nurture: []leadgate.NurtureStep{
				{ID: "day-2", After: 48 * time.Hour, EmailTemplate: leadgate.EmailTemplate{
					Subject: "Three magnets that convert, {{.FirstName}}",
					Text: "Hi {{.FirstName}},\n\nThe magnets that convert best solve one small problem completely: a checklist, a template, a calculator.\n\n" +
						"Pick the question your buyers ask most often this week, and answer it in two pages.\n\n{{.FromName}}",
				}},
				{ID: "day-5", After: 120 * time.Hour, EmailTemplate: leadgate.EmailTemplate{
					Subject: "Is your form asking too much?",
					Text: "Hi {{.FirstName}},\n\nEvery field you add costs conversions. Ask for the email address, and perhaps a name; learn the rest later, when the lead comes back for more.\n\n" +
						"Measure it: leads divided by visits, per source, before and after.\n\n{{.FromName}}",
				}},
			},
		},
		AllowedOrigins: []string{"http://localhost:3000", "http://localhost:5173"},
		CreatedAt:      now.UTC().Truncate(time.Millisecond),
		UpdatedAt:      now.UTC().Truncate(time.Millisecond),
	}
}

// SampleMagnet is the ebook the sample page gates.
func SampleMagnet(now time.Time) leadgate.Magnet {
	return leadgate.Magnet{
		ID: SampleSlug, Title: "The lead magnet playbook", Kind: "ebook",
		ObjectKey: leadgate.MagnetObjectKey(SampleSlug, "lead-magnet-playbook.pdf"), FileName: "lead-magnet-playbook.pdf",
		ContentType: "application/pdf", CreatedAt: now.UTC().Truncate(time.Millisecond),
	}
}

// Seed stores the sample page and magnet, and puts the magnet's PDF into the bucket,
// unless they exist already: a marketer's edits survive restarts.
func Seed(ctx context.Context, store leadgate.Store, objects leadgate.ObjectStore, now time.Time) error {
	if _, err := store.Magnet(ctx, SampleSlug); leadgate.ErrorCode(err) == leadgate.ENOTFOUND {
		m := SampleMagnet(now)
		pdf := samplemagnet.Playbook()
		if err := objects.Put(ctx, m.ObjectKey, bytes.NewReader(pdf), int64(len(pdf)), m.ContentType); err != nil {
			return fmt.Errorf("put sample magnet: %w", err)
		}
		if err := store.PutMagnet(ctx, m); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if _, err := store.Page(ctx, SampleSlug); leadgate.ErrorCode(err) == leadgate.ENOTFOUND {
		// Stored as the admin service saves a page: with its texts' HTML.
		p := SamplePage(now)
		p.DescriptionHTML, p.ThankYouHTML = richtext.HTML(p.Description), richtext.HTML(p.ThankYouContent)
		return store.PutPage(ctx, p)
	} else if err != nil {
		return err
	}
	return nil
}
