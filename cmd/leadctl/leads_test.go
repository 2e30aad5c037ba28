package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// TestLeadsExportAndErase exports the sample page's leads to stdout and to a file,
// erases one lead, and exports again.
func TestLeadsExportAndErase(t *testing.T) {
	srv, ts, _ := devServer(t)
	ctx := context.Background()
	page, err := srv.Store.Page(ctx, "lead-gen-playbook")
	if err != nil {
		t.Fatal(err)
	}
	for i, email := range []string{"first@example.com", "second@example.com"} {
		c := storetest.Capture(page, email, time.Now().UTC().Add(time.Duration(i)*time.Minute).Truncate(time.Millisecond), "cli")
		c.Submission.Values = map[string]string{"email": email, "name": "=cmd|' /C calc'!A0"}
		if _, err := srv.Store.Capture(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	api := []string{"-api", ts.URL, "-token", testToken}

	out, err := leadctl(t, append([]string{"leads", "export", "--page", "lead-gen-playbook", "--since", "2026-01-02"}, api...)...)
	if err != nil {
		t.Fatalf("leads export: %v\n%s", err, out)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "submitted_at" || rows[1][3] != "second@example.com" || rows[2][3] != "first@example.com" {
		t.Fatalf("CSV %q, %v", rows, err)
	}
	if rows[1][4] != "'=cmd|' /C calc'!A0" {
		t.Errorf("name cell %q, want it neutralised", rows[1][4])
	}

	file := filepath.Join(t.TempDir(), "leads.csv")
	if out, err := leadctl(t, append([]string{"leads", "export", "-page", "lead-gen-playbook", "-o", file}, api...)...); err != nil || out != "" {
		t.Fatalf("leads export -o: %v %q", err, out)
	}
	data, err := os.ReadFile(file)
	if err != nil || strings.Count(string(data), "@example.com") != 2 {
		t.Fatalf("the file: %q %v", data, err)
	}

	out, err = leadctl(t, append([]string{"lead", "erase", "First@Example.com"}, api...)...)
	if err != nil || !strings.Contains(out, "erased first@example.com") || !strings.Contains(out, "1 submission(s)") {
		t.Fatalf("lead erase: %v\n%s", err, out)
	}
	if _, err := srv.Store.LeadByEmail(ctx, "first@example.com"); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("the lead after erasure: %v", err)
	}
	_, err = leadctl(t, append([]string{"lead", "erase", "first@example.com"}, api...)...)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("second erase: %v, want the API's 404", err)
	}
	out, err = leadctl(t, append([]string{"leads", "export", "-page", "lead-gen-playbook"}, api...)...)
	if err != nil || strings.Contains(out, "first@example.com") || !strings.Contains(out, "second@example.com") {
		t.Fatalf("export after erasure: %v\n%s", err, out)
	}
}

func TestLeadsCommandsRefuseAndHelp(t *testing.T) {
	_, ts, _ := devServer(t)
	api := []string{"-api", ts.URL, "-token", testToken}
	for _, args := range [][]string{{"leads", "export", "-h"}, {"lead", "erase", "-h"}} {
		out, err := leadctl(t, args...)
		if err != nil || !strings.Contains(out, "usage: leadctl "+args[0]+" "+args[1]) {
			t.Errorf("%v: %v %q", args, err, out)
		}
	}
	if _, err := leadctl(t, append([]string{"leads", "export"}, api...)...); err == nil {
		t.Error("leads export without -page worked")
	}
	if _, err := leadctl(t, append([]string{"leads", "export", "-page", "no-such-page"}, api...)...); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("export of an unknown page: %v", err)
	}
	if _, err := leadctl(t, append([]string{"leads", "export", "-page", "lead-gen-playbook", "-since", "soon"}, api...)...); err == nil || !strings.Contains(err.Error(), "since") {
		t.Errorf("a bad -since: %v", err)
	}
	if _, err := leadctl(t, append([]string{"lead", "erase", "not-an-address"}, api...)...); err == nil || !strings.Contains(err.Error(), "422") {
		t.Errorf("erase of a bad address: %v", err)
	}
	if _, err := leadctl(t, "lead", "erase", "a@example.com", "-api", ts.URL, "-token", "wrong-token-wrong-token"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("erase with a wrong token: %v", err)
	}
}
