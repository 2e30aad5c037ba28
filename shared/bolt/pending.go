package bolt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
)

// The pending writes are encoded and read at every capture and its catch-up, so
// by hand: encoding/json took a tenth of a capture's CPU for them. The encoding is
// JSON, as encoding/json reads it, with the index key first (pendingStart) and the
// grant last; pending writes that do not read as that, from an older file say, are
// read by encoding/json.

// encode returns the JSON of p.
func (p pendingWrites) encode() []byte {
	n := 64 + base64.StdEncoding.EncodedLen(len(p.IndexKey)+len(p.IndexRecord)+len(p.SubmissionKey)) + len(p.GrantID) + len(p.Grant) + len(p.Page)
	buf := make([]byte, 0, n)
	buf = appendBase64(append(buf, `{"index_key":`...), p.IndexKey)
	buf = appendBase64(append(buf, `,"index_record":`...), p.IndexRecord)
	if len(p.SubmissionKey) > 0 {
		buf = appendBase64(append(buf, `,"submission_key":`...), p.SubmissionKey)
	}
	buf = appendOmitEmpty(buf, `,"page":`, p.Page)
	buf = appendOmitEmpty(buf, `,"grant_id":`, p.GrantID)
	if len(p.Grant) > 0 { // json.Marshal's, as putGrant stores it
		buf = append(append(buf, `,"grant":`...), p.Grant...)
	}
	return append(buf, '}')
}

func appendBase64(buf, b []byte) []byte {
	return append(base64.StdEncoding.AppendEncode(append(buf, '"'), b), '"')
}

// appendString appends s as a JSON string: as it is if nothing in it needs an
// escape (ids, slugs, most names and addresses), else as encoding/json writes it,
// which cannot fail for a string.
func appendString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			data, _ := json.Marshal(s)
			return append(buf, data...)
		}
	}
	return append(append(append(buf, '"'), s...), '"')
}

// decodePending reads pending writes as encode writes them, else with encoding/json.
// The slices of p may share data's memory.
func decodePending(data []byte) (pendingWrites, error) {
	if p, ok := readPending(data); ok {
		return p, nil
	}
	var p pendingWrites
	err := json.Unmarshal(data, &p)
	return p, err
}

// readPending reads data as encode writes it; ok is false for anything else.
func readPending(data []byte) (p pendingWrites, ok bool) {
	r := pendingReader{rest: data}
	if !r.skip(`{"index_key":`) {
		return p, false
	}
	if p.IndexKey, ok = r.base64(); !ok || !r.skip(`,"index_record":`) {
		return p, false
	}
	if p.IndexRecord, ok = r.base64(); !ok {
		return p, false
	}
	if r.skip(`,"submission_key":`) {
		if p.SubmissionKey, ok = r.base64(); !ok {
			return p, false
		}
	}
	if r.skip(`,"page":`) {
		if p.Page, ok = r.plainString(); !ok {
			return p, false
		}
	}
	if r.skip(`,"grant_id":`) {
		if p.GrantID, ok = r.plainString(); !ok {
			return p, false
		}
	}
	if r.skip(`,"grant":`) && len(r.rest) > 0 {
		p.Grant, r.rest = r.rest[:len(r.rest)-1], r.rest[len(r.rest)-1:]
		if !json.Valid(p.Grant) {
			return p, false
		}
	}
	return p, string(r.rest) == "}"
}

// pendingReader reads the members of pending writes in order.
type pendingReader struct{ rest []byte }

func (r *pendingReader) skip(s string) bool {
	if !bytes.HasPrefix(r.rest, []byte(s)) {
		return false
	}
	r.rest = r.rest[len(s):]
	return true
}

// quoted returns the content of the string r starts with, which holds no escape.
func (r *pendingReader) quoted() ([]byte, bool) {
	if len(r.rest) == 0 || r.rest[0] != '"' {
		return nil, false
	}
	end := bytes.IndexByte(r.rest[1:], '"')
	if end < 0 || bytes.IndexByte(r.rest[1:1+end], '\\') >= 0 {
		return nil, false
	}
	s := r.rest[1 : 1+end]
	r.rest = r.rest[2+end:]
	return s, true
}

func (r *pendingReader) base64() ([]byte, bool) {
	s, ok := r.quoted()
	if !ok {
		return nil, false
	}
	b, err := base64.StdEncoding.AppendDecode(nil, s)
	return b, err == nil
}

func (r *pendingReader) plainString() (string, bool) {
	s, ok := r.quoted()
	return string(s), ok
}
