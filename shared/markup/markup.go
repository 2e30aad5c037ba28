// Package markup writes HTML from Go code with the escaping of each context done
// by the writer, as strictly as html/template does it: text and attribute values are
// HTML-escaped, URL attributes keep only http, https, mailto and relative addresses
// and are normalised, and markup comes only from the constant strings the code
// writes. Pages and emails are Go functions over a Writer (a compiled template), so
// binaries that render HTML need neither text/template nor html/template, which
// would keep every method of every linked type alive (reflect's MethodByName).
package markup

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Writer collects an HTML document. The zero value is ready to use.
type Writer struct {
	b strings.Builder
}

// Raw writes markup as it is. Only constant strings of the program belong here;
// every value that comes from data goes through Text, Attr, URL or URLPart.
func (w *Writer) Raw(markup string) { w.b.WriteString(markup) }

// Text writes s as text content (also inside <title> and <textarea>).
func (w *Writer) Text(s string) { escapeHTMLOnto(&w.b, s) }

// Attr writes s as the value of a quoted attribute that is not a URL.
func (w *Writer) Attr(s string) { escapeHTMLOnto(&w.b, s) }

// Int writes n in decimal, in text or an attribute.
func (w *Writer) Int(n int) { w.b.WriteString(strconv.Itoa(n)) }

// URL writes s as the whole value of a quoted URL attribute (href, src, action): a
// scheme other than http, https or mailto becomes "#ZgotmplZ", as html/template
// makes it, and characters that do not belong in a URL are percent-encoded.
func (w *Writer) URL(s string) {
	if !safeURL(s) {
		s = "#" + FilterFailsafe
	}
	var n strings.Builder
	processURL(&n, s, true)
	escapeHTMLOnto(&w.b, n.String())
}

// URLPart writes s as a part of a URL attribute after constant text (a fragment
// or a query value): every reserved character is percent-encoded too.
func (w *Writer) URLPart(s string) {
	var n strings.Builder
	processURL(&n, s, false)
	escapeHTMLOnto(&w.b, n.String())
}

// String returns the document.
func (w *Writer) String() string { return w.b.String() }

// Len is the length of the document so far.
func (w *Writer) Len() int { return w.b.Len() }

// FilterFailsafe replaces a URL whose scheme is not allowed, as in html/template.
const FilterFailsafe = "ZgotmplZ"

// EscapeText returns s escaped for text content or a quoted attribute.
func EscapeText(s string) string {
	var b strings.Builder
	escapeHTMLOnto(&b, s)
	return b.String()
}

// replacements are html/template's: quotes, markup characters, '+' (UTF-7) and NUL.
var replacements = [...]string{
	0:    "\uFFFD",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'>':  "&gt;",
}

func escapeHTMLOnto(b *strings.Builder, s string) {
	written := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if int(r) < len(replacements) && replacements[r] != "" {
			b.WriteString(s[written:i])
			b.WriteString(replacements[r])
			written = i + size
		}
		i += size
	}
	b.WriteString(s[written:])
}

// safeURL reports whether s has no scheme, or an allowed one.
func safeURL(s string) bool {
	protocol, _, ok := strings.Cut(s, ":")
	if !ok || strings.Contains(protocol, "/") {
		return true
	}
	return strings.EqualFold(protocol, "http") || strings.EqualFold(protocol, "https") || strings.EqualFold(protocol, "mailto")
}

// processURL percent-encodes the bytes of s that are not unreserved; with norm,
// reserved characters and valid escapes are kept (the whole-URL case).
func processURL(b *strings.Builder, s string, norm bool) {
	const hex = "0123456789abcdef"
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
			continue
		case norm && strings.IndexByte("!#$&*+,/:;=?@[]", c) >= 0:
			continue
		case norm && c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			continue
		}
		b.WriteString(s[written:i])
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
		written = i + 1
	}
	b.WriteString(s[written:])
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
