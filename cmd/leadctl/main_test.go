package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/localdev"
)

func leadctl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, &out)
	return out.String(), err
}

func TestMagnetsPutUploadsAndRegisters(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "Pricing Checklist.pdf")
	body := []byte("%PDF-1.4 a checklist")
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := leadctl(t, "magnets", "put", "-local", dir, "-id", "pricing-checklist", "-title", "Pricing checklist", "-kind", "checklist", "-file", file)
	if err != nil || !strings.Contains(out, `as magnet "pricing-checklist"`) {
		t.Fatalf("magnets put: %v\n%s", err, out)
	}
	backend, err := localdev.Embedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer backend.Close()
	m, err := backend.Store.Magnet(context.Background(), "pricing-checklist")
	if err != nil {
		t.Fatal(err)
	}
	if m.FileName != "Pricing Checklist.pdf" || m.ContentType != "application/pdf" || m.ObjectKey != "magnets/pricing-checklist.pdf" || m.Kind != "checklist" {
		t.Fatalf("registered %+v", m)
	}
	stored, err := os.ReadFile(filepath.Join(dir, "bucket", "magnets", "pricing-checklist.pdf"))
	if err != nil || !bytes.Equal(stored, body) {
		t.Fatalf("uploaded file: %v", err)
	}
}

func TestMagnetsPutRefusesBadInput(t *testing.T) {
	file := filepath.Join(t.TempDir(), "x.pdf")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-title", "T", "-file", file}, "-id, -title and -file are required"},
		{[]string{"-id", "Bad Id", "-title", "T", "-file", file}, "id:"},
		{[]string{"-id", "ok", "-title", "T", "-file", file, "-file-name", "a\"b.pdf"}, "file_name:"},
		{[]string{"-id", "ok", "-title", "T", "-file", "/no/such/file.pdf"}, "no such file"},
		{[]string{"-id", "ok", "-title", "T", "-file", file, "-table", "t"}, "both -table and -bucket"},
	}
	for _, tc := range cases {
		_, err := leadctl(t, append([]string{"magnets", "put", "-local", t.TempDir()}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%v: error %v, want one saying %q", tc.args, err, tc.want)
		}
	}
	if _, err := leadctl(t, "nonsense"); err == nil {
		t.Fatal("an unknown command was accepted")
	}
}

func TestLinksRevoke(t *testing.T) {
	dir := t.TempDir()
	backend, err := localdev.Embedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	token := strings.Repeat("t", 32)
	g := storetest.Grant(token, storetest.Page("p"), "fwd@example.com")
	if err := backend.Store.PutGrant(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	backend.Close()

	out, err := leadctl(t, "links", "revoke", "-local", dir, "http://127.0.0.1:8080/v1/downloads/"+token)
	if err != nil || strings.Contains(out, token) {
		t.Fatalf("revoke: %v, output %q (must not print the whole token)", err, out)
	}
	if _, err := leadctl(t, "links", "revoke", "-local", dir, strings.Repeat("u", 32)); err == nil || !strings.Contains(err.Error(), "no such download link") {
		t.Fatalf("unknown link: %v", err)
	}
	backend, err = localdev.Embedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer backend.Close()
	_, err = backend.Store.UseGrant(context.Background(), g.ID, storetest.T0.Add(time.Hour))
	if leadgate.ErrorCode(err) != leadgate.EGONE || !strings.Contains(leadgate.ErrorMessage(err), "withdrawn") {
		t.Fatalf("a revoked link, within its lifetime: %v", err)
	}
}
