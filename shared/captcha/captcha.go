// Package captcha verifies a form's captcha answer with its provider's siteverify
// endpoint (Cloudflare Turnstile or hCaptcha), with the secret of the deployment.
//
// When the provider cannot be reached, answers with an error, or is not configured,
// the post is refused as unavailable (fail closed), and the person is asked to send
// the form again in a minute, nothing lost. A page turns its captcha on because bots
// are reaching it; letting posts through unchecked exactly when the check is down
// would let them in at the moment they are least expected, and a bot can cut a
// provider off from a browser but not from us.
package captcha

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"leadgate/shared/leadgate"
)

// Endpoints are the providers' siteverify URLs.
var Endpoints = map[leadgate.CaptchaProvider]string{
	leadgate.CaptchaTurnstile: "https://challenges.cloudflare.com/turnstile/v0/siteverify",
	leadgate.CaptchaHCaptcha:  "https://api.hcaptcha.com/siteverify",
}

// ResponseFields are the form fields each provider's widget fills with its answer.
var ResponseFields = map[leadgate.CaptchaProvider]string{
	leadgate.CaptchaTurnstile: "cf-turnstile-response",
	leadgate.CaptchaHCaptcha:  "h-captcha-response",
}

// Timeout bounds one verification: a person waits for it.
const Timeout = 5 * time.Second

// maxAnswer is the longest answer token read from a post (Turnstile's are at most
// 2048 characters) and maxReply the longest reply read from a provider.
const (
	maxAnswer = 4096
	maxReply  = 64 << 10
)

// Field is the name errors about the captcha carry.
const Field = "captcha"

// Verifier checks captcha answers.
type Verifier struct {
	client    *http.Client
	endpoints map[leadgate.CaptchaProvider]string
	secrets   map[leadgate.CaptchaProvider]string
}

// New returns a verifier of the providers with a secret in secrets, over a client
// that connects to public addresses only.
func New(secrets map[leadgate.CaptchaProvider]string) *Verifier {
	return NewWithClient(PublicClient(), Endpoints, secrets)
}

// NewWithClient returns a verifier that posts to endpoints with client: for tests
// against a local provider.
func NewWithClient(client *http.Client, endpoints, secrets map[leadgate.CaptchaProvider]string) *Verifier {
	return &Verifier{client: client, endpoints: endpoints, secrets: secrets}
}

// FromEnv reads the secrets from LEADGATE_TURNSTILE_SECRET and
// LEADGATE_HCAPTCHA_SECRET, for the local server; a page whose provider has no
// secret is refused as unavailable. The capture function reads them from Secrets
// Manager instead (lambdainit.CaptchaSecrets): no Lambda environment holds them.
func FromEnv(getenv func(string) string) *Verifier {
	secrets := map[leadgate.CaptchaProvider]string{}
	if s := getenv("LEADGATE_TURNSTILE_SECRET"); s != "" {
		secrets[leadgate.CaptchaTurnstile] = s
	}
	if s := getenv("LEADGATE_HCAPTCHA_SECRET"); s != "" {
		secrets[leadgate.CaptchaHCaptcha] = s
	}
	return New(secrets)
}

// ErrNotAPerson is the answer to a missing or refused captcha: a field error, so the
// form comes back with the message beside the widget.
var ErrNotAPerson = leadgate.Invalid(leadgate.FieldError{Field: Field, Code: "invalid", Message: "complete the check that you are a person"})

// Verify checks the answer a post carried for page's captcha, from the client at
// remoteIP: nil when the provider says it came from a person, ErrNotAPerson when not
// (or when there is no answer), EUNAVAILABLE when the provider cannot say.
func (v *Verifier) Verify(ctx context.Context, page leadgate.Page, answer, remoteIP string) error {
	provider := page.Captcha.Provider
	if provider == "" {
		return nil
	}
	answer = strings.TrimSpace(answer)
	if answer == "" || len(answer) > maxAnswer {
		return ErrNotAPerson
	}
	endpoint, secret := v.endpoints[provider], v.secrets[provider]
	if endpoint == "" || secret == "" {
		return leadgate.Errorf(leadgate.EUNAVAILABLE, "no secret is configured for the %s captcha", provider)
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	form := url.Values{"secret": {secret}, "response": {answer}, "sitekey": {page.Captcha.SiteKey}}
	if remoteIP != "" {
		form.Set("remoteip", remoteIP)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return unavailable(provider, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := v.client.Do(req)
	if err != nil {
		return unavailable(provider, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return unavailable(provider, fmt.Errorf("status %d", res.StatusCode))
	}
	var reply struct {
		Success    *bool    `json:"success"`
		ErrorCodes []string `json:"error-codes"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, maxReply)).Decode(&reply); err != nil || reply.Success == nil {
		return unavailable(provider, errors.New("the reply is not a siteverify answer"))
	}
	if *reply.Success {
		return nil
	}
	// A secret the provider does not know is our fault, not the visitor's.
	for _, code := range reply.ErrorCodes {
		if code == "invalid-input-secret" || code == "missing-input-secret" || code == "internal-error" {
			return unavailable(provider, errors.New(code))
		}
	}
	return ErrNotAPerson
}

func unavailable(provider leadgate.CaptchaProvider, err error) error {
	return leadgate.Errorf(leadgate.EUNAVAILABLE, "the %s captcha could not be verified", provider).WithCause("siteverify", err)
}

// PublicClient is an HTTP client that connects to public addresses only: never to
// loopback, private, link-local (the instance metadata service), shared or
// multicast ones, whatever a name resolves to, follows no redirect and uses no proxy.
func PublicClient() *http.Client {
	dialer := &net.Dialer{Timeout: Timeout, Control: refusePrivate}
	return &http.Client{
		Timeout: Timeout,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         dialer.DialContext,
			TLSHandshakeTimeout: Timeout,
			MaxIdleConns:        4,
			IdleConnTimeout:     90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// refusePrivate is a dialer's Control: it runs on the resolved address of each
// connection, so a name that resolves to a private address is refused too.
func refusePrivate(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	if !Public(ip) {
		return fmt.Errorf("refusing to connect to %s: not a public address", ip)
	}
	return nil
}

var sharedSpace = netip.MustParsePrefix("100.64.0.0/10") // carrier-grade NAT

// Public reports whether ip is an address on the public internet.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && ip.IsGlobalUnicast() && !ip.IsPrivate() && !ip.IsLoopback() &&
		!ip.IsLinkLocalUnicast() && !sharedSpace.Contains(ip) && !ip.IsUnspecified()
}
