package main

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"strings"
	"testing"
)

func TestSetupRefusesMissingSettings(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	full := map[string]string{"TABLE_NAME": "leads", "FORM_SIGNING_SECRET": strings.Repeat("s", 32),
		"PUBLIC_BASE_URL": "https://api.example.com", "SENDER_ADDRESS": "hello@example.com"}
	for _, name := range []string{"TABLE_NAME", "FORM_SIGNING_SECRET", "PUBLIC_BASE_URL", "SENDER_ADDRESS"} {
		env := maps.Clone(full)
		delete(env, name)
		if _, err := setup(context.Background(), func(k string) string { return env[k] }, log); err == nil || !strings.Contains(err.Error(), name) {
			t.Fatalf("without %s: %v", name, err)
		}
	}
	bad := maps.Clone(full)
	bad["SEND_RATE"] = "fast"
	if _, err := setup(context.Background(), func(k string) string { return bad[k] }, log); err == nil || !strings.Contains(err.Error(), "SEND_RATE") {
		t.Fatalf("SEND_RATE=fast: %v", err)
	}
}
