package adminapi

import (
	"errors"
	"net/http"

	"leadgate/shared/admin"
	"leadgate/shared/httpapi"
)

// pageLeads answers one page of the page's leads: query since, cursor, limit.
func (a *API) pageLeads(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	lq, err := admin.ParseLeadsQuery(q.Get("since"), q.Get("cursor"), q.Get("limit"))
	var page admin.LeadsPage
	if err == nil {
		page, err = a.svc.PageLeads(r.Context(), r.PathValue("slug"), lq)
	}
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, page)
}

// pageLeadsCSV streams the page's whole export as CSV, an attachment. Once the
// first row is out the status is sent: a later failure ends the body early, and is
// logged.
func (a *API) pageLeadsCSV(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	slug := r.PathValue("slug")
	lq, err := admin.ParseLeadsQuery(q.Get("since"), q.Get("cursor"), q.Get("limit"))
	var export *admin.Export
	if err == nil {
		export, err = a.svc.ExportLeads(r.Context(), slug, lq.Since)
	}
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+export.FileName+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	err = export.Write(r.Context(), w)
	switch {
	case errors.Is(err, admin.ErrExportWrite):
		a.log.WarnContext(r.Context(), "lead export cut short: the client went away", "page", slug)
	case err != nil:
		httpapi.LogError(a.log, r, err)
		a.log.ErrorContext(r.Context(), "lead export cut short", "page", slug)
	}
}

// getLead answers everything stored of the path's address (a data subject access
// request): 422 for one that is not an address, 404 for no such lead.
func (a *API) getLead(w http.ResponseWriter, r *http.Request) {
	export, err := a.svc.Lead(r.Context(), r.PathValue("email"))
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, export)
}

// eraseLead erases the lead of the path (GDPR article 17): 204, or 404 when no lead
// has the address (erased before). Only the lead's id is logged.
func (a *API) eraseLead(w http.ResponseWriter, r *http.Request) {
	erased, err := a.svc.EraseLead(r.Context(), r.PathValue("email"))
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	a.log.InfoContext(r.Context(), "lead erased", "lead_id", erased.LeadID, "submissions", erased.Submissions,
		"items", erased.Items, "grants", erased.Grants, "confirmations", erased.Confirmations,
		"unsubscribe_links", erased.UnsubscribeLinks, "elsewhere", erased.Elsewhere)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
