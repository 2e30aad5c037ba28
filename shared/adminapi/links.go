package adminapi

import (
	"net/http"

	"leadgate/shared/admin"
	"leadgate/shared/httpapi"
)

// revokeLink is POST /v1/admin/links/revoke, body {"link": "…/v1/downloads/TOKEN"}
// (or the bare token): it stops the download link for good and answers 200 with
// the link's grant as it is now (never its token); 422 for something that is not a
// download link; 404 for no such link.
//
// The link travels in a POST body rather than in a path such as DELETE
// /v1/admin/downloads/{token}: a path lands in API Gateway's access logs and the
// route's parameters, and the token is a working credential until it is revoked.
func (a *API) revokeLink(w http.ResponseWriter, r *http.Request) {
	var req admin.RevokeRequest
	if err := readAdminJSON(w, r, &req); err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	g, err := a.svc.RevokeLink(r.Context(), req.Link)
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	a.log.InfoContext(r.Context(), "download link revoked", "page", g.Page, "magnet", g.MagnetID, "submission_id", g.SubmissionID)
	httpapi.WriteJSON(w, http.StatusOK, g)
}
