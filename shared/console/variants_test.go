package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"leadgate/shared/console"
	"leadgate/shared/leadgate"
)

// The editor has no fields for a page's A/B test: saving the page from it keeps
// the test running as it was. The pages list links the test.
func TestEditorKeepsVariants(t *testing.T) {
	l := signedInLocal(t)
	ctx := context.Background()
	res, body := l.post(t, console.NewPagePath, newPageForm("autumn-guide", "lead-gen-playbook"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	p, err := l.srv.Store.Page(ctx, "autumn-guide")
	if err != nil {
		t.Fatal(err)
	}
	p.Variants, p.ButtonText, p.VariantsSince = []leadgate.Variant{{ID: "b", Title: "Free"}}, "Go", p.UpdatedAt
	if err := l.srv.Store.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	started, _ := l.srv.Store.Page(ctx, p.Slug)
	form := newPageForm("autumn-guide", "lead-gen-playbook")
	form.Set("title", "The autumn guide, again")
	if res, body := l.post(t, console.EditPagePath(p.Slug), form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.StatusCode, body)
	}
	saved, err := l.srv.Store.Page(ctx, p.Slug)
	if err != nil || saved.Title != "The autumn guide, again" || len(saved.Variants) != 1 || saved.ButtonText != "Go" ||
		!saved.VariantsSince.Equal(started.VariantsSince) || len(saved.VariantHistory) != 0 {
		t.Fatalf("saved page %+v, %v", saved, err)
	}
	if _, body := l.get(t, console.PagesPath); !strings.Contains(body, `<a href="`+console.VariantsPath(p.Slug)+`">A/B test</a>`) {
		t.Errorf("the pages list does not link the test")
	}
}
