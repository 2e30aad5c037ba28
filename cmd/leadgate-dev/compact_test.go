package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"leadgate/shared/bolt"
)

func TestCompactRefusesWhileAServerHasTheStore(t *testing.T) {
	dir := t.TempDir()
	running, err := bolt.Open(filepath.Join(dir, "leads.db"))
	if err != nil {
		t.Fatal(err)
	}
	err = compactStore(dir, 24*time.Hour)
	if err == nil || !strings.Contains(err.Error(), "open in a running server") {
		t.Fatalf("compact while open: %v, want a refusal", err)
	}
	if err := running.Close(); err != nil {
		t.Fatal(err)
	}
	if err := compactStore(dir, 24*time.Hour); err != nil {
		t.Fatalf("compact once the server stopped: %v", err)
	}
}
