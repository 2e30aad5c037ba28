package golden_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"leadgate/shared/golden"
)

// recorder is a testing.TB that records failures instead of ending the test; a
// call golden should not make panics on the nil TB inside.
type recorder struct {
	testing.TB
	failed []string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Errorf(format string, args ...any) { r.failed = append(r.failed, format) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = append(r.failed, format) }

func TestCheck(t *testing.T) {
	// The test runs in a folder of its own, with one golden file.
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.MkdirAll(filepath.Join(dir, golden.Dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, golden.Dir, "page.html"), []byte("<p>one</p>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, file, got string
		wantFail        bool
	}{
		{"same", "page.html", "<p>one</p>\n", false},
		{"different", "page.html", "<p>two</p>\n", true},
		{"a byte more", "page.html", "<p>one</p>\n\n", true},
		{"no golden file", "missing.html", "<p>one</p>\n", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{}
			golden.Check(r, tc.file, []byte(tc.got))
			if got := len(r.failed) > 0; got != tc.wantFail {
				t.Errorf("failed %v (%q), want %v", got, r.failed, tc.wantFail)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	want := "a\nb\nc\nd\ne\nf\ng\nh\n"
	got := "a\nb\nc\nd\nE\nf\ng\nh\n"
	d := golden.Diff(want, got)
	for _, s := range []string{"first difference at line 5", `>   5 "e"`, `>   5 "E"`, `    2 "b"`} {
		if !strings.Contains(d, s) {
			t.Errorf("diff lacks %q:\n%s", s, d)
		}
	}
	if strings.Contains(d, `"a"`) {
		t.Errorf("diff shows more than three lines of context:\n%s", d)
	}
}
