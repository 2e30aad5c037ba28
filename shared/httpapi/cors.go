package httpapi

import (
	"net/http"
	"net/url"

	"leadgate/shared/leadgate"
)

// originAllowed reports whether a request may act on page: no Origin header (not a
// browser's cross-site request), the API's own origin (a hosted page), or one of the
// page's allowed origins.
func originAllowed(r *http.Request, page leadgate.Page) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if u, err := url.Parse(origin); err == nil && u.Host != "" && u.Host == r.Host {
		return true
	}
	return page.AllowsOrigin(origin)
}

// allowCORS marks a response readable by the page's allowed origin that asked.
func allowCORS(w http.ResponseWriter, r *http.Request, page leadgate.Page) {
	h := w.Header()
	h.Add("Vary", "Origin")
	if origin := r.Header.Get("Origin"); origin != "" && page.AllowsOrigin(origin) {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", "Retry-After")
	}
}

var errOrigin = leadgate.Errorf(leadgate.EFORBIDDEN, "this page does not accept posts from that origin")

// handlePreflight answers a CORS preflight for the page's origins only.
func (a *API) handlePreflight(w http.ResponseWriter, r *http.Request) {
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
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "POST, GET, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}
