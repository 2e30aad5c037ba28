package emails

import "strings"

// htmlScanner follows a page's own email HTML far enough to know where each
// placeholder sits: in text, in a tag, in a quoted attribute value (and which kind
// of attribute, read as html/template's attrType reads it), in a comment, or in an
// element whose content is not HTML. It picks the escaping html/template picked
// there, stricter in two places: a value after the start of a URL has every
// reserved character percent-encoded (html/template kept "/" or ":"), and our
// links are checked as URLs in any quoted attribute. It refuses the places where
// no escaping is safe enough.
//
// Its limits, on purpose: it is not an HTML parser. It knows the tokenizer states
// that matter to a value put in the markup (text, tag name, attribute name,
// before/in quoted and unquoted values, comment, <!...> and <?...> declarations,
// the raw text of <script>, <style> and the other elements browsers read as raw
// text, the escapable text of <title> and <textarea>) and no tree building: it
// does not check that elements nest or are closed, it does not know foreign
// content (<svg>, <math>) or CDATA sections, and it reads character references
// in attribute values as their text. The markup itself is the marketer's and is
// kept as written, comments too; only values are escaped. Where it is unsure (a
// placeholder right after "<" or "</", in an unquoted value, in a style,
// event-handler or other script attribute, in <script> or <style>, in a comment,
// after a <script> holding "<!--") it refuses, at save time, rather than guess.
type htmlScanner struct {
	state   scanState
	endTag  bool     // the tag being read is an end tag
	name    []byte   // the lower-case name of the tag or attribute being read
	element string   // the element whose start tag is being read
	attr    attrKind // the attribute whose value is being read
	quote   byte     // the quote that ends the value being read
	begun   bool     // a URL attribute's value has more than spaces before the scanner
	special string   // the element whose raw or escapable text is being read
	last    string   // the markup read last, up to the placeholder being placed
	lost    bool     // a <script> held "<!--": its end is past what the scanner follows
}

type scanState uint8

const (
	stText      scanState = iota // text content
	stLT                         // after "<" or "</", before a name
	stTagName                    // in a tag's name
	stTag                        // in a tag, between attributes
	stAttrName                   // in an attribute's name
	stAfterName                  // after an attribute's name: "=" or another attribute
	stBeforeVal                  // after "=", before the value
	stQuoted                     // in a quoted attribute value
	stUnquoted                   // in an unquoted attribute value
	stComment                    // in <!-- -->
	stDecl                       // in <!doctype ...> or <?...>, up to ">"
	stRawText                    // in <script> or <style>, up to its end tag
	stRCDATA                     // in <title> or <textarea>: text, up to its end tag
)

// attrKind is what an attribute's value is, as html/template's attrType reads it.
type attrKind uint8

const (
	attrPlain   attrKind = iota
	attrURL              // href, src, action and the like
	attrRefused          // script, style, srcset, srcdoc, meta content: no placeholders
)

// advance reads markup that holds no placeholder.
func (s *htmlScanner) advance(lit string) {
	s.last = lit
	for i := 0; i < len(lit); {
		i = s.step(lit, i)
	}
}

// step reads lit from i and returns where it stopped: past i, or at i in a new
// state that reads that byte again.
func (s *htmlScanner) step(lit string, i int) int {
	c := lit[i]
	switch s.state {
	case stText:
		j := strings.IndexByte(lit[i:], '<')
		if j < 0 {
			return len(lit)
		}
		i += j
		switch rest := lit[i:]; {
		case strings.HasPrefix(rest, "<!-->"):
			return i + 5 // an empty comment, as browsers read it
		case strings.HasPrefix(rest, "<!--->"):
			return i + 6
		case strings.HasPrefix(rest, "<!--"):
			s.state = stComment
			return i + 4
		case strings.HasPrefix(rest, "<!"), strings.HasPrefix(rest, "<?"):
			s.state = stDecl
			return i + 2
		}
		s.state, s.endTag, s.name = stLT, false, s.name[:0]
		return i + 1
	case stLT:
		switch {
		case c == '/' && !s.endTag:
			s.endTag = true
		case isASCIILetter(c):
			s.state = stTagName
			s.name = append(s.name, lower(c))
		case s.endTag:
			// "</" not followed by a name is a bogus comment, up to ">".
			s.state = stDecl
			return i
		default:
			// "<" not followed by a name is text, as in HTML.
			s.state = stText
			return i
		}
	case stTagName:
		switch {
		case isSpace(c) || c == '/':
			s.element, s.state = string(s.name), stTag
		case c == '>':
			s.element = string(s.name)
			s.endOfTag()
		default:
			s.name = append(s.name, lower(c))
		}
	case stTag, stAfterName:
		switch {
		case isSpace(c) || c == '/':
			if c == '/' {
				s.state = stTag
			}
		case c == '>':
			s.endOfTag()
		case c == '=' && s.state == stAfterName:
			s.state = stBeforeVal
		default:
			s.state, s.name = stAttrName, append(s.name[:0], lower(c))
		}
	case stAttrName:
		switch {
		case c == '=':
			s.attr, s.state = s.attrKind(), stBeforeVal
		case isSpace(c):
			s.attr, s.state = s.attrKind(), stAfterName
		case c == '/':
			s.state = stTag
		case c == '>':
			s.endOfTag()
		default:
			s.name = append(s.name, lower(c))
		}
	case stBeforeVal:
		switch {
		case isSpace(c):
		case c == '"' || c == '\'':
			s.state, s.quote, s.begun = stQuoted, c, false
		case c == '>':
			s.endOfTag()
		default:
			s.state = stUnquoted
		}
	case stQuoted:
		j := strings.IndexByte(lit[i:], s.quote)
		if j < 0 {
			j = len(lit) - i
		}
		if strings.TrimLeft(lit[i:i+j], " \t\n\f\r") != "" {
			s.begun = true
		}
		if i += j; i < len(lit) {
			s.state = stTag
			i++
		}
		return i
	case stUnquoted:
		switch {
		case isSpace(c):
			s.state = stTag
		case c == '>':
			s.endOfTag()
		}
	case stComment:
		// "-->" ends a comment, and so does "--!>" in browsers.
		j, k := strings.Index(lit[i:], "-->"), strings.Index(lit[i:], "--!>")
		switch {
		case j < 0 && k < 0:
			return len(lit)
		case k >= 0 && (j < 0 || k < j):
			s.state = stText
			return i + k + 4
		}
		s.state = stText
		return i + j + 3
	case stDecl:
		j := strings.IndexByte(lit[i:], '>')
		if j < 0 {
			return len(lit)
		}
		s.state = stText
		return i + j + 1
	case stRawText, stRCDATA:
		if s.special == "plaintext" {
			return len(lit) // nothing ends it
		}
		j := indexEndTag(lit[i:], s.special)
		content := lit[i:]
		if j >= 0 {
			content = content[:j]
		}
		if s.special == "script" && strings.Contains(content, "<!--") {
			// Browsers then skip a "</script>" after a "<script" in the comment:
			// the scanner does not follow that, so it places nothing after it.
			s.lost = true
		}
		if j >= 0 {
			// The end tag is read as markup, from "<".
			s.state = stText
			return i + j
		}
		return len(lit)
	}
	return i + 1
}

// endOfTag is the ">" that closes a tag: what follows is text, or the content of
// an element that is not HTML.
func (s *htmlScanner) endOfTag() {
	s.state = stText
	if s.endTag {
		return
	}
	switch s.element {
	case "script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext":
		s.state, s.special = stRawText, s.element
	case "title", "textarea":
		s.state, s.special = stRCDATA, s.element
	}
}

// attrKind classifies the attribute whose name was just read, as html/template
// does (attr.go), refusing every kind of value that is not text or a URL.
func (s *htmlScanner) attrKind() attrKind {
	name := string(s.name)
	switch {
	case s.element == "script" || s.element == "style":
		return attrRefused
	case s.element == "meta" && name == "content":
		return attrRefused // a refresh's address
	}
	if strings.HasPrefix(name, "data-") {
		name = name[5:]
	} else if prefix, short, ok := strings.Cut(name, ":"); ok {
		if prefix == "xmlns" {
			return attrURL
		}
		name = short
	}
	switch name {
	case "action", "archive", "background", "cite", "classid", "codebase", "data", "formaction",
		"href", "icon", "longdesc", "manifest", "poster", "profile", "src", "usemap", "xmlns":
		return attrURL
	case "style", "srcset", "srcdoc":
		return attrRefused
	}
	switch {
	case strings.HasPrefix(name, "on"):
		return attrRefused
	case strings.Contains(name, "src"), strings.Contains(name, "uri"), strings.Contains(name, "url"):
		return attrURL
	}
	return attrPlain
}

// hole places a placeholder of field f where the scanner is: how its value is
// escaped there, or why it may not be there.
func (s *htmlScanner) hole(f field) (escape, string) {
	if s.lost {
		return 0, `after a <script> element that holds "<!--"`
	}
	switch s.state {
	case stText:
		return asText, ""
	case stRCDATA:
		if t := strings.TrimRightFunc(s.last, isASCIILetterRune); strings.HasSuffix(t, "</") {
			return 0, "inside an end tag's name"
		}
		return asText, ""
	case stQuoted:
		switch s.attr {
		case attrURL:
			// The value that starts the address has its scheme checked; a value
			// after the start is a part of the address the page wrote.
			if s.begun {
				return asURLPart, ""
			}
			return asURL, ""
		case attrRefused:
			return 0, "in an attribute that holds a script, a style or a URL list (" + string(s.name) + ")"
		}
		if f.isURL() {
			return asURL, ""
		}
		return asText, ""
	case stLT, stTagName:
		return 0, "inside a tag's name"
	case stTag, stAttrName, stAfterName:
		return 0, "inside a tag, outside a quoted attribute value"
	case stBeforeVal, stUnquoted:
		return 0, "in an unquoted attribute value (put the value in quotes)"
	case stComment:
		return 0, "inside an HTML comment"
	case stDecl:
		return 0, "inside a <!...> or <?...> declaration"
	case stRawText:
		return 0, "inside a <" + s.special + "> element"
	}
	return 0, "where the HTML cannot be read"
}

// unfinished says where the HTML ends if it does not end in text.
func (s *htmlScanner) unfinished() string {
	switch s.state {
	case stText:
		return ""
	case stComment:
		return "inside a comment"
	case stDecl:
		return "inside a <!...> declaration"
	case stRawText, stRCDATA:
		return "inside a <" + s.special + "> element"
	}
	return "inside a tag"
}

// indexEndTag finds "</name" followed by a space, "/" or ">" in s, any case.
func indexEndTag(s, name string) int {
	for i := 0; ; {
		j := strings.Index(s[i:], "</")
		if j < 0 {
			return -1
		}
		i += j
		k := i + 2 + len(name)
		if k < len(s) && strings.EqualFold(s[i+2:k], name) && (isSpace(s[k]) || s[k] == '/' || s[k] == '>') {
			return i
		}
		i += 2
	}
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isASCIILetterRune(r rune) bool { return r < 0x80 && isASCIILetter(byte(r)) }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
