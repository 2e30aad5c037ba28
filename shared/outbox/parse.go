package outbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

var wordDecoder = &mime.WordDecoder{}

// parseMIME reads a message the way a mail client does: its headers in order,
// decoded, and its text and HTML parts, transfer-decoded.
func parseMIME(raw []byte) (Mail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Mail{}, err
	}
	m := Mail{Raw: raw, Header: orderedHeader(raw)}
	m.From = displayAddress(msg.Header.Get("From"))
	m.To = displayAddress(msg.Header.Get("To"))
	m.Subject = decode(msg.Header.Get("Subject"))

	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return Mail{}, fmt.Errorf("content type: %w", err)
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		err := m.addPart(mediaType, msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		return m, err
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextRawPart()
		if errors.Is(err, io.EOF) {
			return m, nil
		}
		if err != nil {
			return Mail{}, fmt.Errorf("multipart body: %w", err)
		}
		pt, _, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil {
			return Mail{}, fmt.Errorf("part content type: %w", err)
		}
		if err := m.addPart(pt, p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
			return Mail{}, err
		}
	}
}

func (m *Mail) addPart(mediaType, encoding string, body io.Reader) error {
	if strings.EqualFold(encoding, "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s part: %w", mediaType, err)
	}
	switch mediaType {
	case "text/plain":
		m.Text = string(b)
	case "text/html":
		m.HTML = string(b)
	}
	return nil
}

// decode returns a header value with its encoded-words decoded, or as it is if they
// do not decode.
func decode(v string) string {
	if d, err := wordDecoder.DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// displayAddress returns an address header as a person reads it: the decoded
// display name, unquoted, then the address in angle brackets; or the bare address.
func displayAddress(v string) string {
	parser := mail.AddressParser{WordDecoder: wordDecoder}
	a, err := parser.Parse(v)
	switch {
	case err != nil:
		return decode(v)
	case a.Name == "":
		return a.Address
	}
	return a.Name + " <" + a.Address + ">"
}

// orderedHeader returns the header fields of raw in their order, unfolded (as Go's
// textproto unfolds: a continuation line's leading spaces become one space) and
// decoded. net/mail keeps them in a map, which loses the order.
func orderedHeader(raw []byte) []HeaderField {
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	var fields []HeaderField
	for line := range strings.SplitSeq(string(head), "\r\n") {
		if line == "" {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(fields) > 0 {
			last := &fields[len(fields)-1]
			last.Value += " " + strings.TrimLeft(line, " \t")
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fields = append(fields, HeaderField{Name: name, Value: strings.TrimLeft(value, " \t")})
	}
	for i := range fields {
		fields[i].Value = decode(fields[i].Value)
	}
	return fields
}
