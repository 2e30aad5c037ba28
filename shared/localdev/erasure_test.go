package localdev_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
)

var erasedDownloadLink = regexp.MustCompile(`/v1/downloads/[A-Za-z0-9_-]{32}`)

// TestEraseLeadEndToEnd captures two leads on the sample page, lets the change feed
// send their emails and count a download, erases one through the admin API, and
// then looks for the address in every bucket of the store and every outbox file.
func TestEraseLeadEndToEnd(t *testing.T) {
	const token = "erasure-test-admin-token-0123"
	const erased, kept = "ada.erase@example.com", "grace.keep@example.com"
	r := startRun(t, token)
	r.submit(t, "lead-gen-playbook", "Ada.Erase@Example.com", true)
	r.submit(t, "lead-gen-playbook", kept, true)
	mail := r.waitMail(t, erased, "")
	r.waitMail(t, kept, "")
	link := erasedDownloadLink.FindString(mail.Text)
	if link == "" {
		t.Fatalf("no download link in %q", mail.Text)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	status := func(method, path string) int {
		t.Helper()
		req, err := http.NewRequest(method, r.ts.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if method == http.MethodDelete {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := status("POST", link); got != http.StatusSeeOther {
		t.Fatalf("download before erasure: %d", got)
	}
	ctx := context.Background()
	day := leadgate.Day(r.clock.Now())
	var before leadgate.DailyCounts
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var err error
		if before, err = r.srv.Store.DailyCounts(ctx, "lead-gen-playbook", day); err != nil {
			t.Fatal(err)
		}
		if before.Downloads == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the download was not counted: %+v", before)
		}
	}
	if before.Views < 2 {
		t.Fatalf("counts before erasure %+v, want the two form views", before)
	}

	if got := status("DELETE", "/v1/admin/leads/"+erased); got != http.StatusNoContent {
		t.Fatalf("erase: %d", got)
	}

	store := r.srv.Store.(*bolt.Store)
	needle := []byte(erased)
	err := store.ScanItems(ctx, func(where string, item []byte) error {
		if bytes.Contains(bytes.ToLower(item), needle) {
			t.Errorf("bucket %s still holds the address: %q", where, item)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir(r.srv.Outbox.Dir())
	if err != nil {
		t.Fatal(err)
	}
	keptMails := 0
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(r.srv.Outbox.Dir(), f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(bytes.ToLower(raw), needle) {
			t.Errorf("outbox file %s still holds the address", f.Name())
		}
		if bytes.Contains(raw, []byte(kept)) {
			keptMails++
		}
	}
	if keptMails == 0 {
		t.Error("the other lead's emails went too")
	}
	if l, err := r.srv.Store.LeadByEmail(ctx, kept); err != nil || l.Email != kept {
		t.Fatalf("the other lead: %+v %v", l, err)
	}
	after, err := r.srv.Store.DailyCounts(ctx, "lead-gen-playbook", day)
	if err != nil || after != before {
		t.Fatalf("counts after erasure %+v %v, want %+v", after, err, before)
	}
	if got := status("GET", link); got != http.StatusGone {
		t.Fatalf("the erased lead's download link: %d, want 410", got)
	}
	if got := status("DELETE", "/v1/admin/leads/"+erased); got != http.StatusNotFound {
		t.Fatalf("second erase: %d, want 404", got)
	}
}
