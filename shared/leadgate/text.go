package leadgate

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// NormaliseEmail checks the syntax of an address as typed and returns the form that
// identifies a lead: trimmed and lower-cased. It accepts a bare ASCII addr-spec only
// (no display name, no comments, no IP-literal domain), since the address goes into
// email headers and must be deliverable through SES.
func NormaliseEmail(typed string) (string, *FieldError) {
	bad := func(code, msg string) (string, *FieldError) {
		return "", &FieldError{Field: FieldNameEmail, Code: code, Message: msg}
	}
	s := strings.TrimSpace(typed)
	if s == "" {
		return bad("required", "enter your email address")
	}
	if len(s) > MaxEmailLength {
		return bad("too_long", "an email address has at most 254 characters")
	}
	for _, r := range s {
		if r > unicode.MaxASCII || r <= ' ' || r == 0x7f {
			return bad("invalid", "enter an email address like name@example.com")
		}
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return bad("invalid", "enter an email address like name@example.com")
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if len(local) > maxEmailLocalLength || !validDomain(domain) {
		return bad("invalid", "enter an email address like name@example.com")
	}
	return strings.ToLower(s), nil
}

func validDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// NotText is the error of a value that is not valid UTF-8 (or, in JSON, holds an
// escaped lone surrogate), whatever the body's content type.
func NotText(field string) *FieldError {
	return &FieldError{Field: field, Code: "invalid", Message: "contains characters that are not valid text"}
}

// CheckText checks one field value: valid UTF-8, within limit characters, and free of
// control characters. Multi-line fields may hold line breaks and tabs; no other field
// may, because any of them may reach an email header.
func CheckText(field, value string, limit int, multiline bool) *FieldError {
	if !utf8.ValidString(value) {
		return NotText(field)
	}
	if utf8.RuneCountInString(value) > limit {
		return &FieldError{Field: field, Code: "too_long", Message: "too long: at most " + strconv.Itoa(limit) + " characters"}
	}
	for _, r := range value {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return &FieldError{Field: field, Code: "control_character", Message: "contains a line break or another control character"}
		}
		if invisible(r) {
			return &FieldError{Field: field, Code: "invisible_character", Message: "contains an invisible or text-direction character"}
		}
	}
	return nil
}

// checkPageText checks a text of a page as CheckText does, with the same codes,
// in words for the marketer who wrote it, naming the character at fault: the
// characters no one sees make the hosted page, its emails and its page file
// other than they read. A text of several lines (multiline: Markdown, an email's
// text or HTML) keeps its line breaks and tabs; a text of one line (a title, a
// label, the consent, a subject) holds no line break of any kind, NEL and the
// line and paragraph separators included, and no tab. limit 0: no length limit.
func checkPageText(field, value string, limit int, multiline bool) *FieldError {
	if !utf8.ValidString(value) {
		return NotText(field)
	}
	if limit > 0 && utf8.RuneCountInString(value) > limit {
		return &FieldError{Field: field, Code: "too_long", Message: "too long: at most " + strconv.Itoa(limit) + " characters"}
	}
	bad := func(code, msg string) *FieldError { return &FieldError{Field: field, Code: code, Message: msg} }
	for _, r := range value {
		switch {
		case multiline && (r == '\n' || r == '\r' || r == '\t'):
		case !multiline && (r == '\n' || r == '\r'):
			return bad("control_character", "must be one line: remove the line break")
		case !multiline && r == '\t':
			return bad("control_character", "holds a tab: write a space instead")
		case r == '\u0085' || r == '\u2028' || r == '\u2029':
			if !multiline {
				return bad("control_character", "must be one line: remove the line break ("+codePoint(r)+"), which some programs show and others do not")
			}
			return bad("control_character", "holds a line break ("+codePoint(r)+") that some programs show and others do not: type it again with the Enter key")
		case unicode.IsControl(r):
			return bad("control_character", "holds a control character ("+codePoint(r)+"), which shows as nothing: remove it")
		case invisible(r):
			return bad("invisible_character", "holds an invisible or text-direction character ("+codePoint(r)+"): remove it")
		}
	}
	return nil
}

// codePoint names r as Unicode does, U+2028: what a marketer can look for.
func codePoint(r rune) string {
	h := strings.ToUpper(strconv.FormatInt(int64(r), 16))
	return "U+" + strings.Repeat("0", max(0, 4-len(h))) + h
}

// invisible reports whether r is a format character (Unicode Cf): the
// right-to-left override and other direction controls, zero-width spaces and the
// like, which make text read otherwise than it is stored, in an email or a lead
// list. The zero-width joiner and non-joiner are let through: Persian, Indic
// scripts and emoji need them.
func invisible(r rune) bool {
	return r > unicode.MaxASCII && r != '\u200c' && r != '\u200d' && unicode.Is(unicode.Cf, r)
}

// CheckPlainName checks a name that emails greet a person with ("Hi {{.FirstName}}"):
// it may not hold a web or email address, which a mail client would turn into a
// link in our name (a name such as https://evil.example/verify-your-account).
func CheckPlainName(field, value string) *FieldError {
	if PlainName(value) {
		return nil
	}
	return &FieldError{Field: field, Code: "address", Message: "enter your name without a web or email address"}
}

// PlainName reports whether name holds no web or email address: no "@", no "://",
// no "www." and no dot between a letter or digit and two more, the first a letter
// (as in evil.example); initials such as "J. R. R." and "Smith Jr." pass, and so
// does markup, which every email escapes.
func PlainName(name string) bool {
	lower := strings.ToLower(name)
	if strings.Contains(name, "@") || strings.Contains(name, "://") || strings.Contains(lower, "www.") {
		return false
	}
	rs := []rune(name)
	for i := 1; i+2 < len(rs); i++ {
		if rs[i] == '.' && alnum(rs[i-1]) && unicode.IsLetter(rs[i+1]) && alnum(rs[i+2]) {
			return false
		}
	}
	return true
}

// Greetable reports whether a stored name may go into an email's greeting or
// subject as it is: one line of valid text with no invisible or direction
// character and no web or email address. Names stored before capture refused such
// text fail it, and get the neutral greeting instead.
func Greetable(name string) bool {
	return CheckText("name", name, DefaultTextLength, false) == nil && PlainName(name)
}

func alnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
