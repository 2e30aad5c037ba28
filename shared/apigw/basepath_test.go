package apigw_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"leadgate/shared/apigw"
)

// A custom domain's API mapping key stays in the path API Gateway hands over; the
// handler sees the route without it, and what it answers with gets it back.
func TestBasePathOfACustomDomain(t *testing.T) {
	t.Setenv("API_BASE_PATH", "offers")
	var gotPath, gotPrefix string
	h := apigw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotPrefix = r.URL.Path, r.Header.Get(apigw.PrefixHeader)
		http.SetCookie(w, &http.Cookie{Name: "s", Value: "v", Path: "/console/", HttpOnly: true})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Location", "/console/pages")
		w.WriteHeader(http.StatusSeeOther)
		w.Write([]byte(`<a href="/console/leads">x</a><a href="//cdn.example.com/x">y</a><p>a=&#34;/b</p><form action="/v1/confirm/t">`))
	}))
	event := func(path string) events.APIGatewayV2HTTPRequest {
		return events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: path,
			Headers: map[string]string{"host": "go.example.com", apigw.PrefixHeader: "/forged"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: "GET", Path: path, SourceIP: "198.51.100.1"}}}
	}

	res, err := h(context.Background(), event("/offers/console/pages"))
	if err != nil {
		t.Fatal(err)
	}
	if gotPath != "/console/pages" || gotPrefix != "/offers" {
		t.Errorf("handler saw path %q prefix %q, want /console/pages and /offers", gotPath, gotPrefix)
	}
	if got := res.Headers["Location"]; got != "/offers/console/pages" {
		t.Errorf("Location %q", got)
	}
	if len(res.Cookies) != 1 || res.Cookies[0] != "s=v; Path=/offers/console/; HttpOnly" {
		t.Errorf("cookies %q", res.Cookies)
	}
	want := `<a href="/offers/console/leads">x</a><a href="//cdn.example.com/x">y</a><p>a=&#34;/b</p><form action="/offers/v1/confirm/t">`
	if res.Body != want {
		t.Errorf("body\n%s\nwant\n%s", res.Body, want)
	}

	// The execute-api address has no base path: nothing changes, and a client's own
	// prefix header is dropped.
	res, err = h(context.Background(), event("/console/pages"))
	if err != nil {
		t.Fatal(err)
	}
	if gotPath != "/console/pages" || gotPrefix != "" || res.Headers["Location"] != "/console/pages" {
		t.Errorf("without the base path: path %q prefix %q Location %q", gotPath, gotPrefix, res.Headers["Location"])
	}
	// A path that only begins with the same letters is not under the base path.
	if _, err = h(context.Background(), event("/offersx/p/a")); err != nil || gotPath != "/offersx/p/a" {
		t.Errorf("path %q (%v), want /offersx/p/a untouched", gotPath, err)
	}
}
