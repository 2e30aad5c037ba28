// Package samplemagnet writes the sample lead magnet the local dev server seeds: a
// small but valid PDF produced by the project itself, so that gating and downloads
// can be tried end to end with no PDF library and no binary file in the repository.
package samplemagnet

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Page geometry in PDF points (1/72 inch). A4 is 210 × 297 mm, 595.28 × 841.89 pt;
// whole points are what most writers use.
const (
	pageWidth  = 595
	pageHeight = 842
	margin     = 72
	textWidth  = pageWidth - 2*margin
	footerY    = 40 // baseline of the page number, inside the bottom margin
)

// Type sizes and line spacing in points.
const (
	titleSize    = 22
	titleLeading = 28
	titleGap     = 18 // below the rule under the title
	bodySize     = 12
	bodyLeading  = 18
	paragraphGap = 9
	footerSize   = 9
)

// font is one of the two standard Type 1 fonts the document uses. Standard fonts
// need no embedding; every PDF reader has them.
type font struct {
	resource string // name in the page's font resources
	baseFont string
	widths   *[95]int // advance widths of codes 32..126, in 1/1000 of the size
	upper    int      // width assumed for codes 160..255, whose exact widths vary
}

var (
	regular = font{resource: "F1", baseFont: "Helvetica", widths: &helveticaWidths, upper: 667}
	bold    = font{resource: "F2", baseFont: "Helvetica-Bold", widths: &helveticaBoldWidths, upper: 722}
)

// Widths from Adobe's Helvetica and Helvetica-Bold AFM files, for WinAnsiEncoding
// codes 32 (space) to 126 (asciitilde).
var helveticaWidths = [95]int{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 to ?
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ to O
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P to _
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` to o
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p to ~
}

var helveticaBoldWidths = [95]int{
	278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0 to ?
	975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // @ to O
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // P to _
	333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // ` to o
	611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, // p to ~
}

// width returns the advance width of s, in WinAnsi codes, at size points.
func (f font) width(s []byte, size int) float64 {
	total := 0
	for _, c := range s {
		switch {
		case c >= 32 && c <= 126:
			total += f.widths[c-32]
		default:
			total += f.upper
		}
	}
	return float64(total*size) / 1000
}

// line is one line of text placed on a page.
type line struct {
	font font
	size int
	x, y float64 // baseline start
	text []byte  // WinAnsi codes
}

// page is what one page shows.
type page struct {
	lines []line
	rules []float64 // y of horizontal rules across the text width
}

// PDF writes a PDF 1.4 document: title in bold at the top of the first page, then
// the paragraphs, wrapped to the width of an A4 page and continued on further pages
// as needed, with page numbers at the foot. Text is set in the standard Helvetica
// fonts with WinAnsiEncoding, so runes outside Latin-1 are written as '?'. The same
// input always gives the same bytes.
func PDF(title string, paragraphs []string) []byte {
	return write(title, layout(title, paragraphs))
}

// layout breaks the text into lines and the lines into pages.
func layout(title string, paragraphs []string) []page {
	const top = pageHeight - margin
	pages := []page{{}}
	y := float64(top) // the lowest point used so far on the current page
	place := func(f font, size, leading int, text []byte) {
		if y-float64(leading) < margin {
			pages = append(pages, page{})
			y = top
		}
		y -= float64(leading)
		p := &pages[len(pages)-1]
		p.lines = append(p.lines, line{font: f, size: size, x: margin, y: y, text: text})
	}

	if titleLines := wrap(title, bold, titleSize); len(titleLines) > 0 {
		for _, l := range titleLines {
			place(bold, titleSize, titleLeading, l)
		}
		y -= titleGap / 2
		pages[0].rules = append(pages[0].rules, y)
		y -= titleGap / 2
	}
	first := true
	for _, paragraph := range paragraphs {
		lines := wrap(paragraph, regular, bodySize)
		if len(lines) == 0 {
			continue
		}
		if !first {
			y -= paragraphGap
		}
		first = false
		for _, l := range lines {
			place(regular, bodySize, bodyLeading, l)
		}
	}

	for i := range pages {
		number := winAnsi(fmt.Sprintf("Page %d of %d", i+1, len(pages)))
		x := (pageWidth - regular.width(number, footerSize)) / 2
		pages[i].lines = append(pages[i].lines, line{font: regular, size: footerSize, x: x, y: footerY, text: number})
	}
	return pages
}

// wrap breaks text into lines no wider than the text width, at spaces where it can
// and inside a word only when the word alone is too wide.
func wrap(text string, f font, size int) [][]byte {
	fits := func(s []byte) bool { return f.width(s, size) <= textWidth }
	var lines [][]byte
	var current []byte
	for _, word := range strings.Fields(text) {
		w := winAnsi(word)
		if len(current) > 0 {
			joined := append(append(bytes.Clone(current), ' '), w...)
			if fits(joined) {
				current = joined
				continue
			}
			lines = append(lines, current)
			current = nil
		}
		for !fits(w) {
			n := 1
			for n < len(w) && fits(w[:n+1]) {
				n++
			}
			lines = append(lines, w[:n])
			w = w[n:]
		}
		current = w
	}
	if len(current) > 0 {
		lines = append(lines, current)
	}
	return lines
}

// winAnsi encodes s for WinAnsiEncoding, which agrees with Latin-1 on the printable
// characters. Anything else, including control characters and invalid UTF-8, is '?'.
func winAnsi(s string) []byte {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) || r > 0xff {
			r = '?'
		}
		b = append(b, byte(r))
	}
	return b
}

// Object numbers. Each page i (from 0) is object firstPage+2i and its content
// stream the object after it.
const (
	catalogObj = 1
	pagesObj   = 2
	regularObj = 3
	boldObj    = 4
	infoObj    = 5
	firstPage  = 6
)

// write serialises the pages. Objects are written in number order, so the cross-
// reference table is the list of their offsets.
func write(title string, pages []page) []byte {
	var buf bytes.Buffer
	var offsets []int
	object := func(n int, body string) {
		if n != len(offsets)+1 {
			panic(fmt.Sprintf("samplemagnet: object %d written out of order", n))
		}
		offsets = append(offsets, buf.Len())
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", n, body)
	}

	// The second line is a comment of bytes above 127, which tells transfer tools
	// that the file is binary.
	buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", firstPage+2*i)
	}
	object(catalogObj, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj))
	object(pagesObj, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)))
	for _, f := range []struct {
		n    int
		font font
	}{{regularObj, regular}, {boldObj, bold}} {
		object(f.n, fmt.Sprintf("<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>", f.font.baseFont))
	}
	object(infoObj, fmt.Sprintf("<< /Title %s /Producer (leadgate samplemagnet) >>", literal(winAnsi(title))))

	for i, p := range pages {
		n := firstPage + 2*i
		object(n, fmt.Sprintf(
			"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /%s %d 0 R /%s %d 0 R >> >> /Contents %d 0 R >>",
			pagesObj, pageWidth, pageHeight, regular.resource, regularObj, bold.resource, boldObj, n+1))
		content := p.content()
		object(n+1, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	}

	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n", len(offsets)+1)
	// Each entry is exactly 20 bytes, hence the space before the newline.
	buf.WriteString("0000000000 65535 f \n")
	for _, off := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n",
		len(offsets)+1, catalogObj, infoObj, xref)
	return buf.Bytes()
}

// content is the page's content stream.
func (p page) content() []byte {
	var b bytes.Buffer
	for _, y := range p.rules {
		fmt.Fprintf(&b, "0.75 w %d %s m %d %s l S\n", margin, num(y), margin+textWidth, num(y))
	}
	for _, l := range p.lines {
		fmt.Fprintf(&b, "BT /%s %d Tf %s %s Td %s Tj ET\n", l.font.resource, l.size, num(l.x), num(l.y), literal(l.text))
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// num formats a coordinate with at most two decimals and never an exponent, which
// PDF numbers do not allow.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// literal writes s as a PDF literal string: parentheses and backslashes escaped,
// bytes outside printable ASCII as octal escapes so that content streams stay text.
func literal(s []byte) string {
	var b strings.Builder
	b.WriteByte('(')
	for _, c := range s {
		switch {
		case c == '(' || c == ')' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 32 || c > 126:
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(')')
	return b.String()
}
