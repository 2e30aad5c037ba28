package outbox

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"leadgate/shared/leadgate"
)

// maxLine is the length RFC 5322 recommends a header line keep to; lines are folded
// at a space to stay within it where the value has one.
const maxLine = 78

// encodedChunk is how many bytes of text one B encoded-word carries: 52 base64
// characters, so that "=?utf-8?b?...?=" is 64 characters and fits a folded line
// after the longest usual field name.
const encodedChunk = 39

// buildMIME returns m as an RFC 5322 message: the headers (non-ASCII text in
// encoded-words, long lines folded), then a multipart/alternative body with a
// quoted-printable text/plain and text/html part (or the one part m has). m must
// have passed Validate.
func buildMIME(m leadgate.Message, messageID string, date time.Time) ([]byte, error) {
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(fold(name + ": " + value))
		b.WriteString("\r\n")
	}
	from, err := formatAddress(m.From)
	if err != nil {
		return nil, err
	}
	to, err := formatAddress(m.To)
	if err != nil {
		return nil, err
	}
	header("Date", date.Format(time.RFC1123Z))
	header("Message-ID", messageID)
	header("MIME-Version", "1.0")
	header("From", from)
	header("To", to)
	if m.ReplyTo != "" {
		replyTo, err := formatAddress(m.ReplyTo)
		if err != nil {
			return nil, err
		}
		header("Reply-To", replyTo)
	}
	header("Subject", encodeText(m.Subject))
	for _, h := range m.Headers {
		header(h.Name, h.Value)
	}
	for _, name := range slices.Sorted(maps.Keys(m.Tags)) {
		header(leadgate.TagHeaderPrefix+tagHeaderName(name), encodeText(m.Tags[name]))
	}

	type part struct{ mediaType, body string }
	var parts []part
	if m.Text != "" {
		parts = append(parts, part{"text/plain", leadgate.CanonicalLineBreaks(m.Text)})
	}
	if m.HTML != "" {
		parts = append(parts, part{"text/html", leadgate.CanonicalLineBreaks(m.HTML)})
	}
	if len(parts) == 1 {
		header("Content-Type", parts[0].mediaType+"; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, parts[0].body); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	header("Content-Type", `multipart/alternative; boundary="`+mw.Boundary()+`"`)
	b.WriteString("\r\n")
	for _, p := range parts {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.mediaType + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQP(w, p.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	b.Write(body.Bytes())
	return b.Bytes(), nil
}

// writeQP writes text quoted-printable: its CRLF line breaks stay hard ones, and
// lines longer than 76 characters get soft breaks.
func writeQP(w io.Writer, text string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(text)); err != nil {
		return err
	}
	// No line break is added after the body: the one before a boundary belongs to
	// the boundary (RFC 2046 5.1.1), and the body ends as the caller wrote it.
	return qp.Close()
}

// formatAddress writes an address for a header: a display name in printable ASCII
// quoted as needed, any other in encoded-words; the address itself is ASCII.
func formatAddress(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", fmt.Errorf("address %q: %w", s, err)
	}
	if a.Name == "" || isPrintableASCII(a.Name) {
		return a.String(), nil
	}
	return encodeWords(a.Name) + " " + (&mail.Address{Address: a.Address}).String(), nil
}

// encodeText returns s as it may stand in an unstructured header: as is when it is
// plain printable ASCII that reads back unchanged, else as encoded-words.
func encodeText(s string) string {
	if isPrintableASCII(s) && !strings.Contains(s, "=?") && !strings.Contains(s, "  ") &&
		!strings.HasPrefix(s, " ") && !strings.HasSuffix(s, " ") {
		return s
	}
	return encodeWords(s)
}

// encodeWords writes s as RFC 2047 B encoded-words of whole characters, separated by
// spaces that fold may break lines at and that decoders drop.
func encodeWords(s string) string {
	var words []string
	for s != "" {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n+size > encodedChunk {
				break
			}
			n += size
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, " ")
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// tagHeaderName keeps a tag's name to the characters SES allows in one, which are
// also safe in a header name.
func tagHeaderName(name string) string {
	return strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name)
}

// fold breaks a header line before single spaces so that each line keeps within
// maxLine characters where it can. Only a space between two other characters is a
// break point: unfolding (RFC 5322 2.2.3, and Go's textproto) then gives back the
// very same value.
func fold(line string) string {
	if len(line) <= maxLine {
		return line
	}
	colon := strings.IndexByte(line, ':')
	var b strings.Builder
	start := 0 // start of the current line in line
	for len(line)-start > maxLine {
		cut := -1
		for i := start + 1; i < len(line)-1; i++ {
			if i-start > maxLine && cut >= 0 {
				break
			}
			if line[i] == ' ' && line[i-1] != ' ' && line[i+1] != ' ' && i > colon+1 {
				cut = i
			}
		}
		if cut < 0 {
			break
		}
		b.WriteString(line[start:cut])
		b.WriteString("\r\n")
		start = cut
	}
	b.WriteString(line[start:])
	return b.String()
}
