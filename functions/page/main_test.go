package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"html"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"leadgate/shared/apigw"
	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
	"leadgate/shared/signing"
)

var update = flag.Bool("update", false, "rewrite the events/ files")

const fixtureSecret = "events-fixture-secret-never-used-in-a-deployment"

var viewedAt = time.Date(2026, 11, 21, 8, 10, 0, 0, time.UTC)

const apiHost = "k7xmpl3q2d.execute-api.eu-west-1.amazonaws.com"

// request is a person's GET of a hosted page, arriving from a search result.
func request(slug, query string) events.APIGatewayV2HTTPRequest {
	path := "/p/" + slug
	headers := map[string]string{
		"accept":            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
		"accept-language":   "en-GB,en;q=0.7",
		"host":              apiHost,
		"referer":           "https://www.google.com/",
		"user-agent":        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
		"x-forwarded-for":   "198.51.100.23",
		"x-forwarded-port":  "443",
		"x-forwarded-proto": "https",
	}
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "GET /p/{slug}", RawPath: path, RawQueryString: query, Headers: headers,
		QueryStringParameters: queryParameters(query),
		PathParameters:        map[string]string{"slug": slug},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "123456789012", APIID: "k7xmpl3q2d", DomainName: apiHost,
			DomainPrefix: "k7xmpl3q2d", RequestID: "Ex4mplePage=", RouteKey: "GET /p/{slug}",
			Stage: "$default", Time: "21/Nov/2026:08:10:00 +0000", TimeEpoch: viewedAt.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: "GET", Path: path, Protocol: "HTTP/1.1", SourceIP: "198.51.100.23", UserAgent: headers["user-agent"],
			},
		},
	}
}

// queryParameters is the decoded query as API Gateway adds it to the event.
func queryParameters(query string) map[string]string {
	if query == "" {
		return nil
	}
	out := map[string]string{}
	for pair := range strings.SplitSeq(query, "&") {
		k, v, _ := strings.Cut(pair, "=")
		out[k] = v
	}
	return out
}

var (
	tokenInput  = regexp.MustCompile(`name="form_token" value="([^"]+)"`)
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// mapped is e as it arrives through a custom domain whose API mapping has the key
// "offers": API Gateway matches the route without the key but leaves it in the path.
func mapped(e events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest {
	const domain = "go.example.com"
	e.Headers = maps.Clone(e.Headers)
	e.Headers["host"] = domain
	e.RawPath = "/offers" + e.RawPath
	e.RequestContext.DomainName, e.RequestContext.DomainPrefix = domain, "go"
	e.RequestContext.HTTP.Path = "/offers" + e.RequestContext.HTTP.Path
	return e
}

var cases = []struct {
	file     string
	basePath string // API_BASE_PATH
	event    events.APIGatewayV2HTTPRequest
	status   int
	views    int // the page's views of the day afterwards
	check    func(t *testing.T, key *signing.Key, res events.APIGatewayV2HTTPResponse)
}{
	{
		file: "page-get.json", event: request(localdev.SampleSlug, "utm_source=newsletter&utm_campaign=launch"), status: 200, views: 1,
		check: func(t *testing.T, key *signing.Key, res events.APIGatewayV2HTTPResponse) {
			for _, want := range []string{`<h1>The lead magnet playbook</h1>`, `<form method="post" action="/v1/pages/lead-gen-playbook/leads" novalidate>`, `name="consent"`, `name="website"`} {
				if !strings.Contains(res.Body, want) {
					t.Errorf("page lacks %s", want)
				}
			}
			m := tokenInput.FindStringSubmatch(res.Body)
			if m == nil {
				t.Fatal("the page's form carries no form token")
			}
			if at, err := key.VerifyFormToken(html.UnescapeString(m[1]), localdev.SampleSlug); err != nil || !at.Equal(viewedAt) {
				t.Errorf("form token signed at %v (%v), want %v", at, err, viewedAt)
			}
			hidden := map[string]string{}
			for _, m := range hiddenInput.FindAllStringSubmatch(res.Body, -1) {
				hidden[m[1]] = html.UnescapeString(m[2])
			}
			for k, v := range map[string]string{
				"utm_source": "newsletter", "utm_campaign": "launch", "referrer": "https://www.google.com/",
				"landing_url": "https://" + apiHost + "/p/lead-gen-playbook?utm_source=newsletter&utm_campaign=launch",
			} {
				if hidden[k] != v {
					t.Errorf("hidden %s = %q, want %q", k, hidden[k], v)
				}
			}
		},
	},
	{
		file: "mapped-page-get.json", basePath: "offers", event: mapped(request(localdev.SampleSlug, "utm_source=newsletter")), status: 200, views: 1,
		check: func(t *testing.T, key *signing.Key, res events.APIGatewayV2HTTPResponse) {
			// The form posts back under the base path, and the lead records where it landed.
			for _, want := range []string{`action="/offers/v1/pages/lead-gen-playbook/leads"`,
				`name="landing_url" value="https://go.example.com/offers/p/lead-gen-playbook?utm_source=newsletter"`} {
				if !strings.Contains(res.Body, want) {
					t.Errorf("page lacks %s", want)
				}
			}
		},
	},
	{
		file: "page-unknown.json", event: request("no-such-page", ""), status: 404,
		check: func(t *testing.T, _ *signing.Key, res events.APIGatewayV2HTTPResponse) {
			if !strings.Contains(res.Body, "Page not found") {
				t.Errorf("body %.300s, want the page-not-found page", res.Body)
			}
		},
	},
}

func TestEventsThroughTheLambdaEntry(t *testing.T) {
	if *update {
		for _, tc := range cases {
			var data bytes.Buffer
			enc := json.NewEncoder(&data)
			enc.SetEscapeHTML(false) // the query's & stays readable
			enc.SetIndent("", "  ")
			if err := enc.Encode(tc.event); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join("..", "..", "events", tc.file), data.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	key, err := signing.NewKey([]byte(fixtureSecret))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Setenv("API_BASE_PATH", tc.basePath)
			ctx := context.Background()
			store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			if err := store.PutPage(ctx, localdev.SamplePage(viewedAt)); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join("..", "..", "events", tc.file))
			if err != nil {
				t.Fatalf("%v (run go test ./functions/page -update to write the events)", err)
			}
			h := handler(store, key, func() time.Time { return viewedAt }, slog.New(slog.NewTextHandler(io.Discard, nil)))
			out, err := lambda.NewHandler(apigw.Handler(h)).Invoke(ctx, data)
			if err != nil {
				t.Fatal(err)
			}
			var res events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %.300s", res.StatusCode, tc.status, res.Body)
			}
			if ct := res.Headers["Content-Type"]; ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q, want an HTML page", ct)
			}
			if res.Headers["Cache-Control"] != "no-store" {
				t.Errorf("Cache-Control %q: a cached page would carry a stale form token", res.Headers["Cache-Control"])
			}
			tc.check(t, key, res)
			c, err := store.DailyCounts(ctx, localdev.SampleSlug, leadgate.Day(viewedAt))
			if err != nil || c.Views != tc.views {
				t.Errorf("daily counts %+v (%v), want %d views", c, err, tc.views)
			}
		})
	}
}

func TestSetupRefusesMissingSettings(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"FORM_SIGNING_SECRET": fixtureSecret}, "TABLE_NAME"},
		{map[string]string{"TABLE_NAME": "leads"}, "FORM_SIGNING_SECRET"},
		{map[string]string{"TABLE_NAME": "leads", "FORM_SIGNING_SECRET": "short"}, "FORM_SIGNING_SECRET"},
	} {
		_, err := setup(context.Background(), func(k string) string { return tc.env[k] }, log)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("setup error %v, want one naming %s", err, tc.want)
		}
	}
}
