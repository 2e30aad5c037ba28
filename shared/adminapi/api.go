// Package adminapi is the admin API's HTTP handlers: JSON routes under /v1/admin/
// over the admin service, IAM-authorised on AWS and behind a bearer token locally.
package adminapi

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"leadgate/shared/admin"
	"leadgate/shared/httpapi"
	"leadgate/shared/leadgate"
)

// API serves the admin service under /v1/admin/, JSON in and out: pages and
// magnets listed, read, created and updated, pages deleted, upload links for magnet files, a
// page's leads exported (JSON pages or CSV), one lead's data exported or erased, a
// page's funnel stats, what was spent on its campaigns, and download links revoked.
// Each handler decodes, calls the service and encodes; the rules are the service's.
// It checks no credentials itself: on AWS, API Gateway lets only IAM-signed requests
// through (AWS_IAM auth on each route); locally, the dev server wraps it in
// RequireBearer.
type API struct {
	svc *admin.Service
	log *slog.Logger
}

// New returns the admin routes of the service.
func New(svc *admin.Service, log *slog.Logger) *API {
	return &API{svc: svc, log: log}
}

// MaxBodyBytes is the largest admin request body: a page with its templates is
// a few KiB.
const MaxBodyBytes = 1 << 20

// Register mounts the routes on mux. A method-less pattern per path answers other
// methods with 405 and an Allow header.
func (a *API) Register(mux *http.ServeMux) {
	const p = leadgate.AdminPrefix
	routes := []struct {
		path  string
		allow string
		by    map[string]http.HandlerFunc
	}{
		{p + "pages", "GET, HEAD", map[string]http.HandlerFunc{"GET": a.listPages}},
		{p + "pages/{slug}", "GET, HEAD, PUT, DELETE", map[string]http.HandlerFunc{"GET": a.getPage, "PUT": a.putPage, "DELETE": a.deletePage}},
		{p + "magnets", "GET, HEAD", map[string]http.HandlerFunc{"GET": a.listMagnets}},
		{p + "magnets/{id}", "GET, HEAD, PUT", map[string]http.HandlerFunc{"GET": a.getMagnet, "PUT": a.putMagnet}},
		{p + "magnets/{id}/upload-url", "POST", map[string]http.HandlerFunc{"POST": a.uploadURL}},
		{p + "magnets/{id}/coupons", "GET, HEAD, POST", map[string]http.HandlerFunc{"GET": a.couponStock, "POST": a.addCoupons}},
		{p + "pages/{slug}/leads", "GET, HEAD", map[string]http.HandlerFunc{"GET": a.pageLeads}},
		{p + "pages/{slug}/leads.csv", "GET, HEAD", map[string]http.HandlerFunc{"GET": a.pageLeadsCSV}},
		{p + "leads/{email}", "GET, HEAD, DELETE", map[string]http.HandlerFunc{"GET": a.getLead, "DELETE": a.eraseLead}},
		{p + "pages/{slug}/stats", "GET, HEAD", map[string]http.HandlerFunc{"GET": a.pageStats}},
		{p + "pages/{slug}/variants/{variant}/promote", "POST", map[string]http.HandlerFunc{"POST": a.promoteVariant}},
		{p + "pages/{slug}/spend/{campaign}", "PUT", map[string]http.HandlerFunc{"PUT": a.putSpend}},
		{p + "pages/{slug}/embed", "GET, HEAD", map[string]http.HandlerFunc{"GET": a.embed}},
		{p + "links/revoke", "POST", map[string]http.HandlerFunc{"POST": a.revokeLink}},
		{p + "webhooks", "GET, HEAD, POST", map[string]http.HandlerFunc{"GET": a.listWebhooks, "POST": a.createWebhook}},
		{p + "webhooks/{id}", "GET, HEAD, PATCH, DELETE", map[string]http.HandlerFunc{"GET": a.getWebhook, "PATCH": a.patchWebhook, "DELETE": a.deleteWebhook}},
		{p + "webhooks/{id}/test", "POST", map[string]http.HandlerFunc{"POST": a.testWebhook}},
		{p + "webhooks/{id}/deliveries/{delivery}/redeliver", "POST", map[string]http.HandlerFunc{"POST": a.redeliver}},
	}
	for _, rt := range routes {
		for method, h := range rt.by {
			mux.HandleFunc(method+" "+rt.path, h)
		}
		allow := rt.allow
		mux.HandleFunc(rt.path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			httpapi.WriteError(w, r, a.log, leadgate.Errorf(leadgate.EMETHOD, "use one of: %s", allow))
		})
	}
	mux.HandleFunc(p, a.notFound)
}

// Handler returns the routes on a mux of their own, as their Lambda function serves
// them.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	a.Register(mux)
	mux.HandleFunc("/", a.notFound)
	return mux
}

func (a *API) notFound(w http.ResponseWriter, r *http.Request) {
	httpapi.WriteError(w, r, a.log, leadgate.Errorf(leadgate.ENOTFOUND, "no such route"))
}

func (a *API) listPages(w http.ResponseWriter, r *http.Request) {
	pages, err := a.svc.Pages(r.Context())
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, struct {
		Pages []leadgate.Page `json:"pages"`
	}{pages})
}

func (a *API) getPage(w http.ResponseWriter, r *http.Request) {
	p, err := a.svc.Page(r.Context(), r.PathValue("slug"))
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, p)
}

// embed answers the page's embed snippet: a plain HTML form, no JavaScript, that
// the marketer pastes into their own site; it posts to this API's capture route.
func (a *API) embed(w http.ResponseWriter, r *http.Request) {
	p, err := a.svc.Page(r.Context(), r.PathValue("slug"))
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, struct {
		HTML string `json:"html"`
	}{httpapi.EmbedSnippet(p, httpapi.BaseURL(r))})
}

// deletePage deletes the page of the path: 204, or 404 for no such page. Its leads
// and counters stay.
func (a *API) deletePage(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	if err := a.svc.DeletePage(r.Context(), slug); err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	a.log.InfoContext(r.Context(), "page deleted", "page", slug)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// putPage creates (201) or replaces (200) the page of the path and answers it as
// stored; 422 lists everything wrong with it at once.
func (a *API) putPage(w http.ResponseWriter, r *http.Request) {
	var p leadgate.Page
	if err := readAdminJSON(w, r, &p); err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	p, created, err := a.svc.SavePage(r.Context(), r.PathValue("slug"), p)
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	a.log.InfoContext(r.Context(), "page saved", "page", p.Slug, "created", created)
	httpapi.WriteJSON(w, putStatus(created), p)
}

func (a *API) listMagnets(w http.ResponseWriter, r *http.Request) {
	magnets, err := a.svc.Magnets(r.Context())
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, struct {
		Magnets []leadgate.Magnet `json:"magnets"`
	}{magnets})
}

func (a *API) getMagnet(w http.ResponseWriter, r *http.Request) {
	m, err := a.svc.Magnet(r.Context(), r.PathValue("id"))
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, m)
}

// putMagnet creates (201) or replaces (200) the magnet of the path and answers it
// as stored.
func (a *API) putMagnet(w http.ResponseWriter, r *http.Request) {
	var m leadgate.Magnet
	if err := readAdminJSON(w, r, &m); err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	m, created, err := a.svc.SaveMagnet(r.Context(), r.PathValue("id"), m)
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	a.log.InfoContext(r.Context(), "magnet saved", "magnet", m.ID, "created", created)
	httpapi.WriteJSON(w, putStatus(created), m)
}

func putStatus(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}

// uploadURL answers an upload link for the file of the path's magnet.
func (a *API) uploadURL(w http.ResponseWriter, r *http.Request) {
	var req admin.UploadRequest
	if err := readAdminJSON(w, r, &req); err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	link, err := a.svc.UploadLink(r.Context(), r.PathValue("id"), req)
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	if strings.HasPrefix(link.URL, "/") {
		link.URL = httpapi.BaseURL(r) + link.URL // the local bucket's links are relative to the server
	}
	httpapi.WriteJSON(w, http.StatusOK, link)
}

var errAdminTooLarge = leadgate.Errorf(leadgate.ETOOLARGE, "the body is larger than 1 MiB")

// readAdminJSON decodes the request's JSON object into v: 415 for another content
// type, 413 over MaxBodyBytes, 400 for malformed JSON, and 422 naming the field
// for a member of the wrong type or one v does not have (a typo would otherwise be
// dropped without a word).
func readAdminJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return leadgate.Errorf(leadgate.EUNSUPPORTED, "send application/json")
	}
	if r.ContentLength > MaxBodyBytes {
		return errAdminTooLarge
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errAdminTooLarge
	}
	if err != nil {
		return leadgate.Errorf(leadgate.EMALFORMED, "the request body could not be read")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		return leadgate.Invalid(leadgate.FieldError{Field: typeErr.Field, Code: "type", Message: "must be of JSON type " + jsonType(typeErr.Type.Kind().String())})
	case err != nil && strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return leadgate.Invalid(leadgate.FieldError{Field: name, Code: "unknown", Message: "no such field"})
	case err != nil:
		return leadgate.Errorf(leadgate.EMALFORMED, "the body is not a valid JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return leadgate.Errorf(leadgate.EMALFORMED, "the body holds more than one JSON value")
	}
	return nil
}

// jsonType names the JSON type a Go kind decodes from.
func jsonType(kind string) string {
	switch {
	case kind == "string":
		return "string"
	case kind == "bool":
		return "boolean"
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "number"
	case kind == "slice", kind == "array":
		return "array"
	}
	return "object"
}

// RequireBearer lets through only requests that carry Authorization: Bearer token,
// compared in constant time; the rest get 401 with WWW-Authenticate: Bearer. The
// local server puts the admin API behind it (on AWS, API Gateway checks IAM
// signatures instead). An empty token lets nothing through.
func RequireBearer(token string, next http.Handler, log *slog.Logger) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		const scheme = "bearer "
		ok := len(auth) > len(scheme) && strings.EqualFold(auth[:len(scheme)], scheme)
		// Hashes of equal length, so the comparison's time says nothing about the
		// token's length either.
		got := sha256.Sum256([]byte(strings.TrimSpace(auth[min(len(auth), len(scheme)):])))
		if !ok || token == "" || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", "Bearer")
			httpapi.WriteError(w, r, log, leadgate.Errorf(leadgate.EUNAUTHORIZED, "send the admin token as Authorization: Bearer <token>"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
