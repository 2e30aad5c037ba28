// Package richtext turns a marketer's Markdown (a page's description and thank-you
// content) into HTML safe to put into a hosted page: goldmark renders it with raw
// HTML left out, and bluemonday then keeps only the few elements and attributes
// below, so that no markup, script or javascript: link the text carries can reach a
// visitor even if the renderer let it through.
package richtext

import (
	"bytes"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// Both are built on first use, not at start: a cold start that renders no Markdown
// pays nothing for them. Only the functions that save pages link this package: a
// page's texts are rendered when it is saved (admin.Service.RenderTexts), and the
// hosted page writes the HTML stored with it.
var (
	renderer = sync.OnceValue(func() goldmark.Markdown {
		// No html.WithUnsafe: raw HTML in the text is dropped, and links with a
		// dangerous scheme lose their target.
		return goldmark.New(goldmark.WithExtensions(extension.Strikethrough, extension.Linkify))
	})
	policy = sync.OnceValue(func() *bluemonday.Policy {
		p := bluemonday.NewPolicy()
		// The page's own title is its h1: a heading in the text starts at h2.
		p.AllowElements("p", "br", "strong", "em", "del", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "code", "pre", "hr")
		p.AllowAttrs("href").OnElements("a")
		p.AllowURLSchemes("https", "http", "mailto")
		p.RequireParseableURLs(true)
		p.RequireNoFollowOnLinks(true)
		p.RequireNoReferrerOnLinks(true)
		return p
	})
)

// HTML renders markdown as sanitised HTML; empty text renders as "".
func HTML(markdown string) string {
	if markdown == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := renderer().Convert([]byte(markdown), &buf); err != nil {
		// Converting into a buffer does not fail; if it ever did, show nothing
		// rather than text that was not sanitised.
		return ""
	}
	return string(bytes.TrimSpace(policy().SanitizeBytes(buf.Bytes())))
}
