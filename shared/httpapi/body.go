package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"leadgate/shared/leadgate"
)

// MaxBodyBytes is the largest form post accepted: a landing-page form is a few hundred
// bytes; anything near this is not a person.
const MaxBodyBytes = 64 << 10

type bodyKind int

const (
	bodyJSON bodyKind = iota + 1
	bodyForm
)

// kindOf returns the kind of body a request declares, or EUNSUPPORTED.
func kindOf(r *http.Request) (bodyKind, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case err != nil:
	case mt == "application/json":
		return bodyJSON, nil
	case mt == "application/x-www-form-urlencoded":
		return bodyForm, nil
	}
	return 0, leadgate.Errorf(leadgate.EUNSUPPORTED, "send application/json or application/x-www-form-urlencoded")
}

var errTooLarge = leadgate.Errorf(leadgate.ETOOLARGE, "the form is larger than 64 KiB")

// readBody reads at most MaxBodyBytes, refusing larger bodies before reading when
// their length is declared.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBodyBytes {
		return nil, errTooLarge
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, errTooLarge
	}
	if err != nil {
		return nil, leadgate.Errorf(leadgate.EMALFORMED, "the request body could not be read")
	}
	return data, nil
}

// formValues is a parsed post: one value per field, and the names sent more than once.
type formValues struct {
	values   map[string]string
	repeated []string
	lists    map[string][]string   // every value of the names sent more than once
	wrong    []leadgate.FieldError // values of the wrong JSON type
}

func parseForm(data []byte) (formValues, error) {
	q, err := url.ParseQuery(string(data))
	if err != nil {
		return formValues{}, leadgate.Errorf(leadgate.EMALFORMED, "the form body is not valid URL encoding")
	}
	fv := formValues{values: make(map[string]string, len(q))}
	for name, vs := range q {
		if len(vs) > 1 {
			fv.repeated = append(fv.repeated, name)
			if fv.lists == nil {
				fv.lists = map[string][]string{}
			}
			fv.lists[name] = vs
			if name == leadgate.FieldNameConsent {
				// A hidden "off" before the checkbox is a common form idiom: a tick wins.
				for _, v := range vs {
					if v != "" && v != "off" && v != "false" {
						fv.values[name] = v
					}
				}
				continue
			}
		}
		fv.values[name] = vs[len(vs)-1]
	}
	return fv, nil
}

// parseJSON reads a JSON object of string members (and the consent boolean). The
// common case, an object whose members are plain strings (no escape, valid UTF-8)
// or the consent, each once, is read in one pass by hand; anything else (an escape,
// null, a duplicate member, a wrong type, broken JSON) is read member by member with
// encoding/json, to answer with the exact fault.
func parseJSON(data []byte) (formValues, error) {
	if fv, ok := parsePlainJSON(data); ok {
		return fv, nil
	}
	return parseJSONMembers(data)
}

// parsePlainJSON reads data if it is the common case parseJSON describes; ok is
// false otherwise. A string without escapes is its bytes, once they are valid
// UTF-8 with no control character, which JSON forbids in strings.
func parsePlainJSON(data []byte) (fv formValues, ok bool) {
	r := plainJSON{rest: data}
	if !r.skip('{') {
		return fv, false
	}
	fv.values = make(map[string]string, 12)
	if r.skip('}') {
		return fv, r.atEnd()
	}
	for {
		name, ok := r.plainString()
		if !ok || !r.skip(':') {
			return fv, false
		}
		if _, dup := fv.values[name]; dup {
			return fv, false
		}
		var v string
		switch {
		case r.next('"'):
			if v, ok = r.plainString(); !ok {
				return fv, false
			}
		case name == leadgate.FieldNameConsent && r.literal("true"):
			v = "true"
		case name == leadgate.FieldNameConsent && r.literal("false"):
			v = "false"
		default:
			return fv, false
		}
		fv.values[name] = v
		if r.skip('}') {
			return fv, r.atEnd()
		}
		if !r.skip(',') {
			return fv, false
		}
	}
}

// plainJSON reads the tokens parsePlainJSON accepts, each after any whitespace.
type plainJSON struct{ rest []byte }

func (r *plainJSON) space() {
	for len(r.rest) > 0 && (r.rest[0] == ' ' || r.rest[0] == '\t' || r.rest[0] == '\n' || r.rest[0] == '\r') {
		r.rest = r.rest[1:]
	}
}

// next reports whether c comes next.
func (r *plainJSON) next(c byte) bool {
	r.space()
	return len(r.rest) > 0 && r.rest[0] == c
}

// skip reads c if it comes next.
func (r *plainJSON) skip(c byte) bool {
	if !r.next(c) {
		return false
	}
	r.rest = r.rest[1:]
	return true
}

// literal reads word if it comes next. What follows is checked as any value's
// end: a comma or the closing brace.
func (r *plainJSON) literal(word string) bool {
	r.space()
	if !bytes.HasPrefix(r.rest, []byte(word)) {
		return false
	}
	r.rest = r.rest[len(word):]
	return true
}

// plainString reads a string without escapes whose bytes are valid UTF-8 and no
// control character.
func (r *plainJSON) plainString() (string, bool) {
	if !r.skip('"') {
		return "", false
	}
	end := bytes.IndexByte(r.rest, '"')
	if end < 0 {
		return "", false
	}
	s := r.rest[:end]
	for _, c := range s {
		if c < 0x20 || c == '\\' {
			return "", false
		}
	}
	if !utf8.Valid(s) {
		return "", false
	}
	r.rest = r.rest[end+1:]
	return string(s), true
}

// atEnd reports whether only whitespace is left.
func (r *plainJSON) atEnd() bool {
	r.space()
	return len(r.rest) == 0
}

// notText reports whether the JSON string raw, decoded as v, held invalid UTF-8 or
// an escaped lone surrogate: decoding turned each into a U+FFFD that raw did not
// hold, literally or escaped.
func notText(raw []byte, v string) bool {
	if !strings.ContainsRune(v, utf8.RuneError) {
		return false
	}
	if !utf8.Valid(raw) {
		return true
	}
	held := bytes.Count(raw, []byte("\uFFFD")) + bytes.Count(raw, []byte("\ufffd")) + bytes.Count(raw, []byte(string(utf8.RuneError)))
	return strings.Count(v, string(utf8.RuneError)) > held
}

// parseJSONMembers reads one JSON object whose members are strings, booleans or null,
// member by member.
// Duplicate members are refused: which one counts would be a guess.
func parseJSONMembers(data []byte) (formValues, error) {
	malformed := func(msg string) (formValues, error) {
		return formValues{}, leadgate.Errorf(leadgate.EMALFORMED, "%s", msg)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return malformed("the body is not valid JSON")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return malformed("the body must be a JSON object")
	}
	fv := formValues{values: map[string]string{}}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return malformed("the body is not valid JSON")
		}
		name, _ := tok.(string)
		if seen[name] {
			return malformed("the member " + strconv.Quote(name) + " appears twice")
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return malformed("the body is not valid JSON")
		}
		// The decoder has checked the value's syntax; its first byte says its type.
		switch raw[0] {
		case 'n': // null: as if the member were absent
		case '"':
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return malformed("the body is not valid JSON")
			}
			if notText(raw, v) {
				// Refused like a form's invalid UTF-8, rather than stored with the
				// U+FFFD that decoding put in its place.
				fv.wrong = append(fv.wrong, *leadgate.NotText(name))
				continue
			}
			fv.values[name] = v
		case 't', 'f':
			if name != leadgate.FieldNameConsent {
				fv.wrong = append(fv.wrong, leadgate.FieldError{Field: name, Code: "type", Message: "must be a string"})
				continue
			}
			fv.values[name] = strconv.FormatBool(raw[0] == 't')
		default:
			fv.wrong = append(fv.wrong, leadgate.FieldError{Field: name, Code: "type", Message: "must be a string"})
		}
	}
	if _, err := dec.Token(); err != nil {
		return malformed("the body is not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return malformed("the body holds more than one JSON value")
	}
	return fv, nil
}
