package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"leadgate/shared/apigw"
	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
	"leadgate/shared/localbucket"
	"leadgate/shared/localdev"
)

var update = flag.Bool("update", false, "rewrite the events/ files")

// The events carry this token; the test stores the grant it names.
const fixtureToken = "Zx3vQm8LrT2nWc5yKp7dHs4fJb9gNa6E"

var clickedAt = time.Date(2026, 11, 21, 8, 15, 0, 0, time.UTC)

func request(method, token string) events.APIGatewayV2HTTPRequest {
	path := "/v1/downloads/" + token
	headers := map[string]string{
		"accept":            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
		"host":              "k7xmpl3q2d.execute-api.eu-west-1.amazonaws.com",
		"user-agent":        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
		"x-forwarded-for":   "198.51.100.23",
		"x-forwarded-port":  "443",
		"x-forwarded-proto": "https",
	}
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "GET /v1/downloads/{token}", RawPath: path, Headers: headers,
		PathParameters: map[string]string{"token": token},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "123456789012", APIID: "k7xmpl3q2d", DomainName: "k7xmpl3q2d.execute-api.eu-west-1.amazonaws.com",
			DomainPrefix: "k7xmpl3q2d", RequestID: "Ex4mpleDownload=", RouteKey: "GET /v1/downloads/{token}",
			Stage: "$default", Time: "21/Nov/2026:08:15:00 +0000", TimeEpoch: clickedAt.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "198.51.100.23", UserAgent: headers["user-agent"],
			},
		},
	}
}

var cases = []struct {
	file   string
	event  events.APIGatewayV2HTTPRequest
	status int
	counts int // the grant's downloads afterwards
}{
	{"download-get.json", request("GET", fixtureToken), 302, 1},
	{"download-head.json", request("HEAD", fixtureToken), 302, 0},
	{"download-unknown.json", request("GET", strings.Repeat("A", 32)), 404, 0},
}

func TestEventsThroughTheLambdaEntry(t *testing.T) {
	if *update {
		for _, tc := range cases {
			data, err := json.MarshalIndent(tc.event, "", "  ")
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
			ctx := context.Background()
			store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			bucket, err := localbucket.New(t.TempDir(), bytes.Repeat([]byte("k"), 32), "https://files.example", func() time.Time { return clickedAt })
			if err != nil {
				t.Fatal(err)
			}
			page, magnet := localdev.SamplePage(clickedAt), localdev.SampleMagnet(clickedAt)
			if err := store.PutPage(ctx, page); err != nil {
				t.Fatal(err)
			}
			g := leadgate.Grant{ID: leadgate.GrantID(fixtureToken), LeadID: "lead-1", Email: "ada@example.com", Page: page.Slug,
				MagnetID: magnet.ID, ObjectKey: magnet.ObjectKey, FileName: magnet.FileName, ContentType: magnet.ContentType,
				CreatedAt: clickedAt.Add(-time.Hour), ExpiresAt: clickedAt.Add(30 * 24 * time.Hour)}
			if err := store.PutGrant(ctx, g); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join("..", "..", "events", tc.file))
			if err != nil {
				t.Fatalf("%v (run go test ./functions/download -update to write the events)", err)
			}
			h := handler(store, bucket, nil, func() time.Time { return clickedAt }, slog.New(slog.NewTextHandler(io.Discard, nil)))
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
			if res.Headers["Cache-Control"] != "no-store" || res.Headers["Referrer-Policy"] != "no-referrer" {
				t.Fatalf("headers %v", res.Headers)
			}
			if tc.status == 302 && !strings.HasPrefix(res.Headers["Location"], "https://files.example/dev/bucket/magnets/lead-gen-playbook.pdf?expires=") {
				t.Fatalf("Location %q", res.Headers["Location"])
			}
			got, err := store.Grant(ctx, g.ID)
			if err != nil || got.Downloads != tc.counts {
				t.Fatalf("grant counts %d downloads (%v), want %d", got.Downloads, err, tc.counts)
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
		{map[string]string{"BUCKET_NAME": "magnets"}, "TABLE_NAME"},
		{map[string]string{"TABLE_NAME": "leads"}, "BUCKET_NAME"},
	} {
		_, err := setup(context.Background(), func(k string) string { return tc.env[k] }, log)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("setup error %v, want one naming %s", err, tc.want)
		}
	}
}
