package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"leadgate/shared/captcha"
	"leadgate/shared/capture"
	"leadgate/shared/httpapi"
	"leadgate/shared/leadgate"
)

// A post to a captcha page is stored only when the provider (a local one) says a
// person sent it; the answer is not kept among the lead's values; the checkboxes
// ticked one by one are kept as one value.
func TestCaptchaPageCapture(t *testing.T) {
	verdict := `{"success":true}`
	status := http.StatusOK
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	provider := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, verdict)
	}))
	provider.Listener = l
	provider.Start()
	defer provider.Close()

	s := newGoldenSite(t)
	page := goldenBrandedPage()
	page.OptIn = leadgate.OptInDouble
	if err := s.store.PutPage(context.Background(), page); err != nil {
		t.Fatal(err)
	}
	v := captcha.NewWithClient(provider.Client(),
		map[leadgate.CaptchaProvider]string{leadgate.CaptchaTurnstile: provider.URL},
		map[leadgate.CaptchaProvider]string{leadgate.CaptchaTurnstile: "secret"})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := httpapi.New(capture.New(s.store, s.key, capture.DefaultConfig(), func() time.Time { return goldenNow }), log).WithCaptcha(v)
	post := func(email string) *httptest.ResponseRecorder {
		body := url.Values{"email": {email}, "name": {"Ada"}, "role": {"Gründer"}, "size": {"1-10"}, "terms": {"yes"},
			"topics": {"SEO", "E-Mail"}, "country": {"DE"}, "cf-turnstile-response": {"answer"},
			"form_token": {s.key.FormToken(page.Slug, goldenNow.Add(-10*time.Second))}}
		r := httptest.NewRequest("POST", leadgate.CapturePath(page.Slug), strings.NewReader(body.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = "203.0.113.9:4000"
		return serve(api.Handler(), r)
	}

	if w := post("ada@example.com"); w.Code != http.StatusSeeOther {
		t.Fatalf("a person: %d %.300s", w.Code, w.Body)
	}
	subs, err := s.store.Submissions(context.Background(), "ada@example.com")
	if err != nil || len(subs) != 1 {
		t.Fatalf("submissions %v, %v", subs, err)
	}
	if got := subs[0].Values; got["topics"] != "SEO, E-Mail" || got["plan"] != page.Fields[len(page.Fields)-1].Value || got["cf-turnstile-response"] != "" {
		t.Errorf("values %q", got)
	}

	verdict = `{"success":false,"error-codes":["invalid-input-response"]}`
	if w := post("bot@example.com"); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Mensch") {
		t.Fatalf("not a person: %d", w.Code)
	}
	status = http.StatusBadGateway
	if w := post("bot@example.com"); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("provider down: %d, want 503 (fail closed)", w.Code)
	}
	if _, err := s.store.LeadByEmail(context.Background(), "bot@example.com"); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("a refused post was stored: %v", err)
	}
}
