package adminapi

import (
	"net/http"

	"leadgate/shared/admin"
	"leadgate/shared/httpapi"
)

// The webhook routes: endpoints created (201 with the secret, the only time it is
// shown), listed, read with their recent deliveries, changed, deleted, tested, and
// one delivery sent again.

func (a *API) createWebhook(w http.ResponseWriter, r *http.Request) {
	var in admin.WebhookInput
	if err := readAdminJSON(w, r, &in); err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	wh, err := a.svc.CreateWebhook(r.Context(), in)
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	a.log.InfoContext(r.Context(), "webhook created", "webhook", wh.ID, "kind", wh.Kind)
	w.Header().Set("Cache-Control", "no-store")
	httpapi.WriteJSON(w, http.StatusCreated, wh)
}

func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request) {
	all, err := a.svc.Webhooks(r.Context())
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, struct {
		Webhooks []admin.Webhook `json:"webhooks"`
	}{all})
}

func (a *API) getWebhook(w http.ResponseWriter, r *http.Request) {
	wh, err := a.svc.Webhook(r.Context(), r.PathValue("id"))
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, wh)
}

func (a *API) patchWebhook(w http.ResponseWriter, r *http.Request) {
	var p admin.WebhookPatch
	if err := readAdminJSON(w, r, &p); err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	wh, err := a.svc.UpdateWebhook(r.Context(), r.PathValue("id"), p)
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	a.log.InfoContext(r.Context(), "webhook changed", "webhook", wh.ID, "enabled", wh.Enabled, "secret_rotated", p.RotateSecret)
	w.Header().Set("Cache-Control", "no-store")
	httpapi.WriteJSON(w, http.StatusOK, wh)
}

func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := a.svc.DeleteWebhook(r.Context(), id); err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	a.log.InfoContext(r.Context(), "webhook deleted", "webhook", id)
	w.WriteHeader(http.StatusNoContent)
}

// testWebhook sends a test event now and answers its delivery (200 whatever the
// receiver answered: the delivery's attempts say how it went).
func (a *API) testWebhook(w http.ResponseWriter, r *http.Request) {
	d, err := a.svc.TestWebhook(r.Context(), r.PathValue("id"))
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, d)
}

func (a *API) redeliver(w http.ResponseWriter, r *http.Request) {
	d, err := a.svc.Redeliver(r.Context(), r.PathValue("id"), r.PathValue("delivery"))
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	a.log.InfoContext(r.Context(), "webhook delivery sent again", "webhook", d.EndpointID, "delivery", d.ID, "status", d.Status)
	httpapi.WriteJSON(w, http.StatusOK, d)
}
