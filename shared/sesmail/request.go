// Package sesmail sends email through Amazon SES v2's SendEmail with a request it
// builds and signs (SigV4) itself: the leadgate.Mailer of the functions (console,
// followup, dispatcher). It imports no SES client package: service/sesv2, even for
// its types alone, links its endpoint tables and serializers, about 0.45 MB of each
// arm64 binary, and its client about 0.3 MB more, which the Lean Lambdas target of
// 9 MiB cannot spare. shared/ses is the same mailer on the SDK's client, and takes
// its message building and its error classification from here.
//
// Messages go as Simple content: SES builds the MIME from the subject, the text and
// HTML bodies (UTF-8), and the custom headers (List-Unsubscribe, ...) of the Simple
// message's Headers field, and signs it with DKIM.
package sesmail

import (
	"net/mail"
	"slices"
	"strings"

	"leadgate/shared/leadgate"
)

// Request is the JSON body of SES v2's SendEmail, as far as messages use it.
type Request struct {
	FromEmailAddress     string      `json:"FromEmailAddress"`
	Destination          Destination `json:"Destination"`
	ReplyToAddresses     []string    `json:"ReplyToAddresses,omitempty"`
	Content              Content     `json:"Content"`
	EmailTags            []Pair      `json:"EmailTags,omitempty"`
	ConfigurationSetName string      `json:"ConfigurationSetName,omitempty"`
}

// Destination is SendEmail's recipients.
type Destination struct {
	ToAddresses []string `json:"ToAddresses"`
}

// Content is SendEmail's content: always Simple.
type Content struct {
	Simple Simple `json:"Simple"`
}

// Simple is a message SES builds the MIME of.
type Simple struct {
	Subject Text   `json:"Subject"`
	Body    Body   `json:"Body"`
	Headers []Pair `json:"Headers,omitempty"`
}

// Body is the text and HTML parts; either may be missing.
type Body struct {
	Text *Text `json:"Text,omitempty"`
	HTML *Text `json:"Html,omitempty"`
}

// Text is a string with its character set.
type Text struct {
	Data    string `json:"Data"`
	Charset string `json:"Charset"`
}

// Pair is a message header or an email tag.
type Pair struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

const charset = "UTF-8"

// maxTagLength is SES's limit on a tag's name and on its value.
const maxTagLength = 256

// Build validates m and returns its SendEmail request, in the configuration set
// named ("" for none).
func Build(m leadgate.Message, configurationSet string) (Request, error) {
	if err := m.Validate(); err != nil {
		return Request{}, err
	}
	r := Request{
		FromEmailAddress:     formatAddress(m.From),
		Destination:          Destination{ToAddresses: []string{formatAddress(m.To)}},
		EmailTags:            emailTags(m.Tags),
		ConfigurationSetName: configurationSet,
	}
	if replyTo := formatAddress(m.ReplyTo); replyTo != "" {
		r.ReplyToAddresses = []string{replyTo}
	}
	s := &r.Content.Simple
	s.Subject = Text{Data: m.Subject, Charset: charset}
	if m.Text != "" {
		s.Body.Text = &Text{Data: leadgate.CanonicalLineBreaks(m.Text), Charset: charset}
	}
	if m.HTML != "" {
		s.Body.HTML = &Text{Data: leadgate.CanonicalLineBreaks(m.HTML), Charset: charset}
	}
	for _, h := range m.Headers {
		s.Headers = append(s.Headers, Pair{Name: h.Name, Value: h.Value})
	}
	return r, nil
}

// Op names a send in errors: with the configuration set, never an address.
func Op(configurationSet string) string {
	op := "ses send email"
	if configurationSet != "" {
		op += " with configuration set " + configurationSet
	}
	return op
}

// formatAddress writes a validated address as SES takes it: ASCII only, a display
// name in RFC 2047 encoded-words when it is not ASCII (SES supports no SMTPUTF8).
// "" stays "".
func formatAddress(s string) string {
	if s == "" {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return s // Validate has parsed it: unreachable
	}
	if a.Name == "" {
		return a.Address
	}
	return a.String()
}

// emailTags returns the tags as SES takes them, in name order: each name and value
// kept to ASCII letters, digits, "_" and "-" (any other character becomes "_") and
// to 256 characters; of two names that become the same, the first in order is kept.
func emailTags(tags map[string]string) []Pair {
	names := make([]string, 0, len(tags))
	for name := range tags {
		names = append(names, name)
	}
	slices.Sort(names)
	var out []Pair
	seen := map[string]bool{}
	for _, name := range names {
		clean := sanitiseTag(name)
		if seen[clean] {
			continue
		}
		seen[clean] = true
		out = append(out, Pair{Name: clean, Value: sanitiseTag(tags[name])})
	}
	return out
}

func sanitiseTag(s string) string {
	clean := strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, s)
	if len(clean) > maxTagLength {
		clean = clean[:maxTagLength]
	}
	return clean
}
