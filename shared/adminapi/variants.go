package adminapi

import (
	"net/http"

	"leadgate/shared/httpapi"
)

// promoteVariant makes a variant of the page's A/B test the page, ends the test
// and keeps it in the page's history: 200 with the page as stored; 404 for an
// unknown page or variant; 422 when the page runs no test. The control's name
// ("control") ends the test keeping the page as it is.
func (a *API) promoteVariant(w http.ResponseWriter, r *http.Request) {
	p, err := a.svc.PromoteVariant(r.Context(), r.PathValue("slug"), r.PathValue("variant"))
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	a.log.InfoContext(r.Context(), "variant promoted", "page", p.Slug, "variant", r.PathValue("variant"))
	httpapi.WriteJSON(w, http.StatusOK, p)
}
