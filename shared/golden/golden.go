// Package golden compares what a test renders with a file kept under the test's
// testdata/golden/ folder. Run the tests with -update to write the files from what
// they render now, then read the diff before committing it:
//
//	go test ./shared/emails -update
//
// A test binary that imports this package has the -update flag.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden/ with what the tests render")

// Dir is the folder of the golden files, relative to the test's package.
const Dir = "testdata/golden"

// formTokenNonce matches the random part of a form token (signing.ArmFormToken):
// its nonce and the signature over it. The time and the arm before them stay.
var formTokenNonce = regexp.MustCompile(`(\b[0-9]{13}~[a-z0-9-]{0,20}~)[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{43}\b`)

// Check compares got with the golden file name (under Dir), and fails the test
// with the first lines that differ. Under -update it writes got to the file instead.
// Form tokens are compared without their nonce and signature, which are random.
func Check(tb testing.TB, name string, got []byte) {
	tb.Helper()
	got = formTokenNonce.ReplaceAll(got, []byte("${1}NONCE.SIGNATURE"))
	path := filepath.Join(Dir, filepath.FromSlash(name))
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v: write it with go test -update", err)
		return
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs from what the test rendered (go test -update rewrites it):\n%s", path, Diff(string(want), string(got)))
	}
}

// Diff describes where want and got first differ: the line, with a few lines of
// context from each, and their lengths.
func Diff(want, got string) string {
	const context = 3
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	from := max(0, i-context)
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d (golden %d lines, %d bytes; rendered %d lines, %d bytes)\n",
		i+1, len(w), len(want), len(g), len(got))
	for _, part := range []struct {
		name  string
		lines []string
	}{{"golden", w}, {"rendered", g}} {
		fmt.Fprintf(&b, "--- %s\n", part.name)
		for n := from; n < min(len(part.lines), i+context+1); n++ {
			mark := " "
			if n == i {
				mark = ">"
			}
			fmt.Fprintf(&b, "%s%4d %q\n", mark, n+1, part.lines[n])
		}
	}
	return b.String()
}
