package localdev_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leadgate/shared/capture"
	"leadgate/shared/localdev"
)

const (
	permsSecret = "a-signing-secret-nobody-else-may-read-0123456789"
	permsToken  = "an-admin-token-nobody-else-may-read"
)

// permsDir makes a data folder of mode dirMode holding a signing secret and an admin
// token of the given modes.
func permsDir(t *testing.T, name string, dirMode, secretMode, tokenMode fs.FileMode) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for file, f := range map[string]struct {
		content string
		mode    fs.FileMode
	}{"signing-secret": {permsSecret, secretMode}, localdev.AdminTokenFile: {permsToken + "\n", tokenMode}} {
		path := filepath.Join(dir, file)
		if err := os.WriteFile(path, []byte(f.content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, f.mode); err != nil { // past the umask
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, dirMode); err != nil {
		t.Fatal(err)
	}
	return dir
}

// openLogged opens the local run on dir, returning what it logged.
func openLogged(t *testing.T, dir string) (*localdev.Server, string, error) {
	t.Helper()
	var log bytes.Buffer
	srv, err := localdev.Open(context.Background(), localdev.Config{DataDir: dir, Capture: capture.DefaultConfig(),
		Log: slog.New(slog.NewTextHandler(&log, nil))})
	if err == nil {
		t.Cleanup(func() { srv.Close() })
	}
	return srv, log.String(), err
}

// noSecrets fails when the secret or the token shows in what the server said.
func noSecrets(t *testing.T, said string) {
	t.Helper()
	if strings.Contains(said, permsSecret) || strings.Contains(said, permsToken) {
		t.Fatalf("the secret or the token leaked: %s", said)
	}
}

func TestStartRefusesSecretsOthersCanRead(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		secretMode, tokenMode fs.FileMode
		want                  []string // each file named, with its mode and fix
	}{
		{"secret readable by all", 0o644, 0o600, []string{"signing secret {dir}/signing-secret has mode 0644", "forge download", "chmod 600 {dir}/signing-secret"}},
		{"secret readable by the group", 0o640, 0o600, []string{"signing secret {dir}/signing-secret has mode 0640", "chmod 600 {dir}/signing-secret"}},
		{"secret writable by others only", 0o602, 0o600, []string{"signing secret {dir}/signing-secret has mode 0602", "chmod 600 {dir}/signing-secret"}},
		{"token readable by all", 0o600, 0o644, []string{"admin token {dir}/admin-token has mode 0644", "admin API", "chmod 600 {dir}/admin-token"}},
		{"token open to the group", 0o600, 0o660, []string{"admin token {dir}/admin-token has mode 0660", "chmod 600 {dir}/admin-token"}},
		{"both", 0o604, 0o644, []string{"signing secret {dir}/signing-secret has mode 0604", "admin token {dir}/admin-token has mode 0644"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := permsDir(t, ".local", 0o700, tc.secretMode, tc.tokenMode)
			_, log, err := openLogged(t, dir)
			if err == nil {
				t.Fatal("started; want a refusal")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "refusing to start: ") {
				t.Errorf("message %q does not say the server refuses to start", msg)
			}
			for _, want := range tc.want {
				if want = strings.ReplaceAll(want, "{dir}", dir); !strings.Contains(msg, want) {
					t.Errorf("message %q\nwant it to hold %q", msg, want)
				}
			}
			noSecrets(t, msg+log)
			// The fix the message gives is enough, and the refusal left the store closed.
			for _, file := range []string{"signing-secret", localdev.AdminTokenFile} {
				if err := os.Chmod(filepath.Join(dir, file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if _, _, err := openLogged(t, dir); err != nil {
				t.Fatalf("after chmod 600: %v", err)
			}
		})
	}
}

func TestStartChecksTheDataFolder(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mode    fs.FileMode
		refuse  bool
		warning bool
	}{
		{"private", 0o700, false, false},
		{"readable by all", 0o755, false, true},
		{"enterable by the group", 0o710, false, true},
		{"writable by the group", 0o775, true, false},
		{"writable by all", 0o777, true, false},
		{"writable by others only", 0o703, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := permsDir(t, ".local", tc.mode, 0o600, 0o600)
			_, log, err := openLogged(t, dir)
			noSecrets(t, log)
			if tc.refuse {
				if err == nil {
					t.Fatal("started; want a refusal")
				}
				noSecrets(t, err.Error())
				for _, want := range []string{"refusing to start: data folder " + dir, "has mode " + modeString(tc.mode), "can write in it", "chmod 700 " + dir} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("message %q\nwant it to hold %q", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			warned := strings.Contains(log, "level=WARN") && strings.Contains(log, "data folder can be read or entered by other users")
			if warned != tc.warning {
				t.Fatalf("warned: %v, want %v; log:\n%s", warned, tc.warning, log)
			}
			if tc.warning {
				for _, want := range []string{"folder=" + dir, "mode=" + modeString(tc.mode), `fix="chmod 700 ` + dir + `"`} {
					if !strings.Contains(log, want) {
						t.Errorf("warning %q\nwant it to hold %q", log, want)
					}
				}
			}
		})
	}
}

func modeString(m fs.FileMode) string { return fmt.Sprintf("%04o", m.Perm()) }

func TestStartMakesPrivateFilesAndFolders(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".local")
	_, log, err := openLogged(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log, "level=WARN") {
		t.Fatalf("warned on a folder the server made itself:\n%s", log)
	}
	if _, _, err := localdev.AdminToken(dir, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]fs.FileMode{
		"":                      0o700,
		"signing-secret":        0o600,
		localdev.AdminTokenFile: 0o600,
		"leads.db":              0o600,
		"outbox":                0o700,
		"bucket":                0o700,
	} {
		fi, err := os.Stat(filepath.Join(dir, path))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", filepath.Join(dir, path), got, want)
		}
	}
}

func TestRefusalQuotesAPathWithSpaces(t *testing.T) {
	dir := permsDir(t, "my data", 0o700, 0o644, 0o600)
	_, _, err := openLogged(t, dir)
	want := "chmod 600 '" + filepath.Join(dir, "signing-secret") + "'"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v\nwant a message holding %s", err, want)
	}
}
