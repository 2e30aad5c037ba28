package sesmail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"leadgate/shared/leadgate"
)

// The retries of one SendEmail call. Their back-off pauses add up to at most 14 s,
// inside the follow-up service's claim lease (30 s), so that no other worker takes
// over a send that is still being retried; a throttled client's pacing may add
// waits of its own, bounded by the invocation's deadline.
const (
	// MaxAttempts is how often one send is tried before it is handed back as
	// unavailable (and so retried later by the stream or the next dispatcher run).
	// Throttled attempts cost nothing but time; with ten instances sharing SES's
	// default quota (BenchmarkSharedSendRate), five attempts gave up on some sends
	// and eight on none.
	MaxAttempts = 8
	// MaxBackoff caps the pause between two attempts: SES's sending rate refills
	// every second.
	MaxBackoff = 2 * time.Second
)

// NewRetryer returns the retryer of every SES client of the deployment: the SDK's
// adaptive mode. SES answers a sender over the account's maximum sending rate with
// a throttling error (TooManyRequestsException, "Maximum sending rate exceeded"); on
// the first one the client starts rate limiting its own attempts and then paces
// them by how often it is throttled, rising again while it is not. Every function
// instance does so against the one account-wide quota, so together they settle at
// the rate SES grants, with no shared state of their own. Each retryer keeps its
// rate: build one client per process and share it.
func NewRetryer() *retry.AdaptiveMode {
	return retry.NewAdaptiveMode(func(a *retry.AdaptiveModeOptions) {
		a.StandardOptions = append(a.StandardOptions, func(s *retry.StandardOptions) {
			s.MaxAttempts = MaxAttempts
			s.MaxBackoff = MaxBackoff
		})
	})
}

// Client sends SendEmail requests to SES v2, signed with the configuration's
// credentials, retried as NewRetryer's retryer says.
type Client struct {
	credentials aws.CredentialsProvider
	region      string
	endpoint    string // the service's base URL, without a trailing slash
	http        *http.Client
	signer      *v4.Signer
	retryer     aws.RetryerV2
	now         func() time.Time
}

// ClientOptions are the settings of NewClient beyond the AWS configuration.
type ClientOptions struct {
	// Retryer replaces NewRetryer's (tests lower the attempts).
	Retryer aws.RetryerV2
	// HTTP is the HTTP client; nil: one with a 30 s timeout per attempt.
	HTTP *http.Client
}

// NewClient returns a client with the region and credentials of cfg and the
// endpoint an SES v2 client of cfg would use: AWS_ENDPOINT_URL_SESV2 (through
// cfg.ConfigSources, as lambdainit.AWSConfigFrom sets them) or cfg.BaseEndpoint,
// else the regional AWS endpoint. It loads no configuration.
func NewClient(cfg aws.Config, o ClientOptions) (*Client, error) {
	if cfg.Region == "" {
		return nil, errors.New("SES client: the configuration has no region")
	}
	if cfg.Credentials == nil {
		return nil, errors.New("SES client: the configuration has no credentials")
	}
	c := &Client{credentials: cfg.Credentials, region: cfg.Region, http: o.HTTP, signer: v4.NewSigner(), retryer: o.Retryer, now: time.Now}
	if c.http == nil {
		c.http = &http.Client{Timeout: 30 * time.Second}
	}
	if c.retryer == nil {
		c.retryer = NewRetryer()
	}
	c.endpoint = "https://email." + cfg.Region + ".amazonaws.com"
	if strings.HasPrefix(cfg.Region, "cn-") {
		c.endpoint += ".cn"
	}
	if base := baseEndpoint(cfg); base != "" {
		u, err := url.Parse(base)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("SES client: endpoint %q is not an absolute URL", base)
		}
		c.endpoint = strings.TrimSuffix(base, "/")
	}
	return c, nil
}

// serviceEndpoints is what an SDK client asks of each value of
// aws.Config.ConfigSources for its endpoint.
type serviceEndpoints interface {
	GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
}

func baseEndpoint(cfg aws.Config) string {
	for _, src := range cfg.ConfigSources {
		if s, ok := src.(serviceEndpoints); ok {
			if u, found, err := s.GetServiceBaseEndpoint(context.Background(), "SESv2"); err == nil && found {
				return u
			}
		}
	}
	return aws.ToString(cfg.BaseEndpoint)
}

// SendEmail sends r and returns the message ID SES gave it. Its errors have the
// shape of the SDK client's (smithy.APIError with the HTTP status, or a
// RequestSendError), for the retryer and ErrorFor.
func (c *Client) SendEmail(ctx context.Context, r Request) (string, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	for attempt := 1; ; attempt++ {
		id, err := c.attempt(ctx, body, hash)
		if err == nil {
			return id, nil
		}
		if !c.retryer.IsErrorRetryable(err) {
			return "", err
		}
		if attempt >= c.retryer.MaxAttempts() {
			return "", &retry.MaxAttemptsError{Attempt: attempt, Err: err}
		}
		delay, derr := c.retryer.RetryDelay(attempt, err)
		if derr != nil {
			return "", err
		}
		releaseRetry, qerr := c.retryer.GetRetryToken(ctx, err)
		if qerr != nil {
			return "", err // the retry quota is spent: SES keeps failing
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", &smithyhttp.RequestSendError{Err: ctx.Err()}
		case <-t.C:
		}
		_ = releaseRetry(nil)
	}
}

// attempt sends the request once, through the retryer's rate limit.
func (c *Client) attempt(ctx context.Context, body []byte, hash string) (string, error) {
	release, err := c.retryer.GetAttemptToken(ctx)
	if err != nil {
		return "", &smithyhttp.RequestSendError{Err: err}
	}
	id, err := c.send(ctx, body, hash)
	_ = release(err)
	return id, err
}

func (c *Client) send(ctx context.Context, body []byte, hash string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"/v2/email/outbound-emails", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	creds, err := c.credentials.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("retrieve credentials: %w", err)
	}
	if err := c.signer.SignHTTP(ctx, creds, req, hash, "ses", c.region, c.now().UTC()); err != nil {
		return "", err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return "", &smithyhttp.RequestSendError{Err: err}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return "", &smithyhttp.RequestSendError{Err: err}
	}
	if res.StatusCode/100 != 2 {
		return "", responseError(res, data)
	}
	var out struct {
		MessageID string `json:"MessageId"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return "", fmt.Errorf("SendEmail answer: %w", err)
	}
	return out.MessageID, nil
}

// APIError is an error SES answered: its code (TooManyRequestsException, ...),
// message and HTTP status.
type APIError struct {
	Status  int
	Code    string
	Message string
}

var _ smithy.APIError = (*APIError)(nil)

func (e *APIError) Error() string {
	return fmt.Sprintf("SES SendEmail: status %d, %s: %s", e.Status, e.Code, e.Message)
}
func (e *APIError) ErrorCode() string    { return e.Code }
func (e *APIError) ErrorMessage() string { return e.Message }
func (e *APIError) HTTPStatusCode() int  { return e.Status }
func (e *APIError) ErrorFault() smithy.ErrorFault {
	if e.Status >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}

// responseError reads an error answer as the REST-JSON protocol has it: the code in
// the X-Amzn-ErrorType header or the body's code or __type, without the namespace
// (before "#") or the URI (after ":").
func responseError(res *http.Response, data []byte) error {
	var body struct {
		Code     string `json:"code"`
		Type     string `json:"__type"`
		Message  string `json:"message"`
		Message2 string `json:"Message"`
	}
	_ = json.Unmarshal(data, &body)
	code := res.Header.Get("X-Amzn-ErrorType")
	if code == "" {
		code = body.Code
	}
	if code == "" {
		code = body.Type
	}
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	if code == "" {
		code = "UnknownError"
	}
	msg := body.Message
	if msg == "" {
		msg = body.Message2
	}
	return &APIError{Status: res.StatusCode, Code: code, Message: msg}
}

// Mailer is a leadgate.Mailer on SES v2.
type Mailer struct {
	client           *Client
	configurationSet string
}

var _ leadgate.Mailer = (*Mailer)(nil)

// NewMailer returns a mailer sending through client, in the configuration set
// named ("" for none): its event destination reports bounces and complaints.
func NewMailer(client *Client, configurationSet string) *Mailer {
	return &Mailer{client: client, configurationSet: configurationSet}
}

// Send validates m, sends it, and returns the message ID SES gave it.
func (s *Mailer) Send(ctx context.Context, m leadgate.Message) (string, error) {
	r, err := Build(m, s.configurationSet)
	if err != nil {
		return "", err
	}
	op := Op(s.configurationSet)
	id, err := s.client.SendEmail(ctx, r)
	if err != nil {
		return "", ErrorFor(op, err)
	}
	if id == "" {
		return "", leadgate.Internal(op, ErrNoMessageID)
	}
	return id, nil
}
