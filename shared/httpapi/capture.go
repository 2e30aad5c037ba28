package httpapi

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"leadgate/shared/capture"
	"leadgate/shared/leadgate"
	"leadgate/shared/metrics"
)

type captureBody struct {
	LeadID       string   `json:"lead_id"`
	SubmissionID string   `json:"submission_id"`
	Status       string   `json:"status"` // "created" or "repeat"
	Next         nextBody `json:"next"`
	Ignored      []string `json:"ignored_fields,omitempty"`
}

type nextBody struct {
	capture.Next
	DownloadURL string `json:"download_url,omitempty"`
}

// handleCapture is POST /v1/pages/{slug}/leads. JSON clients get JSON; a browser's
// form post gets a redirect to the thank-you page, or the form again with its errors.
func (a *API) handleCapture(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	kind, err := kindOf(r)
	person := kind == bodyForm || (err != nil && wantsHTML(r))
	fail := func(page *leadgate.Page, values map[string]string, err error) {
		if person {
			a.answerPerson(w, r, page, values, err)
		} else {
			WriteError(w, r, a.log, err)
		}
	}
	if err != nil {
		fail(nil, nil, err)
		return
	}
	if r.ContentLength > MaxBodyBytes {
		fail(nil, nil, errTooLarge)
		return
	}
	published, err := a.capture.Page(r.Context(), slug)
	if err != nil {
		fail(nil, nil, err)
		return
	}
	page := published
	if !originAllowed(r, page) {
		fail(&page, nil, errOrigin)
		return
	}
	allowCORS(w, r, page)
	data, err := readBody(w, r)
	if err != nil {
		fail(&page, nil, err)
		return
	}
	var fv formValues
	if kind == bodyJSON {
		fv, err = parseJSON(data)
	} else {
		fv, err = parseForm(data)
	}
	if err != nil {
		fail(&page, nil, err)
		return
	}
	// The form as its arm of the page's A/B test showed it, should it come again.
	page = page.WithArm(a.capture.ArmOf(page, fv.values[leadgate.FieldNameFormToken]))
	// A value of the wrong JSON type is an error for a field the page knows, and
	// ignored, like any unknown member, for the rest.
	var wrong []leadgate.FieldError
	for _, fe := range fv.wrong {
		if _, ok := page.Field(fe.Field); ok || slices.Contains(leadgate.AttributionFields, fe.Field) ||
			fe.Field == leadgate.FieldNameConsent || fe.Field == leadgate.FieldNameFormToken || fe.Field == leadgate.FieldNameHoneypot {
			wrong = append(wrong, fe)
		}
	}
	if len(wrong) > 0 {
		fail(&page, fv.values, leadgate.Invalid(wrong...))
		return
	}

	joinChoices(page, &fv)
	req := capture.Request{
		Slug: slug, Values: fv.values, Repeated: fv.repeated,
		IP: clientIP(r), UserAgent: r.UserAgent(), Page: &published,
	}
	if err := a.checkCaptcha(r, page, fv.values); err != nil {
		fail(&page, fv.values, withFieldErrors(page, req, err))
		return
	}
	res, err := a.capture.Capture(r.Context(), req)
	if err != nil {
		fail(&page, fv.values, err)
		return
	}
	a.logCapture(r, res)
	download := ""
	if res.DownloadToken != "" {
		download = BaseURL(r) + leadgate.DownloadPath(res.DownloadToken)
	}
	if person {
		http.Redirect(w, r, thankYouURL(page.ThankYouURL, download), http.StatusSeeOther)
		return
	}
	body := captureBody{LeadID: res.LeadID, SubmissionID: res.SubmissionID, Status: "created",
		Next: nextBody{Next: res.Next, DownloadURL: download}, Ignored: res.Ignored}
	status := http.StatusCreated
	if res.Repeat {
		body.Status, status = "repeat", http.StatusOK
	}
	WriteJSON(w, status, body)
}

// logCapture records the outcome without personal data: ids and the page only.
func (a *API) logCapture(r *http.Request, res capture.Result) {
	if res.Spam != "" {
		a.log.InfoContext(r.Context(), "submission taken for spam, nothing stored", "page", res.Page.Slug, "reason", res.Spam,
			metrics.Count(metrics.SpamRejected))
		return
	}
	if res.MagnetMissing {
		a.log.ErrorContext(r.Context(), "page gates a magnet that does not exist; lead captured without a download link", "page", res.Page.Slug, "magnet", res.Page.MagnetID)
	}
	args := []any{"page", res.Page.Slug, "lead_id", res.LeadID, "submission_id", res.SubmissionID, "new_lead", res.LeadCreated, "repeat", res.Repeat}
	if !res.Repeat { // a repeat within the dedupe window is the same submission
		args = append(args, metrics.Count(metrics.LeadsCaptured))
	}
	a.log.InfoContext(r.Context(), "lead captured", args...)
}

// answerPerson turns an error into what a person at a browser should see: the form
// again with the errors next to their fields, the page's own error URL, or a short
// page that says what happened.
func (a *API) answerPerson(w http.ResponseWriter, r *http.Request, page *leadgate.Page, values map[string]string, err error) {
	LogError(a.log, r, err)
	de := leadgate.AsError(err)
	setRetryAfter(w, de)
	status := StatusOf(de.Code)
	if de.Code == leadgate.EINVALID && page != nil {
		if page.ErrorURL != "" {
			http.Redirect(w, r, withErrors(page.ErrorURL, de.Fields), http.StatusSeeOther)
			return
		}
		arm := a.capture.ArmOf(*page, values[leadgate.FieldNameFormToken])
		v := NewFormView(*page, a.capture.ArmFormToken(page.Slug, arm), keepValues(*page, values))
		v.Origin = BaseURL(r)
		for _, fe := range de.Fields {
			msg := localise(*page, fe)
			if _, ok := v.Errors[fe.Field]; !ok {
				v.Errors[fe.Field] = msg
			}
			if f, ok := page.Field(fe.Field); ok && page.PageLocale() == "en" {
				msg = f.Label + ": " + fe.Message
			} else if ok {
				msg = f.Label + ": " + msg
			}
			v.Summary = append(v.Summary, leadgate.FieldError{Field: fe.Field, Code: fe.Code, Message: msg})
		}
		v.Consent = values[leadgate.FieldNameConsent] != "" && values[leadgate.FieldNameConsent] != "false"
		RenderForm(w, status, v)
		return
	}
	msg := noticeView(notices.FormError(err))
	if page != nil && de.Code != leadgate.ENOTFOUND {
		words := leadgate.CatalogueFor(page.Locale)
		msg = pageNoticeView(*page, words.FormError(err))
		msg.LinkURL, msg.LinkText = r.Referer(), words.Label(leadgate.LabelBackToForm)
		if !sameSite(msg.LinkURL, r, *page) {
			msg.LinkURL = ""
		}
	}
	RenderMessage(w, status, msg)
}

// keepValues returns the values worth showing again: the page's own fields and the
// hidden attribution, never the token or the honeypot.
func keepValues(page leadgate.Page, values map[string]string) map[string]string {
	out := map[string]string{}
	for name, v := range values {
		if _, ok := page.Field(name); ok || page.AcceptsHidden(name) {
			out[name] = v
		}
	}
	return out
}

// withErrors adds the failed fields to the page's error URL, for its own page to show.
func withErrors(target string, fields []leadgate.FieldError) string {
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	q := u.Query()
	for _, fe := range fields {
		q.Add("error", fe.Field+":"+fe.Code)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// sameSite reports whether link is a page of ours or of the page's allowed origins,
// so a "back" link never sends a person somewhere a header made up.
func sameSite(link string, r *http.Request, page leadgate.Page) bool {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return false
	}
	return u.Host == r.Host || page.AllowsOrigin(u.Scheme+"://"+u.Host)
}

// wantsHTML reports whether the client is a browser that asked for a page.
func wantsHTML(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "text/html") && !strings.Contains(accept, "application/json")
}

// clientIP is the peer address: API Gateway's source IP in Lambda, the socket's
// peer locally. Forwarding headers are not trusted, since any client can set them.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type formTokenBody struct {
	FormToken      string  `json:"form_token"`
	MinFillSeconds float64 `json:"min_fill_seconds"`
}

// handleFormToken gives JavaScript forms the signed render time that server-rendered
// forms carry in a hidden field.
func (a *API) handleFormToken(w http.ResponseWriter, r *http.Request) {
	page, err := a.capture.Page(r.Context(), r.PathValue("slug"))
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	if !originAllowed(r, page) {
		WriteError(w, r, a.log, errOrigin)
		return
	}
	allowCORS(w, r, page)
	WriteJSON(w, http.StatusOK, formTokenBody{FormToken: a.capture.FormToken(page.Slug), MinFillSeconds: a.capture.MinFillTime().Seconds()})
}

// BaseURL is the API's own base URL as the client reached it: its origin, and the
// base path of a custom domain's API mapping (apigw.PrefixHeader, which apigw sets
// or removes on every request). API Gateway terminates TLS and says so in
// X-Forwarded-Proto.
func BaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + basePrefix(r)
}

// basePrefix is the mapping's base path the request came in under ("/offers"), or "".
func basePrefix(r *http.Request) string {
	p := r.Header.Get("X-Forwarded-Prefix")
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#\"\\<> ") {
		return ""
	}
	return strings.TrimRight(p, "/")
}

// thankYouURL adds the download link to the page's thank-you URL, for the page to
// offer it at once.
func thankYouURL(target, download string) string {
	if download == "" {
		return target
	}
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	q := u.Query()
	q.Set("download_url", download)
	u.RawQuery = q.Encode()
	return u.String()
}
