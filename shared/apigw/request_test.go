package apigw_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"leadgate/shared/apigw"
)

// newEvent returns the smallest event API Gateway could send for a request.
func newEvent(method, rawPath, rawQuery string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       "$default",
		RawPath:        rawPath,
		RawQueryString: rawQuery,
		Headers:        map[string]string{"host": "api.example.com"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			DomainName: "api.example.com",
			Stage:      "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:   method,
				Path:     rawPath,
				Protocol: "HTTP/1.1",
				SourceIP: "198.51.100.7",
			},
		},
	}
}

// serve runs h behind the adapter with ctx and fails the test on a Go error, which
// the adapter must never return.
func serve(tb testing.TB, ctx context.Context, h http.Handler, e events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	tb.Helper()
	res, err := apigw.Handler(h)(ctx, e)
	if err != nil {
		tb.Fatalf("Handler returned error %v; want a response", err)
	}
	return res
}

// seenRequest serves e and returns the request the handler was given, with its
// body read while the handler ran.
func seenRequest(tb testing.TB, e events.APIGatewayV2HTTPRequest) (*http.Request, string) {
	tb.Helper()
	var (
		got  *http.Request
		body []byte
	)
	serve(tb, context.Background(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			tb.Errorf("read body: %v", err)
		}
	}), e)
	if got == nil {
		tb.Fatal("handler was not called")
	}
	return got, string(body)
}

func TestRouting(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/pages/{slug}/leads", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "lead for %s", r.PathValue("slug"))
	})
	mux.HandleFunc("GET /v1/pages/{slug}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "page %s", r.PathValue("slug"))
	})
	mux.HandleFunc("GET /v1/magnets/{file...}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "magnet %s", r.PathValue("file"))
	})

	tests := []struct {
		name        string
		method      string
		rawPath     string
		contextPath string
		wantStatus  int
		wantBody    string
	}{
		{
			name: "path value", method: "POST", rawPath: "/v1/pages/growth-playbook/leads",
			wantStatus: 200, wantBody: "lead for growth-playbook",
		},
		{
			name: "escaped slash stays in its segment", method: "POST", rawPath: "/v1/pages/a%2Fb/leads",
			wantStatus: 200, wantBody: "lead for a/b",
		},
		{
			name: "escaped slash does not add a segment", method: "GET", rawPath: "/v1/pages/a%2Fleads",
			wantStatus: 200, wantBody: "page a/leads",
		},
		{
			name: "escaped space", method: "GET", rawPath: "/v1/pages/spring%20guide",
			wantStatus: 200, wantBody: "page spring guide",
		},
		{
			name: "rest wildcard", method: "GET", rawPath: "/v1/magnets/2026/guide.pdf",
			wantStatus: 200, wantBody: "magnet 2026/guide.pdf",
		},
		{
			name: "request context path when raw path is empty", method: "GET", contextPath: "/v1/pages/fallback",
			wantStatus: 200, wantBody: "page fallback",
		},
		{
			name: "method not allowed", method: "GET", rawPath: "/v1/pages/growth-playbook/leads",
			wantStatus: 405,
		},
		{
			name: "not found", method: "GET", rawPath: "/v1/nothing-here",
			wantStatus: 404,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEvent(tt.method, tt.rawPath, "")
			if tt.contextPath != "" {
				e.RequestContext.HTTP.Path = tt.contextPath
			}
			res := serve(t, context.Background(), mux, e)
			if got, want := res.StatusCode, tt.wantStatus; got != want {
				t.Fatalf("status = %d, want %d (body %q)", got, want, res.Body)
			}
			if tt.wantBody == "" {
				return
			}
			if got, want := res.Body, tt.wantBody; got != want {
				t.Errorf("body = %q, want %q", got, want)
			}
		})
	}
}

// HTTP APIs are reported to deliver rawPath decoded. Such a path must still reach
// the handler as the client meant it, and an encoded one must pass unchanged.
func TestDecodedPath(t *testing.T) {
	tests := []struct {
		name           string
		rawPath        string
		rawQuery       string
		wantSlug       string
		wantRequestURI string
	}{
		{name: "encoded path is kept", rawPath: "/v1/pages/a%2Fb%20c", wantSlug: "a/b c", wantRequestURI: "/v1/pages/a%2Fb%20c"},
		{name: "space", rawPath: "/v1/pages/spring guide", wantSlug: "spring guide", wantRequestURI: "/v1/pages/spring%20guide"},
		{name: "lone percent", rawPath: "/v1/pages/100%", wantSlug: "100%", wantRequestURI: "/v1/pages/100%25"},
		{name: "percent before non-hex", rawPath: "/v1/pages/%zz", wantSlug: "%zz", wantRequestURI: "/v1/pages/%25zz"},
		{
			name: "question mark", rawPath: "/v1/pages/why?", rawQuery: "a=1",
			wantSlug: "why?", wantRequestURI: "/v1/pages/why%3F?a=1",
		},
		{name: "hash", rawPath: "/v1/pages/c#", wantSlug: "c#", wantRequestURI: "/v1/pages/c%23"},
		{name: "non-ASCII", rawPath: "/v1/pages/zoë", wantSlug: "zoë", wantRequestURI: "/v1/pages/zo%C3%AB"},
		{name: "control character", rawPath: "/v1/pages/a\nb", wantSlug: "a\nb", wantRequestURI: "/v1/pages/a%0Ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var slug, requestURI string
			mux := http.NewServeMux()
			mux.HandleFunc("GET /v1/pages/{slug}", func(w http.ResponseWriter, r *http.Request) {
				slug, requestURI = r.PathValue("slug"), r.RequestURI
			})
			res := serve(t, context.Background(), mux, newEvent("GET", tt.rawPath, tt.rawQuery))
			if got, want := res.StatusCode, http.StatusOK; got != want {
				t.Fatalf("status = %d, want %d (body %q)", got, want, res.Body)
			}
			if got, want := slug, tt.wantSlug; got != want {
				t.Errorf("slug = %q, want %q", got, want)
			}
			if got, want := requestURI, tt.wantRequestURI; got != want {
				t.Errorf("RequestURI = %q, want %q", got, want)
			}
		})
	}
}

func TestQueryString(t *testing.T) {
	tests := []struct {
		name     string
		rawQuery string
		want     url.Values
	}{
		{
			name: "none", rawQuery: "",
			want: url.Values{},
		},
		{
			name: "escaped plus and at", rawQuery: "email=ada%2Bnews%40example.com",
			want: url.Values{"email": {"ada+news@example.com"}},
		},
		{
			name: "plus is a space", rawQuery: "q=hello+world",
			want: url.Values{"q": {"hello world"}},
		},
		{
			name: "repeated key keeps order", rawQuery: "tag=b&tag=a&tag=%E2%9C%93",
			want: url.Values{"tag": {"b", "a", "✓"}},
		},
		{
			name: "escaped delimiters stay inside the value", rawQuery: "next=%2Fthanks%3Fa%3D1%26b%3D2",
			want: url.Values{"next": {"/thanks?a=1&b=2"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := seenRequest(t, newEvent("GET", "/v1/pages/x", tt.rawQuery))
			if got, want := r.URL.RawQuery, tt.rawQuery; got != want {
				t.Errorf("RawQuery = %q, want %q", got, want)
			}
			if got, want := r.URL.Query(), tt.want; !reflect.DeepEqual(got, want) {
				t.Errorf("Query() = %v, want %v", got, want)
			}
			wantURI := "/v1/pages/x"
			if tt.rawQuery != "" {
				wantURI += "?" + tt.rawQuery
			}
			if got, want := r.RequestURI, wantURI; got != want {
				t.Errorf("RequestURI = %q, want %q", got, want)
			}
		})
	}
}

func TestRequestBody(t *testing.T) {
	binary := "%PDF-1.4\n\x00\xff\xfe"
	tests := []struct {
		name     string
		body     string
		isBase64 bool
		want     string
	}{
		{name: "text", body: `{"email":"ada@example.com"}`, want: `{"email":"ada@example.com"}`},
		{name: "base64 form", body: base64.StdEncoding.EncodeToString([]byte("email=ada%40example.com")), isBase64: true, want: "email=ada%40example.com"},
		{name: "base64 binary", body: base64.StdEncoding.EncodeToString([]byte(binary)), isBase64: true, want: binary},
		{name: "empty", body: "", want: ""},
		{name: "empty base64", body: "", isBase64: true, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEvent("POST", "/v1/pages/x/leads", "")
			e.Body, e.IsBase64Encoded = tt.body, tt.isBase64
			r, body := seenRequest(t, e)
			if got, want := body, tt.want; got != want {
				t.Errorf("body = %q, want %q", got, want)
			}
			if got, want := r.ContentLength, int64(len(tt.want)); got != want {
				t.Errorf("ContentLength = %d, want %d", got, want)
			}
		})
	}
}

func TestMalformedEvent(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*events.APIGatewayV2HTTPRequest)
	}{
		{"bad base64", func(e *events.APIGatewayV2HTTPRequest) {
			e.Body, e.IsBase64Encoded = "not base64!", true
		}},
		{"control character in query", func(e *events.APIGatewayV2HTTPRequest) { e.RawQueryString = "a=\x7f" }},
		{"relative path", func(e *events.APIGatewayV2HTTPRequest) { e.RawPath = "v1/pages/x" }},
		{"asterisk path", func(e *events.APIGatewayV2HTTPRequest) { e.RawPath = "*" }},
		{"no path at all", func(e *events.APIGatewayV2HTTPRequest) {
			e.RawPath, e.RequestContext.HTTP.Path = "", ""
		}},
		{"no method", func(e *events.APIGatewayV2HTTPRequest) { e.RequestContext.HTTP.Method = "" }},
		{"method with a space", func(e *events.APIGatewayV2HTTPRequest) { e.RequestContext.HTTP.Method = "GE T" }},
		{"source IP is not an IP", func(e *events.APIGatewayV2HTTPRequest) { e.RequestContext.HTTP.SourceIP = "IP" }},
		// A network is no client address: per-IP limits and consent records need one.
		{"source IP is an IPv4 network", func(e *events.APIGatewayV2HTTPRequest) { e.RequestContext.HTTP.SourceIP = "192.168.0.0/24" }},
		{"source IP is an IPv4 address with a network's prefix", func(e *events.APIGatewayV2HTTPRequest) { e.RequestContext.HTTP.SourceIP = "192.168.0.1/24" }},
		{"source IP is an IPv6 network", func(e *events.APIGatewayV2HTTPRequest) { e.RequestContext.HTTP.SourceIP = "2001:db8::/64" }},
		{"source IP has a prefix longer than its address", func(e *events.APIGatewayV2HTTPRequest) { e.RequestContext.HTTP.SourceIP = "192.168.0.1/128" }},
		{"source IP has an empty prefix", func(e *events.APIGatewayV2HTTPRequest) { e.RequestContext.HTTP.SourceIP = "192.168.0.1/" }},
		{"payload format 1.0", func(e *events.APIGatewayV2HTTPRequest) { e.Version = "1.0" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEvent("GET", "/v1/pages/x", "")
			tt.modify(&e)
			called := false
			res := serve(t, context.Background(), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
				called = true
			}), e)
			if got, want := res.StatusCode, http.StatusBadRequest; got != want {
				t.Errorf("status = %d, want %d", got, want)
			}
			if called {
				t.Error("handler was called for a malformed event")
			}
		})
	}
}

func TestRequestHeaders(t *testing.T) {
	tests := []struct {
		name     string
		headers  map[string]string
		wantHost string
		want     http.Header
	}{
		{
			name: "repeated headers stay joined as API Gateway sent them",
			headers: map[string]string{
				"host":            "leads.example.com",
				"accept":          "text/html,application/json;q=0.9",
				"x-custom":        "one,two",
				"if-none-match":   `"a", "b"`,
				"x-forwarded-for": "203.0.113.1, 198.51.100.7",
			},
			wantHost: "leads.example.com",
			want: http.Header{
				"Accept":          {"text/html,application/json;q=0.9"},
				"X-Custom":        {"one,two"},
				"If-None-Match":   {`"a", "b"`},
				"X-Forwarded-For": {"203.0.113.1, 198.51.100.7"},
			},
		},
		{
			name:     "host from the domain name when the header is missing",
			headers:  map[string]string{"content-type": "application/json"},
			wantHost: "api.example.com",
			want:     http.Header{"Content-Type": {"application/json"}},
		},
		{
			name:     "no headers",
			wantHost: "api.example.com",
			want:     http.Header{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEvent("GET", "/", "")
			e.Headers = tt.headers
			r, _ := seenRequest(t, e)
			if got, want := r.Host, tt.wantHost; got != want {
				t.Errorf("Host = %q, want %q", got, want)
			}
			if got, want := r.Header, tt.want; !reflect.DeepEqual(got, want) {
				t.Errorf("Header = %v, want %v", got, want)
			}
		})
	}
}

func TestRequestCookies(t *testing.T) {
	tests := []struct {
		name       string
		cookies    []string
		header     string // a cookie header API Gateway should not send, but might
		wantHeader string
		wantNamed  map[string]string
	}{
		{name: "none", wantHeader: "", wantNamed: map[string]string{}},
		{
			name: "one", cookies: []string{"lg_session=6f1c2a"},
			wantHeader: "lg_session=6f1c2a", wantNamed: map[string]string{"lg_session": "6f1c2a"},
		},
		{
			name: "several", cookies: []string{"lg_session=6f1c2a", "lg_consent=analytics%3Dno", "theme=dark"},
			wantHeader: "lg_session=6f1c2a; lg_consent=analytics%3Dno; theme=dark",
			wantNamed:  map[string]string{"lg_session": "6f1c2a", "lg_consent": "analytics%3Dno", "theme": "dark"},
		},
		{
			name: "cookies field wins over a cookie header", cookies: []string{"a=1"}, header: "b=2",
			wantHeader: "a=1", wantNamed: map[string]string{"a": "1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEvent("GET", "/", "")
			e.Cookies = tt.cookies
			if tt.header != "" {
				e.Headers["cookie"] = tt.header
			}
			r, _ := seenRequest(t, e)
			if got, want := r.Header.Get("Cookie"), tt.wantHeader; got != want {
				t.Errorf("Cookie header = %q, want %q", got, want)
			}
			got := map[string]string{}
			for _, c := range r.Cookies() {
				got[c.Name] = c.Value
			}
			if want := tt.wantNamed; !reflect.DeepEqual(got, want) {
				t.Errorf("Cookies() = %v, want %v", got, want)
			}
		})
	}
}

func TestRemoteAddr(t *testing.T) {
	tests := []struct {
		name     string
		sourceIP string
		xff      string
		want     string
	}{
		{name: "IPv4", sourceIP: "198.51.100.7", want: "198.51.100.7:0"},
		{name: "IPv6", sourceIP: "2001:db8::7", want: "[2001:db8::7]:0"},
		{name: "forwarded-for is ignored", sourceIP: "198.51.100.7", xff: "203.0.113.9, 198.51.100.7", want: "198.51.100.7:0"},
		{name: "no source IP", sourceIP: "", xff: "203.0.113.9", want: ""},
		// sam local generate-event writes the source IP as a host prefix.
		{name: "IPv4 host prefix", sourceIP: "192.168.0.1/32", want: "192.168.0.1:0"},
		{name: "IPv6 host prefix", sourceIP: "2001:db8::7/128", want: "[2001:db8::7]:0"},
		{name: "IPv4-mapped host prefix", sourceIP: "::ffff:192.0.2.1/128", want: "[::ffff:192.0.2.1]:0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEvent("GET", "/", "")
			e.RequestContext.HTTP.SourceIP = tt.sourceIP
			if tt.xff != "" {
				e.Headers["x-forwarded-for"] = tt.xff
			}
			r, _ := seenRequest(t, e)
			if got, want := r.RemoteAddr, tt.want; got != want {
				t.Errorf("RemoteAddr = %q, want %q", got, want)
			}
		})
	}
}

func TestRequestContext(t *testing.T) {
	type key struct{}
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "c0ffee"})
	ctx = context.WithValue(ctx, key{}, "from the caller")
	ctx, cancel := context.WithCancel(ctx)
	cancel()

	var got *http.Request
	serve(t, ctx, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r }), newEvent("GET", "/", ""))

	if got == nil {
		t.Fatal("handler was not called")
	}
	if got, want := got.Context().Value(key{}), "from the caller"; got != want {
		t.Errorf("context value = %v, want %v", got, want)
	}
	lc, ok := lambdacontext.FromContext(got.Context())
	if !ok {
		t.Fatal("no Lambda context in the request context")
	}
	if got, want := lc.AwsRequestID, "c0ffee"; got != want {
		t.Errorf("AwsRequestID = %q, want %q", got, want)
	}
	if got, want := got.Context().Err(), context.Canceled; got != want {
		t.Errorf("context error = %v, want %v", got, want)
	}
}

func TestRequestLine(t *testing.T) {
	tests := []struct {
		name      string
		protocol  string
		wantProto string
		wantMajor int
		wantMinor int
	}{
		{name: "HTTP/1.1", protocol: "HTTP/1.1", wantProto: "HTTP/1.1", wantMajor: 1, wantMinor: 1},
		{name: "HTTP/2.0", protocol: "HTTP/2.0", wantProto: "HTTP/2.0", wantMajor: 2, wantMinor: 0},
		{name: "missing", protocol: "", wantProto: "HTTP/1.1", wantMajor: 1, wantMinor: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEvent("DELETE", "/v1/pages/x", "")
			e.RequestContext.HTTP.Protocol = tt.protocol
			r, _ := seenRequest(t, e)
			if got, want := r.Method, "DELETE"; got != want {
				t.Errorf("Method = %q, want %q", got, want)
			}
			if got, want := r.Proto, tt.wantProto; got != want {
				t.Errorf("Proto = %q, want %q", got, want)
			}
			if r.ProtoMajor != tt.wantMajor || r.ProtoMinor != tt.wantMinor {
				t.Errorf("ProtoMajor, ProtoMinor = %d, %d, want %d, %d", r.ProtoMajor, r.ProtoMinor, tt.wantMajor, tt.wantMinor)
			}
		})
	}
}
