// Package ses sends email through Amazon SES v2: the leadgate.Mailer of the AWS
// deployment. It takes an SDK client built by the caller and never loads
// configuration itself.
//
// Messages go as Simple content: SES builds the MIME from the subject, the text and
// HTML bodies (UTF-8), and the custom headers (List-Unsubscribe, ...) of the Simple
// message's Headers field, and signs it with DKIM. Raw content would work on SES
// too, but the emulator the tests run against (aws-ses-v2-local 2.10.2) drops every
// custom header of a Raw message.
package ses

import (
	"context"
	"net/mail"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"leadgate/shared/leadgate"
)

// API is the part of *sesv2.Client the mailer uses.
type API interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Options are the deployment's settings for every message.
type Options struct {
	// ConfigurationSetName names the configuration set whose event destination
	// reports bounces and complaints; "" sends without one.
	ConfigurationSetName string
}

// Mailer is a leadgate.Mailer on SES v2.
type Mailer struct {
	client API
	opts   Options
}

var _ leadgate.Mailer = (*Mailer)(nil)

// New returns a mailer sending through client.
func New(client API, opts Options) *Mailer {
	return &Mailer{client: client, opts: opts}
}

const charset = "UTF-8"

// maxTagLength is SES's limit on a tag's name and on its value.
const maxTagLength = 256

// Send validates m, sends it, and returns the message ID SES gave it.
func (s *Mailer) Send(ctx context.Context, m leadgate.Message) (string, error) {
	if err := m.Validate(); err != nil {
		return "", err
	}
	from, to, replyTo := formatAddress(m.From), formatAddress(m.To), formatAddress(m.ReplyTo)
	body := &types.Body{}
	if m.Text != "" {
		body.Text = &types.Content{Data: aws.String(leadgate.CanonicalLineBreaks(m.Text)), Charset: aws.String(charset)}
	}
	if m.HTML != "" {
		body.Html = &types.Content{Data: aws.String(leadgate.CanonicalLineBreaks(m.HTML)), Charset: aws.String(charset)}
	}
	simple := &types.Message{
		Subject: &types.Content{Data: aws.String(m.Subject), Charset: aws.String(charset)},
		Body:    body,
	}
	for _, h := range m.Headers {
		simple.Headers = append(simple.Headers, types.MessageHeader{Name: aws.String(h.Name), Value: aws.String(h.Value)})
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(from),
		Destination:      &types.Destination{ToAddresses: []string{to}},
		Content:          &types.EmailContent{Simple: simple},
		EmailTags:        emailTags(m.Tags),
	}
	if replyTo != "" {
		in.ReplyToAddresses = []string{replyTo}
	}
	if s.opts.ConfigurationSetName != "" {
		in.ConfigurationSetName = aws.String(s.opts.ConfigurationSetName)
	}
	op := "ses send email"
	if s.opts.ConfigurationSetName != "" {
		op += " with configuration set " + s.opts.ConfigurationSetName
	}
	out, err := s.client.SendEmail(ctx, in)
	if err != nil {
		return "", errorFor(op, err)
	}
	id := aws.ToString(out.MessageId)
	if id == "" {
		return "", leadgate.Internal(op, errNoMessageID)
	}
	return id, nil
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
func emailTags(tags map[string]string) []types.MessageTag {
	names := make([]string, 0, len(tags))
	for name := range tags {
		names = append(names, name)
	}
	slices.Sort(names)
	var out []types.MessageTag
	seen := map[string]bool{}
	for _, name := range names {
		clean := sanitiseTag(name)
		if seen[clean] {
			continue
		}
		seen[clean] = true
		out = append(out, types.MessageTag{Name: aws.String(clean), Value: aws.String(sanitiseTag(tags[name]))})
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
