package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"leadgate/shared/apigw"
	"leadgate/shared/bolt"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/localbucket"
	"leadgate/shared/signing"
)

const apiHost = "k7xmpl3q2d.execute-api.eu-west-1.amazonaws.com"

// request is an admin request as API Gateway hands it over after its IAM check:
// the caller's identity in the request context, no token anywhere.
func request(method, path, routeKey, body string) events.APIGatewayV2HTTPRequest {
	headers := map[string]string{"host": apiHost, "x-forwarded-proto": "https", "user-agent": "leadctl"}
	if body != "" {
		headers["content-type"] = "application/json"
	}
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: routeKey, RawPath: path, Headers: headers, Body: body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "123456789012", APIID: "k7xmpl3q2d", DomainName: apiHost, RequestID: "Ex4mpleAdmin=",
			RouteKey: routeKey, Stage: "$default",
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{
				AccountID: "123456789012", UserARN: "arn:aws:iam::123456789012:user/marketer", UserID: "AIDAEXAMPLE",
			}},
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "198.51.100.23"},
		},
	}
}

// TestEventsThroughTheLambdaEntry runs admin requests through the function's entry
// on the embedded store: a page saved (201, then 200), listed and read, a refused
// one (422, field named), an unknown link revoked (404), and an upload link made.
func TestEventsThroughTheLambdaEntry(t *testing.T) {
	ctx := context.Background()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.PutMagnet(ctx, storetest.Magnet()); err != nil {
		t.Fatal(err)
	}
	bucket, err := localbucket.New(t.TempDir(), []byte(strings.Repeat("s", 32)), "https://files.example", nil)
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.NewKey([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	h := lambda.NewHandler(apigw.Handler(handler(store, bucket, key, func() time.Time { return storetest.T0 }, slog.New(slog.NewTextHandler(io.Discard, nil)), "Leadgate Ltd, 1 Harbour Street, Bristol")))
	page, _ := json.Marshal(storetest.Page("admin-page"))
	broken := storetest.Page("admin-page")
	broken.FollowUp.Reminder.Text = "{{.Missing}}"
	brokenJSON, _ := json.Marshal(broken)
	for _, tc := range []struct {
		name   string
		event  events.APIGatewayV2HTTPRequest
		status int
		want   string
	}{
		{"create", request("PUT", "/v1/admin/pages/admin-page", "PUT /v1/admin/pages/{slug}", string(page)), 201, `"slug":"admin-page"`},
		{"update", request("PUT", "/v1/admin/pages/admin-page", "PUT /v1/admin/pages/{slug}", string(page)), 200, `"slug":"admin-page"`},
		{"broken template", request("PUT", "/v1/admin/pages/admin-page", "PUT /v1/admin/pages/{slug}", string(brokenJSON)), 422, `"field":"follow_up.reminder.text"`},
		{"list", request("GET", "/v1/admin/pages", "GET /v1/admin/pages", ""), 200, `{"pages":[{"slug":"admin-page"`},
		{"read", request("GET", "/v1/admin/pages/admin-page", "GET /v1/admin/pages/{slug}", ""), 200, `"title":"The admin-page playbook"`},
		{"leads of a page", request("GET", "/v1/admin/pages/admin-page/leads", "GET /v1/admin/pages/{slug}/leads", ""), 200, `{"leads":[],"next":""}`},
		{"unknown lead", request("GET", "/v1/admin/leads/nobody@example.com", "GET /v1/admin/leads/{email}", ""), 404, `"code":"not_found"`},
		{"magnets", request("GET", "/v1/admin/magnets", "GET /v1/admin/magnets", ""), 200, `"id":"playbook"`},
		{"revoke an unknown link", request("POST", "/v1/admin/links/revoke", "POST /v1/admin/links/revoke", `{"link":"https://`+apiHost+`/v1/downloads/`+strings.Repeat("u", 32)+`"}`), 404, `"message":"no such download link"`},
		{"upload link", request("POST", "/v1/admin/magnets/playbook/upload-url", "POST /v1/admin/magnets/{id}/upload-url", `{"content_type":"application/pdf","file_name":"p.pdf","size":2048}`), 200, `"url":"https://files.example/dev/bucket/magnets/playbook.pdf?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, _ := json.Marshal(tc.event)
			out, err := h.Invoke(ctx, data)
			if err != nil {
				t.Fatal(err)
			}
			var res events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tc.status || !strings.Contains(res.Body, tc.want) {
				t.Fatalf("%d %.400s; want %d with %s", res.StatusCode, res.Body, tc.status, tc.want)
			}
			if !strings.HasPrefix(res.Headers["Content-Type"], "application/json") {
				t.Errorf("Content-Type %q, want JSON", res.Headers["Content-Type"])
			}
		})
	}
}

func TestSetupRefusesMissingSettings(t *testing.T) {
	secret := strings.Repeat("s", 32)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"BUCKET_NAME": "magnets", "FORM_SIGNING_SECRET": secret}, "TABLE_NAME"},
		{map[string]string{"TABLE_NAME": "leads", "BUCKET_NAME": "magnets"}, "FORM_SIGNING_SECRET"},
		{map[string]string{"TABLE_NAME": "leads", "FORM_SIGNING_SECRET": secret}, "BUCKET_NAME"},
	} {
		_, err := setup(context.Background(), func(k string) string { return tc.env[k] }, log)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("setup error %v, want one naming %s", err, tc.want)
		}
	}
}
