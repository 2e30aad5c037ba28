// Package apigw runs a plain net/http handler behind an API Gateway HTTP API
// (Lambda proxy integration, payload format 2.0). Requests are rebuilt the way
// net/http's server would have parsed them, so handlers and their tests need not
// know about Lambda; responses are recorded and turned into the answer API Gateway
// expects.
package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Handler adapts h to the Lambda handler signature for payload format 2.0.
//
// A malformed event is answered with 400 rather than a Go error, because a Go
// error makes API Gateway answer 500. The reason is logged with slog's default
// logger: the client cannot fix an integration sending the wrong payload format.
//
// Under a custom domain whose API mapping has a key (API_BASE_PATH), the key is
// taken off the path before h sees it, handed to h in PrefixHeader, and put back in
// front of the paths h answers with (see addBasePath).
func Handler(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return handler(h, basePathFromEnv())
}

func handler(h http.Handler, basePath string) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		under := false
		if e.RawPath != "" {
			e.RawPath, under = stripBasePath(basePath, e.RawPath)
		} else {
			e.RequestContext.HTTP.Path, under = stripBasePath(basePath, e.RequestContext.HTTP.Path)
		}
		r, err := newRequest(ctx, e)
		if err != nil {
			slog.WarnContext(ctx, "apigw: malformed event", "err", err)
			return badRequest(), nil
		}
		setPrefix(r, basePath, under)
		w := newResponseWriter(r.Method)
		h.ServeHTTP(w, r)
		res := w.response()
		if under {
			addBasePath(basePath, &res)
		}
		return res, nil
	}
}

// newRequest rebuilds the request API Gateway received from its event, with ctx as
// the request's context.
func newRequest(ctx context.Context, e events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	if e.Version != "" && e.Version != "2.0" {
		return nil, fmt.Errorf("payload format version %q, want 2.0", e.Version)
	}
	method := e.RequestContext.HTTP.Method
	if !isToken(method) {
		return nil, fmt.Errorf("invalid method %q", method)
	}

	path := e.RawPath
	if path == "" {
		path = e.RequestContext.HTTP.Path
	}
	if !strings.HasPrefix(path, "/") {
		return nil, errors.New("path is not absolute")
	}
	requestURI := escapePath(path)
	if e.RawQueryString != "" {
		requestURI += "?" + e.RawQueryString
	}
	// ParseRequestURI is what net/http's server uses on the request line: it keeps
	// RawPath, so that %2F stays inside one ServeMux segment, and it rejects control
	// characters, which rawQueryString (delivered still encoded) cannot carry.
	u, err := url.ParseRequestURI(requestURI)
	if err != nil {
		// Not echoed: the query may hold an email address, and logs are no place for it.
		return nil, errors.New("path or query is not a valid request URI")
	}

	body := []byte(e.Body)
	if e.IsBase64Encoded {
		body, err = base64.StdEncoding.DecodeString(e.Body)
		if err != nil {
			return nil, fmt.Errorf("decode base64 body: %w", err)
		}
	}

	remoteAddr := ""
	if ip := e.RequestContext.HTTP.SourceIP; ip != "" {
		// API Gateway's source IP is the TCP peer it saw; X-Forwarded-For is whatever
		// the client chose to send, so it is left alone in the headers and never used.
		addr, err := sourceAddr(ip)
		if err != nil {
			return nil, fmt.Errorf("invalid source IP: %w", err)
		}
		remoteAddr = net.JoinHostPort(addr, "0")
	}

	header := make(http.Header, len(e.Headers)+1)
	// Sorted so that names differing only in case (possible in hand-made events)
	// give the same value order on every invocation.
	for _, name := range slices.Sorted(maps.Keys(e.Headers)) {
		// Repeated headers arrive joined with commas. Splitting them again would break
		// values that contain commas themselves (dates, quoted strings), so they are
		// kept as one value, as a proxy that folds them would pass them on.
		header.Add(name, e.Headers[name])
	}
	if len(e.Cookies) > 0 {
		header.Set("Cookie", strings.Join(e.Cookies, "; "))
	}

	host := header.Get("Host")
	if host == "" {
		host = e.RequestContext.DomainName
	}
	// net/http's server moves Host out of the header map into Request.Host.
	header.Del("Host")

	proto := e.RequestContext.HTTP.Protocol
	major, minor, ok := http.ParseHTTPVersion(proto)
	if !ok {
		proto, major, minor = "HTTP/1.1", 1, 1
	}

	r := &http.Request{
		Method:        method,
		URL:           u,
		Proto:         proto,
		ProtoMajor:    major,
		ProtoMinor:    minor,
		Header:        header,
		Body:          http.NoBody,
		ContentLength: int64(len(body)),
		Host:          host,
		RemoteAddr:    remoteAddr,
		RequestURI:    requestURI,
	}
	if len(body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return r.WithContext(ctx), nil
}

// sourceAddr returns the client address an event's source IP names. API Gateway sends
// a bare address; `sam local generate-event` writes a host prefix ("192.168.0.1/32"),
// which names the same one address, so a /32 (IPv4) or /128 (IPv6) is taken as the
// address. A shorter prefix names a network, not a client that rate limits and
// consent records could stand on, and is refused like any other malformed value.
func sourceAddr(s string) (string, error) {
	_, err := netip.ParseAddr(s)
	if err == nil {
		return s, nil
	}
	if !strings.Contains(s, "/") {
		return "", err
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return "", err
	}
	if p.Bits() != p.Addr().BitLen() {
		return "", fmt.Errorf("a /%d prefix names a network, not one address", p.Bits())
	}
	return p.Addr().String(), nil
}

func badRequest() events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: http.StatusBadRequest,
		Headers: map[string]string{
			"Content-Type":           "text/plain; charset=utf-8",
			"X-Content-Type-Options": "nosniff",
		},
		Body: "Bad Request\n",
	}
}

// isToken reports whether s is a non-empty RFC 9110 token, which is what a
// method must be.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// escapePath percent-encodes the bytes that can never appear as they are in an
// encoded path, and leaves everything else alone.
//
// API Gateway HTTP APIs are reported to hand Lambda rawPath already decoded (REST
// APIs and function URLs do not), so a client's %20, %3F or %25 can arrive as a space,
// a '?' or a lone '%'. Re-encoding just those bytes keeps an encoded path byte for
// byte and gives a decoded one the meaning the client sent. What decoding destroyed
// cannot come back: a %2F that arrives as '/' separates segments.
func escapePath(p string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		isEscape := c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2])
		if !isEscape && (c <= ' ' || c >= 0x7f || strings.IndexByte("\"#%<>?^`{}", c) >= 0) {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
