package console

import (
	"net/http"
	"strings"

	"leadgate/shared/admin"
	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// The webhooks area: the endpoints listed with a form to add one; an endpoint's
// page with its settings (events, pages, on or off), its recent deliveries with a
// button to send each again, a test button and deletion. Every change goes through
// the admin service; a new endpoint's secret is shown once, on the page that
// answers its creation.

// webhookRoutes adds the webhooks area's routes to mux.
func (c *Console) webhookRoutes(mux *http.ServeMux) {
	mux.Handle(WebhooksPath, c.private(c.webhooks, c.addWebhook))
	mux.Handle(WebhookPattern, c.private(c.webhook, c.saveWebhook))
	mux.Handle(WebhookDeletePattern, c.private(nil, c.deleteWebhook))
	mux.Handle(WebhookTestPattern, c.private(nil, c.testWebhook))
	mux.Handle(WebhookRedeliverPattern, c.private(nil, c.redeliverWebhook))
}

var noticeWebhookNotFound = notice{Title: "No such webhook",
	Message:  "There is no webhook at this address. It may have been deleted.",
	LinkText: "Webhooks", LinkPath: WebhooksPath}

// webhookForm is what the endpoint forms hold, as typed.
type webhookForm struct {
	URL, Description, Pages string
	Kind                    leadgate.EndpointKind
	Events                  []string
	Enabled                 bool
}

func webhookFormOf(r *http.Request) webhookForm {
	get := func(name string) string { return strings.TrimSpace(r.PostForm.Get(name)) }
	return webhookForm{URL: get("url"), Description: get("description"), Pages: get("pages"),
		Kind: leadgate.EndpointKind(get("kind")), Events: r.PostForm["events"], Enabled: r.PostForm.Get("enabled") == "on"}
}

// pageList splits the pages field: slugs separated by commas or spaces.
func pageList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// webhooksView is the list with the add form.
type webhooksView struct {
	Webhooks []admin.Webhook
	Form     webhookForm
	Errors   []leadgate.FieldError
	CSRF     string
	Deleted  bool
}

// webhookView is one endpoint's page. Secret is set only on the page that answers
// its creation.
type webhookView struct {
	Webhook admin.Webhook
	Form    webhookForm
	Errors  []leadgate.FieldError
	CSRF    string
	Secret  string
	Status  string // what the last action did, from a fixed list
}

func (c *Console) webhooks(w http.ResponseWriter, r *http.Request, s signedIn) {
	c.showWebhooks(w, r, s, http.StatusOK, webhooksView{Form: webhookForm{Kind: leadgate.EndpointWebhook, Events: []string{leadgate.EventLeadCreated}},
		Deleted: r.URL.Query().Get("deleted") == "1"})
}

func (c *Console) showWebhooks(w http.ResponseWriter, r *http.Request, s signedIn, status int, v webhooksView) {
	all, err := c.cfg.Admin.Webhooks(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v.Webhooks, v.CSRF = all, s.CSRF
	c.show(w, status, s.layout(WebhooksPath), contentSecurityPolicy, func(m *markup.Writer, l layout) { writeWebhooksPage(m, l, v) })
}

// addWebhook creates an endpoint and answers its page with the secret, once.
func (c *Console) addWebhook(w http.ResponseWriter, r *http.Request, s signedIn) {
	f := webhookFormOf(r)
	wh, err := c.cfg.Admin.CreateWebhook(r.Context(), admin.WebhookInput{URL: f.URL, Kind: f.Kind, Events: f.Events,
		Pages: pageList(f.Pages), Description: f.Description})
	if leadgate.ErrorCode(err) == leadgate.EINVALID || leadgate.ErrorCode(err) == leadgate.ECONFLICT {
		c.showWebhooks(w, r, s, http.StatusUnprocessableEntity, webhooksView{Form: f, Errors: formErrors(err)})
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.cfg.Log.InfoContext(r.Context(), "console: webhook created", "webhook", wh.ID)
	full, err := c.cfg.Admin.Webhook(r.Context(), wh.ID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.showWebhook(w, s, http.StatusCreated, webhookView{Webhook: full, Form: formOfWebhook(full), Secret: wh.Secret})
}

// formErrors returns an error's field messages; one of no field for a conflict.
func formErrors(err error) []leadgate.FieldError {
	e := leadgate.AsError(err)
	if len(e.Fields) > 0 {
		return e.Fields
	}
	return []leadgate.FieldError{{Field: "url", Code: "conflict", Message: e.Message}}
}

func formOfWebhook(wh admin.Webhook) webhookForm {
	return webhookForm{URL: wh.URL, Description: wh.Description, Pages: strings.Join(wh.Pages, ", "),
		Kind: wh.Kind, Events: wh.Events, Enabled: wh.Enabled}
}

// webhookStatuses are the notes an endpoint's page shows after an action.
var webhookStatuses = map[string]string{
	"saved":       "Saved.",
	"tested":      "A test event was sent: its delivery is the first below.",
	"redelivered": "The delivery was sent again: its attempts are below.",
}

func (c *Console) webhook(w http.ResponseWriter, r *http.Request, s signedIn) {
	wh, ok := c.webhookOf(w, r, s)
	if !ok {
		return
	}
	c.showWebhook(w, s, http.StatusOK, webhookView{Webhook: wh, Form: formOfWebhook(wh), Status: webhookStatuses[r.URL.Query().Get("done")]})
}

// webhookOf reads the path's endpoint; it answers the 404 page itself and reports
// false when there is none (or the store failed).
func (c *Console) webhookOf(w http.ResponseWriter, r *http.Request, s signedIn) (admin.Webhook, bool) {
	wh, err := c.cfg.Admin.Webhook(r.Context(), r.PathValue("id"))
	if leadgate.ErrorCode(err) == leadgate.ENOTFOUND {
		c.render(w, http.StatusNotFound, s.layout(WebhooksPath), noticeWebhookNotFound)
		return wh, false
	}
	if err != nil {
		c.fail(w, r, err)
		return wh, false
	}
	return wh, true
}

func (c *Console) showWebhook(w http.ResponseWriter, s signedIn, status int, v webhookView) {
	v.CSRF = s.CSRF
	if v.Secret != "" {
		// The secret is on this page only: no cache may keep it.
		w.Header().Set("Cache-Control", "no-store")
	}
	c.show(w, status, s.layout(WebhooksPath), contentSecurityPolicy, func(m *markup.Writer, l layout) { writeWebhookPage(m, l, v) })
}

// saveWebhook saves the settings form: events, pages, description, address, on or
// off.
func (c *Console) saveWebhook(w http.ResponseWriter, r *http.Request, s signedIn) {
	wh, ok := c.webhookOf(w, r, s)
	if !ok {
		return
	}
	f := webhookFormOf(r)
	pages := pageList(f.Pages)
	_, err := c.cfg.Admin.UpdateWebhook(r.Context(), wh.ID, admin.WebhookPatch{URL: &f.URL, Events: &f.Events, Pages: &pages,
		Description: &f.Description, Enabled: &f.Enabled})
	if leadgate.ErrorCode(err) == leadgate.EINVALID {
		f.Kind = wh.Kind
		c.showWebhook(w, s, http.StatusUnprocessableEntity, webhookView{Webhook: wh, Form: f, Errors: formErrors(err)})
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.cfg.Log.InfoContext(r.Context(), "console: webhook saved", "webhook", wh.ID, "enabled", f.Enabled)
	http.Redirect(w, r, WebhookPath(wh.ID)+"?done=saved", http.StatusSeeOther)
}

func (c *Console) deleteWebhook(w http.ResponseWriter, r *http.Request, s signedIn) {
	id := r.PathValue("id")
	err := c.cfg.Admin.DeleteWebhook(r.Context(), id)
	if leadgate.ErrorCode(err) == leadgate.ENOTFOUND {
		c.render(w, http.StatusNotFound, s.layout(WebhooksPath), noticeWebhookNotFound)
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.cfg.Log.InfoContext(r.Context(), "console: webhook deleted", "webhook", id)
	http.Redirect(w, r, WebhooksPath+"?deleted=1", http.StatusSeeOther)
}

func (c *Console) testWebhook(w http.ResponseWriter, r *http.Request, s signedIn) {
	id := r.PathValue("id")
	_, err := c.cfg.Admin.TestWebhook(r.Context(), id)
	if leadgate.ErrorCode(err) == leadgate.ENOTFOUND {
		c.render(w, http.StatusNotFound, s.layout(WebhooksPath), noticeWebhookNotFound)
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, WebhookPath(id)+"?done=tested", http.StatusSeeOther)
}

func (c *Console) redeliverWebhook(w http.ResponseWriter, r *http.Request, s signedIn) {
	id := r.PathValue("id")
	_, err := c.cfg.Admin.Redeliver(r.Context(), id, r.PathValue("delivery"))
	switch leadgate.ErrorCode(err) {
	case "":
		http.Redirect(w, r, WebhookPath(id)+"?done=redelivered", http.StatusSeeOther)
	case leadgate.ENOTFOUND:
		c.render(w, http.StatusNotFound, s.layout(WebhooksPath), noticeWebhookNotFound)
	case leadgate.EGONE:
		c.render(w, http.StatusGone, s.layout(WebhooksPath), noticeDeliveryErased)
	default:
		c.fail(w, r, err)
	}
}

var noticeDeliveryErased = notice{Title: "Nothing to send again",
	Message:  "This delivery's content was erased with its lead, so it cannot be sent again.",
	LinkText: "Webhooks", LinkPath: WebhooksPath}
