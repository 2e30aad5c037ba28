package localdev_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leadgate/shared/localdev"
)

func TestAdminTokenMadeOnceInAPrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".local")
	noEnv := func(string) string { return "" }
	token, from, err := localdev.AdminToken(dir, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, localdev.AdminTokenFile)
	if from != path || len(token) < 16 {
		t.Fatalf("token of %d characters from %q, want one from %s", len(token), from, path)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, mode %v; want 0600", err, fi.Mode())
	}
	again, _, err := localdev.AdminToken(dir, noEnv)
	if err != nil || again != token {
		t.Fatalf("second start: a different token (%v)", err)
	}
	env := func(name string) string {
		if name == "LEADGATE_ADMIN_TOKEN" {
			return "from-the-environment-1234"
		}
		return ""
	}
	if got, from, err := localdev.AdminToken(dir, env); err != nil || got != "from-the-environment-1234" || from != "LEADGATE_ADMIN_TOKEN" {
		t.Fatalf("LEADGATE_ADMIN_TOKEN: %q from %q, %v", got, from, err)
	}
	short := func(string) string { return "short" }
	if _, _, err := localdev.AdminToken(dir, short); err == nil || !strings.Contains(err.Error(), "LEADGATE_ADMIN_TOKEN") {
		t.Fatalf("a short LEADGATE_ADMIN_TOKEN: %v", err)
	}
}
