// Package testenv lets a test say what it needs of the machine: an emulator's
// endpoint, a program, a file. A missing one skips the test on a laptop and fails it
// under CI=true, where a component that is not there must not pass unnoticed.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// CI reports whether the tests run under CI=true, where nothing may be skipped for
// want of a component.
func CI() bool { return os.Getenv("CI") == "true" }

// Missing ends the test for want of a component: what names it ("LEADGATE_SES_ENDPOINT
// is not set"), remedy says how to get it ("start aws-ses-v2-local with ..."). The
// test is skipped, or failed under CI=true.
func Missing(tb testing.TB, what, remedy string) {
	tb.Helper()
	msg := what
	if remedy != "" {
		msg += ": " + remedy
	}
	if CI() {
		tb.Fatal(msg)
		return
	}
	tb.Skip(msg)
}

// Endpoint returns the value of envVar, an emulator's endpoint, or ends the test
// with Missing when it is not set; remedy says how to start the emulator.
func Endpoint(tb testing.TB, envVar, remedy string) string {
	tb.Helper()
	v := os.Getenv(envVar)
	if v == "" {
		Missing(tb, envVar+" is not set", remedy)
	}
	return v
}

// Command returns the path of the program name on PATH, or ends the test with
// Missing; remedy says how to install it.
func Command(tb testing.TB, name, remedy string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(tb, name+" is not installed", remedy)
	}
	return p
}

// File returns path if a file is there, or ends the test with Missing; remedy says
// how to install it.
func File(tb testing.TB, path, remedy string) string {
	tb.Helper()
	if _, err := os.Stat(path); err != nil {
		Missing(tb, path+" is missing", remedy)
	}
	return path
}
