package console

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"leadgate/shared/admin"
	"leadgate/shared/leadgate"
)

// The magnets area's kinds: the settings form reads the chosen delivery's settings
// (a file's name and type, a link, a coupon pool's alert, a trial's signup URL); a
// bundle's page uploads its files one at a time with the upload script, then
// labels, orders and removes them in one form; a coupon magnet's page counts its
// pool and adds codes from a CSV file or a pasted list. Every change goes through
// the admin service.

// maxCouponFormBytes bounds the form that adds codes, a CSV file included: the
// admin API's bound on the same upload.
const maxCouponFormBytes = 1 << 20

// magnetKindRoutes adds the routes of the bundle and coupon forms to mux.
func (c *Console) magnetKindRoutes(mux *http.ServeMux) {
	mux.Handle(MagnetBundlePattern, c.private(nil, c.arrangeBundle))
	mux.Handle(MagnetBundleUploadLinkPattern, c.private(nil, c.bundleUploadLink))
	mux.Handle(MagnetBundleUploadFinishPattern, c.private(nil, c.bundleUploadFinished))
	mux.Handle(MagnetCouponsPattern, c.privateUpTo(maxCouponFormBytes, nil, c.addCoupons))
}

// kindFields are the settings form's fields of the kinds, besides magnetFields:
// the admin service names its errors by the same names.
var kindFields = []string{"delivery", "link_url", "coupon_alert_below", "coupon_alert_to", "trial_url", "trial_mode", "trial_param"}

// magnetFromForm reads the settings form onto a magnet of old's id: the settings of
// the chosen delivery only (the domain refuses another kind's), keeping what the
// form does not carry: a file magnet's uploaded file, a bundle's files. A form
// without a delivery keeps old's. It also returns the fields it could not read
// (a threshold that is no number), which the admin service never sees.
func magnetFromForm(r *http.Request, old leadgate.Magnet) (leadgate.Magnet, []leadgate.FieldError) {
	get := func(name string) string { return strings.TrimSpace(r.PostForm.Get(name)) }
	kind := old.DeliveryKind()
	if d := get("delivery"); d != "" {
		kind = leadgate.Delivery(d)
	}
	m := leadgate.Magnet{ID: old.ID, Title: get("title"), Kind: get("kind"), CreatedAt: old.CreatedAt}
	if kind != leadgate.DeliveryFile {
		m.Delivery = kind // a file stays the zero value, as magnets before kinds
	}
	var unread []leadgate.FieldError
	switch kind {
	case leadgate.DeliveryFile:
		m.FileName, m.ContentType = get("file_name"), get("content_type")
		if old.HasFile() {
			m.ObjectKey, m.Size, m.UploadedAt = old.ObjectKey, old.Size, old.UploadedAt
		}
	case leadgate.DeliveryBundle:
		if old.DeliveryKind() == leadgate.DeliveryBundle {
			m.Bundle = old.Bundle
		}
	case leadgate.DeliveryLink:
		m.LinkURL = get("link_url")
	case leadgate.DeliveryCoupon:
		m.CouponAlertTo = get("coupon_alert_to")
		if s := get("coupon_alert_below"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				unread = append(unread, leadgate.FieldError{Field: "coupon_alert_below", Code: "invalid", Message: "a whole number, such as 50 (0: no alert)"})
			}
			m.CouponAlertBelow = n
		}
	case leadgate.DeliveryTrial:
		m.TrialURL, m.TrialMode, m.TrialParam = get("trial_url"), get("trial_mode"), get("trial_param")
		if m.TrialMode == leadgate.TrialEmail {
			m.TrialMode = "" // the default
		}
	}
	return m, unread
}

// withValidation adds the domain's findings on m to fields, for a form refused
// before the admin service saw it: every problem is shown at once.
func withValidation(m leadgate.Magnet, fields []leadgate.FieldError) []leadgate.FieldError {
	check := m
	if check.HasFile() && check.ObjectKey == "" {
		check.ObjectKey = leadgate.MagnetObjectKey(m.ID, m.FileName)
	}
	if err := check.Validate(); err != nil {
		for _, fe := range leadgate.AsError(err).Fields {
			if !hasField(fields, fe.Field) {
				fields = append(fields, fe)
			}
		}
	}
	return fields
}

func hasField(fields []leadgate.FieldError, name string) bool {
	for _, f := range fields {
		if f.Field == name {
			return true
		}
	}
	return false
}

// kindDetails fills in what a magnet's page shows of its kind: the pool's counts,
// a bundle's upload requests, a trial's secret, and what the query says was just
// done. It answers the failure itself and reports false when the store failed.
func (c *Console) kindDetails(w http.ResponseWriter, r *http.Request, v *magnetFormView) bool {
	id, q := v.Stored.ID, r.URL.Query()
	switch v.Stored.DeliveryKind() {
	case leadgate.DeliveryBundle:
		v.UploadLinkPath, v.UploadFinishPath = MagnetBundleUploadLinkPath(id), MagnetBundleUploadFinishPath(id)
		v.Arranged = q.Get("arranged") == "1"
	case leadgate.DeliveryCoupon:
		st, err := c.cfg.Admin.CouponStock(r.Context(), id)
		if err != nil {
			c.fail(w, r, err)
			return false
		}
		v.Stock = &st
		if n, err := strconv.Atoi(q.Get("added")); err == nil && n >= 0 {
			v.Added = &n
		}
	case leadgate.DeliveryTrial:
		if v.Stored.TrialMode == leadgate.TrialSigned {
			secret, err := c.cfg.Admin.TrialSecret(r.Context(), id)
			if err != nil {
				c.fail(w, r, err)
				return false
			}
			v.TrialSecret = secret
		}
	}
	return true
}

// arrangeBundle saves a bundle's labels, and the move or removal its button asked
// for: one form, whose buttons name what they do (up, down, remove: a file's
// index), so no script is needed. The form says how many files it showed, so a
// bundle changed since is refused rather than mislabelled.
func (c *Console) arrangeBundle(w http.ResponseWriter, r *http.Request, s signedIn) {
	m, ok := c.magnetOf(w, r, s)
	if !ok {
		return
	}
	count, err := strconv.Atoi(r.PostForm.Get("files"))
	if err != nil || count < 0 || count > leadgate.MaxBundleFiles {
		count = -1 // refused by the service as a bundle changed since
	}
	labels := make([]string, max(count, 0))
	for i := range labels {
		labels[i] = strings.TrimSpace(r.PostForm.Get("label." + strconv.Itoa(i)))
	}
	if count < 0 {
		labels = nil
	}
	order := make([]int, len(labels))
	for i := range order {
		order[i] = i
	}
	index := func(name string) int {
		i, err := strconv.Atoi(r.PostForm.Get(name))
		if err != nil || i < 0 || i >= len(order) {
			return -1
		}
		return i
	}
	switch {
	case index("up") > 0:
		i := index("up")
		order[i-1], order[i] = order[i], order[i-1]
	case index("down") >= 0 && index("down") < len(order)-1:
		i := index("down")
		order[i], order[i+1] = order[i+1], order[i]
	case index("remove") >= 0:
		i := index("remove")
		order = append(order[:i], order[i+1:]...)
	}
	if _, err := c.cfg.Admin.ArrangeBundle(r.Context(), m.ID, labels, order); err != nil {
		if leadgate.ErrorCode(err) == leadgate.EINVALID && m.DeliveryKind() != leadgate.DeliveryBundle {
			c.render(w, http.StatusUnprocessableEntity, s.layout(MagnetsPath), noticeOtherKind(m, err))
			return
		}
		if leadgate.ErrorCode(err) == leadgate.EINVALID {
			c.showMagnetForm(w, r, http.StatusUnprocessableEntity, s, magnetFormView{Magnet: m, Stored: m, Section: sectionBundle,
				Errors: leadgate.AsError(err).Fields, Labels: labels})
			return
		}
		c.fail(w, r, err)
		return
	}
	c.cfg.Log.InfoContext(r.Context(), "console: bundle arranged", "magnet", m.ID, "files", len(order))
	http.Redirect(w, r, MagnetPath(m.ID)+"?arranged=1#bundle-title", http.StatusSeeOther)
}

// bundleUploadLink answers the upload script a presigned PUT for a new file of a
// bundle.
func (c *Console) bundleUploadLink(w http.ResponseWriter, r *http.Request, s signedIn) {
	up := uploadOf(r)
	link, err := c.cfg.Admin.BundleUploadLink(r.Context(), r.PathValue("id"), admin.UploadRequest{ContentType: up.ContentType, FileName: up.FileName, Size: up.Size})
	if err != nil {
		c.uploadFailed(w, r, err)
		return
	}
	c.cfg.Log.InfoContext(r.Context(), "console: bundle upload link issued", "magnet", r.PathValue("id"), "size", up.Size)
	writeUploadJSON(w, http.StatusOK, uploadAnswer{URL: link.URL, Method: link.Method, ContentType: link.ContentType, Size: link.Size})
}

// bundleUploadFinished adds the uploaded file to its bundle once the bucket holds
// it.
func (c *Console) bundleUploadFinished(w http.ResponseWriter, r *http.Request, s signedIn) {
	up := uploadOf(r)
	m, err := c.cfg.Admin.FinishBundleUpload(r.Context(), r.PathValue("id"), up)
	if err != nil {
		c.uploadFailed(w, r, err)
		return
	}
	c.cfg.Log.InfoContext(r.Context(), "console: bundle file uploaded", "magnet", m.ID, "files", len(m.Bundle))
	writeUploadJSON(w, http.StatusOK, uploadAnswer{ContentType: up.ContentType, Size: up.Size,
		Message: "Added " + up.FileName + " (" + leadgate.FormatBytes(up.Size) + "): the bundle has " + strconv.Itoa(len(m.Bundle)) +
			" files. Reload the page to label or order it."})
}

// addCoupons adds the codes of the form to a coupon magnet's pool: a CSV file, a
// pasted list, or both. Nothing is added unless every code is good.
func (c *Console) addCoupons(w http.ResponseWriter, r *http.Request, s signedIn) {
	m, ok := c.magnetOf(w, r, s)
	if !ok {
		return
	}
	pasted := r.PostForm.Get("codes")
	var parts []string
	if strings.TrimSpace(pasted) != "" {
		parts = append(parts, pasted)
	}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["file"] {
			f, err := fh.Open()
			if err != nil {
				c.fail(w, r, leadgate.Internal("read codes", err))
				return
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				c.fail(w, r, leadgate.Internal("read codes", err))
				return
			}
			parts = append(parts, string(data))
		}
	}
	// Joined by a line break: a file alone keeps its line numbers in the errors.
	csv := strings.Join(parts, "\n")
	var (
		up  admin.CouponUpload
		err error
	)
	err = leadgate.Invalid(leadgate.FieldError{Field: "codes", Code: "required", Message: "choose a CSV file of codes, or paste codes, one a line"})
	if strings.TrimSpace(csv) != "" {
		up, err = c.cfg.Admin.AddCoupons(r.Context(), m.ID, csv)
	}
	if leadgate.ErrorCode(err) == leadgate.EINVALID && m.DeliveryKind() != leadgate.DeliveryCoupon {
		c.render(w, http.StatusUnprocessableEntity, s.layout(MagnetsPath), noticeOtherKind(m, err))
		return
	}
	if leadgate.ErrorCode(err) == leadgate.EINVALID {
		v := magnetFormView{Magnet: m, Stored: m, Section: sectionCoupons, Errors: leadgate.AsError(err).Fields, Codes: pasted}
		c.showMagnetForm(w, r, http.StatusUnprocessableEntity, s, v)
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.cfg.Log.InfoContext(r.Context(), "console: coupons added", "magnet", m.ID, "added", up.Added, "left", up.Left)
	http.Redirect(w, r, MagnetPath(m.ID)+"?added="+strconv.Itoa(up.Added)+"#coupons-title", http.StatusSeeOther)
}

// noticeOtherKind answers a form of one kind posted to a magnet of another (its
// page changed kind since the form was shown): the service's reason, nothing done.
func noticeOtherKind(m leadgate.Magnet, err error) notice {
	msg := leadgate.ErrorMessage(err)
	if fs := leadgate.AsError(err).Fields; len(fs) > 0 {
		msg = fs[0].Message
	}
	return notice{Title: "Nothing was changed", Message: leadgate.Sentence(msg) + ".", LinkText: "Back to the magnet", LinkPath: MagnetPath(m.ID)}
}
