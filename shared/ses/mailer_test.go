package ses_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"leadgate/shared/leadgate"
	"leadgate/shared/mailtest"
	"leadgate/shared/ses"
)

// fakeAPI is a hand-written ses.API: each call goes to its function field.
type fakeAPI struct {
	sendEmail func(*sesv2.SendEmailInput) (*sesv2.SendEmailOutput, error)
	calls     int
}

func (f *fakeAPI) SendEmail(_ context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	f.calls++
	if f.sendEmail == nil {
		return nil, errors.New("unexpected call")
	}
	return f.sendEmail(in)
}

// The SDK's real client satisfies the narrow interface.
var _ ses.API = (*sesv2.Client)(nil)

func utf8Content(s string) *types.Content {
	return &types.Content{Data: aws.String(s), Charset: aws.String("UTF-8")}
}

// TestSendInput checks the exact request: the addresses in ASCII with the display
// name in encoded-words, Simple content in UTF-8 with the custom headers, the
// configuration set, and the tags kept to SES's characters.
func TestSendInput(t *testing.T) {
	var got *sesv2.SendEmailInput
	api := &fakeAPI{sendEmail: func(in *sesv2.SendEmailInput) (*sesv2.SendEmailOutput, error) {
		got = in
		return &sesv2.SendEmailOutput{MessageId: aws.String("0100018e-ses-id")}, nil
	}}
	m := mailtest.FullMessage()
	m.Tags = map[string]string{"kind": "delivery", "page": "spring playbook/2026", "qualité": "dropped", "qualit_": "kept"}
	id, err := ses.New(api, ses.Options{ConfigurationSetName: "leadgate-events"}).Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if id != "0100018e-ses-id" {
		t.Errorf("id %q, want SES's", id)
	}
	want := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("=?utf-8?q?=C3=89quipe_Leadgate?= <hello@example.com>"),
		Destination:      &types.Destination{ToAddresses: []string{`"Ada Lovelace" <ada@example.com>`}},
		ReplyToAddresses: []string{`"Leadgate Sales" <sales@example.com>`},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: utf8Content(mailtest.Subject),
			Body:    &types.Body{Text: utf8Content(mailtest.Text), Html: utf8Content(mailtest.HTML)},
			Headers: []types.MessageHeader{
				{Name: aws.String("List-Unsubscribe"), Value: aws.String(mailtest.Unsubscribe)},
				{Name: aws.String("List-Unsubscribe-Post"), Value: aws.String(mailtest.OneClick)},
			},
		}},
		ConfigurationSetName: aws.String("leadgate-events"),
		EmailTags: []types.MessageTag{
			{Name: aws.String("kind"), Value: aws.String("delivery")},
			{Name: aws.String("page"), Value: aws.String("spring_playbook_2026")},
			{Name: aws.String("qualit_"), Value: aws.String("kept")},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SendEmail input\n got %s\nwant %s", describe(got), describe(want))
	}
}

// describe prints an input with its pointers followed, for failure messages.
func describe(in *sesv2.SendEmailInput) string {
	if in == nil {
		return "<nil>"
	}
	var b strings.Builder
	b.WriteString("From=" + aws.ToString(in.FromEmailAddress))
	if in.Destination != nil {
		b.WriteString(" To=" + strings.Join(in.Destination.ToAddresses, ","))
	}
	b.WriteString(" ReplyTo=" + strings.Join(in.ReplyToAddresses, ","))
	b.WriteString(" ConfigurationSet=" + aws.ToString(in.ConfigurationSetName))
	if in.Content != nil && in.Content.Simple != nil {
		s := in.Content.Simple
		content := func(c *types.Content) string {
			if c == nil {
				return "<nil>"
			}
			return aws.ToString(c.Data) + " (" + aws.ToString(c.Charset) + ")"
		}
		b.WriteString("\n Subject=" + content(s.Subject))
		if s.Body != nil {
			b.WriteString("\n Text=" + content(s.Body.Text) + "\n Html=" + content(s.Body.Html))
		}
		for _, h := range s.Headers {
			b.WriteString("\n Header " + aws.ToString(h.Name) + ": " + aws.ToString(h.Value))
		}
	} else {
		b.WriteString("\n Content is not Simple")
	}
	for _, tag := range in.EmailTags {
		b.WriteString("\n Tag " + aws.ToString(tag.Name) + "=" + aws.ToString(tag.Value))
	}
	return b.String()
}

// TestSendMinimalInput checks that what a message lacks is left out of the request:
// no Reply-To, no HTML body, no configuration set, no tags.
func TestSendMinimalInput(t *testing.T) {
	var got *sesv2.SendEmailInput
	api := &fakeAPI{sendEmail: func(in *sesv2.SendEmailInput) (*sesv2.SendEmailOutput, error) {
		got = in
		return &sesv2.SendEmailOutput{MessageId: aws.String("id-1")}, nil
	}}
	_, err := ses.New(api, ses.Options{}).Send(context.Background(), leadgate.Message{
		From: "hello@example.com", To: "ada@example.com", Subject: "Your guide", Text: "Hello",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("hello@example.com"),
		Destination:      &types.Destination{ToAddresses: []string{"ada@example.com"}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: utf8Content("Your guide"),
			Body:    &types.Body{Text: utf8Content("Hello")},
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SendEmail input\n got %s\nwant %s", describe(got), describe(want))
	}
}

func TestInvalidMessageMakesNoCall(t *testing.T) {
	api := &fakeAPI{}
	m := mailtest.FullMessage()
	m.Subject += "\r\nBcc: eve@example.com"
	if _, err := ses.New(api, ses.Options{}).Send(context.Background(), m); leadgate.ErrorCode(err) != leadgate.EINVALID {
		t.Errorf("Send: %v, want %s", err, leadgate.EINVALID)
	}
	if api.calls != 0 {
		t.Errorf("%d call(s) to SES for an invalid message, want none", api.calls)
	}
}

// responseError wraps an SES error answer the way the SDK returns it: an operation
// error around an HTTP response error around the API error.
func responseError(status int, apiErr error) error {
	return &smithy.OperationError{ServiceID: "SESv2", OperationName: "SendEmail", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err:      apiErr,
		},
		RequestID: "req-1",
	}}
}

func generic(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: "the cause, for logs only"}
}

func msg(s string) *string { return aws.String("the cause, for logs only: " + s) }

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		want     leadgate.Code
		contains string // in the wrapped cause, for the logs
	}{
		{"too many requests", responseError(429, &types.TooManyRequestsException{Message: msg("rate")}), leadgate.EUNAVAILABLE, "TooManyRequestsException"},
		{"limit exceeded", responseError(400, &types.LimitExceededException{Message: msg("limit")}), leadgate.EUNAVAILABLE, "LimitExceededException"},
		{"throttling", responseError(400, generic("Throttling")), leadgate.EUNAVAILABLE, "Throttling"},
		{"internal service error", responseError(500, &types.InternalServiceErrorException{Message: msg("oops")}), leadgate.EUNAVAILABLE, "InternalServiceErrorException"},
		{"bad gateway without code", responseError(502, errors.New("unexpected EOF")), leadgate.EUNAVAILABLE, "unexpected EOF"},
		{"connection refused", &smithy.OperationError{ServiceID: "SESv2", OperationName: "SendEmail", Err: &smithyhttp.RequestSendError{Err: errors.New("dial tcp: connection refused")}}, leadgate.EUNAVAILABLE, "connection refused"},
		{"deadline", context.DeadlineExceeded, leadgate.EUNAVAILABLE, "deadline"},
		{"message rejected", responseError(400, &types.MessageRejected{Message: msg("Email address is not verified.")}), leadgate.EREJECTED, "MessageRejected"},
		{"mail from not verified", responseError(400, &types.MailFromDomainNotVerifiedException{Message: msg("mail from")}), leadgate.EREJECTED, "MailFromDomainNotVerifiedException"},
		{"sending paused", responseError(400, &types.SendingPausedException{Message: msg("paused")}), leadgate.EREJECTED, "SendingPausedException"},
		{"account suspended", responseError(400, &types.AccountSuspendedException{Message: msg("suspended")}), leadgate.EREJECTED, "AccountSuspendedException"},
		{"no such configuration set", responseError(404, &types.NotFoundException{Message: msg("Configuration set <x> does not exist.")}), leadgate.EREJECTED, "NotFoundException"},
		{"bad request", responseError(400, &types.BadRequestException{Message: msg("bad")}), leadgate.EREJECTED, "BadRequestException"},
		{"access denied", responseError(403, generic("AccessDeniedException")), leadgate.EINTERNAL, "IAM policy"},
		{"unknown client error", responseError(400, generic("SomethingNew")), leadgate.EINTERNAL, "SomethingNew"},
		{"unclassified", errors.New("boom"), leadgate.EINTERNAL, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{sendEmail: func(*sesv2.SendEmailInput) (*sesv2.SendEmailOutput, error) { return nil, tt.err }}
			_, err := ses.New(api, ses.Options{ConfigurationSetName: "leadgate-events"}).Send(context.Background(), mailtest.FullMessage())
			if got := leadgate.ErrorCode(err); got != tt.want {
				t.Fatalf("code %q (%v), want %q", got, err, tt.want)
			}
			// The cause names the operation and keeps the SDK's code, for the logs.
			for _, want := range []string{"ses send email with configuration set leadgate-events", tt.contains} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("error %v does not wrap the SDK's", err)
			}
			msg := leadgate.ErrorMessage(err)
			for _, leak := range []string{"cause", "Exception", "MessageRejected", "Throttling", "ada@example.com", "leadgate-events"} {
				if strings.Contains(msg, leak) {
					t.Errorf("user message %q leaks %q", msg, leak)
				}
			}
		})
	}
}

func TestNoMessageID(t *testing.T) {
	api := &fakeAPI{sendEmail: func(*sesv2.SendEmailInput) (*sesv2.SendEmailOutput, error) {
		return &sesv2.SendEmailOutput{}, nil
	}}
	id, err := ses.New(api, ses.Options{}).Send(context.Background(), mailtest.FullMessage())
	if leadgate.ErrorCode(err) != leadgate.EINTERNAL || id != "" {
		t.Errorf("Send: %q %v, want EINTERNAL without an id", id, err)
	}
}

// TestUnreachableEndpoint sends through the real SDK client to a port nothing
// listens on: a failure to send, which a retry may get past.
func TestUnreachableEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	client := sesv2.New(sesv2.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
		BaseEndpoint:     aws.String("http://" + addr),
		RetryMaxAttempts: 1,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = ses.New(client, ses.Options{}).Send(ctx, mailtest.FullMessage())
	if leadgate.ErrorCode(err) != leadgate.EUNAVAILABLE {
		t.Errorf("Send to a closed port: %v, want %s", err, leadgate.EUNAVAILABLE)
	}
}
