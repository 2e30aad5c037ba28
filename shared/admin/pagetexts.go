package admin

import (
	"errors"
	"slices"

	"leadgate/shared/leadgate"
)

// WithMarkdown gives the service the renderer of the pages' Markdown texts
// (richtext.HTML), which saving a page needs. It is passed in rather than
// imported so that only the functions that save pages link the renderer: the
// console function, which uses the service for everything else, stays smaller.
func (s *Service) WithMarkdown(render func(markdown string) string) *Service {
	s.markdown = render
	return s
}

// errNoMarkdown is SavePage's answer in a service built without WithMarkdown.
var errNoMarkdown = errors.New("the admin service was built without the Markdown renderer (WithMarkdown): it cannot save pages")

// RenderTexts returns p with its Markdown texts rendered to sanitised HTML
// (DescriptionHTML, ThankYouHTML), as SavePage stores them: the hosted page
// writes the stored HTML as it is, so that its function links neither the
// renderer nor the sanitiser. Whatever HTML p carries is replaced, never trusted.
// The console's preview of unsaved edits renders through here too.
//
// Without a renderer (WithMarkdown) the HTML is left empty.
func (s *Service) RenderTexts(p leadgate.Page) leadgate.Page {
	html := s.markdown
	if html == nil {
		html = func(string) string { return "" }
	}
	p.DescriptionHTML = html(p.Description)
	p.ThankYouHTML = html(p.ThankYouContent)
	p.Variants = slices.Clone(p.Variants)
	for i := range p.Variants {
		p.Variants[i].DescriptionHTML = ""
		if p.Variants[i].Description != "" {
			p.Variants[i].DescriptionHTML = html(p.Variants[i].Description)
		}
	}
	return p
}
