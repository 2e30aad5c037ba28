// Package ses sends email through Amazon SES v2 with the SDK's client, built by the
// caller (the local server on AWS adapters, tests); it never loads configuration
// itself. The functions send with shared/sesmail, which links no SES client, and
// which builds the messages and classifies the errors for both.
//
// Messages go as Simple content: SES builds the MIME from the subject, the text and
// HTML bodies (UTF-8), and the custom headers (List-Unsubscribe, ...) of the Simple
// message's Headers field, and signs it with DKIM. Raw content would work on SES
// too, but the emulator the tests run against (aws-ses-v2-local 2.10.2) drops every
// custom header of a Raw message.
package ses

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"leadgate/shared/leadgate"
	"leadgate/shared/sesmail"
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

// Send validates m, sends it, and returns the message ID SES gave it.
func (s *Mailer) Send(ctx context.Context, m leadgate.Message) (string, error) {
	r, err := sesmail.Build(m, s.opts.ConfigurationSetName)
	if err != nil {
		return "", err
	}
	simple := &types.Message{
		Subject: content(&r.Content.Simple.Subject),
		Body:    &types.Body{Text: content(r.Content.Simple.Body.Text), Html: content(r.Content.Simple.Body.HTML)},
	}
	for _, h := range r.Content.Simple.Headers {
		simple.Headers = append(simple.Headers, types.MessageHeader{Name: aws.String(h.Name), Value: aws.String(h.Value)})
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(r.FromEmailAddress),
		Destination:      &types.Destination{ToAddresses: r.Destination.ToAddresses},
		Content:          &types.EmailContent{Simple: simple},
		ReplyToAddresses: r.ReplyToAddresses,
	}
	for _, t := range r.EmailTags {
		in.EmailTags = append(in.EmailTags, types.MessageTag{Name: aws.String(t.Name), Value: aws.String(t.Value)})
	}
	if r.ConfigurationSetName != "" {
		in.ConfigurationSetName = aws.String(r.ConfigurationSetName)
	}
	op := sesmail.Op(s.opts.ConfigurationSetName)
	out, err := s.client.SendEmail(ctx, in)
	if err != nil {
		return "", sesmail.ErrorFor(op, err)
	}
	id := aws.ToString(out.MessageId)
	if id == "" {
		return "", leadgate.Internal(op, sesmail.ErrNoMessageID)
	}
	return id, nil
}

// content is a text as the SDK takes it; nil stays nil.
func content(t *sesmail.Text) *types.Content {
	if t == nil {
		return nil
	}
	return &types.Content{Data: aws.String(t.Data), Charset: aws.String(t.Charset)}
}
