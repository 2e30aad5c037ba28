package admin

import (
	"slices"

	"leadgate/shared/leadgate"
	"leadgate/shared/richtext"
)

// RenderTexts returns p with its Markdown texts rendered to sanitised HTML
// (DescriptionHTML, ThankYouHTML), as SavePage stores them: the hosted page
// writes the stored HTML as it is, so that its function links neither the
// renderer nor the sanitiser. Whatever HTML p carries is replaced, never trusted.
// The console's preview of unsaved edits renders through here too.
func (s *Service) RenderTexts(p leadgate.Page) leadgate.Page {
	p.DescriptionHTML = richtext.HTML(p.Description)
	p.ThankYouHTML = richtext.HTML(p.ThankYouContent)
	p.Variants = slices.Clone(p.Variants)
	for i := range p.Variants {
		p.Variants[i].DescriptionHTML = ""
		if p.Variants[i].Description != "" {
			p.Variants[i].DescriptionHTML = richtext.HTML(p.Variants[i].Description)
		}
	}
	return p
}
