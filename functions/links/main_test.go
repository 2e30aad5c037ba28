package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
)

func TestSetupRefusesMissingSettings(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"FORM_SIGNING_SECRET": strings.Repeat("s", 32)}, "TABLE_NAME"},
		{map[string]string{"TABLE_NAME": "leads", "FORM_SIGNING_SECRET": "short"}, "FORM_SIGNING_SECRET"},
	} {
		if _, err := setup(context.Background(), func(k string) string { return tc.env[k] }, log); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("setup error %v, want one naming %s", err, tc.want)
		}
	}
}
