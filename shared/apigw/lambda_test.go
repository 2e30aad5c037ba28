package apigw_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"leadgate/shared/apigw"
)

// seen is what a handler behind the adapter could tell about its request.
type seen struct {
	Method, Path, Slug, RemoteAddr, Host string
	Query                                map[string]string
	PostForm                             map[string]string
	Session                              string
	ContentLength                        int64
}

// pdfBytes stands in for a lead magnet: binary, and not valid UTF-8.
var pdfBytes = []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\n%%EOF\n")

// TestLambdaInvoke goes through the same entry point lambda.Start uses, with events
// in the JSON shape API Gateway sends, and reads the JSON API Gateway gets back.
func TestLambdaInvoke(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		wantSeen seen
		wantRes  events.APIGatewayV2HTTPResponse
	}{
		{
			name: "lead form post",
			file: "apigw-v2-request-lead-form.json",
			wantSeen: seen{
				Method:     "POST",
				Path:       "/v1/pages/growth-playbook/leads",
				Slug:       "growth-playbook",
				RemoteAddr: "198.51.100.23:0",
				Host:       "k7xmpl3q2d.execute-api.eu-west-1.amazonaws.com",
				Query: map[string]string{
					"utm_source":   "newsletter",
					"utm_campaign": "spring 2026",
					"ref":          "a&b",
				},
				PostForm: map[string]string{
					"email":   "ada@example.com",
					"name":    "Ada Lovelace",
					"consent": "yes",
					"website": "",
				},
				Session:       "6f1c2a",
				ContentLength: 62,
			},
			wantRes: events.APIGatewayV2HTTPResponse{
				StatusCode: http.StatusSeeOther,
				Headers:    map[string]string{"Location": "/v1/pages/growth-playbook/thanks"},
				Cookies:    []string{"lg_lead=growth-playbook; Path=/; HttpOnly; Secure; SameSite=Lax"},
			},
		},
		{
			name: "magnet download",
			file: "apigw-v2-request-magnet-download.json",
			wantSeen: seen{
				Method:     "GET",
				Path:       "/v1/magnets/growth-playbook.pdf",
				Slug:       "growth-playbook.pdf",
				RemoteAddr: "198.51.100.23:0",
				Host:       "k7xmpl3q2d.execute-api.eu-west-1.amazonaws.com",
				Query:      map[string]string{"token": "dG9r+x/1"},
				PostForm:   map[string]string{},
				Session:    "6f1c2a",
			},
			wantRes: events.APIGatewayV2HTTPResponse{
				StatusCode: http.StatusOK,
				Headers: map[string]string{
					"Content-Type":        "application/pdf",
					"Content-Disposition": `attachment; filename="growth-playbook.pdf"`,
				},
				Body:            base64.StdEncoding.EncodeToString(pdfBytes),
				IsBase64Encoded: true,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got seen
			record := func(r *http.Request, slug string) {
				if err := r.ParseForm(); err != nil {
					t.Errorf("ParseForm: %v", err)
				}
				got = seen{
					Method:        r.Method,
					Path:          r.URL.Path,
					Slug:          slug,
					RemoteAddr:    r.RemoteAddr,
					Host:          r.Host,
					Query:         firstValues(r.URL.Query()),
					PostForm:      firstValues(r.PostForm),
					ContentLength: r.ContentLength,
				}
				if c, err := r.Cookie("lg_session"); err == nil {
					got.Session = c.Value
				}
			}
			mux := http.NewServeMux()
			mux.HandleFunc("POST /v1/pages/{slug}/leads", func(w http.ResponseWriter, r *http.Request) {
				record(r, r.PathValue("slug"))
				http.SetCookie(w, &http.Cookie{
					Name: "lg_lead", Value: r.PathValue("slug"), Path: "/",
					HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
				})
				http.Redirect(w, r, "thanks", http.StatusSeeOther)
			})
			mux.HandleFunc("GET /v1/magnets/{file}", func(w http.ResponseWriter, r *http.Request) {
				record(r, r.PathValue("file"))
				w.Header().Set("Content-Type", "application/pdf")
				w.Header().Set("Content-Disposition", `attachment; filename="`+r.PathValue("file")+`"`)
				w.Write(pdfBytes)
			})

			payload, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			out, err := lambda.NewHandler(apigw.Handler(mux)).Invoke(context.Background(), payload)
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			var res events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatalf("decode response %s: %v", out, err)
			}

			if want := tt.wantSeen; !reflect.DeepEqual(got, want) {
				t.Errorf("handler saw %+v\nwant %+v", got, want)
			}
			if want := tt.wantRes; !reflect.DeepEqual(res, want) {
				t.Errorf("response = %+v\nwant %+v", res, want)
			}
		})
	}
}

func firstValues(v map[string][]string) map[string]string {
	m := make(map[string]string, len(v))
	for k, vs := range v {
		m[k] = vs[0]
	}
	return m
}
