package adminapi_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"leadgate/shared/admin"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// captureLeads stores n leads on page p, a minute apart from T0, and returns their
// addresses newest first.
func (h *adminHarness) captureLeads(t *testing.T, p leadgate.Page, names ...string) []string {
	t.Helper()
	var emails []string
	for i, name := range names {
		email := "lead" + string(rune('a'+i)) + "@example.com"
		c := storetest.Capture(p, email, storetest.T0.Add(time.Duration(i)*time.Minute), "newsletter")
		c.Submission.Values["name"] = name
		c.Submission.Values["company"] = "-Minus Corp"
		c.Submission.Values["team_size"] = "@11-50"
		if _, err := h.store.Capture(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		emails = append([]string{email}, emails...)
	}
	return emails
}

func TestAdminPageLeadsPagesWithACursor(t *testing.T) {
	h := newAdminHarness(t)
	p := storetest.Page("export-guide")
	if err := h.store.PutPage(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	want := h.captureLeads(t, p, "Ada", "Grace", "Edsger", "Barbara", "Donald")
	var got []string
	path := "/v1/admin/pages/export-guide/leads?limit=2&since=2026-03-02"
	for pages := 1; ; pages++ {
		w := h.do(t, "GET", path, "", "")
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, w.Code, w.Body)
		}
		var page admin.LeadsPage
		if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil {
			t.Fatal(err)
		}
		for _, row := range page.Leads {
			if row.Status != leadgate.StatusActive || !row.Consent.Given || row.FirstTouch.UTMSource != "newsletter" || row.SubmittedAt.IsZero() || row.Custom["team_size"] != "@11-50" {
				t.Fatalf("row %+v", row)
			}
			got = append(got, row.Email)
		}
		if page.Next == "" {
			if pages != 3 {
				t.Fatalf("%d pages, want 3", pages)
			}
			break
		}
		path = "/v1/admin/pages/export-guide/leads?limit=2&since=2026-03-02&cursor=" + url.QueryEscape(page.Next)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("exported %v, want %v (newest first)", got, want)
	}
	w := h.do(t, "GET", "/v1/admin/pages/export-guide/leads?since=2026-03-03", "", "")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `{"leads":[],"next":""}`) {
		t.Fatalf("since a later day: %d %s", w.Code, w.Body)
	}
}

func TestAdminPageLeadsCSVIsFormulaSafe(t *testing.T) {
	h := newAdminHarness(t)
	p := storetest.Page("csv-guide")
	if err := h.store.PutPage(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	names := []string{`=HYPERLINK("http://x")`, "+SUM(1)", "-2+3", "@cmd", "\tTabbed", "\rReturned", "Plain, \"quoted\" name"}
	h.captureLeads(t, p, names...)
	w := h.do(t, "GET", "/v1/admin/pages/csv-guide/leads.csv?since=2026-03-01", "", "")
	if w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := w.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "csv-guide-leads") {
		t.Errorf("Content-Disposition %q", cd)
	}
	rows, err := csv.NewReader(w.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(names)+1 {
		t.Fatalf("%d rows, want a header and %d", len(rows), len(names))
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for _, name := range []string{"submitted_at", "email", "name", "company", "status", "consent_given", "team_size"} {
		if _, ok := col[name]; !ok {
			t.Fatalf("no column %s in %v", name, rows[0])
		}
	}
	export, err := h.store.PageLeads(context.Background(), "csv-guide", time.Time{}, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for i, pl := range export.Leads {
		row := rows[i+1]
		if row[col["email"]] != pl.Lead.Email || row[col["submitted_at"]] != pl.Submission.At.Format(time.RFC3339) || row[col["status"]] != "active" || row[col["consent_given"]] != "true" {
			t.Errorf("row %d %q does not match the stored %s", i, row, pl.Lead.Email)
		}
		if got, want := row[col["name"]], admin.FormulaSafe(pl.Lead.Name); got != want {
			t.Errorf("name %q, want %q", got, want)
		}
		if row[col["company"]] != "'-Minus Corp" || row[col["team_size"]] != "'@11-50" {
			t.Errorf("company %q, team size %q: not neutralised", row[col["company"]], row[col["team_size"]])
		}
	}
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
		}
	}
	byName := map[string]bool{}
	for _, row := range rows[1:] {
		byName[row[col["name"]]] = true
	}
	for _, want := range []string{`'=HYPERLINK("http://x")`, "'+SUM(1)", "'-2+3", "'@cmd", "'\tTabbed", "'\rReturned", `Plain, "quoted" name`} {
		if !byName[want] {
			t.Errorf("no name %q in the export", want)
		}
	}
}

func TestAdminLeadRoutesRefuseBadInput(t *testing.T) {
	h := newAdminHarness(t)
	if err := h.store.PutPage(context.Background(), storetest.Page("bad-input")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path string
		status       int
		field        string
	}{
		{"GET", "/v1/admin/pages/bad-input/leads?cursor=junk", 422, "cursor"},
		{"GET", "/v1/admin/pages/bad-input/leads?since=yesterday", 422, "since"},
		{"GET", "/v1/admin/pages/bad-input/leads.csv?since=2026-13-01", 422, "since"},
		{"GET", "/v1/admin/pages/bad-input/leads?limit=0", 422, "limit"},
		{"GET", "/v1/admin/pages/bad-input/leads?limit=1001", 422, "limit"},
		{"GET", "/v1/admin/pages/no-such-page/leads", 404, ""},
		{"GET", "/v1/admin/pages/no-such-page/leads.csv", 404, ""},
		{"GET", "/v1/admin/leads/not-an-address", 422, "email"},
		{"DELETE", "/v1/admin/leads/not-an-address", 422, "email"},
		{"GET", "/v1/admin/leads/nobody@example.com", 404, ""},
		{"DELETE", "/v1/admin/leads/nobody@example.com", 404, ""},
		{"POST", "/v1/admin/leads/nobody@example.com", 405, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			w := h.do(t, tc.method, tc.path, "", "")
			if w.Code != tc.status {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
			e := decodeError(t, w)
			if tc.field != "" && strings.Join(fieldNames(e), ",") != tc.field {
				t.Fatalf("fields %v, want %s", fieldNames(e), tc.field)
			}
		})
	}
	for _, path := range []string{"/v1/admin/pages/bad-input/leads", "/v1/admin/pages/bad-input/leads.csv", "/v1/admin/leads/a@example.com"} {
		for _, method := range []string{"GET", "DELETE"} {
			r := httptest.NewRequest(method, path, nil)
			w := httptest.NewRecorder()
			h.handler.ServeHTTP(w, r)
			if w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("%s %s without the token: %d", method, path, w.Code)
			}
		}
	}
}

func TestAdminLeadExportAndErasure(t *testing.T) {
	h := newAdminHarness(t)
	p := storetest.Page("erase-guide")
	if err := h.store.PutPage(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	c := storetest.Capture(p, "erin@example.com", storetest.T0, "x")
	g := leadgate.NewGrant(h.key.GrantToken(c.Submission.ID), c.Submission, p, storetest.Magnet())
	c.Grant = &g
	if _, err := h.store.Capture(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	w := h.do(t, "GET", "/v1/admin/leads/"+url.PathEscape(" Erin@Example.com "), "", "")
	if w.Code != http.StatusOK {
		t.Fatalf("export: %d %s", w.Code, w.Body)
	}
	var export admin.LeadExport
	if err := json.Unmarshal(w.Body.Bytes(), &export); err != nil {
		t.Fatal(err)
	}
	if export.Lead.Email != "erin@example.com" || len(export.Submissions) != 1 || len(export.Grants) != 1 || export.Grants[0].Page != p.Slug || export.Grants[0].Erased {
		t.Fatalf("export %+v", export)
	}
	if strings.Contains(w.Body.String(), g.ID) || strings.Contains(w.Body.String(), h.key.GrantToken(c.Submission.ID)) {
		t.Error("the export shows the link's id or token")
	}
	if w := h.do(t, "DELETE", "/v1/admin/leads/erin@example.com", "", ""); w.Code != http.StatusNoContent || w.Body.Len() != 0 {
		t.Fatalf("erase: %d %s", w.Code, w.Body)
	}
	if got, err := h.store.Grant(context.Background(), g.ID); err != nil || !got.Erased || got.Email != "" {
		t.Fatalf("grant after erasure %+v %v", got, err)
	}
	if w := h.do(t, "DELETE", "/v1/admin/leads/erin@example.com", "", ""); w.Code != http.StatusNotFound {
		t.Fatalf("second erase: %d, want 404", w.Code)
	}
}
