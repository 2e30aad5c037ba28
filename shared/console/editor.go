package console

import (
	"net/http"
	"strconv"

	"leadgate/shared/httpapi"
	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
	"leadgate/shared/pagefile"
)

// editorRoutes mounts the page editor: create, edit, preview, publish and
// unpublish, duplicate, delete, and the page file. Every change goes through the
// admin service, as the admin API's do.
func (c *Console) editorRoutes(mux *http.ServeMux) {
	mux.Handle(NewPagePath, c.private(c.newPage, c.createPage))
	mux.Handle(EditPagePattern, c.private(c.editPage, c.savePage))
	mux.Handle(PublishPagePattern, c.private(nil, c.setDraft(false)))
	mux.Handle(UnpublishPagePattern, c.private(nil, c.setDraft(true)))
	mux.Handle(DuplicatePagePattern, c.private(c.duplicateForm, c.duplicate))
	mux.Handle(DeletePagePattern, c.private(c.deleteForm, c.deletePage))
}

// storedPage reads the page of the path; false when it answered (404 for an unknown
// slug, or a failure).
func (c *Console) storedPage(w http.ResponseWriter, r *http.Request, s signedIn) (leadgate.Page, bool) {
	slug := r.PathValue("slug")
	p, err := c.cfg.Admin.Page(r.Context(), slug)
	if !leadgate.ValidSlug(slug) || leadgate.ErrorCode(err) == leadgate.ENOTFOUND {
		c.render(w, http.StatusNotFound, s.layout(""), noticeNotFound)
		return p, false
	}
	if err != nil {
		c.fail(w, r, err)
		return p, false
	}
	return p, true
}

func (c *Console) newPage(w http.ResponseWriter, r *http.Request, s signedIn) {
	c.showEditor(w, r, s, http.StatusOK, editorView{New: true, Form: newPageForm()})
}

func (c *Console) editPage(w http.ResponseWriter, r *http.Request, s signedIn) {
	p, ok := c.storedPage(w, r, s)
	if !ok {
		return
	}
	v := editorView{Form: formOf(p), Stored: p}
	if r.URL.Query().Get("saved") != "" {
		v.Saved = editorSaved
	}
	c.showEditor(w, r, s, http.StatusOK, v)
}

// createPage saves a new page as a draft, or does what an editing button asks.
func (c *Console) createPage(w http.ResponseWriter, r *http.Request, s signedIn) {
	f := readEditorForm(r.PostForm, true)
	v := editorView{New: true, Form: f}
	if f.apply(r.PostForm.Get("do")) {
		c.showEditor(w, r, s, http.StatusOK, v)
		return
	}
	if c.unread(w, r, s, v) {
		return
	}
	// A new page starts as a draft: previewed, then published.
	f.Page.Draft = true
	p, err := c.cfg.Admin.CreatePage(r.Context(), f.Page)
	if c.refused(w, r, s, v, err) {
		return
	}
	http.Redirect(w, r, EditPagePath(p.Slug)+"?saved=1", http.StatusSeeOther)
}

// savePage saves the edited page, or does what an editing button asks. The slug and
// the draft flag are the stored page's: the editor changes neither.
func (c *Console) savePage(w http.ResponseWriter, r *http.Request, s signedIn) {
	stored, ok := c.storedPage(w, r, s)
	if !ok {
		return
	}
	f := readEditorForm(r.PostForm, false)
	f.Page.Slug, f.Page.Draft = stored.Slug, stored.Draft
	// The editor has no fields for the A/B test: the page keeps its own.
	f.Page.Variants, f.Page.ControlWeight, f.Page.ButtonText = stored.Variants, stored.ControlWeight, stored.ButtonText
	v := editorView{Form: f, Stored: stored}
	if f.apply(r.PostForm.Get("do")) {
		c.showEditor(w, r, s, http.StatusOK, v)
		return
	}
	if c.unread(w, r, s, v) {
		return
	}
	_, _, err := c.cfg.Admin.SavePage(r.Context(), stored.Slug, f.Page)
	if c.refused(w, r, s, v, err) {
		return
	}
	http.Redirect(w, r, EditPagePath(stored.Slug)+"?saved=1", http.StatusSeeOther)
}

// unread answers a form with values that did not read (a number, a duration): the
// form again (422) with those errors and every other the page has, nothing saved.
// It reports whether there were any.
func (c *Console) unread(w http.ResponseWriter, r *http.Request, s signedIn, v editorView) bool {
	if len(v.Form.Errors) == 0 {
		return false
	}
	err := c.cfg.Admin.CheckPage(r.Context(), v.Form.Page.Slug, v.Form.Page)
	if err != nil && leadgate.ErrorCode(err) != leadgate.EINVALID {
		c.fail(w, r, err)
		return true
	}
	if err != nil {
		for _, fe := range leadgate.AsError(err).Fields {
			if _, typed := v.Form.Raw[fe.Field]; !typed { // its own message says it better
				v.Form.addError(fe.Field, fe.Message)
			}
		}
	}
	c.showEditor(w, r, s, http.StatusUnprocessableEntity, v)
	return true
}

// refused answers a save that failed: the form again with each error beside its
// input (422), or the failure page. It reports whether err was one.
func (c *Console) refused(w http.ResponseWriter, r *http.Request, s signedIn, v editorView, err error) bool {
	if err == nil {
		return false
	}
	if leadgate.ErrorCode(err) == leadgate.EINVALID {
		v.Form.addErrors(leadgate.AsError(err).Fields)
		c.showEditor(w, r, s, http.StatusUnprocessableEntity, v)
		return true
	}
	c.fail(w, r, err)
	return true
}

// showEditor writes the editor, with the magnets to choose from.
func (c *Console) showEditor(w http.ResponseWriter, r *http.Request, s signedIn, status int, v editorView) {
	magnets, err := c.cfg.Admin.Magnets(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v.Magnets, v.CSRF = magnets, s.CSRF
	l := s.layout(PagesPath)
	l.Tools = c.cfg.Tools
	var m markup.Writer
	writeEditor(&m, l, v)
	send(w, status, m.String())
}

// previewUnsaved shows the editor's page as typed, unsaved, as visitors would see
// it: its texts rendered by the admin service as saving would store them, then the
// hosted page's own renderer, which sends nothing in a preview.
func (c *Console) previewUnsaved(w http.ResponseWriter, r *http.Request, _ signedIn) {
	f := readEditorForm(r.PostForm, true)
	httpapi.RenderPreview(w, c.cfg.Admin.RenderTexts(f.Page))
}

// previewSaved shows the saved page, draft or published; no view is counted.
func (c *Console) previewSaved(w http.ResponseWriter, r *http.Request, s signedIn) {
	p, ok := c.storedPage(w, r, s)
	if !ok {
		return
	}
	httpapi.RenderPreview(w, p)
}

// setDraft unpublishes (true) or publishes (false) the page of the path.
func (c *Console) setDraft(draft bool) privateHandler {
	return func(w http.ResponseWriter, r *http.Request, s signedIn) {
		stored, ok := c.storedPage(w, r, s)
		if !ok {
			return
		}
		_, err := c.cfg.Admin.SetDraft(r.Context(), stored.Slug, draft)
		if c.refused(w, r, s, editorView{Form: formOf(stored), Stored: stored}, err) {
			return
		}
		http.Redirect(w, r, EditPagePath(stored.Slug), http.StatusSeeOther)
	}
}

func (c *Console) duplicateForm(w http.ResponseWriter, r *http.Request, s signedIn) {
	p, ok := c.storedPage(w, r, s)
	if !ok {
		return
	}
	c.showDuplicate(w, s, http.StatusOK, duplicateView{From: p, Slug: p.Slug + "-copy"})
}

// duplicate copies the page under the slug typed, as a draft, and opens the copy.
func (c *Console) duplicate(w http.ResponseWriter, r *http.Request, s signedIn) {
	p, ok := c.storedPage(w, r, s)
	if !ok {
		return
	}
	v := duplicateView{From: p, Slug: r.PostForm.Get("slug")}
	copied, err := c.cfg.Admin.DuplicatePage(r.Context(), p.Slug, v.Slug)
	if leadgate.ErrorCode(err) == leadgate.EINVALID {
		for _, fe := range leadgate.AsError(err).Fields {
			v.Errors = append(v.Errors, fe.Message)
		}
		c.showDuplicate(w, s, http.StatusUnprocessableEntity, v)
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, EditPagePath(copied.Slug)+"?saved=1", http.StatusSeeOther)
}

func (c *Console) showDuplicate(w http.ResponseWriter, s signedIn, status int, v duplicateView) {
	l := s.layout(PagesPath)
	l.Tools = c.cfg.Tools
	v.CSRF = s.CSRF
	var m markup.Writer
	writeDuplicateForm(&m, l, v)
	send(w, status, m.String())
}

func (c *Console) deleteForm(w http.ResponseWriter, r *http.Request, s signedIn) {
	p, ok := c.storedPage(w, r, s)
	if !ok {
		return
	}
	l := s.layout(PagesPath)
	l.Tools = c.cfg.Tools
	var m markup.Writer
	writeDeleteConfirm(&m, l, p, s.CSRF)
	send(w, http.StatusOK, m.String())
}

// deletePage deletes the page; its leads and counts stay.
func (c *Console) deletePage(w http.ResponseWriter, r *http.Request, s signedIn) {
	p, ok := c.storedPage(w, r, s)
	if !ok {
		return
	}
	if err := c.cfg.Admin.DeletePage(r.Context(), p.Slug); err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, http.StatusOK, s.layout(PagesPath), noticePageDeleted(p))
}

// pageFile answers the page as its page file, to keep with the site's code and
// apply with leadctl.
func (c *Console) pageFile(w http.ResponseWriter, r *http.Request, s signedIn) {
	p, ok := c.storedPage(w, r, s)
	if !ok {
		return
	}
	data, err := pagefile.Write(p)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/yaml; charset=utf-8")
	h.Set("Content-Disposition", "attachment; filename="+p.Slug+".yaml") // a slug is a token: no quotes needed
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}
