package httpapi

import (
	"slices"
	"strings"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// EmbedSnippet returns a plain HTML form, with no JavaScript, that a marketer pastes
// into their own site: the page's fields, its consent checkbox and the honeypot,
// posting to the capture route of the API at apiBase (its origin, such as
// https://abc123.execute-api.eu-west-1.amazonaws.com). The post lands on the page's
// thank-you URL, or on the form again, with its errors, on the API's origin.
//
// A static form carries no form token, so the page must set untimed_forms_allowed
// and list the site's origin in allowed_origins; the snippet's leading comment says
// so to whoever pastes it.
func EmbedSnippet(page leadgate.Page, apiBase string) string {
	v := FormView{
		Page:     page,
		Action:   strings.TrimRight(apiBase, "/") + leadgate.CapturePath(page.Slug),
		IDPrefix: "leadgate-" + page.Slug + "-",
		Embed:    true,
	}
	var m markup.Writer
	m.Raw(embedComment(page))
	writeEmbedForm(&m, v)
	return m.String()
}

// embedComment explains the snippet inside it. It goes into the snippet as markup
// (markup.Writer.Raw), so it is made from the slug and field names only: fixed
// patterns that cannot end the comment early.
func embedComment(page leadgate.Page) string {
	slug := page.Slug
	if !leadgate.ValidSlug(slug) {
		slug = "(invalid slug)"
	}
	lines := []string{
		"Leadgate form of the page " + slug + ". Paste it into your site; it needs no JavaScript.",
		"It carries no form token (the signed render time of the hosted page's form), so the page",
		"must set untimed_forms_allowed: without it every post is refused with \"reload the page\".",
		"The hidden honeypot field (website) and the rate limits still stop bots: keep it hidden, not removed.",
		"Add your site's origin (https://www.example.com) to the page's allowed_origins.",
	}
	if !page.UntimedFormsAllowed {
		lines = append(lines, "This page does not set untimed_forms_allowed yet.")
	}
	var hidden []string
	for _, name := range page.HiddenFields {
		if slices.Contains(leadgate.AttributionFields, name) {
			hidden = append(hidden, name)
		}
	}
	if len(hidden) > 0 {
		lines = append(lines, "Hidden fields the page accepts, for your server to fill: "+strings.Join(hidden, ", ")+".")
	}
	return "<!-- " + strings.Join(lines, "\n     ") + " -->\n"
}
