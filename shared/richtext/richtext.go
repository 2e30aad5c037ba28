// Package richtext turns a marketer's Markdown (a page's description and thank-you
// content) into HTML safe to put into a hosted page. goldmark parses it, and before
// rendering, the tree is cut down to the few kinds of node below: raw HTML, images
// and links to anything but http, https and mailto are taken out, so the renderer
// can only write the allowed elements, with text and URLs escaped. Working on the
// tree rather than sanitising the HTML afterwards keeps the functions that save
// pages (admin, console) under their size limit: an HTML sanitiser, with its HTML
// and CSS parsers, weighs 0.26 MB there.
package richtext

import (
	"bytes"
	"net/url"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Built on first use, not at start: a cold start that renders no Markdown pays
// nothing for it. Only the functions that save pages link this package: a page's
// texts are rendered when it is saved (admin.Service.RenderTexts), and the hosted
// page writes the HTML stored with it.
var renderer = sync.OnceValue(func() goldmark.Markdown {
	// No html.WithUnsafe: the renderer itself would leave raw HTML out and blank
	// dangerous links; the allowlist below does not rely on it.
	return goldmark.New(
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(allowlist{}, 1000))),
	)
})

// HTML renders markdown as sanitised HTML; empty text renders as "".
func HTML(markdown string) string {
	if markdown == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := renderer().Convert([]byte(markdown), &buf); err != nil {
		// Converting into a buffer does not fail; if it ever did, show nothing
		// rather than text that was not checked.
		return ""
	}
	return string(bytes.TrimSpace(buf.Bytes()))
}

// allowlist keeps only the nodes whose HTML is one of p, br, strong, em, del, ul,
// ol, li, h2–h4, blockquote, code, pre, hr and a (with href and rel only).
type allowlist struct{}

func (allowlist) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	source := reader.Source()
	var drop, unwrap []ast.Node
	var bare []*ast.Text
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Text:
			if !inLink(n) {
				bare = append(bare, n)
			}
		case *ast.Document, *ast.Paragraph, *ast.TextBlock, *ast.String,
			*ast.Emphasis, *ast.CodeSpan, *ast.List, *ast.ListItem, *ast.Blockquote,
			*ast.CodeBlock, *ast.ThematicBreak:
		case *ast.Heading:
			// The page's own title is its h1: a heading in the text is h2 to h4.
			n.Level = min(max(n.Level, 2), 4)
		case *ast.FencedCodeBlock:
			n.Info = nil // no class="language-…"
		case *ast.Link:
			if !allowedURL(n.Destination) {
				unwrap = append(unwrap, n)
				break
			}
			n.Title = nil
			n.SetAttributeString("rel", []byte("nofollow noreferrer"))
		case *ast.AutoLink:
			u := n.URL(source)
			if n.AutoLinkType == ast.AutoLinkEmail && !bytes.HasPrefix(bytes.ToLower(u), []byte("mailto:")) {
				u = append([]byte("mailto:"), u...)
			}
			if !allowedURL(u) {
				unwrap = append(unwrap, n)
				break
			}
			n.SetAttributeString("rel", []byte("nofollow noreferrer"))
		default:
			// Raw HTML, images and any kind of node not listed: left out whole.
			drop = append(drop, n)
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	for _, n := range drop {
		if p := n.Parent(); p != nil {
			p.RemoveChild(p, n)
		}
	}
	for _, n := range bare {
		linkify(n, source)
	}
	for _, n := range unwrap {
		p := n.Parent()
		if p == nil {
			continue
		}
		if a, ok := n.(*ast.AutoLink); ok {
			// Its label is its only content: keep it as text.
			p.ReplaceChild(p, n, ast.NewString(a.Label(source)))
			continue
		}
		for c := n.FirstChild(); c != nil; {
			next := c.NextSibling()
			p.InsertBefore(p, n, c)
			c = next
		}
		p.RemoveChild(p, n)
	}
}

// inLink reports whether n is inside a link already, or inside code, which shows
// its text as it is.
func inLink(n ast.Node) bool {
	for p := n.Parent(); p != nil; p = p.Parent() {
		if k := p.Kind(); k == ast.KindLink || k == ast.KindAutoLink || k == ast.KindCodeSpan {
			return true
		}
	}
	return false
}

// linkify turns the bare http and https addresses in a text into links, as a
// reader expects of "see https://example.com/guide." (the final stop is not part
// of it). goldmark's own Linkify extension would do it, but its package compiles a
// dozen regular expressions at every cold start, whether a page is saved or not.
func linkify(t *ast.Text, source []byte) {
	seg := t.Segment
	for {
		value := source[seg.Start:seg.Stop]
		at := bareURLStart(value)
		if at < 0 {
			break
		}
		end := at
		for end < len(value) && !isURLEnd(value[end]) {
			end++
		}
		for end > at && bytes.IndexByte([]byte(".,;:!?)'\"*_"), value[end-1]) >= 0 {
			end--
		}
		if !allowedURL(value[at:end]) {
			break
		}
		parent := t.Parent()
		before := ast.NewTextSegment(text.NewSegment(seg.Start, seg.Start+at))
		label := ast.NewTextSegment(text.NewSegment(seg.Start+at, seg.Start+end))
		link := ast.NewAutoLink(ast.AutoLinkURL, label)
		link.SetAttributeString("rel", []byte("nofollow noreferrer"))
		parent.InsertBefore(parent, t, before)
		parent.InsertBefore(parent, t, link)
		seg = text.NewSegment(seg.Start+end, seg.Stop)
		t.Segment = seg
	}
}

// bareURLStart is the index of the first "http://" or "https://" in b that starts
// a word, or -1.
func bareURLStart(b []byte) int {
	for i := 0; i < len(b); i++ {
		if (i == 0 || isURLEnd(b[i-1]) || b[i-1] == '(') &&
			(bytes.HasPrefix(b[i:], []byte("https://")) || bytes.HasPrefix(b[i:], []byte("http://"))) {
			return i
		}
	}
	return -1
}

func isURLEnd(c byte) bool { return c <= ' ' || c == '<' || c == '>' || c == '"' }

// allowedURL accepts absolute http, https and mailto URLs that parse: no other
// scheme, no relative link, no control characters.
func allowedURL(raw []byte) bool {
	u, err := url.Parse(strings.TrimSpace(string(raw)))
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	case "mailto":
		return u.Opaque != ""
	}
	return false
}
