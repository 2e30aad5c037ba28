package httpapi

import (
	"strings"

	"leadgate/shared/markup"
)

// A page's Markdown texts reach visitors as the HTML the admin service rendered and
// sanitised when the page was saved (admin.Service.RenderTexts): the functions that
// serve pages write it as it is and link no Markdown renderer or sanitiser.

// storedHTML returns a page text's stored HTML. A page stored before the HTML was
// kept has only the Markdown: it shows as escaped plain paragraphs, without
// Markdown, until the page is saved again (any save renders it). Text whose HTML
// rendered to nothing (raw HTML only, which the renderer drops) shows escaped too.
func storedHTML(html, markdown string) string {
	if html != "" || strings.TrimSpace(markdown) == "" {
		return html
	}
	return plainParagraphs(markdown)
}

// plainParagraphs writes text as paragraphs, split at blank lines, every character
// escaped: no markup of the text passes.
func plainParagraphs(text string) string {
	var paras []string
	var para []string
	flush := func() {
		if len(para) > 0 {
			paras = append(paras, "<p>"+markup.EscapeText(strings.Join(para, "\n"))+"</p>")
			para = nil
		}
	}
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" {
			flush()
			continue
		}
		para = append(para, line)
	}
	flush()
	return strings.Join(paras, "\n")
}

// plainText returns stored HTML (storedHTML) as one line of plain text, at most 300
// characters, for a link preview's description. The HTML is ours, sanitised: every
// '<' starts a tag, and text holds only the few entities escaping writes.
func plainText(html string) string {
	var b strings.Builder
	for html != "" {
		i := strings.IndexByte(html, '<')
		if i < 0 {
			b.WriteString(html)
			break
		}
		b.WriteString(html[:i])
		j := strings.IndexByte(html[i:], '>')
		if j < 0 {
			break
		}
		html = html[i+j+1:]
	}
	text := strings.Join(strings.Fields(unescaper.Replace(b.String())), " ")
	if r := []rune(text); len(r) > 300 {
		text = strings.TrimSpace(string(r[:299])) + "…"
	}
	return text
}

// unescaper undoes the escaping of the sanitiser (html.EscapeString's) and of
// markup.EscapeText.
var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&#34;", `"`, "&#39;", "'", "&#43;", "+", "&quot;", `"`)
