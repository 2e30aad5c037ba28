package console

import (
	"net/http"
	"net/url"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// A page's A/B test in the console: each arm's counts with the significance line,
// a Promote button per arm (a confirmation, then a POST), and the tests that ended.
// Variants are set in the page file or through the admin API: the editor keeps a
// page's variants as they are when it saves the page.

// Paths of a page's A/B test.
const (
	VariantsPattern       = "/console/pages/{slug}/variants"
	PromoteVariantPattern = "/console/pages/{slug}/variants/{variant}/promote"
)

// VariantsPath is the A/B test page of page slug; PromoteVariantPath the
// confirmation (GET) and promotion (POST) of one of its arms.
func VariantsPath(slug string) string { return PageActionPath(slug, "variants") }
func PromoteVariantPath(slug, arm string) string {
	return VariantsPath(slug) + "/" + url.PathEscape(arm) + "/promote"
}

func (c *Console) variantRoutes(mux *http.ServeMux) {
	mux.Handle(VariantsPattern, c.private(c.variantsPage, nil))
	mux.Handle(PromoteVariantPattern, c.private(c.promoteForm, c.promote))
}

// variantsView is a page's running test, if any, and its ended tests.
type variantsView struct {
	Page     leadgate.Page
	Report   *leadgate.VariantReport
	History  []leadgate.VariantTest
	Promoted string // the arm just promoted
	CSRF     string
}

func (c *Console) variantsPage(w http.ResponseWriter, r *http.Request, s signedIn) {
	p, ok := c.storedPage(w, r, s)
	if !ok {
		return
	}
	rep, history, err := c.cfg.Admin.VariantStats(r.Context(), p.Slug)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v := variantsView{Page: p, Report: rep, History: history, CSRF: s.CSRF}
	if arm := r.URL.Query().Get("promoted"); leadgate.ValidArmID(arm) || arm == leadgate.ControlArm {
		v.Promoted = arm
	}
	c.page(w, http.StatusOK, s.layout(PagesPath), func(m *markup.Writer, l layout) { writeVariantsPage(m, l, v) })
}

// promoteForm asks to confirm making an arm the page.
func (c *Console) promoteForm(w http.ResponseWriter, r *http.Request, s signedIn) {
	p, ok := c.storedPage(w, r, s)
	if !ok {
		return
	}
	arm := r.PathValue("variant")
	if !p.HasArm(arm) {
		c.render(w, http.StatusNotFound, s.layout(PagesPath), noticeNotFound)
		return
	}
	c.page(w, http.StatusOK, s.layout(PagesPath), func(m *markup.Writer, l layout) { writePromoteConfirm(m, l, p, arm, s.CSRF) })
}

// promote makes the arm the page through the admin service, and shows the test's
// page with its history.
func (c *Console) promote(w http.ResponseWriter, r *http.Request, s signedIn) {
	p, ok := c.storedPage(w, r, s)
	if !ok {
		return
	}
	arm := r.PathValue("variant")
	if !p.HasArm(arm) {
		c.render(w, http.StatusNotFound, s.layout(PagesPath), noticeNotFound)
		return
	}
	if _, err := c.cfg.Admin.PromoteVariant(r.Context(), p.Slug, arm); err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, VariantsPath(p.Slug)+"?promoted="+url.QueryEscape(arm), http.StatusSeeOther)
}
