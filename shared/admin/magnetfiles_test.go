package admin_test

import (
	"bytes"
	"context"
	"testing"

	"leadgate/shared/admin"
	"leadgate/shared/leadgate"
)

// TestFinishUpload records a magnet's file only once the bucket holds it with the
// stated size; a settings save then keeps the file's details, and a save naming
// another object forgets them.
func TestFinishUpload(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	m := leadgate.Magnet{Title: "Pricing checklist", Kind: "checklist", FileName: "pricing.pdf", ContentType: "application/pdf"}
	if _, _, err := h.svc.SaveMagnet(ctx, "pricing", m); err != nil {
		t.Fatal(err)
	}
	up := admin.FinishedUpload{FileName: "Pricing 2026.epub", ContentType: "application/epub+zip", Size: 11}

	if _, err := h.svc.FinishUpload(ctx, "pricing", up); fieldNames(err) != "file" {
		t.Fatalf("nothing uploaded: %v, want an error on file", err)
	}
	if err := h.bucket.Put(ctx, "magnets/pricing.epub", bytes.NewReader([]byte("0123456789")), 10, up.ContentType); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.FinishUpload(ctx, "pricing", up); fieldNames(err) != "file" {
		t.Fatalf("10 bytes in the bucket, 11 stated: %v, want an error on file", err)
	}
	if got, _ := h.store.Magnet(ctx, "pricing"); got.ObjectKey != "magnets/pricing.pdf" || got.Size != 0 {
		t.Fatalf("a refused finish changed the magnet: %+v", got)
	}
	if _, err := h.svc.FinishUpload(ctx, "nobody", up); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("unknown magnet: %v, want %s", err, leadgate.ENOTFOUND)
	}
	bad := admin.FinishedUpload{FileName: "a/b.pdf", ContentType: "pdf", Size: 0}
	if _, err := h.svc.FinishUpload(ctx, "pricing", bad); fieldNames(err) != "file_name content_type size" {
		t.Fatalf("bad finish: %v, fields %q", err, fieldNames(err))
	}

	up.Size = 10
	got, err := h.svc.FinishUpload(ctx, "pricing", up)
	if err != nil || got.ObjectKey != "magnets/pricing.epub" || got.FileName != up.FileName || got.ContentType != up.ContentType ||
		got.Size != 10 || got.UploadedAt.IsZero() {
		t.Fatalf("finished: %+v, %v", got, err)
	}

	got.Title = "Pricing checklist, 2nd ed."
	got.Size, got.UploadedAt = 999, got.UploadedAt.AddDate(-1, 0, 0) // a client's own are never taken
	saved, _, err := h.svc.SaveMagnet(ctx, "pricing", got)
	if err != nil || saved.Size != 10 || saved.UploadedAt.Year() == got.UploadedAt.Year() {
		t.Fatalf("settings saved: %+v, %v; want the confirmed file kept", saved, err)
	}
	saved.ObjectKey = "magnets/elsewhere.pdf"
	if moved, _, err := h.svc.SaveMagnet(ctx, "pricing", saved); err != nil || moved.Size != 0 || !moved.UploadedAt.IsZero() {
		t.Fatalf("saved with another object: %+v, %v; want no confirmed file", moved, err)
	}
}
