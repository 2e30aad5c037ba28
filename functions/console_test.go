package functions_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"leadgate/shared/consoleauth"
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
	"leadgate/shared/ses/sestest"
	"leadgate/shared/testenv"
)

// consoleUser is the ConsoleUsers parameter the harness deploys with.
const consoleUser = "ana@example.com"

// consoleDomain is the API's domain in the console's events.
const consoleDomain = "k7xmpl3q2d.execute-api.eu-west-1.amazonaws.com"

// consoleCase: the console's bootstrap, against DynamoDB Local and the SES
// emulator, signs its user in as it would on AWS: a sign-in request sends the link
// through SES, the link's POST sets a Secure session cookie, the pages list answers
// that cookie, and no page answers without it.
func consoleCase(t *testing.T, r *bootstrapRun) ([]bootstrapEvent, func(t *testing.T)) {
	ses := testenv.Endpoint(t, "LEADGATE_SES_ENDPOINT", "start the SES emulator with `bash infra/local/ses-local.sh start` "+
		"and run with LEADGATE_SES_ENDPOINT=http://127.0.0.1:8005")
	r.env["AWS_ENDPOINT_URL_SESV2"] = ses
	page := localdev.SamplePage(time.Now())
	if err := r.store.PutPage(r.ctx, page); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	var token, cookie string
	evs := []bootstrapEvent{
		{name: "pages without a session", payload: consoleEvent(t, http.MethodGet, "/console/pages", "", ""),
			check: func(t *testing.T, r *bootstrapRun, o outcome) {
				res := httpResponse(t, o)
				if res.StatusCode != http.StatusSeeOther || res.Headers["Location"] != "/console/sign-in" {
					t.Errorf("status %d to %q, want 303 to the sign-in page", res.StatusCode, res.Headers["Location"])
				}
			}},
		{name: "sign-in request", payload: consoleEvent(t, http.MethodPost, "/console/sign-in", "email="+url.QueryEscape(consoleUser), ""),
			check: func(t *testing.T, r *bootstrapRun, o outcome) {
				res := httpResponse(t, o)
				if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Check your inbox") {
					t.Fatalf("status %d: %.300s", res.StatusCode, res.Body)
				}
				token = signInToken(t, ses, started, r.env["PUBLIC_BASE_URL"])
			}},
		{name: "sign-in link", build: func(t *testing.T) []byte {
			return consoleEvent(t, http.MethodPost, "/console/sign-in/"+token, "", "")
		}, check: func(t *testing.T, r *bootstrapRun, o outcome) {
			res := httpResponse(t, o)
			if res.StatusCode != http.StatusSeeOther || res.Headers["Location"] != "/console/pages" {
				t.Errorf("status %d to %q, want 303 to the pages", res.StatusCode, res.Headers["Location"])
			}
			for _, c := range res.Cookies {
				if v, ok := strings.CutPrefix(c, "leadgate_console="); ok {
					cookie = "leadgate_console=" + v[:strings.IndexByte(v, ';')]
					for _, attr := range []string{"; HttpOnly", "; Secure", "; SameSite=Lax", "; Path=/console/"} {
						if !strings.Contains(c, attr) {
							t.Errorf("session cookie %q lacks %s", c, attr)
						}
					}
				}
			}
			if cookie == "" {
				t.Fatalf("no session cookie in %q", res.Cookies)
			}
		}},
		{name: "leads with the session", build: func(t *testing.T) []byte {
			return consoleEvent(t, http.MethodGet, "/console/leads", "", cookie)
		}, check: func(t *testing.T, r *bootstrapRun, o outcome) {
			res := httpResponse(t, o)
			if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, consoleUser) {
				t.Errorf("status %d: %.300s", res.StatusCode, res.Body)
			}
		}},
		// The pages are ConsoleEditorFunction's (API Gateway routes them there): here
		// they are an unknown path, answered as one; so are the magnets
		// (ConsoleContentFunction's).
		{name: "pages with the session", build: func(t *testing.T) []byte {
			return consoleEvent(t, http.MethodGet, "/console/pages", "", cookie)
		}, check: func(t *testing.T, r *bootstrapRun, o outcome) {
			if res := httpResponse(t, o); res.StatusCode != http.StatusNotFound || strings.Contains(res.Body, page.Slug) {
				t.Errorf("status %d, want the 404 page: %.300s", res.StatusCode, res.Body)
			}
		}},
		{name: "magnets with the session", build: func(t *testing.T) []byte {
			return consoleEvent(t, http.MethodGet, "/console/magnets", "", cookie)
		}, check: func(t *testing.T, r *bootstrapRun, o outcome) {
			if res := httpResponse(t, o); res.StatusCode != http.StatusNotFound {
				t.Errorf("status %d, want the 404 page: %.300s", res.StatusCode, res.Body)
			}
		}},
		{name: "the used link again", build: func(t *testing.T) []byte {
			return consoleEvent(t, http.MethodPost, "/console/sign-in/"+token, "", "")
		}, check: func(t *testing.T, r *bootstrapRun, o outcome) {
			if res := httpResponse(t, o); res.StatusCode != http.StatusGone {
				t.Errorf("status %d, want 410", res.StatusCode)
			}
		}},
	}
	after := func(t *testing.T) {
		out := r.p.stdout.String() + r.p.stderr.String()
		if strings.Contains(out, consoleUser) || strings.Contains(out, fixtureSecret) || (token != "" && strings.Contains(out, token)) {
			t.Errorf("the function's output holds an address, the secret or a link:\n%s", out)
		}
	}
	return evs, after
}

// consoleEditorCase: the console's pages function, against DynamoDB Local, sends a
// request without a session to the sign-in page, shows the pages list and a
// page's editor to a session of the console's sign-in, and answers another
// function's path with the 404 page, as the whole console would.
func consoleEditorCase(t *testing.T, r *bootstrapRun) ([]bootstrapEvent, func(t *testing.T)) {
	return consoleAreaCase(t, r, []consoleVisit{
		{"/console/pages", false, http.StatusSeeOther, ""},
		{"/console/pages", true, http.StatusOK, "{slug}"},
		{"/console/pages/{slug}", true, http.StatusOK, "{title}"},
		{"/console/pages/{slug}/variants", true, http.StatusOK, "{title}"},
		{"/console/leads", true, http.StatusNotFound, ""},
		{"/console/magnets", true, http.StatusNotFound, ""},
	})
}

// consoleContentCase: the console's content function, against DynamoDB Local,
// shows a page's preview and page file and the magnets to a session of the
// console's sign-in, and answers another function's path with the 404 page.
func consoleContentCase(t *testing.T, r *bootstrapRun) ([]bootstrapEvent, func(t *testing.T)) {
	return consoleAreaCase(t, r, []consoleVisit{
		{"/console/magnets", false, http.StatusSeeOther, ""},
		{"/console/magnets", true, http.StatusOK, "{magnet}"},
		{"/console/pages/{slug}/preview", true, http.StatusOK, "{title}"},
		{"/console/pages/{slug}/yaml", true, http.StatusOK, "slug: {slug}"},
		{"/console/pages", true, http.StatusNotFound, ""},
		{"/console/leads", true, http.StatusNotFound, ""},
	})
}

// consoleVisit is a GET of path, with a session or without, and what it must
// answer: status, and a body that holds want ({slug}, {title} and {magnet} name
// the sample page's) and, with a session, the signed-in address unless it is a
// page file or a preview.
type consoleVisit struct {
	path    string
	session bool
	status  int
	want    string
}

// consoleAreaCase seeds the sample page and its magnet and a session of
// consoleUser, as the console function's sign-in would leave it, and makes the
// visits; a visit without a session must be sent to the sign-in page.
func consoleAreaCase(t *testing.T, r *bootstrapRun, visits []consoleVisit) ([]bootstrapEvent, func(t *testing.T)) {
	page := localdev.SamplePage(time.Now())
	if err := r.store.PutPage(r.ctx, page); err != nil {
		t.Fatal(err)
	}
	magnet := localdev.SampleMagnet(time.Now())
	if err := r.store.PutMagnet(r.ctx, magnet); err != nil {
		t.Fatal(err)
	}
	token := consoleauth.NewToken()
	if err := r.store.PutSession(r.ctx, leadgate.NewSession(token, consoleUser, time.Now())); err != nil {
		t.Fatal(err)
	}
	fill := strings.NewReplacer("{slug}", page.Slug, "{title}", page.Title, "{magnet}", magnet.Title)
	var evs []bootstrapEvent
	for _, v := range visits {
		cookie, name := "", "GET "+fill.Replace(v.path)
		if v.session {
			cookie, name = "leadgate_console="+token, name+" with the session"
		}
		evs = append(evs, bootstrapEvent{name: name, payload: consoleEvent(t, http.MethodGet, fill.Replace(v.path), "", cookie),
			check: func(t *testing.T, r *bootstrapRun, o outcome) {
				res := httpResponse(t, o)
				if res.IsBase64Encoded { // a page file is an attachment
					body, err := base64.StdEncoding.DecodeString(res.Body)
					if err != nil {
						t.Fatal(err)
					}
					res.Body = string(body)
				}
				switch {
				case res.StatusCode != v.status:
					t.Errorf("status %d, want %d: %.300s", res.StatusCode, v.status, res.Body)
				case v.status == http.StatusSeeOther && res.Headers["Location"] != "/console/sign-in":
					t.Errorf("sent to %q, want the sign-in page", res.Headers["Location"])
				case !strings.Contains(res.Body, fill.Replace(v.want)):
					t.Errorf("the body lacks %q: %.300s", fill.Replace(v.want), res.Body)
				case v.status == http.StatusOK && !strings.Contains(v.path, "/yaml") && !strings.Contains(v.path, "/preview") &&
					!strings.Contains(res.Body, consoleUser):
					t.Errorf("the page does not name the signed-in user: %.300s", res.Body)
				}
			}})
	}
	after := func(t *testing.T) {
		out := r.p.stdout.String() + r.p.stderr.String()
		if strings.Contains(out, consoleUser) || strings.Contains(out, fixtureSecret) || strings.Contains(out, token) {
			t.Errorf("the function's output holds an address, the secret or a session:\n%s", out)
		}
	}
	return evs, after
}

// consoleEvent is an API Gateway HTTP API event of a browser's request to the
// console over https: a form POST when form is set, with cookie when set.
func consoleEvent(t *testing.T, method, path, form, cookie string) []byte {
	t.Helper()
	route := method + " /console/{proxy+}"
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: route, RawPath: path,
		Headers: map[string]string{
			"host": consoleDomain, "x-forwarded-proto": "https", "x-forwarded-port": "443",
			"x-forwarded-for": "198.51.100.23", "user-agent": "Mozilla/5.0",
		},
		PathParameters: map[string]string{"proxy": strings.TrimPrefix(path, "/console/")},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: route, AccountID: "123456789012", Stage: "$default", RequestID: "console-" + strings.ReplaceAll(path, "/", "-"),
			APIID: "k7xmpl3q2d", DomainName: consoleDomain, DomainPrefix: "k7xmpl3q2d",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "198.51.100.23", UserAgent: "Mozilla/5.0",
			},
		},
	}
	if method == http.MethodPost {
		// A browser's form POST from the console's own pages.
		ev.Headers["content-type"] = "application/x-www-form-urlencoded"
		ev.Headers["origin"] = "https://" + consoleDomain
		ev.Headers["sec-fetch-site"] = "same-origin"
		ev.Body = form
	}
	if cookie != "" {
		ev.Cookies = []string{cookie}
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signInToken reads the sign-in link sent to consoleUser since since from the SES
// emulator, and returns its token.
func signInToken(t *testing.T, ses string, since time.Time, base string) string {
	t.Helper()
	emails := sestest.Emails(t, ses)
	link := regexp.MustCompile(regexp.QuoteMeta(base+"/console/sign-in/") + `([A-Za-z0-9_-]+)`)
	for i := len(emails) - 1; i >= 0; i-- {
		e := emails[i]
		if e.At < since.Unix() || len(e.Destination.To) != 1 || !strings.Contains(e.Destination.To[0], consoleUser) {
			continue
		}
		if m := link.FindStringSubmatch(e.Body.Text); m != nil {
			return m[1]
		}
	}
	t.Fatalf("no sign-in link to %s in the SES emulator", consoleUser)
	return ""
}
