package pagefile

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The page file is written by the small YAML writer below rather than by the
// YAML library's encoder, which weighs some 190 KB in a binary: the console's
// pages function, which serves the download, must stay under its size budget.
// It writes the few shapes a page's JSON has (mappings in block style, lists of
// scalars in flow style, texts of several lines as blocks) and quotes every
// string a plain scalar might read as something else; Parse, with the library,
// reads the files back (TestWriteParseRoundTrip and the fuzz test check it).

// node is a value of the page's JSON, kept in its order.
type node struct {
	kind    nodeKind
	value   string // a scalar's text: a number, true, false, null, or the string
	content []*node
}

type nodeKind uint8

const (
	mappingNode  nodeKind = iota // content: key, value, key, value, ...
	sequenceNode                 // content: the items
	stringNode
	literalNode // a JSON number, bool or null, written as it is
)

// emit writes the mapping root at indent 0, after the comment lines of head.
func emit(head string, root *node) []byte {
	var b strings.Builder
	for _, line := range strings.Split(head, "\n") {
		b.WriteString(strings.TrimRight("# "+line, " ") + "\n")
	}
	b.WriteString("\n")
	emitMapping(&b, root, 0)
	return []byte(b.String())
}

func emitMapping(b *strings.Builder, m *node, indent int) {
	pad := strings.Repeat(" ", indent)
	for i := 0; i+1 < len(m.content); i += 2 {
		b.WriteString(pad + m.content[i].value + ":")
		emitValue(b, m.content[i+1], indent)
	}
}

// emitValue writes v after a key or a list's dash written at indent, from the
// rest of that line on.
func emitValue(b *strings.Builder, v *node, indent int) {
	switch {
	case v.kind == mappingNode && len(v.content) == 0:
		b.WriteString(" {}\n")
	case v.kind == mappingNode:
		b.WriteString("\n")
		emitMapping(b, v, indent+2)
	case v.kind == sequenceNode && len(v.content) == 0:
		b.WriteString(" []\n")
	case v.kind == sequenceNode && allScalars(v.content):
		items := make([]string, len(v.content))
		for i, item := range v.content {
			items[i] = scalar(item, true)
		}
		b.WriteString(" [" + strings.Join(items, ", ") + "]\n")
	case v.kind == sequenceNode:
		b.WriteString("\n")
		pad := strings.Repeat(" ", indent+2)
		for _, item := range v.content {
			if item.kind == mappingNode && len(item.content) > 0 {
				// The item's first member on the dash's line, the others below it.
				b.WriteString(pad + "- ")
				first := &node{kind: mappingNode, content: item.content[:2]}
				var one strings.Builder
				emitMapping(&one, first, indent+4)
				b.WriteString(strings.TrimLeft(one.String(), " "))
				emitMapping(b, &node{kind: mappingNode, content: item.content[2:]}, indent+4)
				continue
			}
			b.WriteString(pad + "-")
			emitValue(b, item, indent+2)
		}
	case v.kind == stringNode && strings.Contains(v.value, "\n") && literalSafe(v.value):
		emitBlock(b, v.value, indent+2)
	default:
		b.WriteString(" " + scalar(v, false) + "\n")
	}
}

func allScalars(items []*node) bool {
	for _, item := range items {
		if item.kind == mappingNode || item.kind == sequenceNode {
			return false
		}
	}
	return true
}

// emitBlock writes s, of several lines and literalSafe, as a literal block
// indented by indent, its chomping indicator keeping its final line breaks.
func emitBlock(b *strings.Builder, s string, indent int) {
	body := s
	switch {
	case !strings.HasSuffix(s, "\n"):
		b.WriteString(" |-\n")
	case strings.HasSuffix(s, "\n\n"):
		b.WriteString(" |+\n")
		body = s[:len(s)-1]
	default:
		b.WriteString(" |\n")
		body = s[:len(s)-1]
	}
	pad := strings.Repeat(" ", indent)
	for _, line := range strings.Split(body, "\n") {
		if line != "" {
			b.WriteString(pad + line)
		}
		b.WriteString("\n")
	}
}

// scalar writes v on one line: plain where YAML reads it back as the same string
// (inFlow: as an item of a [list]), double-quoted otherwise.
func scalar(v *node, inFlow bool) string {
	if v.kind == literalNode || plainSafe(v.value, inFlow) {
		return v.value
	}
	return quoted(v.value)
}

// quoted writes s as a YAML double-quoted scalar whose every character that is
// not rawSafe is escaped: YAML's own line breaks by their names (\N, \L, \P), the
// others as \t, \n, \r, \xNN, \uNNNN or \UNNNNNNNN. Any YAML reader, of 1.1 or
// 1.2, reads s back, and the file shows each of those characters where it is.
func quoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\u0085':
			b.WriteString(`\N`)
		case '\u2028':
			b.WriteString(`\L`)
		case '\u2029':
			b.WriteString(`\P`)
		default:
			switch {
			case rawSafe(r):
				b.WriteRune(r)
			case r <= 0xff:
				b.WriteString(`\x` + hexDigits(r, 2))
			case r <= 0xffff:
				b.WriteString(`\u` + hexDigits(r, 4))
			default:
				b.WriteString(`\U` + hexDigits(r, 8))
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func hexDigits(r rune, n int) string {
	h := strconv.FormatUint(uint64(r), 16)
	return strings.Repeat("0", n-len(h)) + h
}

// rawSafe reports whether r may stand for itself in the file, in a block or
// between quotes: a graphic character or a space. The others are escaped: control
// characters; NEL and the line and paragraph separators (U+0085, U+2028, U+2029),
// which YAML 1.1 readers, and some of 1.2, take for line breaks; the byte order
// mark, which YAML allows at the start of a stream only; and the other format
// characters (direction overrides, zero-width spaces), which would make the file
// read otherwise than it is. The zero-width joiner and non-joiner stand: scripts
// and emoji need them.
func rawSafe(r rune) bool {
	return unicode.IsGraphic(r) || r == '\u200c' || r == '\u200d'
}

// plainSafe reports whether s, unquoted, reads as the string s, and as nothing
// else (a number, a bool, null, a date), under YAML 1.1 rules as well as 1.2:
// cautious, so that it quotes some strings that need not be. It starts with no
// indicator (only a letter, a digit, / or _ may start it), and an item of a
// [list] holds none of the flow's: , [ ] { }, nor : # or ?, which YAML 1.1
// readers (the library's too) take to end a plain scalar in a flow wherever it
// stands, so that [Why?, x] does not read.
func plainSafe(s string, inFlow bool) bool {
	if s == "" || !utf8.ValidString(s) || s != strings.TrimSpace(s) ||
		strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") {
		return false
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~":
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || strings.ContainsRune("\"'`\\", r) || (inFlow && strings.ContainsRune(":,[]{}#?", r)) {
			return false
		}
	}
	first, _ := utf8.DecodeRuneInString(s)
	switch {
	case unicode.IsLetter(first), first == '/', first == '_':
		return true
	case first >= '0' && first <= '9':
		// 48h and 1h30m, but not 12, 1e5, 0x1f, 2026-03 or 2026-03-01T10:00:00Z.
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return false
		}
		return strings.ContainsFunc(s, func(r rune) bool {
			r = unicode.ToLower(r)
			return r >= 'g' && r <= 'z' && !strings.ContainsRune("inotxz", r)
		})
	}
	return false
}
