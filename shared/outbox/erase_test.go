package outbox_test

import (
	"context"
	"testing"

	"leadgate/shared/leadgate"
	"leadgate/shared/outbox"
)

func TestEraseAddressDeletesTheAddressMessagesOnly(t *testing.T) {
	ctx := context.Background()
	o, err := outbox.New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"Ada@Example.com", "bob@example.com", "ada@example.com"} {
		if _, err := o.Send(ctx, leadgate.Message{From: "hello@example.com", To: to, Subject: "hi", Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := o.EraseAddress(ctx, "ada@example.com")
	if err != nil || n != 2 {
		t.Fatalf("EraseAddress: %d %v, want 2", n, err)
	}
	list, err := o.List(ctx)
	if err != nil || len(list) != 1 || list[0].To != "bob@example.com" {
		t.Fatalf("left: %+v %v", list, err)
	}
	if n, err := o.EraseAddress(ctx, "ada@example.com"); err != nil || n != 0 {
		t.Fatalf("again: %d %v", n, err)
	}
}
