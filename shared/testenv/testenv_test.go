package testenv_test

import (
	"path/filepath"
	"testing"

	"leadgate/shared/testenv"
)

// recorder is a testing.TB that records how a test ended instead of ending it; a
// call testenv should not make panics on the nil TB inside.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()           {}
func (r *recorder) Fatal(args ...any) { r.fatal = args[0].(string) }
func (r *recorder) Skip(args ...any)  { r.skip = args[0].(string) }

func TestMissing(t *testing.T) {
	const env = "LEADGATE_TESTENV_PROBE"
	cases := []struct {
		name      string
		ci        string
		endpoint  string
		wantFatal string
		wantSkip  string
		wantValue string
	}{
		{name: "set", ci: "true", endpoint: "http://127.0.0.1:1", wantValue: "http://127.0.0.1:1"},
		{name: "unset on a laptop", ci: "", wantSkip: env + " is not set: start it"},
		{name: "unset under CI", ci: "true", wantFatal: env + " is not set: start it"},
		{name: "CI=false is no CI", ci: "false", wantSkip: env + " is not set: start it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			t.Setenv(env, tc.endpoint)
			r := &recorder{}
			got := testenv.Endpoint(r, env, "start it")
			if got != tc.wantValue || r.fatal != tc.wantFatal || r.skip != tc.wantSkip {
				t.Errorf("Endpoint = %q, fatal %q, skip %q; want %q, fatal %q, skip %q",
					got, r.fatal, r.skip, tc.wantValue, tc.wantFatal, tc.wantSkip)
			}
		})
	}
}

func TestFileAndCommand(t *testing.T) {
	t.Setenv("CI", "")
	dir := t.TempDir()
	t.Run("missing file", func(t *testing.T) {
		r := &recorder{}
		path := filepath.Join(dir, "nothing-here")
		testenv.File(r, path, "install it")
		if want := path + " is missing: install it"; r.skip != want {
			t.Errorf("skip %q, want %q", r.skip, want)
		}
	})
	t.Run("present file", func(t *testing.T) {
		r := &recorder{}
		if got := testenv.File(r, dir, "install it"); got != dir || r.skip != "" {
			t.Errorf("File = %q, skip %q; want %q and no skip", got, r.skip, dir)
		}
	})
	t.Run("missing command", func(t *testing.T) {
		r := &recorder{}
		testenv.Command(r, "leadgate-no-such-program", "install it")
		if want := "leadgate-no-such-program is not installed: install it"; r.skip != want {
			t.Errorf("skip %q, want %q", r.skip, want)
		}
	})
}
