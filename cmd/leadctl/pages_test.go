package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"leadgate/shared/capture"
	"leadgate/shared/localdev"
)

const testToken = "leadctl-test-admin-token-42"

// devServer runs the dev server's handler on 127.0.0.1, admin API included.
func devServer(t *testing.T) (*localdev.Server, *httptest.Server, string) {
	t.Helper()
	dir := t.TempDir()
	srv, err := localdev.Open(context.Background(), localdev.Config{
		DataDir: dir, Capture: capture.DefaultConfig(), AdminToken: testToken,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return srv, ts, dir
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPagesApplyListAndLive applies the documented example page file with a magnet
// file, lists the pages, and opens the new hosted page: it is live, with its form.
func TestPagesApplyListAndLive(t *testing.T) {
	srv, ts, dir := devServer(t)
	var progress bytes.Buffer
	progressOut = &progress
	t.Cleanup(func() { progressOut = os.Stderr })
	pdf := bytes.Repeat([]byte("%PDF-1.4 spring playbook "), 4000)
	magnetFile := writeFile(t, "Spring Playbook.pdf", string(pdf))
	example := filepath.Join("..", "..", "infra", "examples", "page.yaml")

	out, err := leadctl(t, "pages", "apply", "-f", example, "-magnet-file", magnetFile, "-api", ts.URL, "-token", testToken)
	if err != nil {
		t.Fatalf("pages apply: %v\n%s", err, out)
	}
	if !strings.Contains(out, "created magnet spring-playbook") || !strings.Contains(out, "created page spring-playbook: "+ts.URL+"/p/spring-playbook") {
		t.Fatalf("pages apply said:\n%s", out)
	}
	if !strings.Contains(progress.String(), "upload Spring Playbook.pdf: 100%") {
		t.Errorf("no progress line on stderr: %q", progress.String())
	}
	stored, err := os.ReadFile(filepath.Join(dir, "bucket", "magnets", "spring-playbook.pdf"))
	if err != nil || !bytes.Equal(stored, pdf) {
		t.Fatalf("uploaded file: %v (%d bytes)", err, len(stored))
	}
	page, err := srv.Store.Page(context.Background(), "spring-playbook")
	if err != nil || len(page.FollowUp.Nurture) != 2 || page.FollowUp.Nurture[0].After != 48*time.Hour || page.FollowUp.ReminderAfter != 24*time.Hour {
		t.Fatalf("stored page %+v, %v", page.FollowUp, err)
	}

	// Applied again, without the file: both are updated, the file kept.
	out, err = leadctl(t, "pages", "apply", "-f", example, "-api", ts.URL, "-token", testToken)
	if err != nil || !strings.Contains(out, "updated magnet spring-playbook") || !strings.Contains(out, "updated page spring-playbook") {
		t.Fatalf("apply again: %v\n%s", err, out)
	}

	out, err = leadctl(t, "pages", "embed", "-page", localdev.SampleSlug, "-api", ts.URL, "-token", testToken)
	if err != nil || !strings.Contains(out, `action="`+ts.URL+"/v1/pages/"+localdev.SampleSlug+`/leads"`) || !strings.Contains(out, `name="email"`) || strings.Contains(out, "<script") {
		t.Fatalf("pages embed: %v\n%s", err, out)
	}
	if _, err := leadctl(t, "pages", "embed", "-page", "no-such-page", "-api", ts.URL, "-token", testToken); err == nil {
		t.Fatal("the snippet of an unknown page was printed")
	}
	out, err = leadctl(t, "pages", "list", "-api", ts.URL, "-token", testToken)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^spring-playbook\s+The spring campaign playbook\s+single\s+spring-playbook$`).MatchString(out) ||
		!strings.Contains(out, localdev.SampleSlug) || !strings.HasPrefix(out, "SLUG") {
		t.Fatalf("pages list:\n%s", out)
	}

	res, err := http.Get(ts.URL + "/p/spring-playbook")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `action="/v1/pages/spring-playbook/leads"`) ||
		!strings.Contains(string(body), `name="team_size"`) {
		t.Fatalf("GET /p/spring-playbook: %d\n%.500s", res.StatusCode, body)
	}
}

const minimalPage = `slug: broken
title: A page
magnet_id: %s
fields:
  - {name: email, label: Email, type: email, required: true}
opt_in: single
thank_you_url: /p/broken/thanks
`

// TestPagesApplyRefusals: mistakes are refused with their field named, before
// anything is sent when leadctl can tell (a broken template, a bad duration, a
// typo), and with the API's own field errors when only the API can (an unknown
// magnet, a wrong token).
func TestPagesApplyRefusals(t *testing.T) {
	srv, ts, _ := devServer(t)
	cases := []struct {
		name, file string
		args       []string
		want       []string
	}{
		{"broken template", strings.Replace(minimalPage, "%s", localdev.SampleSlug, 1) + "follow_up:\n  delivery:\n    subject: \"Hi {{.Nope}}\"\n",
			nil, []string{"follow_up.delivery.subject:", "the subject of the delivery email does not render"}},
		{"unknown magnet", strings.Replace(minimalPage, "%s", "no-such-magnet", 1),
			nil, []string{"PUT /v1/admin/pages/broken: 422", "magnet_id: no magnet no-such-magnet"}},
		{"duration as a number", strings.Replace(minimalPage, "%s", localdev.SampleSlug, 1) + "follow_up:\n  nurture:\n    - {id: d2, after: 48, text: hi}\n",
			nil, []string{"follow_up.nurture[0].after:", "48h"}},
		{"typo", strings.Replace(minimalPage, "%s", localdev.SampleSlug, 1) + "thank_you_ulr: /x\n",
			nil, []string{"thank_you_ulr: no such field"}},
		{"invalid fields", "slug: Bad Slug\ntitle: \"\"\nmagnet_id: m\nopt_in: triple\nthank_you_url: javascript:alert(1)\n",
			nil, []string{"slug:", "title:", "fields:", "opt_in:", "thank_you_url:"}},
		{"wrong token", strings.Replace(minimalPage, "%s", localdev.SampleSlug, 1),
			[]string{"-token", "not-the-token"}, []string{"401 Unauthorized", "Bearer"}},
		{"magnet file without a magnet", strings.Replace(minimalPage, "%s", localdev.SampleSlug, 1),
			[]string{"-magnet-file", "x.pdf"}, []string{"magnet: section"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"pages", "apply", "-f", writeFile(t, "page.yaml", tc.file), "-api", ts.URL, "-token", testToken}, tc.args...)
			_, err := leadctl(t, args...)
			if err == nil {
				t.Fatal("applied")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	if _, err := srv.Store.Page(context.Background(), "broken"); err == nil {
		t.Fatal("a refused page was stored")
	}
	if out, err := leadctl(t, "pages", "apply", "-h"); err != nil || !strings.Contains(out, "-magnet-file") {
		t.Fatalf("pages apply -h: %v\n%s", err, out)
	}
	if out, err := leadctl(t, "pages", "list", "-h"); err != nil || !strings.Contains(out, "-sigv4") {
		t.Fatalf("pages list -h: %v\n%s", err, out)
	}
}

// TestTokenFromTheDevServersFile: without -token, leadctl reads the token file
// the dev server writes.
func TestTokenFromTheDevServersFile(t *testing.T) {
	_, ts, _ := devServer(t)
	t.Setenv("LEADGATE_ADMIN_TOKEN", "")
	file := writeFile(t, "admin-token", testToken+"\n")
	if out, err := leadctl(t, "pages", "list", "-api", ts.URL, "-token-file", file); err != nil || !strings.Contains(out, localdev.SampleSlug) {
		t.Fatalf("pages list with the token file: %v\n%s", err, out)
	}
	if _, err := leadctl(t, "pages", "list", "-api", ts.URL, "-token-file", filepath.Join(t.TempDir(), "none")); err == nil || !strings.Contains(err.Error(), "no admin token") {
		t.Fatalf("no token anywhere: %v", err)
	}
}

// TestSigV4SignsForExecuteAPI signs a request with static credentials: the
// Authorization header is SigV4's, scoped to the region and execute-api.
func TestSigV4SignsForExecuteAPI(t *testing.T) {
	s := &sigv4Signer{
		creds:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token"),
		region: regionOf("k7xmpl3q2d.execute-api.eu-west-1.amazonaws.com"),
		now:    func() time.Time { return time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC) },
	}
	if s.region != "eu-west-1" {
		t.Fatalf("region from the host name: %q", s.region)
	}
	body := []byte(`{"slug":"p"}`)
	req := httptest.NewRequest("PUT", "https://k7xmpl3q2d.execute-api.eu-west-1.amazonaws.com/v1/admin/pages/p", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if err := s.sign(context.Background(), req, body); err != nil {
		t.Fatal(err)
	}
	auth := req.Header.Get("Authorization")
	for _, want := range []string{"AWS4-HMAC-SHA256 ", "Credential=AKIDEXAMPLE/20260302/eu-west-1/execute-api/aws4_request", "SignedHeaders=", "Signature="} {
		if !strings.Contains(auth, want) {
			t.Errorf("Authorization %q lacks %q", auth, want)
		}
	}
	if req.Header.Get("X-Amz-Date") != "20260302T093000Z" || req.Header.Get("X-Amz-Security-Token") != "session-token" {
		t.Errorf("headers %v", req.Header)
	}
}
