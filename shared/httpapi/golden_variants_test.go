package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"leadgate/shared/golden"
	"leadgate/shared/httpapi"
	"leadgate/shared/leadgate"
	"leadgate/shared/richtext"
)

// The hosted page as an arm of its A/B test shows it: the variant's title,
// description, cover, layout, button and fields, and its arm signed into the
// form token; and the form again, as that arm, with the errors of a post.
func TestGoldenVariantPages(t *testing.T) {
	s := newGoldenSite(t)
	p := goldenMinimalPage()
	p.Slug = "golden-tested"
	p.Fields = append(p.Fields, leadgate.Field{Name: "company", Label: "Company", Type: leadgate.FieldText, Required: true})
	p.Variants = []leadgate.Variant{{ID: "b", Title: `Free & "fast"`, Description: "Only **two** fields.",
		CoverImageURL: "/covers/b.png", Layout: leadgate.LayoutSplit, ButtonText: "Send <it>", Fields: []string{"email"}}}
	p.Variants[0].DescriptionHTML = richtext.HTML(p.Variants[0].Description)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := s.store.PutPage(context.Background(), saved(p)); err != nil {
		t.Fatal(err)
	}
	cookie := http.Header{"Cookie": {httpapi.VisitorCookie + "=" + visitorOf(t, p, "b")}}
	token := s.key.ArmFormToken(p.Slug, "b", goldenNow.Add(-10*time.Second))
	golden.Check(t, "variant-page.html", s.page(t, "GET", "/p/golden-tested", nil, cookie, 200))
	golden.Check(t, "variant-page-errors.html", s.page(t, "POST", "/v1/pages/golden-tested/leads",
		url.Values{"email": {"nope"}, "form_token": {token}}, nil, 422))
}
