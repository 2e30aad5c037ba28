package main

import (
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

func leadctl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, &out)
	return out.String(), err
}

// TestMagnetsPutUploadsAndRegisters puts a magnet through the running dev server's
// admin API, then puts it again: the file is uploaded under the key the API
// names, and the magnet keeps its creation time.
func TestMagnetsPutUploadsAndRegisters(t *testing.T) {
	srv, ts, dir := devServer(t)
	progressOut = &bytes.Buffer{}
	t.Cleanup(func() { progressOut = os.Stderr })
	file := writeFile(t, "Pricing Checklist.pdf", "%PDF-1.4 a checklist")
	api := []string{"-api", ts.URL, "-token", testToken}
	out, err := leadctl(t, append([]string{"magnets", "put", "-id", "pricing-checklist", "-title", "Pricing checklist", "-kind", "checklist", "-file", file}, api...)...)
	if err != nil || !strings.Contains(out, `as magnet "pricing-checklist" (created)`) {
		t.Fatalf("magnets put: %v\n%s", err, out)
	}
	m, err := srv.Store.Magnet(context.Background(), "pricing-checklist")
	if err != nil {
		t.Fatal(err)
	}
	if m.FileName != "Pricing Checklist.pdf" || m.ContentType != "application/pdf" || m.ObjectKey != "magnets/pricing-checklist.pdf" || m.Kind != "checklist" {
		t.Fatalf("registered %+v", m)
	}
	stored, err := os.ReadFile(filepath.Join(dir, "bucket", "magnets", "pricing-checklist.pdf"))
	if err != nil || string(stored) != "%PDF-1.4 a checklist" {
		t.Fatalf("uploaded file %q: %v", stored, err)
	}

	// Flags may follow one another in any order; a second put updates the magnet.
	file = writeFile(t, "checklist-v2.pdf", "%PDF-1.4 the second edition")
	out, err = leadctl(t, append(append([]string{"magnets", "put"}, api...), "-file", file, "-id", "pricing-checklist", "-title", "Pricing checklist, 2nd ed.")...)
	if err != nil || !strings.Contains(out, "(updated)") {
		t.Fatalf("magnets put again: %v\n%s", err, out)
	}
	again, err := srv.Store.Magnet(context.Background(), "pricing-checklist")
	if err != nil || !again.CreatedAt.Equal(m.CreatedAt) || again.Title != "Pricing checklist, 2nd ed." || again.FileName != "checklist-v2.pdf" {
		t.Fatalf("updated %+v (created %v before), %v", again, m.CreatedAt, err)
	}
}

func TestMagnetsPutRefusesBadInput(t *testing.T) {
	file := writeFile(t, "x.pdf", "x")
	// Nothing listens here: every case is refused before a request is made.
	api := []string{"-api", "http://127.0.0.1:9", "-token", testToken}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-title", "T", "-file", file}, "-id, -title and -file are required"},
		{[]string{"-id", "Bad Id", "-title", "T", "-file", file}, "id:"},
		{[]string{"-id", "ok", "-title", "T", "-file", file, "-file-name", "a\"b.pdf"}, "file_name:"},
		{[]string{"-id", "ok", "-title", "T", "-file", "/no/such/file.pdf"}, "no such file"},
		{[]string{"-id", "ok", "-title", "T", "-file", file, "extra"}, "nothing else"},
		{[]string{"-id", "ok", "-title", "T", "-file", file, "-table", "t"}, "flag provided but not defined: -table"},
	}
	for _, tc := range cases {
		_, err := leadctl(t, append(append([]string{"magnets", "put"}, api...), tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%v: error %v, want one saying %q", tc.args, err, tc.want)
		}
	}
	if _, err := leadctl(t, "nonsense"); err == nil {
		t.Fatal("an unknown command was accepted")
	}
}

// TestLinksRevokeThroughTheDevServer revokes a download link through the admin
// API of a running dev server, whose store stays open all along: the link answers
// 410 from then on.
func TestLinksRevokeThroughTheDevServer(t *testing.T) {
	srv, ts, _ := devServer(t)
	token := strings.Repeat("t", 32)
	g := storetest.Grant(token, storetest.Page("p"), "fwd@example.com")
	g.ExpiresAt = time.Now().Add(24 * time.Hour)
	if err := srv.Store.PutGrant(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	link := ts.URL + leadgate.DownloadPath(token)
	if status := head(t, link); status != http.StatusOK {
		t.Fatalf("the link before revocation: %d, want 200 (its page)", status)
	}

	// The link first, the flags after it.
	out, err := leadctl(t, "links", "revoke", link, "-api", ts.URL, "-token", testToken)
	if err != nil || !strings.Contains(out, "revoked ") || !strings.Contains(out, "page p") {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	if strings.Contains(out, token) {
		t.Fatalf("the output shows the whole token: %q", out)
	}
	if status := head(t, link); status != http.StatusGone {
		t.Fatalf("the link after revocation: %d, want 410", status)
	}
	if _, err := srv.Store.UseGrant(context.Background(), g.ID, time.Now()); leadgate.ErrorCode(err) != leadgate.EGONE || !strings.Contains(leadgate.ErrorMessage(err), "withdrawn") {
		t.Fatalf("a revoked link, within its lifetime: %v", err)
	}

	api := []string{"-api", ts.URL, "-token", testToken}
	if out, err := leadctl(t, append([]string{"links", "revoke", token}, api...)...); err != nil || !strings.Contains(out, "revoked ") {
		t.Fatalf("revoke by the bare token, again: %v\n%s", err, out)
	}
	_, err = leadctl(t, append([]string{"links", "revoke", strings.Repeat("u", 32)}, api...)...)
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "no such download link") || strings.Contains(err.Error(), strings.Repeat("u", 32)) {
		t.Fatalf("unknown link: %v", err)
	}
	if _, err := leadctl(t, append([]string{"links", "revoke", ts.URL + leadgate.ConfirmPath(token)}, api...)...); err == nil || !strings.Contains(err.Error(), "422") {
		t.Fatalf("a confirmation link: %v", err)
	}
	if _, err := leadctl(t, append([]string{"links", "revoke"}, api...)...); err == nil || !strings.Contains(err.Error(), "at least one") {
		t.Fatalf("no link: %v", err)
	}
}

func head(t *testing.T, u string) int {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Head(u)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestBadFlagsCreateNothing: an unknown or misplaced flag (the old direct-store
// flags among them) is an error with the command's usage, and leaves no file
// behind, least of all an empty store in .local.
func TestBadFlagsCreateNothing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	link := "http://127.0.0.1:8080" + leadgate.DownloadPath(strings.Repeat("t", 32))
	for _, args := range [][]string{
		{"links", "revoke", "-local", ".local", link},
		{"links", "revoke", link, "-local", ".local"},
		{"links", "revoke", link, "-bogus"},
		{"links", "revoke", "-table", "leads", link},
		{"magnets", "put", "-local", ".local", "-id", "x", "-title", "X", "-file", "x.pdf"},
		{"magnets", "put", "-id", "x", "-title", "X", "-file", "x.pdf", "-bucket", "b"},
		{"pages", "list", "-local", ".local"},
		{"pages", "list", "extra"},
		{"pages", "embed", "-page", "p", "extra"},
		{"leads", "export", "-page", "p", "-local", ".local"},
		{"lead", "erase", "a@example.com", "-local", ".local"},
		{"lead", "erase", "a@example.com", "b@example.com"},
		{"stats", "-page", "p", "-local", ".local"},
		{"-local", ".local", "links", "revoke", link},
	} {
		out, err := leadctl(t, args...)
		if err == nil {
			t.Errorf("%q: no error", args)
			continue
		}
		if args[0] != "-local" && !strings.Contains(out, "usage: leadctl") {
			t.Errorf("%q: %v, and no usage:\n%s", args, err, out)
		}
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && path != dir {
			t.Errorf("left behind: %s", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
