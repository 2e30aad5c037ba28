package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"leadgate/shared/console"
	"leadgate/shared/golden"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/signing"
)

// editorMarks are the marks of the page editor's renderers.
var editorMarks = map[string]string{
	"writeEditor":        `<legend>The page</legend>`,
	"writePageActions":   `<span class="badge draft">Draft</span>`,
	"writeInput":         `<input type="text" id="title" name="title"`,
	"writeTextarea":      `<textarea id="description" name="description"`,
	"writeHint":          `<p class="hint">`,
	"writeInvalid":       `aria-invalid="true" aria-describedby="err-title"`,
	"writeInputErrors":   `<p class="error" id="err-title">`,
	"writeOption":        `<option value="playbook" selected>`,
	"writeCheckbox":      `<input type="checkbox" id="hidden_fields.utm_source"`,
	"writeRadio":         `<input type="radio" id="opt_in-double"`,
	"writeRowButton":     `name="do" value="add:fields"`,
	"writeRowCount":      `<input type="hidden" name="rows.fields"`,
	"writeFieldRows":     `<legend>Form fields</legend>`,
	"writeTemplate":      `<h2>Delivery (the download link)</h2>`,
	"writeNurtureRows":   `<legend>Nurture sequence</legend>`,
	"writeScoring":       `<legend>Scoring</legend>`,
	"writeDuplicateForm": `<label for="slug">Address of the copy (slug)</label>`,
	"writeDeleteConfirm": `<button type="submit" class="danger">Delete the page</button>`,
	"writeLookSettings":  `<legend>Look and language</legend>`,
	"writeFieldExtras":   `<textarea id="fields[5].options" name="fields[5].options"`,
}

func TestGoldenEditor(t *testing.T) {
	// The golden site with the magnet and a draft page that sets every setting.
	s := newGoldenSite(t, false, func(store leadgate.Store) {
		ctx := context.Background()
		if err := store.PutMagnet(ctx, storetest.Magnet()); err != nil {
			t.Fatal(err)
		}
		p := storetest.FullPage("full-guide")
		p.CreatedAt, p.UpdatedAt = goldenNow, goldenNow
		if err := store.PutPage(ctx, p); err != nil {
			t.Fatal(err)
		}
	})
	csrf := goldenCSRF(t)
	bad := url.Values{"csrf": {csrf}, "do": {"save"}, "slug": {"Bad Slug"}, "title": {" "}, "magnet_id": {"playbook"},
		"opt_in": {"single"}, "thank_you_url": {"javascript:alert(1)"}, "download_link_days": {"thirty"},
		"rows.fields": {"2"}, "fields[0].name": {"email"}, "fields[0].label": {"Email"}, "fields[0].type": {"email"}, "fields[0].required": {"on"},
		"fields[1].name": {"team_size"}, "fields[1].label": {"Team size"}, "fields[1].type": {"text"}, "fields[1].max_length": {"-3"},
		"follow_up.reminder_after": {"soon"}, "follow_up.delivery.subject": {"Hi {{.Nope}}"},
		"follow_up.postal_address": {"1 Main St\u202e, Springfield"}}
	cases := []struct {
		name, method, target string
		body                 url.Values
		status               int
	}{
		{"editor-empty", "GET", console.NewPagePath, nil, 200},
		{"editor-filled", "GET", console.EditPagePath("full-guide"), nil, 200},
		{"editor-errors", "POST", console.NewPagePath, bad, 422},
		{"duplicate", "GET", console.PageActionPath("full-guide", "duplicate"), nil, 200},
		{"delete-confirm", "GET", console.PageActionPath("full-guide", "delete"), nil, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			golden.Check(t, tc.name+".html", editorPage(t, s, tc.method, tc.target, tc.body, tc.status))
		})
	}
	t.Run("preview", func(t *testing.T) {
		r := httptest.NewRequest("GET", console.PageActionPath("full-guide", "preview"), nil)
		r.AddCookie(&http.Cookie{Name: console.CookieName, Value: goldenSession})
		w := httptest.NewRecorder()
		s.handler.ServeHTTP(w, r)
		if w.Code != 200 || !strings.Contains(w.Header().Get("Content-Security-Policy"), "default-src 'none'") {
			t.Fatalf("preview: %d, CSP %q", w.Code, w.Header().Get("Content-Security-Policy"))
		}
		golden.Check(t, "preview.html", w.Body.Bytes())
	})
}

// goldenCSRF is the CSRF token of the golden session.
func goldenCSRF(t *testing.T) string {
	t.Helper()
	key, err := signing.NewKey([]byte(goldenSecret))
	if err != nil {
		t.Fatal(err)
	}
	return key.CSRFToken(leadgate.SessionID(goldenSession))
}

var (
	loadsURL = regexp.MustCompile(`(src|href|action|formaction)="https?://`)
	typedURL = regexp.MustCompile(`https?://`)
)

// editorPage is goldenSite.page for the editor, whose inputs show the page's URLs
// as typed: none may be a link or a resource of the page, and the rest of the
// page's checks hold once they are set aside.
func editorPage(t *testing.T, s *goldenSite, method, target string, body url.Values, status int) []byte {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	r := httptest.NewRequest(method, target, rd)
	if body != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.AddCookie(&http.Cookie{Name: console.CookieName, Value: goldenSession})
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, r)
	if w.Code != status {
		t.Fatalf("%s %s: %d, want %d: %.800s", method, target, w.Code, status, w.Body)
	}
	if loadsURL.MatchString(w.Body.String()) {
		t.Fatalf("%s %s links or loads another site", method, target)
	}
	checkCSP(t, w.Header().Get("Content-Security-Policy"), typedURL.ReplaceAllString(w.Body.String(), "URL:"))
	return w.Body.Bytes()
}
