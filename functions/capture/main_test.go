package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"leadgate/shared/apigw"
	"leadgate/shared/bolt"
	"leadgate/shared/capture"
	"leadgate/shared/localbucket"
	"leadgate/shared/localdev"
	"leadgate/shared/signing"
)

var update = flag.Bool("update", false, "rewrite the events/ files")

// The events/ files carry form tokens signed with this fixture secret at renderedAt;
// the test's clock stands at receivedAt, a plausible five seconds later.
const fixtureSecret = "events-fixture-secret-never-used-in-a-deployment"

var (
	renderedAt = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	receivedAt = renderedAt.Add(5 * time.Second)
)

type eventCase struct {
	file     string
	event    func(key *signing.Key) events.APIGatewayV2HTTPRequest
	status   int
	check    func(t *testing.T, res events.APIGatewayV2HTTPResponse)
	storesAs string // the address stored, or "" when nothing may be stored
}

func request(method, contentType, body string, base64Body bool, extra map[string]string) events.APIGatewayV2HTTPRequest {
	headers := map[string]string{
		"accept":            "application/json",
		"host":              "k7xmpl3q2d.execute-api.eu-west-1.amazonaws.com",
		"user-agent":        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
		"x-forwarded-for":   "203.0.113.66",
		"x-forwarded-port":  "443",
		"x-forwarded-proto": "https",
	}
	if contentType != "" {
		headers["content-type"] = contentType
		headers["content-length"] = itoa(len(body))
	}
	for k, v := range extra {
		headers[k] = v
	}
	if base64Body {
		body = base64.StdEncoding.EncodeToString([]byte(body))
	}
	path := "/v1/pages/" + localdev.SampleSlug + "/leads"
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: method + " /v1/pages/{slug}/leads", RawPath: path, Headers: headers,
		PathParameters: map[string]string{"slug": localdev.SampleSlug},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "123456789012", APIID: "k7xmpl3q2d", DomainName: "k7xmpl3q2d.execute-api.eu-west-1.amazonaws.com",
			DomainPrefix: "k7xmpl3q2d", RequestID: "Ex4mpleRequest=", RouteKey: method + " /v1/pages/{slug}/leads",
			Stage: "$default", Time: "20/Nov/2026:10:00:05 +0000", TimeEpoch: receivedAt.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "198.51.100.23",
				UserAgent: headers["user-agent"],
			},
		},
		Body: body, IsBase64Encoded: base64Body,
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func jsonLead(key *signing.Key, email string, pad int) string {
	body := map[string]any{
		"email": email, "name": "Ada Lovelace", "company": "Analytical Engines", "job_title": "Head of Growth",
		"consent": true, "utm_source": "linkedin", "utm_medium": "paid-social", "utm_campaign": "playbook-2026",
		"landing_url": "https://www.example.com/playbook?utm_source=linkedin",
		"form_token":  key.FormToken(localdev.SampleSlug, renderedAt),
	}
	if pad > 0 {
		body["notes"] = strings.Repeat("x", pad)
	}
	data, _ := json.Marshal(body)
	return string(data)
}

var cases = []eventCase{
	{
		file: "capture-json.json",
		event: func(key *signing.Key) events.APIGatewayV2HTTPRequest {
			return request("POST", "application/json", jsonLead(key, "ada@example.com", 0), false, map[string]string{"origin": "http://localhost:3000"})
		},
		status:   201,
		storesAs: "ada@example.com",
		check: func(t *testing.T, res events.APIGatewayV2HTTPResponse) {
			var body struct {
				LeadID string `json:"lead_id"`
				Status string `json:"status"`
				Next   struct {
					Step        string
					DownloadURL string `json:"download_url"`
				}
			}
			if err := json.Unmarshal([]byte(res.Body), &body); err != nil || body.LeadID == "" || body.Status != "created" || body.Next.Step != "download" ||
				!strings.HasPrefix(body.Next.DownloadURL, "https://k7xmpl3q2d.execute-api.eu-west-1.amazonaws.com/v1/downloads/") {
				t.Fatalf("body %s (%v)", res.Body, err)
			}
			if res.Headers["Access-Control-Allow-Origin"] != "http://localhost:3000" || !strings.HasPrefix(res.Headers["Content-Type"], "application/json") {
				t.Fatalf("headers %v", res.Headers)
			}
		},
	},
	{
		file: "capture-form.json",
		event: func(key *signing.Key) events.APIGatewayV2HTTPRequest {
			form := url.Values{"email": {"Grace.Hopper@Example.com"}, "name": {"Grace Hopper"}, "consent": {"on"},
				"website": {""}, "utm_source": {"newsletter"}, "form_token": {key.FormToken(localdev.SampleSlug, renderedAt)}}
			return request("POST", "application/x-www-form-urlencoded", form.Encode(), true, map[string]string{
				"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
				"origin": "https://k7xmpl3q2d.execute-api.eu-west-1.amazonaws.com",
			})
		},
		status:   303,
		storesAs: "grace.hopper@example.com",
		check: func(t *testing.T, res events.APIGatewayV2HTTPResponse) {
			if !strings.HasPrefix(res.Headers["Location"], "/p/"+localdev.SampleSlug+"/thanks?download_url=https%3A%2F%2Fk7xmpl3q2d.execute-api.eu-west-1.amazonaws.com%2Fv1%2Fdownloads%2F") {
				t.Fatalf("Location %q", res.Headers["Location"])
			}
		},
	},
	{
		file: "capture-invalid.json",
		event: func(key *signing.Key) events.APIGatewayV2HTTPRequest {
			return request("POST", "application/json", jsonLead(key, "ada@example.com\r\nBcc: everyone@example.com", 0), false, nil)
		},
		status: 422,
		check: func(t *testing.T, res events.APIGatewayV2HTTPResponse) {
			if !strings.Contains(res.Body, `"field":"email"`) || strings.Contains(res.Body, "everyone@") {
				t.Fatalf("body %s", res.Body)
			}
		},
	},
	{
		file: "capture-oversized.json",
		event: func(key *signing.Key) events.APIGatewayV2HTTPRequest {
			return request("POST", "application/json", jsonLead(key, "big@example.com", 70<<10), false, nil)
		},
		status: 413,
		check: func(t *testing.T, res events.APIGatewayV2HTTPResponse) {
			if !strings.Contains(res.Body, `"code":"too_large"`) {
				t.Fatalf("body %.200s", res.Body)
			}
		},
	},
	{
		file: "capture-preflight.json",
		event: func(*signing.Key) events.APIGatewayV2HTTPRequest {
			return request("OPTIONS", "", "", false, map[string]string{"origin": "http://localhost:3000",
				"access-control-request-method": "POST", "access-control-request-headers": "content-type"})
		},
		status: 204,
		check: func(t *testing.T, res events.APIGatewayV2HTTPResponse) {
			if res.Headers["Access-Control-Allow-Origin"] != "http://localhost:3000" {
				t.Fatalf("headers %v", res.Headers)
			}
		},
	},
	{
		// On AWS too the function answers preflights (template.yaml routes OPTIONS to
		// it), so an origin the page does not list is refused before its POST.
		file: "capture-preflight-other-origin.json",
		event: func(*signing.Key) events.APIGatewayV2HTTPRequest {
			return request("OPTIONS", "", "", false, map[string]string{"origin": "https://elsewhere.example.net",
				"access-control-request-method": "POST", "access-control-request-headers": "content-type"})
		},
		status: 403,
		check: func(t *testing.T, res events.APIGatewayV2HTTPResponse) {
			if _, ok := res.Headers["Access-Control-Allow-Origin"]; ok {
				t.Fatalf("headers %v allow an origin the page does not list", res.Headers)
			}
		},
	},
}

func TestEventsThroughTheLambdaEntry(t *testing.T) {
	key, err := signing.NewKey([]byte(fixtureSecret))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		for _, tc := range cases {
			data, err := json.MarshalIndent(tc.event(key), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join("..", "..", "events", tc.file), append(data, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			ctx := context.Background()
			bucket, err := localbucket.New(t.TempDir(), []byte(fixtureSecret), "", func() time.Time { return receivedAt })
			if err != nil {
				t.Fatal(err)
			}
			if err := localdev.Seed(ctx, store, bucket, renderedAt); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join("..", "..", "events", tc.file))
			if err != nil {
				t.Fatalf("%v (run go test ./functions/capture -update to write the events)", err)
			}
			h := handler(store, key, capture.DefaultConfig(), func() time.Time { return receivedAt }, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
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
			tc.check(t, res)
			counts, err := store.ItemCounts()
			if err != nil {
				t.Fatal(err)
			}
			if tc.storesAs == "" {
				if counts["leads"] != 0 || counts["submissions"] != 0 || counts["changes"] != 0 {
					t.Fatalf("stored something: %v", counts)
				}
				return
			}
			lead, err := store.LeadByEmail(ctx, tc.storesAs)
			if err != nil {
				t.Fatal(err)
			}
			if lead.Consent.IP != "198.51.100.23" || !lead.Consent.Given {
				t.Fatalf("consent record %+v: the IP must be API Gateway's source IP, not X-Forwarded-For", lead.Consent)
			}
		})
	}
}

func TestSetupRefusesMissingSettings(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no table", map[string]string{"FORM_SIGNING_SECRET": fixtureSecret}, "TABLE_NAME"},
		{"no secret", map[string]string{"TABLE_NAME": "leads"}, "FORM_SIGNING_SECRET"},
		{"short secret", map[string]string{"TABLE_NAME": "leads", "FORM_SIGNING_SECRET": "short"}, "FORM_SIGNING_SECRET"},
		{"bad duration", map[string]string{"TABLE_NAME": "leads", "FORM_SIGNING_SECRET": fixtureSecret, "DEDUPE_WINDOW": "a day"}, "DEDUPE_WINDOW"},
		{"bad count", map[string]string{"TABLE_NAME": "leads", "FORM_SIGNING_SECRET": fixtureSecret, "RATE_LIMIT_PER_IP": "-1"}, "RATE_LIMIT_PER_IP"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := setup(context.Background(), env(tc.env), log)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("setup error %v, want one naming %s", err, tc.want)
			}
		})
	}
}
