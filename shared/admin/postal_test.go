package admin_test

import (
	"context"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// Commercial email carries the sender's postal address: a page with nurture steps is
// refused on its nurture field, storing nothing, until the deployment has one.
func TestNurtureNeedsAPostalAddress(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	p := storetest.Page("nurtured")
	p.FollowUp.Nurture = []leadgate.NurtureStep{{ID: "day-2", After: 48 * time.Hour,
		EmailTemplate: leadgate.EmailTemplate{Subject: "Day 2", Text: "Hi {{.FirstName}}"}}}
	_, _, err := h.svc.SavePage(ctx, "nurtured", p)
	if leadgate.ErrorCode(err) != leadgate.EINVALID || fieldNames(err) != "follow_up.nurture" {
		t.Fatalf("nurture without a postal address: %v (fields %q), want EINVALID on follow_up.nurture", err, fieldNames(err))
	}
	if _, err := h.store.Page(ctx, "nurtured"); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("the refused page was stored: %v", err)
	}
	// Without nurture steps the page needs no address.
	plain := p
	plain.FollowUp.Nurture = nil
	if _, _, err := h.svc.SavePage(ctx, "nurtured", plain); err != nil {
		t.Fatalf("a page without nurture: %v", err)
	}
	// The page's own address will do.
	own := p
	own.FollowUp.PostalAddress = "Brand Two GmbH, Hauptstraße 1, 10115 Berlin"
	if _, _, err := h.svc.SavePage(ctx, "nurtured", own); err != nil {
		t.Fatalf("nurture with the page's own address: %v", err)
	}
	stored, err := h.store.Page(ctx, "nurtured")
	if err != nil || stored.FollowUp.PostalAddress != own.FollowUp.PostalAddress {
		t.Fatalf("stored %q, %v", stored.FollowUp.PostalAddress, err)
	}
	h.svc.WithPostalAddress("Leadgate Ltd, 1 Harbour Street, Bristol")
	if _, _, err := h.svc.SavePage(ctx, "nurtured", p); err != nil {
		t.Fatalf("nurture with the deployment's address: %v", err)
	}
}
