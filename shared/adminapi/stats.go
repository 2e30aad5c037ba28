package adminapi

import (
	"net/http"

	"leadgate/shared/admin"
	"leadgate/shared/httpapi"
)

// putSpend stores what was spent on one utm_campaign of the page: 200 with the
// spend as stored; 422 naming each bad field; 404 for an unknown page.
func (a *API) putSpend(w http.ResponseWriter, r *http.Request) {
	var req admin.SpendRequest
	if err := readAdminJSON(w, r, &req); err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	sp, err := a.svc.SaveSpend(r.Context(), r.PathValue("slug"), r.PathValue("campaign"), req)
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, sp)
}

// pageStats answers the page's funnel over the query's from and to (UTC days, both
// included; by default the 30 days that end today).
func (a *API) pageStats(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rep, err := a.svc.Stats(r.Context(), r.PathValue("slug"), q.Get("from"), q.Get("to"))
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, rep)
}
