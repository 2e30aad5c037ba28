package console

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// A page's A/B test in the console: each arm's counts with the significance line,
// a Promote button per arm (a confirmation, then a POST), the tests that ended,
// and the form of the variants (up to three rows, a blank id leaves a row out).
// The page's editor keeps a page's variants as they are when it saves the page.

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
	mux.Handle(VariantsPattern, c.private(c.variantsPage, c.saveVariants))
	mux.Handle(PromoteVariantPattern, c.private(c.promoteForm, c.promote))
}

// variantsView is a page's running test, if any, and its ended tests.
type variantsView struct {
	Page     leadgate.Page
	Report   *leadgate.VariantReport
	History  []leadgate.VariantTest
	Promoted string // the arm just promoted
	Saved    bool
	Form     editorForm // the variants as typed, with their errors
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
	v := variantsView{Page: p, Report: rep, History: history, CSRF: s.CSRF, Form: formOf(p), Saved: r.URL.Query().Get("saved") != ""}
	if arm := r.URL.Query().Get("promoted"); leadgate.ValidArmID(arm) || arm == leadgate.ControlArm {
		v.Promoted = arm
	}
	c.page(w, http.StatusOK, s.layout(PagesPath), func(m *markup.Writer, l layout) { writeVariantsPage(m, l, v) })
}

// saveVariants saves the page with the variants as the form gives them, through
// the admin service; refused, the form comes again (422) with every error beside
// its input, nothing saved.
func (c *Console) saveVariants(w http.ResponseWriter, r *http.Request, s signedIn) {
	p, ok := c.storedPage(w, r, s)
	if !ok {
		return
	}
	f := readVariantsForm(r.PostForm, p)
	var err error
	if len(f.Errors) == 0 {
		_, _, err = c.cfg.Admin.SavePage(r.Context(), p.Slug, f.Page)
	} else {
		// What did not read is refused already; the rest is checked too, so that
		// every problem shows at once.
		err = c.cfg.Admin.CheckPage(r.Context(), p.Slug, f.Page)
	}
	switch {
	case err == nil && len(f.Errors) == 0:
		http.Redirect(w, r, VariantsPath(p.Slug)+"?saved=1", http.StatusSeeOther)
		return
	case err != nil && leadgate.ErrorCode(err) != leadgate.EINVALID:
		c.fail(w, r, err)
		return
	case err != nil:
		for _, fe := range leadgate.AsError(err).Fields {
			if in := variantInput(fe.Field, f.Page); in != "" {
				f.addError(in, fe.Message)
			} else {
				// A problem of the page outside this form (its magnet gone, say):
				// shown above the form, named, for the editor to fix.
				f.addError("variants", fe.Field+": "+fe.Message)
			}
		}
	}
	rep, history, err := c.cfg.Admin.VariantStats(r.Context(), p.Slug)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v := variantsView{Page: p, Report: rep, History: history, CSRF: s.CSRF, Form: f}
	c.page(w, http.StatusUnprocessableEntity, s.layout(PagesPath), func(m *markup.Writer, l layout) { writeVariantsPage(m, l, v) })
}

// readVariantsForm reads the posted variants into the stored page: the rows with
// an id, in order, each at the index of its inputs' names once saved.
func readVariantsForm(form url.Values, stored leadgate.Page) editorForm {
	f := formOf(stored)
	p := &f.Page
	get := func(name string) string { return strings.TrimSpace(form.Get(name)) }
	p.ButtonText = get("button_text")
	p.ControlWeight = f.number(form, "control_weight")
	p.Variants = nil
	for i := range leadgate.MaxVariants {
		at := variantAt(i)
		id := get(at + "id")
		if id == "" {
			continue
		}
		// Shown again at its index among the variants, so its inputs' names move
		// with it, and so do the errors read here.
		to := variantAt(len(p.Variants))
		weight := f.number(form, at+"weight")
		if raw, ok := f.Raw[at+"weight"]; ok && to != at {
			f.Raw[to+"weight"], f.Errors[to+"weight"] = raw, f.Errors[at+"weight"]
			delete(f.Raw, at+"weight")
			delete(f.Errors, at+"weight")
		}
		p.Variants = append(p.Variants, leadgate.Variant{
			ID: id, Weight: weight, Title: get(at + "title"),
			Description:   strings.ReplaceAll(form.Get(at+"description"), "\r\n", "\n"),
			CoverImageURL: get(at + "cover_image_url"), ButtonText: get(at + "button_text"),
			Layout: leadgate.Layout(get(at + "layout")), Fields: form[at+"fields"],
		})
	}
	return f
}

// variantAt is the prefix of the inputs of the variant at index i.
func variantAt(i int) string { return "variants[" + strconv.Itoa(i) + "]." }

// variantError reads the domain's name of a variant's error: variants.<id or
// index>.<attribute>.
var variantError = regexp.MustCompile(`^variants\.([a-z0-9-]+)\.([a-z_]+)$`)

// variantInput is the input of the form a domain error of the page belongs
// beside; "" for an error of no input of the form.
func variantInput(field string, p leadgate.Page) string {
	m := variantError.FindStringSubmatch(field)
	if m == nil {
		switch field {
		case "control_weight", "button_text", "variants":
			return field
		}
		return ""
	}
	for i, v := range p.Variants {
		if v.ID == m[1] {
			return variantAt(i) + m[2]
		}
	}
	if i, err := strconv.Atoi(m[1]); err == nil && i >= 0 && i < len(p.Variants) {
		return variantAt(i) + m[2]
	}
	return "variants"
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
