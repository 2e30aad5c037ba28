// Package mailtest is the conformance suite of leadgate.Mailer: every implementation
// (the SES mailer against aws-ses-v2-local, the local outbox) runs
// RunConformanceTests, so that an email read in the local outbox is the email a
// lead gets through SES: the same addresses, subject, parts and List-Unsubscribe
// headers, read back from the MIME as a mail client would, and the same refusals of
// messages that are not well formed.
package mailtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// Harness is what one test needs from an implementation.
type Harness struct {
	// Mailer is a fresh Mailer.
	Mailer leadgate.Mailer
	// Sent returns the raw MIME of every message Mailer has sent since the harness
	// was made, oldest first (newest last).
	Sent func(t *testing.T) [][]byte
	// Message returns the raw MIME of the message Send returned id for.
	Message func(t *testing.T, id string) []byte
}

// NewHarness returns the harness of one test; it registers its own cleanup.
type NewHarness func(t *testing.T) Harness

// The message the round-trip case sends: non-ASCII in the display name and the
// subject (long enough to be folded), the RFC 8058 one-click headers, and bodies
// with what transfer encodings must carry exactly: non-ASCII, "=", a line over 76
// characters, trailing spaces, a tab, a leading dot and "From ".
const (
	FromName     = "Équipe Leadgate"
	FromAddress  = "hello@example.com"
	ToName       = "Ada Lovelace"
	ToAddress    = "ada@example.com"
	ReplyName    = "Leadgate Sales"
	ReplyAddress = "sales@example.com"
	Subject      = "Votre guide « Printemps 2026 » est prêt ✓ — 12 idées pour générer des leads qualifiés"
	Unsubscribe  = "<https://api.example.com/v1/unsubscribe/TOKEN>"
	OneClick     = "List-Unsubscribe=One-Click"
)

// Text and HTML are the round-trip case's bodies, with CRLF line breaks: the
// canonical form of text in MIME (RFC 2045), so that they arrive byte for byte.
var (
	Text = strings.Join([]string{
		"Bonjour Ada,",
		"",
		"Votre guide est prêt : https://api.example.com/v1/downloads/abc123?x=1&y=2 (lien valable 7 jours, équipe 🚀).",
		"A line whose trailing spaces count:   ",
		"\tindented = with an equals sign",
		".a line that starts with a dot",
		"From the team, with thanks.",
		"",
	}, "\r\n")
	HTML = strings.Join([]string{
		`<!doctype html>`,
		`<html lang="fr"><body style="font-family:sans-serif">`,
		`<p>Bonjour Ada,</p>`,
		`<p>Votre guide est prêt : <a href="https://api.example.com/v1/downloads/abc123?x=1&amp;y=2">télécharger le guide « Printemps 2026 »</a> 🚀</p>`,
		`<p style="color:#4a5460;font-size:13px">Vous ne souhaitez plus recevoir nos emails ? <a href="https://api.example.com/v1/unsubscribe/TOKEN">Se désabonner</a></p>`,
		`</body></html>`,
		``,
	}, "\r\n")
)

// FullMessage returns the round-trip case's message.
func FullMessage() leadgate.Message {
	return leadgate.Message{
		From:    FromName + " <" + FromAddress + ">",
		To:      ToName + " <" + ToAddress + ">",
		ReplyTo: ReplyName + " <" + ReplyAddress + ">",
		Subject: Subject,
		Text:    Text,
		HTML:    HTML,
		Headers: []leadgate.Header{
			{Name: "List-Unsubscribe", Value: Unsubscribe},
			{Name: "List-Unsubscribe-Post", Value: OneClick},
		},
		Tags: map[string]string{"kind": "delivery", "page": "spring-playbook"},
	}
}

// RunConformanceTests checks the behaviour callers rely on from any Mailer.
func RunConformanceTests(t *testing.T, newHarness NewHarness) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, newHarness(t)) })
	t.Run("BareAddressesAndTextOnly", func(t *testing.T) { testBareAddresses(t, newHarness(t)) })
	t.Run("LFLineBreaksArriveAsCRLF", func(t *testing.T) { testLineBreaks(t, newHarness(t)) })
	t.Run("DistinctIDsInOrder", func(t *testing.T) { testDistinctIDs(t, newHarness(t)) })
	t.Run("ConcurrentSends", func(t *testing.T) { testConcurrent(t, newHarness(t)) })
	t.Run("LineBreaksRefused", func(t *testing.T) { testLineBreaksRefused(t, newHarness(t)) })
	t.Run("MissingFieldsRefused", func(t *testing.T) { testMissing(t, newHarness(t)) })
	t.Run("BadAddressesRefused", func(t *testing.T) { testBadAddresses(t, newHarness(t)) })
	t.Run("BadHeadersRefused", func(t *testing.T) { testBadHeaders(t, newHarness(t)) })
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// MustSend sends m and returns its non-empty message ID.
func MustSend(t *testing.T, m leadgate.Mailer, msg leadgate.Message) string {
	t.Helper()
	id, err := m.Send(ctx(t), msg)
	if err != nil {
		t.Fatalf("Send(%q): %v", msg.Subject, err)
	}
	if id == "" {
		t.Fatalf("Send(%q) returned an empty message ID", msg.Subject)
	}
	return id
}

// Parsed is a message read back from its MIME, as a mail client reads it.
type Parsed struct {
	Header mail.Header
	// Subject is the Subject header with its encoded-words decoded.
	Subject string
	// Parts holds each text part's transfer-decoded body by media type
	// (text/plain, text/html); Order is their media types in the order they came.
	Parts map[string]string
	Order []string
	// Charsets holds each part's charset parameter, lower case.
	Charsets map[string]string
	// MediaType is the message's top-level media type.
	MediaType string
}

var decoder = &mime.WordDecoder{}

// Parse reads raw MIME with net/mail and mime/multipart and decodes its parts.
func Parse(t *testing.T, raw []byte) Parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v\n%s", err, raw)
	}
	subject, err := decoder.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("Subject %q does not decode: %v", msg.Header.Get("Subject"), err)
	}
	p := Parsed{Header: msg.Header, Subject: subject, Parts: map[string]string{}, Charsets: map[string]string{}}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q does not parse: %v", msg.Header.Get("Content-Type"), err)
	}
	p.MediaType = mediaType
	if !strings.HasPrefix(mediaType, "multipart/") {
		p.addPart(t, mediaType, params, msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		return p
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := r.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("multipart body does not parse: %v\n%s", err, raw)
		}
		pt, pparams, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("part Content-Type %q does not parse: %v", part.Header.Get("Content-Type"), err)
		}
		p.addPart(t, pt, pparams, part.Header.Get("Content-Transfer-Encoding"), part)
	}
	return p
}

func (p *Parsed) addPart(t *testing.T, mediaType string, params map[string]string, encoding string, body io.Reader) {
	t.Helper()
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, newlineSkipper{body})
	case "", "7bit", "8bit", "binary":
	default:
		t.Fatalf("%s part has an unknown transfer encoding %q", mediaType, encoding)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("%s part does not decode (%s): %v", mediaType, encoding, err)
	}
	if _, dup := p.Parts[mediaType]; dup {
		t.Errorf("two %s parts", mediaType)
	}
	p.Parts[mediaType] = string(b)
	p.Order = append(p.Order, mediaType)
	p.Charsets[mediaType] = strings.ToLower(params["charset"])
}

// newlineSkipper drops the line breaks of a base64 body.
type newlineSkipper struct{ r io.Reader }

func (s newlineSkipper) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	j := 0
	for _, c := range b[:n] {
		if c != '\r' && c != '\n' {
			b[j] = c
			j++
		}
	}
	return j, err
}

// Address parses one address header, decoding encoded-words in its display name.
func Address(t *testing.T, h mail.Header, name string) *mail.Address {
	t.Helper()
	parser := mail.AddressParser{WordDecoder: decoder}
	a, err := parser.Parse(h.Get(name))
	if err != nil {
		t.Fatalf("%s %q does not parse: %v", name, h.Get(name), err)
	}
	// An encoded-word inside a quoted string is not one by RFC 2047 (section 5), but
	// mail clients decode it all the same; aws-ses-v2-local (nodemailer) quotes the
	// encoded display name SES is given.
	if strings.Contains(a.Name, "=?") {
		if d, err := decoder.DecodeHeader(a.Name); err == nil {
			a.Name = d
		}
	}
	return a
}

func checkAddress(t *testing.T, h mail.Header, header, name, address string) {
	t.Helper()
	a := Address(t, h, header)
	if a.Name != name || a.Address != address {
		t.Errorf("%s %q reads as name %q address %q, want %q %q", header, h.Get(header), a.Name, a.Address, name, address)
	}
}

func testRoundTrip(t *testing.T, h Harness) {
	want := FullMessage()
	id := MustSend(t, h.Mailer, want)
	raw := h.Message(t, id)
	CheckHeaderLines(t, raw, 998)
	p := Parse(t, raw)

	checkAddress(t, p.Header, "From", FromName, FromAddress)
	checkAddress(t, p.Header, "To", ToName, ToAddress)
	checkAddress(t, p.Header, "Reply-To", ReplyName, ReplyAddress)
	if p.Subject != Subject {
		t.Errorf("Subject decodes to\n %q\nwant\n %q", p.Subject, Subject)
	}
	for _, hd := range want.Headers {
		if got := p.Header.Get(hd.Name); got != hd.Value {
			t.Errorf("%s: %q, want %q", hd.Name, got, hd.Value)
		}
		if n := len(p.Header[textproto.CanonicalMIMEHeaderKey(hd.Name)]); n != 1 {
			t.Errorf("%s appears %d times, want once", hd.Name, n)
		}
	}
	if v := p.Header.Get("MIME-Version"); v != "1.0" {
		t.Errorf("MIME-Version %q, want 1.0", v)
	}
	if _, err := p.Header.Date(); err != nil {
		t.Errorf("Date %q: %v", p.Header.Get("Date"), err)
	}
	if p.Header.Get("Message-ID") == "" {
		t.Error("no Message-ID header")
	}
	if p.MediaType != "multipart/alternative" {
		t.Errorf("Content-Type %q, want multipart/alternative", p.MediaType)
	}
	// The last part of multipart/alternative is the preferred one (RFC 2046 5.1.4).
	if strings.Join(p.Order, ",") != "text/plain,text/html" {
		t.Errorf("parts %v, want text/plain then text/html", p.Order)
	}
	for mediaType, body := range map[string]string{"text/plain": Text, "text/html": HTML} {
		if got := p.Parts[mediaType]; got != body {
			t.Errorf("%s body differs after transfer decoding:\n got %q\nwant %q", mediaType, got, body)
		}
		if cs := p.Charsets[mediaType]; cs != "utf-8" {
			t.Errorf("%s charset %q, want utf-8", mediaType, cs)
		}
	}
}

// CheckHeaderLines checks that no line of raw's header section is longer than max
// characters (998 is RFC 5322's hard limit; 78 its recommended one).
func CheckHeaderLines(t *testing.T, raw []byte, max int) {
	t.Helper()
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for line := range strings.SplitSeq(string(head), "\r\n") {
		if len(line) > max {
			t.Errorf("header line of %d characters (over %d): %q", len(line), max, line)
		}
	}
}

func testBareAddresses(t *testing.T, h Harness) {
	msg := leadgate.Message{
		From: FromAddress, To: ToAddress, Subject: "Your guide", Text: "Plain text only.\r\n",
	}
	p := Parse(t, h.Message(t, MustSend(t, h.Mailer, msg)))
	checkAddress(t, p.Header, "From", "", FromAddress)
	checkAddress(t, p.Header, "To", "", ToAddress)
	if p.Header.Get("Reply-To") != "" {
		t.Errorf("Reply-To %q, want none", p.Header.Get("Reply-To"))
	}
	if p.Subject != "Your guide" {
		t.Errorf("Subject %q, want %q", p.Subject, "Your guide")
	}
	if got := p.Parts["text/plain"]; got != msg.Text {
		t.Errorf("text body %q, want %q", got, msg.Text)
	}
	if got, ok := p.Parts["text/html"]; ok && got != "" {
		t.Errorf("an HTML part %q appeared for a text-only message", got)
	}
}

// testLineBreaks sends bodies with bare LF (and CR) line breaks, as Go templates
// write them: every Mailer sends text in MIME's canonical form, with CRLF
// (leadgate.CanonicalLineBreaks), so they arrive with CRLF and otherwise unchanged.
func testLineBreaks(t *testing.T, h Harness) {
	msg := leadgate.Message{
		From: FromAddress, To: ToAddress, Subject: "Line breaks",
		Text: "one\ntwo\n\nthree é\rfour\r\n", HTML: "<p>one</p>\n<p>two é</p>\n",
	}
	p := Parse(t, h.Message(t, MustSend(t, h.Mailer, msg)))
	for mediaType, body := range map[string]string{"text/plain": msg.Text, "text/html": msg.HTML} {
		want := strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n"), "\n", "\r\n")
		if got := p.Parts[mediaType]; got != want {
			t.Errorf("%s body %q, want %q", mediaType, got, want)
		}
	}
}

func testDistinctIDs(t *testing.T, h Harness) {
	seen := map[string]bool{}
	subjects := []string{"first", "second", "third"}
	for _, s := range subjects {
		id := MustSend(t, h.Mailer, leadgate.Message{From: FromAddress, To: ToAddress, Subject: s, Text: s})
		if seen[id] {
			t.Errorf("message ID %q returned twice", id)
		}
		seen[id] = true
		if got := Parse(t, h.Message(t, id)).Subject; got != s {
			t.Errorf("message %q has subject %q, want %q", id, got, s)
		}
	}
	sent := h.Sent(t)
	var got []string
	for _, raw := range sent {
		got = append(got, Parse(t, raw).Subject)
	}
	if strings.Join(got, ",") != strings.Join(subjects, ",") {
		t.Errorf("Sent lists subjects %q, want %q (oldest first)", got, subjects)
	}
}

func testConcurrent(t *testing.T, h Harness) {
	const n = 8
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ids[i], errs[i] = h.Mailer.Send(ctx(t), leadgate.Message{
				From: FromAddress, To: ToAddress, Subject: fmt.Sprintf("concurrent %d", i), Text: "x",
			})
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil || ids[i] == "" || seen[ids[i]] {
			t.Errorf("send %d: id %q error %v, want a fresh ID", i, ids[i], errs[i])
			continue
		}
		seen[ids[i]] = true
		if got := Parse(t, h.Message(t, ids[i])).Subject; got != fmt.Sprintf("concurrent %d", i) {
			t.Errorf("message %q has subject %q", ids[i], got)
		}
	}
	if got := len(h.Sent(t)); got != n {
		t.Errorf("Sent lists %d messages, want %d", got, n)
	}
}

// refused checks that m is refused with EINVALID, by Validate and by Send, naming
// field, and that nothing is sent.
func refused(t *testing.T, h Harness, what string, m leadgate.Message, field string) {
	t.Helper()
	checkInvalid(t, what+": Validate", m.Validate(), field)
	id, err := h.Mailer.Send(ctx(t), m)
	checkInvalid(t, what+": Send", err, field)
	if id != "" {
		t.Errorf("%s: Send returned message ID %q with its error", what, id)
	}
}

func checkInvalid(t *testing.T, what string, err error, field string) {
	t.Helper()
	e := leadgate.AsError(err)
	if err == nil || e.Code != leadgate.EINVALID {
		t.Errorf("%s: error %v, want %s", what, err, leadgate.EINVALID)
		return
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return
		}
	}
	t.Errorf("%s: fields %+v, want one on %q", what, e.Fields, field)
}

func nothingSent(t *testing.T, h Harness) {
	t.Helper()
	if sent := h.Sent(t); len(sent) != 0 {
		t.Errorf("%d message(s) sent for refused messages; the first:\n%s", len(sent), sent[0])
	}
}

func testLineBreaksRefused(t *testing.T, h Harness) {
	for _, brk := range []string{"\r\n", "\n", "\r"} {
		inject := brk + "Bcc: eve@example.com"
		for _, c := range []struct {
			field  string
			change func(*leadgate.Message)
		}{
			{"subject", func(m *leadgate.Message) { m.Subject += inject }},
			{"from", func(m *leadgate.Message) { m.From += inject }},
			{"from", func(m *leadgate.Message) { m.From = "Équipe" + brk + " Leadgate <" + FromAddress + ">" }},
			{"to", func(m *leadgate.Message) { m.To += inject }},
			{"reply_to", func(m *leadgate.Message) { m.ReplyTo += inject }},
			{"headers", func(m *leadgate.Message) { m.Headers[0].Value += inject }},
			{"headers", func(m *leadgate.Message) { m.Headers[1].Name += inject }},
			{"tags", func(m *leadgate.Message) { m.Tags["kind"] += inject }},
			{"tags", func(m *leadgate.Message) { m.Tags["kind"+inject] = "x" }},
		} {
			m := FullMessage()
			c.change(&m)
			refused(t, h, fmt.Sprintf("%s with %q", c.field, brk), m, c.field)
		}
	}
	nothingSent(t, h)
}

func testMissing(t *testing.T, h Harness) {
	for _, c := range []struct {
		field  string
		change func(*leadgate.Message)
	}{
		{"to", func(m *leadgate.Message) { m.To = "" }},
		{"from", func(m *leadgate.Message) { m.From = "" }},
		{"subject", func(m *leadgate.Message) { m.Subject = "" }},
		{"subject", func(m *leadgate.Message) { m.Subject = "   " }},
		{"body", func(m *leadgate.Message) { m.Text, m.HTML = "", "" }},
		{"body", func(m *leadgate.Message) { m.Text = "bad UTF-8 \xff" }},
		{"tags", func(m *leadgate.Message) { m.Tags["empty"] = "" }},
	} {
		m := FullMessage()
		c.change(&m)
		refused(t, h, "missing or bad "+c.field, m, c.field)
	}
	nothingSent(t, h)
}

func testBadAddresses(t *testing.T, h Harness) {
	for _, c := range []struct{ field, value string }{
		{"to", "not an address"},
		{"to", "ada@example.com, eve@example.com"},
		{"to", "adä@example.com"},
		{"to", "Ada <ada@exämple.com>"},
		{"from", "hello@"},
		{"from", "Équipe Leadgate hello@example.com"},
		{"reply_to", "sales"},
		{"to", "Ada\x00 <ada@example.com>"},
		{"to", "ada@example.com\tx"},
	} {
		m := FullMessage()
		switch c.field {
		case "to":
			m.To = c.value
		case "from":
			m.From = c.value
		case "reply_to":
			m.ReplyTo = c.value
		}
		refused(t, h, fmt.Sprintf("%s %q", c.field, c.value), m, c.field)
	}
	nothingSent(t, h)
}

func testBadHeaders(t *testing.T, h Harness) {
	bad := []leadgate.Header{
		// Names that are not tokens.
		{Name: "", Value: "x"},
		{Name: "List Unsubscribe", Value: "x"},
		{Name: "X-Colon:", Value: "x"},
		{Name: "X-Tëst", Value: "x"},
		{Name: "X(comment)", Value: "x"},
		{Name: strings.Repeat("X", 127), Value: "x"},
		// Names that would override what the Mailer writes itself.
		{Name: "From", Value: "eve@example.com"},
		{Name: "to", Value: "eve@example.com"},
		{Name: "Cc", Value: "eve@example.com"},
		{Name: "BCC", Value: "eve@example.com"},
		{Name: "Reply-To", Value: "eve@example.com"},
		{Name: "Sender", Value: "eve@example.com"},
		{Name: "SUBJECT", Value: "x"},
		{Name: "Date", Value: "Mon, 02 Mar 2026 09:30:00 +0000"},
		{Name: "Message-ID", Value: "<x@example.com>"},
		{Name: "MIME-Version", Value: "1.0"},
		{Name: "Content-Type", Value: "text/html"},
		{Name: "content-transfer-encoding", Value: "base64"},
		{Name: "Return-Path", Value: "<eve@example.com>"},
		{Name: "X-SES-CONFIGURATION-SET", Value: "other"},
		{Name: leadgate.TagHeaderPrefix + "kind", Value: "forged"},
		// Values SES would refuse, or that would not read back as given.
		{Name: "X-Empty", Value: ""},
		{Name: "X-Non-ASCII", Value: "prêt"},
		{Name: "X-Tab", Value: "a\tb"},
		{Name: "X-Padded", Value: " x "},
		{Name: "X-Long", Value: strings.Repeat("v", 996)},
	}
	for _, hd := range bad {
		m := FullMessage()
		m.Headers = append(m.Headers, hd)
		refused(t, h, fmt.Sprintf("header %q: %q", hd.Name, hd.Value), m, "headers")
	}
	m := FullMessage()
	m.Headers = append(m.Headers, leadgate.Header{Name: "list-unsubscribe", Value: Unsubscribe})
	refused(t, h, "List-Unsubscribe twice", m, "headers")
	nothingSent(t, h)
}
