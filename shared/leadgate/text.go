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

// CheckText checks one field value: valid UTF-8, within limit characters, and free of
// control characters. Multi-line fields may hold line breaks and tabs; no other field
// may, because any of them may reach an email header.
func CheckText(field, value string, limit int, multiline bool) *FieldError {
	if !utf8.ValidString(value) {
		return &FieldError{Field: field, Code: "invalid", Message: "contains characters that are not valid text"}
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
	}
	return nil
}
