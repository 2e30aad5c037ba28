package console

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"leadgate/shared/admin"
	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// The magnets area: the list of magnets with the pages that gate each, a form to
// create one and to edit its settings, and the upload of its file from the
// browser straight to the bucket. The upload script asks for a presigned PUT
// (upload-link), sends the file to it with a progress bar, then says it is done
// (upload-finished), when the admin service checks the object in the bucket before
// the magnet takes it. Every change goes through the admin service.

// magnetRoutes adds the magnets area's routes to mux.
func (c *Console) magnetRoutes(mux *http.ServeMux) {
	mux.Handle(MagnetsPath, c.private(c.magnets, nil))
	mux.Handle(NewMagnetPath, c.private(c.newMagnet, c.createMagnet))
	mux.Handle(MagnetPattern, c.private(c.editMagnet, c.saveMagnet))
	mux.Handle(MagnetUploadLinkPattern, c.private(nil, c.magnetUploadLink))
	mux.Handle(MagnetUploadFinishPattern, c.private(nil, c.magnetUploadFinished))
	c.magnetKindRoutes(mux)
	// The script holds no data: served without a session, so that it caches.
	mux.Handle(UploadScriptPath, c.open(serveUploadScript, nil))
}

// The magnet form's fields, in the order the form shows them; the admin service
// names its errors by the same names.
var magnetFields = []struct{ Name, Label, Hint string }{
	{"id", "Id", "Lower-case letters, digits and inner hyphens, such as spring-playbook. It names the magnet in page files and cannot change."},
	{"title", "Title", "What the magnet is called, in the console and the emails."},
	{"kind", "Kind", "Ebook, whitepaper, checklist, template..."},
	{"file_name", "Download file name", "The name a visitor's download is saved under, such as Spring Playbook.pdf. An upload sets it to the uploaded file's name."},
	{"content_type", "Content type", "The file's media type, such as application/pdf. An upload sets it from the file."},
}

// reservedMagnetID is the one id the console cannot show a magnet under: its path
// is the new-magnet form's.
const reservedMagnetID = "new"

var (
	noticeMagnetNotFound = notice{Title: "No such magnet",
		Message:  "There is no magnet at this address. It may have another id.",
		LinkText: "Magnets", LinkPath: MagnetsPath}
	errMagnetExists   = leadgate.FieldError{Field: "id", Code: "exists", Message: "a magnet with this id exists: pick another id, or edit that one"}
	errMagnetReserved = leadgate.FieldError{Field: "id", Code: "reserved", Message: `"new" is taken by the console: pick another id`}
)

// pageLink is a page that gates a magnet, linked to its hosted page.
type pageLink struct {
	Title, Slug, Path string
}

// pagesByMagnet returns the pages of each magnet, by magnet id, in page order.
func (c *Console) pagesByMagnet(r *http.Request) (map[string][]pageLink, error) {
	pages, err := c.cfg.Admin.Pages(r.Context())
	if err != nil {
		return nil, err
	}
	by := map[string][]pageLink{}
	for _, p := range pages {
		by[p.MagnetID] = append(by[p.MagnetID], pageLink{Title: p.Title, Slug: p.Slug, Path: leadgate.PagePath(p.Slug)})
	}
	return by, nil
}

// magnets lists every magnet with its file and the pages that gate it.
func (c *Console) magnets(w http.ResponseWriter, r *http.Request, s signedIn) {
	magnets, err := c.cfg.Admin.Magnets(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	by, err := c.pagesByMagnet(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v := magnetsView{Magnets: make([]magnetRow, 0, len(magnets))}
	for _, m := range magnets {
		v.Magnets = append(v.Magnets, magnetRow{Magnet: m, Path: MagnetPath(m.ID), UsedBy: by[m.ID]})
	}
	c.show(w, http.StatusOK, s.layout(MagnetsPath), contentSecurityPolicy, func(m *markup.Writer, l layout) { writeMagnetsList(m, l, v) })
}

// newMagnet shows the empty form, with PDF as the likely type.
func (c *Console) newMagnet(w http.ResponseWriter, r *http.Request, s signedIn) {
	c.showMagnetForm(w, r, http.StatusOK, s, magnetFormView{New: true, Magnet: leadgate.Magnet{ContentType: "application/pdf"}})
}

// createMagnet saves a new magnet and goes to its page, where its file is
// uploaded. An id in use is refused rather than replaced.
func (c *Console) createMagnet(w http.ResponseWriter, r *http.Request, s signedIn) {
	id := strings.TrimSpace(r.PostForm.Get("id"))
	m, unread := magnetFromForm(r, leadgate.Magnet{ID: id})
	var taken *leadgate.FieldError
	if id == reservedMagnetID {
		taken = &errMagnetReserved
	} else if leadgate.ValidSlug(id) {
		_, err := c.cfg.Admin.Magnet(r.Context(), id)
		switch leadgate.ErrorCode(err) {
		case leadgate.ENOTFOUND:
		case "":
			taken = &errMagnetExists
		default:
			c.fail(w, r, err)
			return
		}
	}
	if taken != nil || len(unread) > 0 {
		// Nothing is saved; the other fields' problems are shown with it.
		fields := unread
		if taken != nil {
			fields = append([]leadgate.FieldError{*taken}, fields...)
		}
		c.showMagnetForm(w, r, http.StatusUnprocessableEntity, s, magnetFormView{New: true, Magnet: m, Errors: withValidation(m, fields)})
		return
	}
	saved, _, err := c.cfg.Admin.SaveMagnet(r.Context(), id, m)
	if leadgate.ErrorCode(err) == leadgate.EINVALID {
		c.showMagnetForm(w, r, http.StatusUnprocessableEntity, s, magnetFormView{New: true, Magnet: m, Errors: leadgate.AsError(err).Fields})
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.cfg.Log.InfoContext(r.Context(), "console: magnet created", "magnet", saved.ID)
	http.Redirect(w, r, MagnetPath(saved.ID)+"?saved=1", http.StatusSeeOther)
}

// magnetOf reads the path's magnet; it answers the 404 page itself and reports
// false when there is none (or the store failed).
func (c *Console) magnetOf(w http.ResponseWriter, r *http.Request, s signedIn) (leadgate.Magnet, bool) {
	m, err := c.cfg.Admin.Magnet(r.Context(), r.PathValue("id"))
	switch leadgate.ErrorCode(err) {
	case "":
		return m, true
	case leadgate.ENOTFOUND:
		c.render(w, http.StatusNotFound, s.layout(MagnetsPath), noticeMagnetNotFound)
	default:
		c.fail(w, r, err)
	}
	return leadgate.Magnet{}, false
}

// editMagnet shows a magnet's settings and its file, with the upload.
func (c *Console) editMagnet(w http.ResponseWriter, r *http.Request, s signedIn) {
	m, ok := c.magnetOf(w, r, s)
	if !ok {
		return
	}
	c.showMagnetForm(w, r, http.StatusOK, s, magnetFormView{Magnet: m, Stored: m, Saved: r.URL.Query().Get("saved") == "1"})
}

// saveMagnet saves a magnet's settings; its file (object key, size, time) stays.
func (c *Console) saveMagnet(w http.ResponseWriter, r *http.Request, s signedIn) {
	old, ok := c.magnetOf(w, r, s)
	if !ok {
		return
	}
	m, unread := magnetFromForm(r, old)
	if len(unread) > 0 {
		c.showMagnetForm(w, r, http.StatusUnprocessableEntity, s, magnetFormView{Magnet: m, Stored: old, Errors: withValidation(m, unread)})
		return
	}
	saved, _, err := c.cfg.Admin.SaveMagnet(r.Context(), old.ID, m)
	if leadgate.ErrorCode(err) == leadgate.EINVALID {
		c.showMagnetForm(w, r, http.StatusUnprocessableEntity, s, magnetFormView{Magnet: m, Stored: old, Errors: leadgate.AsError(err).Fields})
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.cfg.Log.InfoContext(r.Context(), "console: magnet saved", "magnet", saved.ID)
	http.Redirect(w, r, MagnetPath(saved.ID)+"?saved=1", http.StatusSeeOther)
}

// showMagnetForm writes the new-magnet form or a magnet's page, which shows the
// pages that gate it and runs the upload script: its policy lets the page reach
// the bucket.
func (c *Console) showMagnetForm(w http.ResponseWriter, r *http.Request, status int, s signedIn, v magnetFormView) {
	v.CSRF, v.MaxBytes = s.CSRF, leadgate.MaxMagnetBytes
	if r.Method == http.MethodPost && v.Section == "" {
		v.AlertBelowTyped = strings.TrimSpace(r.PostForm.Get("coupon_alert_below"))
	}
	policy := contentSecurityPolicy
	if !v.New {
		by, err := c.pagesByMagnet(r)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		v.UsedBy, v.ScriptPath = by[v.Stored.ID], uploadScriptURL
		v.UploadLinkPath, v.UploadFinishPath = MagnetUploadLinkPath(v.Stored.ID), MagnetUploadFinishPath(v.Stored.ID)
		if !c.kindDetails(w, r, &v) {
			return
		}
		policy = c.uploadPolicy()
	}
	c.show(w, status, s.layout(MagnetsPath), policy, func(m *markup.Writer, l layout) { writeMagnetForm(m, l, v) })
}

// uploadPolicy is the policy of a page that uploads: the console's, and requests
// to the bucket's origin.
func (c *Console) uploadPolicy() string {
	p := contentSecurityPolicy + "; connect-src 'self'"
	if c.cfg.UploadOrigin != "" {
		p += " " + c.cfg.UploadOrigin
	}
	return p
}

// show writes a page in the frame l under policy.
func (c *Console) show(w http.ResponseWriter, status int, l layout, policy string, write func(*markup.Writer, layout)) {
	l.Tools = c.cfg.Tools
	var m markup.Writer
	write(&m, l)
	sendPolicy(w, status, m.String(), policy)
}

// uploadAnswer is what the upload script is told: the link to PUT the file to, or
// what went wrong (with a message per field).
type uploadAnswer struct {
	URL         string                `json:"url,omitempty"`
	Method      string                `json:"method,omitempty"`
	ContentType string                `json:"content_type,omitempty"`
	Size        int64                 `json:"size,omitempty"`
	Message     string                `json:"message,omitempty"`
	Fields      []leadgate.FieldError `json:"fields,omitempty"`
}

// uploadOf reads the upload script's description of the chosen file.
func uploadOf(r *http.Request) admin.FinishedUpload {
	size, err := strconv.ParseInt(r.PostForm.Get("size"), 10, 64)
	if err != nil {
		size = 0 // refused by the service with the other sizes out of range
	}
	return admin.FinishedUpload{FileName: r.PostForm.Get("file_name"), ContentType: r.PostForm.Get("content_type"), Size: size}
}

// magnetUploadLink answers the upload script a presigned PUT for the chosen file
// of an existing magnet: the key is the service's, from the magnet's id and the
// file's extension; the link lives minutes and takes exactly the stated size and
// type.
func (c *Console) magnetUploadLink(w http.ResponseWriter, r *http.Request, s signedIn) {
	id := r.PathValue("id")
	if _, err := c.cfg.Admin.Magnet(r.Context(), id); err != nil {
		c.uploadFailed(w, r, err)
		return
	}
	up := uploadOf(r)
	link, err := c.cfg.Admin.UploadLink(r.Context(), id, admin.UploadRequest{ContentType: up.ContentType, FileName: up.FileName, Size: up.Size})
	if err != nil {
		c.uploadFailed(w, r, err)
		return
	}
	c.cfg.Log.InfoContext(r.Context(), "console: magnet upload link issued", "magnet", id, "size", up.Size)
	writeUploadJSON(w, http.StatusOK, uploadAnswer{URL: link.URL, Method: link.Method, ContentType: link.ContentType, Size: link.Size})
}

// magnetUploadFinished records the uploaded file on its magnet once the bucket
// holds it with the stated size.
func (c *Console) magnetUploadFinished(w http.ResponseWriter, r *http.Request, s signedIn) {
	m, err := c.cfg.Admin.FinishUpload(r.Context(), r.PathValue("id"), uploadOf(r))
	if err != nil {
		c.uploadFailed(w, r, err)
		return
	}
	c.cfg.Log.InfoContext(r.Context(), "console: magnet file uploaded", "magnet", m.ID, "size", m.Size)
	writeUploadJSON(w, http.StatusOK, uploadAnswer{ContentType: m.ContentType, Size: m.Size,
		Message: "Uploaded " + m.FileName + " (" + leadgate.FormatBytes(m.Size) + "). Visitors now get this file."})
}

// uploadFailed answers the upload script an error it can show: the domain's
// message and fields for what the user can change, nothing of an internal failure.
func (c *Console) uploadFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch code := leadgate.ErrorCode(err); code {
	case leadgate.EINVALID:
		e := leadgate.AsError(err)
		writeUploadJSON(w, http.StatusUnprocessableEntity, uploadAnswer{Message: e.Message, Fields: e.Fields})
	case leadgate.ENOTFOUND:
		writeUploadJSON(w, http.StatusNotFound, uploadAnswer{Message: "There is no such magnet."})
	default:
		c.cfg.Log.ErrorContext(r.Context(), "console: upload request failed", "path", logPath(r), "error", err)
		writeUploadJSON(w, http.StatusInternalServerError, uploadAnswer{Message: "Something went wrong. Nothing was changed; please try again in a moment."})
	}
}

func writeUploadJSON(w http.ResponseWriter, status int, v uploadAnswer) {
	b, _ := json.Marshal(v)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// uploadScript is the upload's one script, served by the console itself.
//
//go:embed assets/upload.js
var uploadScript string

// uploadScriptURL names the script with its content's hash, so that a page never
// runs a cached copy of another version and the script can be cached for long.
var uploadScriptURL = func() string {
	sum := sha256.Sum256([]byte(uploadScript))
	return UploadScriptPath + "?v=" + hex.EncodeToString(sum[:6])
}()

func serveUploadScript(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(uploadScript)))
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(uploadScript))
	}
}
