package adminapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"leadgate/shared/admin"
	"leadgate/shared/adminapi"
	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/localbucket"
	"leadgate/shared/richtext"
	"leadgate/shared/signing"
	"leadgate/shared/webhooks"
)

const adminToken = "test-admin-token-0123456789"

type adminHarness struct {
	key     *signing.Key
	store   *bolt.Store
	now     time.Time
	handler http.Handler
}

// newAdminHarness serves the admin API behind the bearer token, on the embedded
// store and a local bucket, with the magnet the test pages gate already stored.
func newAdminHarness(t *testing.T) *adminHarness {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h := &adminHarness{store: store, now: storetest.T0}
	now := func() time.Time { return h.now }
	bucket, err := localbucket.New(t.TempDir(), []byte(strings.Repeat("s", 32)), "", now)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.PutMagnet(context.Background(), storetest.Magnet()); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	key, err := signing.NewKey([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	h.key = key
	hooks := webhooks.New(store, webhooks.NewSender(webhooks.LocalPolicy), now, nil)
	svc := admin.New(store, bucket, key, now).WithWebhooks(hooks).WithPostalAddress("Leadgate Ltd, 1 Harbour Street, Bristol").WithMarkdown(richtext.HTML)
	h.handler = adminapi.RequireBearer(adminToken, adminapi.New(svc, log).Handler(), log)
	return h
}

func (h *adminHarness) do(t *testing.T, method, path, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	r.Header.Set("Authorization", "Bearer "+adminToken)
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, r)
	return w
}

func pageJSON(t *testing.T, p leadgate.Page) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type errorAnswer struct {
	Error struct {
		Code    string                `json:"code"`
		Message string                `json:"message"`
		Fields  []leadgate.FieldError `json:"fields"`
	} `json:"error"`
}

func decodeError(t *testing.T, w *httptest.ResponseRecorder) errorAnswer {
	t.Helper()
	var e errorAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Code == "" {
		t.Fatalf("status %d: body %q is not the JSON error shape", w.Code, w.Body)
	}
	return e
}

func fieldNames(e errorAnswer) []string {
	var names []string
	for _, f := range e.Error.Fields {
		names = append(names, f.Field)
	}
	return names
}

func TestAdminPutPageCreatesThenUpdatesKeepingCreatedAt(t *testing.T) {
	h := newAdminHarness(t)
	p := storetest.Page("spring-guide")
	p.CreatedAt, p.UpdatedAt = time.Time{}, time.Time{}
	w := h.do(t, "PUT", "/v1/admin/pages/spring-guide", "application/json", pageJSON(t, p))
	if w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	var got leadgate.Page
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || !got.CreatedAt.Equal(storetest.T0) || !got.UpdatedAt.Equal(storetest.T0) {
		t.Fatalf("created page %+v, %v; want created and updated at T0", got, err)
	}

	h.now = storetest.T0.Add(time.Hour)
	p.Title = "The spring guide, second edition"
	p.CreatedAt = storetest.T0.Add(-100 * time.Hour) // a client's created_at is not taken
	w = h.do(t, "PUT", "/v1/admin/pages/spring-guide", "application/json; charset=utf-8", pageJSON(t, p))
	if w.Code != http.StatusOK {
		t.Fatalf("update: %d %s", w.Code, w.Body)
	}
	stored, err := h.store.Page(context.Background(), "spring-guide")
	if err != nil || stored.Title != p.Title || !stored.CreatedAt.Equal(storetest.T0) || !stored.UpdatedAt.Equal(h.now) {
		t.Fatalf("stored %+v, %v; want the new title, created at T0, updated an hour later", stored, err)
	}

	w = h.do(t, "GET", "/v1/admin/pages/spring-guide", "", "")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"title":"The spring guide, second edition"`) {
		t.Fatalf("GET page: %d %s", w.Code, w.Body)
	}
	w = h.do(t, "GET", "/v1/admin/pages", "", "")
	var list struct{ Pages []leadgate.Page }
	if err := json.Unmarshal(w.Body.Bytes(), &list); w.Code != http.StatusOK || err != nil || len(list.Pages) != 1 || list.Pages[0].Slug != "spring-guide" {
		t.Fatalf("GET pages: %d %s", w.Code, w.Body)
	}
}

// TestAdminPutPageRefusals: every problem of a page is answered at once, 422, each
// with its field named: the page's checks, a broken template, an unknown magnet,
// a slug that is not the path's. Nothing is stored.
func TestAdminPutPageRefusals(t *testing.T) {
	h := newAdminHarness(t)
	cases := []struct {
		name string
		edit func(*leadgate.Page)
		want []string
	}{
		{"broken template", func(p *leadgate.Page) { p.FollowUp.Delivery.Subject = "Your {{.Nope}}" }, []string{"follow_up.delivery.subject"}},
		{"unknown magnet", func(p *leadgate.Page) { p.MagnetID = "no-such-magnet" }, []string{"magnet_id"}},
		{"slug of another page", func(p *leadgate.Page) { p.Slug = "other" }, []string{"slug"}},
		{"several at once", func(p *leadgate.Page) {
			p.Title, p.OptIn = "", "triple"
			p.FollowUp.Nurture = []leadgate.NurtureStep{{ID: "day-2", After: time.Hour, EmailTemplate: leadgate.EmailTemplate{HTML: "{{if}}"}}}
		}, []string{"title", "opt_in", "follow_up.nurture[0].html"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := storetest.Page("refused")
			tc.edit(&p)
			w := h.do(t, "PUT", "/v1/admin/pages/refused", "application/json", pageJSON(t, p))
			e := decodeError(t, w)
			if w.Code != http.StatusUnprocessableEntity || e.Error.Code != "invalid" {
				t.Fatalf("%d %s, want 422", w.Code, w.Body)
			}
			if got := strings.Join(fieldNames(e), " "); got != strings.Join(tc.want, " ") {
				t.Fatalf("fields %q, want %q: %s", got, tc.want, w.Body)
			}
		})
	}
	if _, err := h.store.Page(context.Background(), "refused"); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("a refused page was stored: %v", err)
	}
}

func TestAdminMagnets(t *testing.T) {
	h := newAdminHarness(t)
	m := leadgate.Magnet{Title: "Pricing checklist", Kind: "checklist", ObjectKey: "magnets/pricing.pdf", FileName: "Pricing.pdf", ContentType: "application/pdf"}
	body, _ := json.Marshal(m)
	if w := h.do(t, "PUT", "/v1/admin/magnets/pricing", "application/json", string(body)); w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	h.now = storetest.T0.Add(time.Hour)
	if w := h.do(t, "PUT", "/v1/admin/magnets/pricing", "application/json", string(body)); w.Code != http.StatusOK {
		t.Fatalf("update: %d %s", w.Code, w.Body)
	}
	if got, err := h.store.Magnet(context.Background(), "pricing"); err != nil || !got.CreatedAt.Equal(storetest.T0) {
		t.Fatalf("stored %+v, %v; want created at T0", got, err)
	}
	w := h.do(t, "GET", "/v1/admin/magnets", "", "")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"id":"playbook"`) || !strings.Contains(w.Body.String(), `"id":"pricing"`) {
		t.Fatalf("GET magnets: %d %s", w.Code, w.Body)
	}
	m.ObjectKey, m.FileName = "private/pricing.pdf", `a"b.pdf`
	body, _ = json.Marshal(m)
	w = h.do(t, "PUT", "/v1/admin/magnets/pricing", "application/json", string(body))
	if e := decodeError(t, w); w.Code != http.StatusUnprocessableEntity || strings.Join(fieldNames(e), " ") != "object_key file_name" {
		t.Fatalf("invalid magnet: %d %s", w.Code, w.Body)
	}
	if w := h.do(t, "GET", "/v1/admin/magnets/nope", "", ""); w.Code != http.StatusNotFound {
		t.Fatalf("unknown magnet: %d", w.Code)
	}
}

// TestAdminUploadURL asks for an upload link and uses it: the file lands at the
// returned key.
func TestAdminUploadURL(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	bucket, err := localbucket.New(t.TempDir(), []byte(strings.Repeat("s", 32)), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mux := http.NewServeMux()
	adminapi.New(admin.New(store, bucket, nil, time.Now), log).Register(mux)
	mux.Handle(localbucket.Prefix, bucket.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, err := http.Post(srv.URL+"/v1/admin/magnets/pricing/upload-url", "application/json", strings.NewReader(`{"content_type":"application/pdf","file_name":"Pricing Checklist.PDF","size":18}`))
	if err != nil {
		t.Fatal(err)
	}
	var link admin.UploadLink
	err = json.NewDecoder(res.Body).Decode(&link)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK || link.ObjectKey != "magnets/pricing.pdf" || link.Method != "PUT" ||
		!strings.HasPrefix(link.URL, srv.URL+localbucket.Prefix) || link.ContentType != "application/pdf" {
		t.Fatalf("upload link: %d %+v, %v", res.StatusCode, link, err)
	}
	if d := time.Until(link.ExpiresAt); d < 14*time.Minute || d > 15*time.Minute {
		t.Errorf("link expires in %s, want 15 minutes", d)
	}
	req, _ := http.NewRequest(http.MethodPut, link.URL, strings.NewReader("%PDF-1.4 checklist"))
	req.Header.Set("Content-Type", link.ContentType)
	res, err = http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("PUT to the link: %v %v", res, err)
	}
	res.Body.Close()
	dl, _ := bucket.DownloadURL(context.Background(), link.ObjectKey, "p.pdf", "application/pdf", time.Minute)
	_, body := getURL(t, srv.URL+dl)
	if body != "%PDF-1.4 checklist" {
		t.Fatalf("uploaded file: %q", body)
	}

	res, err = http.Post(srv.URL+"/v1/admin/magnets/Bad_Id/upload-url", "application/json", strings.NewReader(`{"content_type":"pdf"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad id and type: %d, want 422", res.StatusCode)
	}
}

func getURL(t *testing.T, u string) (int, string) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestAdminRequestErrors checks the answers to requests the API cannot take, each
// in the JSON error shape.
func TestAdminRequestErrors(t *testing.T) {
	h := newAdminHarness(t)
	page := pageJSON(t, storetest.Page("p"))
	cases := []struct {
		name, method, path, contentType, body string
		status                                int
		allow                                 string
	}{
		{"other content type", "PUT", "/v1/admin/pages/p", "text/plain", page, 415, ""},
		{"no content type", "PUT", "/v1/admin/pages/p", "", page, 415, ""},
		{"over 1 MiB", "PUT", "/v1/admin/pages/p", "application/json", `{"title":"` + strings.Repeat("x", 1<<20) + `"}`, 413, ""},
		{"malformed JSON", "PUT", "/v1/admin/pages/p", "application/json", `{"slug":`, 400, ""},
		{"two values", "PUT", "/v1/admin/pages/p", "application/json", page + page, 400, ""},
		{"unknown field", "PUT", "/v1/admin/pages/p", "application/json", `{"titel":"x"}`, 422, ""},
		{"wrong type", "PUT", "/v1/admin/pages/p", "application/json", `{"title":5}`, 422, ""},
		{"unknown route", "GET", "/v1/admin/leads", "", "", 404, ""},
		{"unknown page", "GET", "/v1/admin/pages/nope", "", "", 404, ""},
		{"other method on a page", "POST", "/v1/admin/pages/p", "", "", 405, "GET, HEAD, PUT, DELETE"},
		{"other method on the list", "POST", "/v1/admin/pages", "application/json", "{}", 405, "GET, HEAD"},
		{"GET of the upload link", "GET", "/v1/admin/magnets/m/upload-url", "", "", 405, "POST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := h.do(t, tc.method, tc.path, tc.contentType, tc.body)
			decodeError(t, w)
			if w.Code != tc.status {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
			if got := w.Header().Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
		})
	}
}

// TestAdminNeedsTheBearerToken: without the token, or with another, every admin
// request (an unknown route too) gets 401 and WWW-Authenticate: Bearer, and
// nothing is read or written.
func TestAdminNeedsTheBearerToken(t *testing.T) {
	h := newAdminHarness(t)
	for _, auth := range []string{"", "Bearer", "Bearer ", "Bearer wrong-token", "Basic " + adminToken, adminToken, "Bearer " + adminToken + "x"} {
		for _, path := range []string{"/v1/admin/pages", "/v1/admin/nothing"} {
			r := httptest.NewRequest("GET", path, nil)
			if auth != "" {
				r.Header.Set("Authorization", auth)
			}
			w := httptest.NewRecorder()
			h.handler.ServeHTTP(w, r)
			decodeError(t, w)
			if w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("Authorization %q on %s: %d, WWW-Authenticate %q; want 401, Bearer", auth, path, w.Code, w.Header().Get("WWW-Authenticate"))
			}
		}
	}
	r := httptest.NewRequest("GET", "/v1/admin/pages", nil)
	r.Header.Set("Authorization", "bearer "+adminToken) // the scheme is case-insensitive
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("lower-case scheme: %d", w.Code)
	}
	denied := adminapi.RequireBearer("", http.NotFoundHandler(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	r = httptest.NewRequest("GET", "/v1/admin/pages", nil)
	r.Header.Set("Authorization", "Bearer ")
	w = httptest.NewRecorder()
	denied.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("an empty token let a request through: %d", w.Code)
	}
}
