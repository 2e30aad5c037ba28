package localdev

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
)

// secretFiles are the files of the data folder that grant power to whoever reads
// them, and what a reader could do with each.
var secretFiles = []struct{ name, what, power string }{
	{"signing-secret", "signing secret", "forge download, confirmation and unsubscribe links, form tokens and the local bucket's links"},
	{AdminTokenFile, "admin token", "call the admin API: read, export and erase the leads"},
}

// checkPermissions refuses a data folder that other users of this machine can
// write into (they could replace the signing secret or the leads), and a signing
// secret or admin token that they can read, with an error naming each file, its mode
// and the chmod that fixes it. A folder they can only read or enter is logged as a
// warning: what the server keeps in it is made readable by its owner only.
//
// Refusing, not warning, for the secrets: a warning scrolls away while the server
// keeps serving links anyone on the machine can forge. The server makes the folder
// 0700 and the files 0600 itself, so only a folder or file made or changed by hand
// is refused; there is no switch to start anyway, as one chmod is the fix. Nothing
// is read from the files: the messages hold paths and modes only.
func checkPermissions(dataDir string, log *slog.Logger) error {
	if runtime.GOOS == "windows" {
		return nil // no Unix modes to check
	}
	dir := dataDir
	if abs, err := filepath.Abs(dataDir); err == nil {
		dir = abs
	}
	var problems []string
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil // made on start, 0700
	case err != nil:
		return fmt.Errorf("check data folder: %w", err)
	case fi.Mode().Perm()&0o022 != 0:
		problems = append(problems, fmt.Sprintf("data folder %s has mode %04o: other users of this machine can write in it, and replace the signing secret or the leads; fix it with: chmod 700 %s",
			dir, fi.Mode().Perm(), shellQuote(dir)))
	case fi.Mode().Perm()&0o077 != 0:
		log.Warn("data folder can be read or entered by other users of this machine", "folder", dir,
			"mode", fmt.Sprintf("%04o", fi.Mode().Perm()), "fix", "chmod 700 "+shellQuote(dir))
	}
	for _, f := range secretFiles {
		path := filepath.Join(dir, f.name)
		fi, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // made on first use, 0600
		}
		if err != nil {
			return fmt.Errorf("check %s: %w", f.what, err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			problems = append(problems, fmt.Sprintf("%s %s has mode %04o: other users of this machine can read it, and with it %s; fix it with: chmod 600 %s",
				f.what, path, perm, f.power, shellQuote(path)))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("refusing to start: %s", strings.Join(problems, "; "))
	}
	return nil
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./@%+=:,-]+$`)

// shellQuote quotes a path for a command to copy into a shell.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
