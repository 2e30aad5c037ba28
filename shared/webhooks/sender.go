package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Limits of one delivery's request.
const (
	Timeout         = 10 * time.Second
	MaxResponseRead = 64 << 10
)

// Policy says which targets a sender may reach. On AWS only https, and only public
// addresses: a marketer's URL must not reach the function's own network, the
// metadata service, or the host. The local run allows http and loopback, so that a
// developer can test with a receiver of their own.
type Policy struct {
	AllowHTTP    bool
	AllowPrivate bool
	// exempt, set by tests only, is one address the AWS policy reaches anyway.
	exempt netip.AddrPort
}

// AWSPolicy and LocalPolicy are the two deployments' policies.
var (
	AWSPolicy   = Policy{}
	LocalPolicy = Policy{AllowHTTP: true, AllowPrivate: true}
)

// ErrRefusedTarget is the error of a URL or an address the policy refuses; a
// delivery to it is not retried.
var ErrRefusedTarget = errors.New("target refused")

// blocked are the ranges no delivery may reach on AWS, beyond those net/netip
// names (loopback, private, link-local, multicast, unspecified).
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this" network
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64, which may lead back inside
	netip.MustParsePrefix("fd00:ec2::/32"),   // the EC2 metadata service over IPv6 (in fc00::/7 too)
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("169.254.0.0/16"),  // link-local, with the metadata service 169.254.169.254
	netip.MustParsePrefix("fe80::/10"),       // link-local
	netip.MustParsePrefix("fc00::/7"),        // unique local
	netip.MustParsePrefix("10.0.0.0/8"),      // private
	netip.MustParsePrefix("172.16.0.0/12"),   // private
	netip.MustParsePrefix("192.168.0.0/16"),  // private
	netip.MustParsePrefix("127.0.0.0/8"),     // loopback
	netip.MustParsePrefix("::1/128"),         // loopback
	netip.MustParsePrefix("::/128"),          // unspecified
	netip.MustParsePrefix("ff00::/8"),        // multicast
	netip.MustParsePrefix("224.0.0.0/4"),     // multicast
	netip.MustParsePrefix("::ffff:0:0/96"),   // IPv4-mapped, unmapped before the check
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2002::/16"),       // 6to4, which may embed a private IPv4
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
}

// allowsAddr reports whether the policy lets a connection reach addr.
func (p Policy) allowsAddr(addr netip.AddrPort) bool {
	if p.AllowPrivate || (p.exempt.IsValid() && addr == p.exempt) {
		return true
	}
	ip := addr.Addr().Unmap()
	if !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
		return false
	}
	for _, b := range blocked {
		if b.Contains(ip) {
			return false
		}
	}
	return true
}

// CheckURL checks a URL before it is stored or sent to: its scheme, and its host
// when that is an address. A host name is checked on the address it resolves to,
// when the sender connects.
func (p Policy) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%w: not an absolute URL", ErrRefusedTarget)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && p.AllowHTTP:
	default:
		return fmt.Errorf("%w: only https URLs here", ErrRefusedTarget)
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
		port := map[string]string{"http": "80", "https": "443"}[u.Scheme]
		if u.Port() != "" {
			port = u.Port()
		}
		addr, err := netip.ParseAddrPort(net.JoinHostPort(ip.String(), port))
		if err != nil || !p.allowsAddr(addr) {
			return fmt.Errorf("%w: a private, loopback or link-local address", ErrRefusedTarget)
		}
	}
	return nil
}

// Sender posts deliveries over HTTP under a Policy.
type Sender struct {
	policy Policy
	client *http.Client
}

// NewSender returns a sender: a 10 s timeout for the whole exchange, no redirects
// followed, no proxy from the environment (the check must see the address it
// connects to), and every connection's address checked as it is made, after DNS,
// so that a name that resolves (or rebinds) to a private address is refused.
func NewSender(p Policy) *Sender { return newSender(p, Timeout) }

func newSender(p Policy, timeout time.Duration) *Sender {
	dialer := &net.Dialer{
		Timeout: timeout,
		Control: func(network, address string, _ syscall.RawConn) error {
			addr, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrRefusedTarget, err)
			}
			if !p.allowsAddr(addr) {
				return fmt.Errorf("%w: a private, loopback or link-local address", ErrRefusedTarget)
			}
			return nil
		},
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
	}
	return &Sender{policy: p, client: &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// Policy returns the sender's policy.
func (s *Sender) Policy() Policy { return s.policy }

// Result is what one post got.
type Result struct {
	StatusCode int
	Err        error // no answer, or a refused target
	Duration   time.Duration
}

// OK reports a 2xx answer.
func (r Result) OK() bool { return r.Err == nil && r.StatusCode >= 200 && r.StatusCode < 300 }

// Refused reports a target the policy refuses: retrying will not help.
func (r Result) Refused() bool { return errors.Is(r.Err, ErrRefusedTarget) }

// Post sends body to target with the headers, reading at most MaxResponseRead of
// the answer.
func (s *Sender) Post(ctx context.Context, target string, body []byte, header http.Header) Result {
	start := time.Now()
	if err := s.policy.CheckURL(target); err != nil {
		return Result{Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return Result{Err: fmt.Errorf("%w: %s", ErrRefusedTarget, err)}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "leadgate-webhooks/1")
	resp, err := s.client.Do(req)
	if err != nil {
		return Result{Err: err, Duration: time.Since(start)}
	}
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxResponseRead))
	resp.Body.Close()
	r := Result{StatusCode: resp.StatusCode, Duration: time.Since(start)}
	if err != nil && !r.OK() {
		r.Err = err
	}
	return r
}

// describe says why a post failed, for the delivery log: no body, no headers.
func (r Result) describe() string {
	switch {
	case r.Err != nil:
		var ue *url.Error
		if errors.As(r.Err, &ue) {
			if ue.Timeout() {
				return "timed out"
			}
			return clip(ue.Err.Error())
		}
		return clip(r.Err.Error())
	case r.StatusCode >= 300 && r.StatusCode < 400:
		return fmt.Sprintf("answered %d: redirects are not followed", r.StatusCode)
	case !r.OK():
		return fmt.Sprintf("answered %d", r.StatusCode)
	}
	return ""
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}
