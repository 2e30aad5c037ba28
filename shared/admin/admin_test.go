package admin_test

import (
	"context"
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"leadgate/shared/admin"
	"leadgate/shared/bolt"
	"leadgate/shared/downloads"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/localbucket"
	"leadgate/shared/richtext"
	"leadgate/shared/signing"
)

type harness struct {
	svc    *admin.Service
	store  *bolt.Store
	bucket *localbucket.Bucket
	key    *signing.Key
	now    time.Time
}

// newHarness builds the service on the embedded store and a local bucket, both in
// t.TempDir(), with the magnet the test pages gate already stored.
func newHarness(t *testing.T) *harness {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h := &harness{store: store, now: storetest.T0}
	now := func() time.Time { return h.now }
	if h.bucket, err = localbucket.New(t.TempDir(), []byte(strings.Repeat("s", 32)), "", now); err != nil {
		t.Fatal(err)
	}
	if h.key, err = signing.NewKey([]byte(strings.Repeat("k", 32))); err != nil {
		t.Fatal(err)
	}
	if err := store.PutMagnet(context.Background(), storetest.Magnet()); err != nil {
		t.Fatal(err)
	}
	h.svc = admin.New(store, h.bucket, h.key, now).WithMarkdown(richtext.HTML)
	return h
}

func fieldNames(err error) string {
	var names []string
	for _, f := range leadgate.AsError(err).Fields {
		names = append(names, f.Field)
	}
	return strings.Join(names, " ")
}

func TestSavePageKeepsCreatedAtAndSetsUpdatedAt(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	p := storetest.Page("spring-guide")
	p.Slug, p.CreatedAt, p.UpdatedAt = "", time.Time{}, time.Time{} // the slug comes from where it is saved
	got, created, err := h.svc.SavePage(ctx, "spring-guide", p)
	if err != nil || !created || got.Slug != "spring-guide" || !got.CreatedAt.Equal(storetest.T0) || !got.UpdatedAt.Equal(storetest.T0) {
		t.Fatalf("create: %+v, created %v, %v", got, created, err)
	}
	h.now = storetest.T0.Add(time.Hour)
	p.Title = "Second edition"
	p.CreatedAt = storetest.T0.Add(-100 * time.Hour) // a caller's created_at is not taken
	if _, created, err := h.svc.SavePage(ctx, "spring-guide", p); err != nil || created {
		t.Fatalf("update: created %v, %v", created, err)
	}
	stored, err := h.store.Page(ctx, "spring-guide")
	if err != nil || stored.Title != "Second edition" || !stored.CreatedAt.Equal(storetest.T0) || !stored.UpdatedAt.Equal(h.now) {
		t.Fatalf("stored %+v, %v; want created at T0, updated an hour later", stored, err)
	}
}

func TestSavePageRefusesEverythingAtOnce(t *testing.T) {
	h := newHarness(t)
	p := storetest.Page("other")
	p.Title, p.MagnetID = "", "no-such-magnet"
	p.FollowUp.Delivery.Subject = "{{.Nope}}"
	_, _, err := h.svc.SavePage(context.Background(), "refused", p)
	if leadgate.ErrorCode(err) != leadgate.EINVALID || fieldNames(err) != "slug title follow_up.delivery.subject magnet_id" {
		t.Fatalf("%v, fields %q", err, fieldNames(err))
	}
	if _, err := h.store.Page(context.Background(), "refused"); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("a refused page was stored: %v", err)
	}
}

func TestSaveMagnet(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	m := leadgate.Magnet{Title: "Pricing checklist", Kind: "checklist", FileName: "Pricing Checklist.PDF", ContentType: "application/pdf"}

	t.Run("object key derived, created", func(t *testing.T) {
		got, created, err := h.svc.SaveMagnet(ctx, "pricing", m)
		if err != nil || !created || got.ID != "pricing" || got.ObjectKey != "magnets/pricing.pdf" || !got.CreatedAt.Equal(storetest.T0) {
			t.Fatalf("%+v, created %v, %v", got, created, err)
		}
		link, err := h.svc.UploadLink(ctx, "pricing", admin.UploadRequest{ContentType: "application/pdf", FileName: m.FileName, Size: 2048})
		if err != nil || link.ObjectKey != got.ObjectKey || link.Method != "PUT" || !link.ExpiresAt.Equal(storetest.T0.Add(leadgate.UploadTTL)) {
			t.Fatalf("upload link %+v, %v; want the magnet's key", link, err)
		}
	})
	t.Run("CreatedAt kept across saves", func(t *testing.T) {
		h.now = storetest.T0.Add(time.Hour)
		m.Title, m.CreatedAt = "Pricing checklist, 2nd ed.", storetest.T0.Add(-time.Hour)
		if _, created, err := h.svc.SaveMagnet(ctx, "pricing", m); err != nil || created {
			t.Fatalf("update: created %v, %v", created, err)
		}
		stored, err := h.store.Magnet(ctx, "pricing")
		if err != nil || stored.Title != m.Title || !stored.CreatedAt.Equal(storetest.T0) {
			t.Fatalf("stored %+v, %v; want created at T0", stored, err)
		}
	})
	for _, tc := range []struct {
		name, id string
		edit     func(*leadgate.Magnet)
		want     string
	}{
		{"file outside magnets/", "pricing", func(m *leadgate.Magnet) { m.ObjectKey = "private/pricing.pdf" }, "object_key"},
		{"unsafe file name", "pricing", func(m *leadgate.Magnet) { m.FileName = `a"b.pdf` }, "file_name"},
		{"id of another magnet", "pricing", func(m *leadgate.Magnet) { m.ID = "other" }, "id"},
		{"bad id and type", "Bad Id", func(m *leadgate.Magnet) { m.ContentType = "pdf" }, "id content_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := m
			tc.edit(&bad)
			_, _, err := h.svc.SaveMagnet(ctx, tc.id, bad)
			if leadgate.ErrorCode(err) != leadgate.EINVALID || fieldNames(err) != tc.want {
				t.Fatalf("%v, fields %q; want %q", err, fieldNames(err), tc.want)
			}
		})
	}
	if got, err := h.store.Magnet(ctx, "pricing"); err != nil || got.ObjectKey != "magnets/pricing.pdf" {
		t.Fatalf("a refused save changed the magnet: %+v, %v", got, err)
	}
	if _, err := h.svc.UploadLink(ctx, "Bad Id", admin.UploadRequest{ContentType: "pdf", Size: leadgate.MaxMagnetBytes + 1}); fieldNames(err) != "id content_type size" {
		t.Fatalf("upload link for a bad id and type: %v", err)
	}
}

// TestRevokeLink revokes a grant by its emailed URL: a click then answers gone.
func TestRevokeLink(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	token := h.key.GrantToken("sub-revoke")
	g := storetest.Grant(token, storetest.Page("revoke-guide"), "fwd@example.com")
	if err := h.store.PutGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	clicks := downloads.New(h.store, h.bucket, nil, func() time.Time { return h.now })
	if _, _, err := clicks.Download(ctx, token); err != nil {
		t.Fatalf("a click before revocation: %v", err)
	}
	got, err := h.svc.RevokeLink(ctx, "https://api.example.com"+leadgate.DownloadPath(token)+"?utm_source=x")
	if err != nil || !got.Revoked || got.Page != "revoke-guide" || got.Downloads != 1 {
		t.Fatalf("revoke: %+v, %v", got, err)
	}
	_, _, err = clicks.Download(ctx, token)
	if leadgate.ErrorCode(err) != leadgate.EGONE || !strings.Contains(leadgate.ErrorMessage(err), "withdrawn") {
		t.Fatalf("a click after revocation: %v, want gone", err)
	}
	if _, err := h.svc.RevokeLink(ctx, token); err != nil {
		t.Fatalf("revoking again, by the bare token: %v", err)
	}
	for _, tc := range []struct {
		link string
		code leadgate.Code
	}{
		{h.key.GrantToken("no-such-submission"), leadgate.ENOTFOUND},
		{"https://api.example.com" + leadgate.ConfirmPath(token), leadgate.EINVALID},
		{"https://api.example.com" + leadgate.DownloadPath("short"), leadgate.EINVALID},
		{"", leadgate.EINVALID},
	} {
		if _, err := h.svc.RevokeLink(ctx, tc.link); leadgate.ErrorCode(err) != tc.code {
			t.Errorf("RevokeLink(%q): %v, want %s", tc.link, err, tc.code)
		}
	}
}

// TestLeadExportAndErasure exports a lead, erases it (the hook runs, with the
// address), and erases it again: ENOTFOUND, and the hook runs once more, so a
// retry finishes an erasure whose hook failed.
func TestLeadExportAndErasure(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	p := storetest.Page("erase-guide")
	if err := h.store.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	c := storetest.Capture(p, "erin@example.com", storetest.T0, "x")
	g := leadgate.NewGrant(h.key.GrantToken(c.Submission.ID), c.Submission, p, storetest.Magnet())
	c.Grant = &g
	if _, err := h.store.Capture(ctx, c); err != nil {
		t.Fatal(err)
	}
	var hooked []string
	h.svc.WithEraseHook(func(_ context.Context, email string) (int, error) {
		hooked = append(hooked, email)
		return 2, nil
	})

	export, err := h.svc.Lead(ctx, " Erin@Example.com ")
	if err != nil || export.Lead.Email != "erin@example.com" || len(export.Submissions) != 1 || len(export.Grants) != 1 || export.Grants[0].Page != p.Slug {
		t.Fatalf("export %+v, %v", export, err)
	}
	erased, err := h.svc.EraseLead(ctx, "ERIN@example.com")
	if err != nil || erased.Submissions != 1 || erased.Grants != 1 || erased.Elsewhere != 2 {
		t.Fatalf("erase: %+v, %v", erased, err)
	}
	if _, err := h.store.LeadByEmail(ctx, "erin@example.com"); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("the lead after erasure: %v", err)
	}
	if got, err := h.store.Grant(ctx, g.ID); err != nil || !got.Erased || got.Email != "" {
		t.Fatalf("grant after erasure %+v, %v", got, err)
	}
	if _, err := h.svc.EraseLead(ctx, "erin@example.com"); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("second erasure: %v, want not found", err)
	}
	if strings.Join(hooked, " ") != "erin@example.com erin@example.com" {
		t.Fatalf("the hook ran for %q", hooked)
	}
	for _, email := range []string{"not-an-address", ""} {
		if _, err := h.svc.EraseLead(ctx, email); fieldNames(err) != "email" {
			t.Errorf("erase %q: %v", email, err)
		}
		if _, err := h.svc.Lead(ctx, email); fieldNames(err) != "email" {
			t.Errorf("export %q: %v", email, err)
		}
	}
}

func TestExportLeadsIsFormulaSafe(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	p := storetest.Page("csv-guide")
	if err := h.store.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"=1+1", "Plain"} {
		c := storetest.Capture(p, string(rune('a'+i))+"@example.com", storetest.T0.Add(time.Duration(i)*time.Minute), "x")
		c.Submission.Values["name"] = name
		c.Submission.Values["team_size"] = "@11-50"
		if _, err := h.store.Capture(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.svc.ExportLeads(ctx, "no-such-page", time.Time{}); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("export of an unknown page: %v", err)
	}
	export, err := h.svc.ExportLeads(ctx, "csv-guide", storetest.T0.Truncate(24*time.Hour))
	if err != nil || export.FileName != "csv-guide-leads-since-2026-03-02.csv" {
		t.Fatalf("%+v, %v", export, err)
	}
	var b strings.Builder
	if err := export.Write(ctx, &b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][len(rows[0])-1] != "team_size" {
		t.Fatalf("rows %q, %v", rows, err)
	}
	if rows[1][4] != "Plain" || rows[2][4] != "'=1+1" || rows[1][len(rows[1])-1] != "'@11-50" {
		t.Fatalf("rows %q: not newest first, or a formula left as is", rows)
	}

	page, err := h.svc.PageLeads(ctx, "csv-guide", admin.LeadsQuery{Limit: 1})
	if err != nil || len(page.Leads) != 1 || page.Leads[0].Email != "b@example.com" || page.Next == "" {
		t.Fatalf("first page %+v, %v", page, err)
	}
	if _, err := admin.ParseLeadsQuery("yesterday", "junk", "0"); fieldNames(err) != "since limit cursor" {
		t.Fatalf("a bad query: %v", err)
	}
}

func TestSaveSpendAndStats(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if err := h.store.PutPage(ctx, storetest.Page("spend-guide")); err != nil {
		t.Fatal(err)
	}
	amount := 12.5
	sp, err := h.svc.SaveSpend(ctx, "spend-guide", "spring", admin.SpendRequest{Amount: &amount, Currency: "EUR"})
	if err != nil || sp.Amount != 12.5 || !sp.UpdatedAt.Equal(storetest.T0) {
		t.Fatalf("spend %+v, %v", sp, err)
	}
	if _, err := h.svc.SaveSpend(ctx, "spend-guide", "spring", admin.SpendRequest{Currency: "EUR"}); fieldNames(err) != "amount" {
		t.Fatalf("no amount: %v", err)
	}
	if _, err := h.svc.SaveSpend(ctx, "no-such-page", "spring", admin.SpendRequest{Amount: &amount, Currency: "EUR"}); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("unknown page: %v", err)
	}
	rep, err := h.svc.Stats(ctx, "spend-guide", "", "")
	if err != nil || rep.To != "2026-03-02" || rep.From != "2026-02-01" {
		t.Fatalf("stats %+v, %v", rep, err)
	}
	if _, err := h.svc.Stats(ctx, "spend-guide", "2026-03-03", "2026-03-01"); fieldNames(err) != "from" {
		t.Fatalf("a backwards range: %v", err)
	}
}
