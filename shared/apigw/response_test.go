package apigw_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"reflect"
	"testing"
	"time"
)

func TestResponseStatus(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		handler    http.HandlerFunc
		wantStatus int
		wantBody   string
	}{
		{
			name:       "never written",
			handler:    func(http.ResponseWriter, *http.Request) {},
			wantStatus: 200,
		},
		{
			name:       "body without a status",
			handler:    func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") },
			wantStatus: 200, wantBody: "ok",
		},
		{
			name:       "flushed without a status",
			handler:    func(w http.ResponseWriter, _ *http.Request) { http.NewResponseController(w).Flush() },
			wantStatus: 200,
		},
		{
			name:       "explicit status",
			handler:    func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) },
			wantStatus: 201,
		},
		{
			name: "first status wins",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusAccepted)
				w.WriteHeader(http.StatusInternalServerError)
			},
			wantStatus: 202,
		},
		{
			name: "informational status is skipped",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusEarlyHints)
				w.WriteHeader(http.StatusConflict)
			},
			wantStatus: 409,
		},
		{
			name: "no body with 204",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusNoContent)
				if _, err := io.WriteString(w, "dropped"); !errors.Is(err, http.ErrBodyNotAllowed) {
					t.Errorf("Write after 204: err = %v, want %v", err, http.ErrBodyNotAllowed)
				}
			},
			wantStatus: 204,
		},
		{
			name:   "no body for HEAD",
			method: "HEAD",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				io.WriteString(w, "dropped")
			},
			wantStatus: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			res := serve(t, context.Background(), tt.handler, newEvent(method, "/", ""))
			if got, want := res.StatusCode, tt.wantStatus; got != want {
				t.Errorf("status = %d, want %d", got, want)
			}
			if got, want := res.Body, tt.wantBody; got != want {
				t.Errorf("body = %q, want %q", got, want)
			}
		})
	}
}

func TestRedirect(t *testing.T) {
	tests := []struct {
		name         string
		method       string
		target       string
		wantLocation string
		wantBody     bool
	}{
		{
			name: "after a form post", method: "POST", target: "/v1/pages/growth-playbook/thanks",
			wantLocation: "/v1/pages/growth-playbook/thanks",
		},
		{
			name: "relative to the request path", method: "POST", target: "thanks?email=sent",
			wantLocation: "/v1/pages/growth-playbook/thanks?email=sent",
		},
		{
			name: "absolute URL", method: "GET", target: "https://example.com/done",
			wantLocation: "https://example.com/done", wantBody: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, tt.target, http.StatusSeeOther)
			})
			res := serve(t, context.Background(), h, newEvent(tt.method, "/v1/pages/growth-playbook/leads", ""))
			if got, want := res.StatusCode, http.StatusSeeOther; got != want {
				t.Errorf("status = %d, want %d", got, want)
			}
			if got, want := res.Headers["Location"], tt.wantLocation; got != want {
				t.Errorf("Location = %q, want %q", got, want)
			}
			if got, want := res.Body != "", tt.wantBody; got != want {
				t.Errorf("has body = %v, want %v (body %q)", got, want, res.Body)
			}
		})
	}
}

func TestResponseHeaders(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    map[string]string
	}{
		{
			name: "single values",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Cache-Control", "no-store")
				w.Header().Set("Content-Type", "application/json")
			},
			want: map[string]string{"Cache-Control": "no-store", "Content-Type": "application/json"},
		},
		{
			name: "multiple values are joined",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Add("Vary", "Origin")
				w.Header().Add("Vary", "Accept-Encoding")
				w.Header().Add("Link", "</a.css>; rel=preload")
				w.Header().Add("Link", "</b.js>; rel=preload")
			},
			want: map[string]string{
				"Vary": "Origin, Accept-Encoding",
				"Link": "</a.css>; rel=preload, </b.js>; rel=preload",
			},
		},
		{
			name: "spellings of one name are merged",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header()["x-request-id"] = []string{"a"}
				w.Header()["X-Request-Id"] = []string{"b"}
			},
			want: map[string]string{"X-Request-Id": "b, a"},
		},
		{
			name: "changes after the status are not sent",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-Before", "1")
				w.WriteHeader(http.StatusOK)
				w.Header().Set("X-After", "1")
			},
			want: map[string]string{"X-Before": "1"},
		},
		{
			name: "content type is sniffed when not set",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				io.WriteString(w, "<!DOCTYPE html><p>hi</p>")
			},
			want: map[string]string{"Content-Type": "text/html; charset=utf-8"},
		},
		{
			name: "nil content type turns sniffing off",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header()["Content-Type"] = nil
				io.WriteString(w, "<!DOCTYPE html><p>hi</p>")
			},
			want: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(t, context.Background(), tt.handler, newEvent("GET", "/", ""))
			if got, want := res.Headers, tt.want; !reflect.DeepEqual(got, want) {
				t.Errorf("Headers = %v, want %v", got, want)
			}
		})
	}
}

func TestResponseCookies(t *testing.T) {
	expires := time.Date(2026, time.June, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		cookies []*http.Cookie
		want    []string
	}{
		{name: "none", want: nil},
		{
			name:    "one",
			cookies: []*http.Cookie{{Name: "lg_lead", Value: "ok", Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode}},
			want:    []string{"lg_lead=ok; Path=/; HttpOnly; Secure; SameSite=Lax"},
		},
		{
			name: "several, in order, with a comma in Expires",
			cookies: []*http.Cookie{
				{Name: "b", Value: "2", Expires: expires},
				{Name: "a", Value: "1"},
				{Name: "lg_session", Value: "", MaxAge: -1},
			},
			want: []string{"b=2; Expires=Mon, 01 Jun 2026 09:00:00 GMT", "a=1", "lg_session=; Max-Age=0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				for _, c := range tt.cookies {
					http.SetCookie(w, c)
				}
				w.Header().Set("Cache-Control", "no-store")
			})
			res := serve(t, context.Background(), h, newEvent("GET", "/", ""))
			if got, want := res.Cookies, tt.want; !reflect.DeepEqual(got, want) {
				t.Errorf("Cookies = %q, want %q", got, want)
			}
			if got, want := res.Headers, map[string]string{"Cache-Control": "no-store"}; !reflect.DeepEqual(got, want) {
				t.Errorf("Headers = %v, want %v (Set-Cookie belongs in Cookies)", got, want)
			}
		})
	}
}

func TestResponseBody(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	tests := []struct {
		name        string
		contentType string // not set when empty
		body        []byte
		wantBase64  bool
	}{
		{name: "html", contentType: "text/html; charset=utf-8", body: []byte("<p>Thanks, Zoë!</p>")},
		{name: "plain text", contentType: "text/plain", body: []byte("ok\n")},
		{name: "csv", contentType: "text/csv", body: []byte("email,name\nada@example.com,Ada\n")},
		{name: "json", contentType: "application/json", body: []byte(`{"ok":true}`)},
		{name: "json with charset in capitals", contentType: "Application/JSON; charset=UTF-8", body: []byte(`{"ok":true}`)},
		{name: "problem json", contentType: "application/problem+json", body: []byte(`{"title":"Bad"}`)},
		{name: "svg", contentType: "image/svg+xml", body: []byte("<svg/>")},
		{name: "xml", contentType: "application/xml", body: []byte("<a/>")},
		{name: "javascript", contentType: "application/javascript", body: []byte("let a = 1;")},
		{name: "form", contentType: "application/x-www-form-urlencoded", body: []byte("a=1&b=2")},
		{name: "pdf", contentType: "application/pdf", body: []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), wantBase64: true},
		{name: "png", contentType: "image/png", body: png, wantBase64: true},
		{name: "octet stream that is ASCII", contentType: "application/octet-stream", body: []byte("abc"), wantBase64: true},
		{name: "text that is not UTF-8", contentType: "text/plain; charset=iso-8859-1", body: []byte("caf\xe9"), wantBase64: true},
		{name: "sniffed text", body: []byte("plain words")},
		{name: "sniffed png", body: png, wantBase64: true},
		{name: "empty binary", contentType: "application/pdf", body: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.Write(tt.body)
			})
			res := serve(t, context.Background(), h, newEvent("GET", "/", ""))
			if got, want := res.IsBase64Encoded, tt.wantBase64; got != want {
				t.Errorf("IsBase64Encoded = %v, want %v", got, want)
			}
			got := []byte(res.Body)
			if res.IsBase64Encoded {
				var err error
				if got, err = base64.StdEncoding.DecodeString(res.Body); err != nil {
					t.Fatalf("decode body: %v", err)
				}
			}
			if want := tt.body; string(got) != string(want) {
				t.Errorf("body = %q, want %q", got, want)
			}
		})
	}
}
