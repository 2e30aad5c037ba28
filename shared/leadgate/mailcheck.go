package leadgate

import (
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Rules every Mailer applies alike before sending anything, so that a message the
// local outbox takes is one SES takes too, and no value can add a header of its own.

// SES's limits on a custom header (sesv2 types.MessageHeader) and on a tag
// (types.MessageTag).
const (
	maxHeaderNameLength  = 126
	maxHeaderValueLength = 995
	maxHeaderLength      = 996 // name and value together
	maxTagLength         = 256
)

// TagHeaderPrefix starts the name of the header that carries a tag in a message
// the local outbox keeps: X-Leadgate-Tag-<name>. Custom headers may not use it.
const TagHeaderPrefix = "X-Leadgate-Tag-"

// structuralHeaders are the headers a Mailer writes itself from the Message's fields,
// or that shape the MIME structure, the route or the signature of the message: a
// custom header must not override them. Keys are lower case.
var structuralHeaders = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "reply-to": true, "sender": true,
	"subject": true, "date": true, "message-id": true, "mime-version": true,
	"content-type": true, "content-transfer-encoding": true, "content-disposition": true,
	"content-id": true, "content-description": true, "content-length": true,
	"return-path": true, "received": true, "dkim-signature": true,
}

// Validate checks that m is a well-formed message: a From, a To and a Subject, each
// free of control characters (no CR or LF can start a header of its own); addresses
// in ASCII, since SES supports no SMTPUTF8 (display names may be any text); a text
// or an HTML body in UTF-8; custom headers whose names are tokens that override no
// structural header, each once, with printable ASCII values within SES's limits;
// and tags with a name and a value, without control characters.
func (m Message) Validate() error {
	var errs []FieldError
	add := func(field, code, msg string) {
		errs = append(errs, FieldError{Field: field, Code: code, Message: msg})
	}
	for _, f := range []struct {
		field, value string
		required     bool
	}{
		{"from", m.From, true},
		{"to", m.To, true},
		{"reply_to", m.ReplyTo, false},
	} {
		if msg := checkMailAddress(f.value, f.required); msg != "" {
			add(f.field, codeFor(f.value), msg)
		}
	}
	switch {
	case strings.TrimSpace(m.Subject) == "":
		add("subject", "required", "a subject is required")
	case !utf8.ValidString(m.Subject) || hasControlChar(m.Subject):
		add("subject", "invalid", "a subject is one line of text without control characters")
	}
	switch {
	case m.Text == "" && m.HTML == "":
		add("body", "required", "a text or an HTML body is required")
	case !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML):
		add("body", "invalid", "the bodies must be UTF-8 text")
	}
	seen := map[string]bool{}
	for _, h := range m.Headers {
		if msg := checkHeader(h, seen); msg != "" {
			add("headers", "invalid", msg)
		}
	}
	for name, value := range m.Tags {
		switch {
		case name == "" || value == "":
			add("tags", "invalid", "a tag has a name and a value")
		case len(name) > maxTagLength || len(value) > maxTagLength:
			add("tags", "invalid", "a tag's name and value are at most 256 bytes each")
		case !utf8.ValidString(name) || !utf8.ValidString(value) ||
			hasControlChar(name) || hasControlChar(value):
			add("tags", "invalid", "a tag's name and value are text without control characters")
		}
	}
	if len(errs) > 0 {
		return Invalid(errs...)
	}
	return nil
}

func codeFor(value string) string {
	if strings.TrimSpace(value) == "" {
		return "required"
	}
	return "invalid"
}

// checkMailAddress checks one address, "Display Name <local@domain>" or a bare
// addr-spec, and returns what is wrong with it, or "".
func checkMailAddress(s string, required bool) string {
	if strings.TrimSpace(s) == "" {
		if required {
			return "an email address is required"
		}
		return ""
	}
	if !utf8.ValidString(s) || hasControlChar(s) {
		return "an email address is one line of text without control characters"
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "one email address, such as Name <name@example.com>"
	}
	if len(a.Address) > MaxEmailLength {
		return "an email address has at most 254 characters"
	}
	for _, r := range a.Address {
		if r > '~' || r <= ' ' {
			return "an email address in ASCII (an international domain in punycode)"
		}
	}
	return ""
}

// checkHeader checks one custom header, recording its name in seen, and returns
// what is wrong with it, or "".
func checkHeader(h Header, seen map[string]bool) string {
	lower := strings.ToLower(h.Name)
	switch {
	case !isToken(h.Name):
		return "a header name is a token: letters, digits and !#$%&'*+-.^_`|~"
	case len(h.Name) > maxHeaderNameLength:
		return "a header name is at most 126 characters"
	case structuralHeaders[lower]:
		return "the " + h.Name + " header is set from the message's own fields"
	case strings.HasPrefix(lower, "x-ses-"), strings.HasPrefix(lower, strings.ToLower(TagHeaderPrefix)):
		return "the " + h.Name + " header is reserved"
	case seen[lower]:
		return "the " + h.Name + " header is given more than once"
	}
	seen[lower] = true
	switch {
	case h.Value == "":
		return "the " + h.Name + " header needs a value"
	case len(h.Value) > maxHeaderValueLength || len(h.Name)+len(h.Value) > maxHeaderLength:
		return "the " + h.Name + " header is too long: at most 996 characters with its name"
	case h.Value[0] == ' ' || h.Value[len(h.Value)-1] == ' ':
		return "the " + h.Name + " header's value has no leading or trailing spaces"
	}
	for i := 0; i < len(h.Value); i++ {
		if c := h.Value[i]; c < ' ' || c > '~' {
			return "the " + h.Name + " header's value is printable ASCII on one line"
		}
	}
	return ""
}

// isToken reports whether s is an RFC 9110 token, which every header name is.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// CanonicalLineBreaks returns text with every line break (LF, CR or CRLF) as CRLF,
// the form of text in a MIME message (RFC 2045 section 2.10, RFC 5322 section 2.3).
// Every Mailer sends its bodies in it, so that a body written with Go's "\n" arrives
// the same through each of them.
func CanonicalLineBreaks(text string) string {
	if !strings.ContainsAny(text, "\r\n") {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + len(text)/32)
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '\r':
			if i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			b.WriteString("\r\n")
		case '\n':
			b.WriteString("\r\n")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
