package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"

	"leadgate/shared/emails"
	"leadgate/shared/funnel"
	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

// AdminStore is the part of the store the admin API works on.
type AdminStore interface {
	Page(ctx context.Context, slug string) (leadgate.Page, error)
	Pages(ctx context.Context) ([]leadgate.Page, error)
	PutPage(ctx context.Context, p leadgate.Page) error
	Magnet(ctx context.Context, id string) (leadgate.Magnet, error)
	Magnets(ctx context.Context) ([]leadgate.Magnet, error)
	PutMagnet(ctx context.Context, m leadgate.Magnet) error
	LeadsStore
	funnel.StatsStore
	SpendStore
}

// AdminAPI serves the marketer's routes under /v1/admin/, JSON in and out: pages
// and magnets listed, read, created and updated, upload links for magnet files, a
// page's leads exported (JSON pages or CSV), one lead's data exported or erased, a
// page's funnel stats, and what was spent on its campaigns.
// It checks no credentials itself: on AWS, API Gateway lets only IAM-signed requests
// through (AWS_IAM auth on each route); locally, the dev server wraps it in
// RequireBearer.
type AdminAPI struct {
	store   AdminStore
	objects leadgate.ObjectStore
	// key derives the ids of a lead's links (grants, confirmations, unsubscribe),
	// which the store keeps only as hashes of their tokens.
	key     *signing.Key
	onErase EraseHook
	now     func() time.Time
	log     *slog.Logger
}

// NewAdminAPI returns the admin routes.
func NewAdminAPI(store AdminStore, objects leadgate.ObjectStore, key *signing.Key, now func() time.Time, log *slog.Logger) *AdminAPI {
	return &AdminAPI{store: store, objects: objects, key: key, now: now, log: log}
}

// AdminPrefix is the path every admin route starts with.
const AdminPrefix = "/v1/admin/"

// MaxAdminBodyBytes is the largest admin request body: a page with its templates is
// a few KiB.
const MaxAdminBodyBytes = 1 << 20

// MagnetKeyPrefix is where magnet files live in the bucket: the functions' roles
// may read and write nothing else.
const MagnetKeyPrefix = "magnets/"

// Register mounts the routes on mux. A method-less pattern per path answers other
// methods with 405 and an Allow header.
func (a *AdminAPI) Register(mux *http.ServeMux) {
	routes := []struct {
		path  string
		allow string
		by    map[string]http.HandlerFunc
	}{
		{"/v1/admin/pages", "GET, HEAD", map[string]http.HandlerFunc{"GET": a.listPages}},
		{"/v1/admin/pages/{slug}", "GET, HEAD, PUT", map[string]http.HandlerFunc{"GET": a.getPage, "PUT": a.putPage}},
		{"/v1/admin/magnets", "GET, HEAD", map[string]http.HandlerFunc{"GET": a.listMagnets}},
		{"/v1/admin/magnets/{id}", "GET, HEAD, PUT", map[string]http.HandlerFunc{"GET": a.getMagnet, "PUT": a.putMagnet}},
		{"/v1/admin/magnets/{id}/upload-url", "POST", map[string]http.HandlerFunc{"POST": a.uploadURL}},
		{"/v1/admin/pages/{slug}/leads", "GET, HEAD", map[string]http.HandlerFunc{"GET": a.pageLeads}},
		{"/v1/admin/pages/{slug}/leads.csv", "GET, HEAD", map[string]http.HandlerFunc{"GET": a.pageLeadsCSV}},
		{"/v1/admin/leads/{email}", "GET, HEAD, DELETE", map[string]http.HandlerFunc{"GET": a.getLead, "DELETE": a.eraseLead}},
		{"/v1/admin/pages/{slug}/stats", "GET, HEAD", map[string]http.HandlerFunc{"GET": a.pageStats}},
		{"/v1/admin/pages/{slug}/spend/{campaign}", "PUT", map[string]http.HandlerFunc{"PUT": a.putSpend}},
		{"/v1/admin/pages/{slug}/embed", "GET, HEAD", map[string]http.HandlerFunc{"GET": a.embed}},
	}
	for _, rt := range routes {
		for method, h := range rt.by {
			mux.HandleFunc(method+" "+rt.path, h)
		}
		allow := rt.allow
		mux.HandleFunc(rt.path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeError(w, r, a.log, leadgate.Errorf(leadgate.EMETHOD, "use one of: %s", allow))
		})
	}
	mux.HandleFunc(AdminPrefix, a.notFound)
}

// Handler returns the routes on a mux of their own, as their Lambda function serves
// them.
func (a *AdminAPI) Handler() http.Handler {
	mux := http.NewServeMux()
	a.Register(mux)
	mux.HandleFunc("/", a.notFound)
	return mux
}

func (a *AdminAPI) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, a.log, leadgate.Errorf(leadgate.ENOTFOUND, "no such route"))
}

func (a *AdminAPI) listPages(w http.ResponseWriter, r *http.Request) {
	pages, err := a.store.Pages(r.Context())
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Pages []leadgate.Page `json:"pages"`
	}{pages})
}

func (a *AdminAPI) getPage(w http.ResponseWriter, r *http.Request) {
	p, err := a.store.Page(r.Context(), r.PathValue("slug"))
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// embed answers the page's embed snippet: a plain HTML form, no JavaScript, that
// the marketer pastes into their own site; it posts to this API's capture route.
func (a *AdminAPI) embed(w http.ResponseWriter, r *http.Request) {
	p, err := a.store.Page(r.Context(), r.PathValue("slug"))
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		HTML string `json:"html"`
	}{EmbedSnippet(p, baseURL(r))})
}

// putPage creates or replaces the page of the path: 201 or 200 with the page as
// stored. Everything wrong with it is answered at once, 422 with one error per
// field: the page's own checks, its email templates (rendered with sample data), and
// its magnet, which must exist.
func (a *AdminAPI) putPage(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	var p leadgate.Page
	if err := readAdminJSON(w, r, &p); err != nil {
		writeError(w, r, a.log, err)
		return
	}
	if p.Slug == "" {
		p.Slug = slug
	}
	var fields []leadgate.FieldError
	if p.Slug != slug {
		fields = append(fields, leadgate.FieldError{Field: "slug", Code: "mismatch", Message: "the slug in the body must be the one in the path, " + slug})
	}
	if err := p.Validate(); err != nil {
		fields = append(fields, leadgate.AsError(err).Fields...)
	}
	if err := emails.CheckTemplates(p); err != nil {
		fields = append(fields, leadgate.AsError(err).Fields...)
	}
	if leadgate.ValidSlug(p.MagnetID) {
		_, err := a.store.Magnet(r.Context(), p.MagnetID)
		switch leadgate.ErrorCode(err) {
		case "":
		case leadgate.ENOTFOUND:
			fields = append(fields, leadgate.FieldError{Field: "magnet_id", Code: "not_found",
				Message: "no magnet " + p.MagnetID + ": create it first (PUT /v1/admin/magnets/" + p.MagnetID + ")"})
		default:
			writeError(w, r, a.log, err)
			return
		}
	}
	if len(fields) > 0 {
		writeError(w, r, a.log, &leadgate.Error{Code: leadgate.EINVALID, Message: "the page is not valid", Fields: fields})
		return
	}
	created, err := a.keepCreated(r.Context(), &p.CreatedAt, func(ctx context.Context) (time.Time, error) {
		old, err := a.store.Page(ctx, slug)
		return old.CreatedAt, err
	})
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	p.UpdatedAt = a.stamp()
	if err := a.store.PutPage(r.Context(), p); err != nil {
		writeError(w, r, a.log, err)
		return
	}
	a.log.InfoContext(r.Context(), "page saved", "page", p.Slug, "created", created)
	writeJSON(w, putStatus(created), p)
}

func (a *AdminAPI) listMagnets(w http.ResponseWriter, r *http.Request) {
	magnets, err := a.store.Magnets(r.Context())
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Magnets []leadgate.Magnet `json:"magnets"`
	}{magnets})
}

func (a *AdminAPI) getMagnet(w http.ResponseWriter, r *http.Request) {
	m, err := a.store.Magnet(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

// putMagnet creates or replaces the magnet of the path. Its file is the object at
// object_key, under magnets/, uploaded through an upload link (or leadctl magnets
// put); the magnet may be saved before the file is there.
func (a *AdminAPI) putMagnet(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var m leadgate.Magnet
	if err := readAdminJSON(w, r, &m); err != nil {
		writeError(w, r, a.log, err)
		return
	}
	if m.ID == "" {
		m.ID = id
	}
	var fields []leadgate.FieldError
	if m.ID != id {
		fields = append(fields, leadgate.FieldError{Field: "id", Code: "mismatch", Message: "the id in the body must be the one in the path, " + id})
	}
	if err := m.Validate(); err != nil {
		fields = append(fields, leadgate.AsError(err).Fields...)
	}
	if !strings.HasPrefix(m.ObjectKey, MagnetKeyPrefix) {
		fields = append(fields, leadgate.FieldError{Field: "object_key", Code: "invalid", Message: "magnet files live under " + MagnetKeyPrefix})
	}
	if len(fields) > 0 {
		writeError(w, r, a.log, &leadgate.Error{Code: leadgate.EINVALID, Message: "the magnet is not valid", Fields: fields})
		return
	}
	created, err := a.keepCreated(r.Context(), &m.CreatedAt, func(ctx context.Context) (time.Time, error) {
		old, err := a.store.Magnet(ctx, id)
		return old.CreatedAt, err
	})
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	if err := a.store.PutMagnet(r.Context(), m); err != nil {
		writeError(w, r, a.log, err)
		return
	}
	a.log.InfoContext(r.Context(), "magnet saved", "magnet", m.ID, "created", created)
	writeJSON(w, putStatus(created), m)
}

// keepCreated sets *createdAt to the stored item's creation time, or to now for a
// new item (created true). A client's own created_at is never taken.
func (a *AdminAPI) keepCreated(ctx context.Context, createdAt *time.Time, stored func(context.Context) (time.Time, error)) (created bool, err error) {
	old, err := stored(ctx)
	switch leadgate.ErrorCode(err) {
	case "":
		*createdAt = old
		return false, nil
	case leadgate.ENOTFOUND:
		*createdAt = a.stamp()
		return true, nil
	}
	return false, err
}

// stamp is now as stores keep it: UTC, whole milliseconds.
func (a *AdminAPI) stamp() time.Time { return a.now().UTC().Truncate(time.Millisecond) }

func putStatus(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}

// uploadRequest names the file a marketer is about to upload.
type uploadRequest struct {
	ContentType string `json:"content_type"`
	// FileName gives the object key its extension; optional.
	FileName string `json:"file_name,omitempty"`
}

// UploadLink is the answer of POST /v1/admin/magnets/{id}/upload-url: PUT the file
// to URL with Content-Type ContentType before ExpiresAt, then save the magnet with
// ObjectKey.
type UploadLink struct {
	URL         string    `json:"url"`
	Method      string    `json:"method"`
	ObjectKey   string    `json:"object_key"`
	ContentType string    `json:"content_type"`
	ExpiresAt   time.Time `json:"expires_at"`
}

var extPattern = regexp.MustCompile(`^\.[a-z0-9]{1,10}$`)

// MagnetObjectKey is where the file of magnet id is kept: magnets/<id><ext>, the
// extension taken from fileName when it is a plain one.
func MagnetObjectKey(id, fileName string) string {
	ext := strings.ToLower(path.Ext(fileName))
	if !extPattern.MatchString(ext) {
		ext = ""
	}
	return MagnetKeyPrefix + id + ext
}

func (a *AdminAPI) uploadURL(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req uploadRequest
	if err := readAdminJSON(w, r, &req); err != nil {
		writeError(w, r, a.log, err)
		return
	}
	var fields []leadgate.FieldError
	if !leadgate.ValidSlug(id) {
		fields = append(fields, leadgate.FieldError{Field: "id", Code: "invalid", Message: "use lower-case letters, digits and inner hyphens"})
	}
	if fe := leadgate.CheckContentType(req.ContentType); fe != nil {
		fields = append(fields, *fe)
	}
	if len(fields) > 0 {
		writeError(w, r, a.log, leadgate.Invalid(fields...))
		return
	}
	key := MagnetObjectKey(id, req.FileName)
	u, err := a.objects.UploadURL(r.Context(), key, req.ContentType, leadgate.UploadTTL)
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	if strings.HasPrefix(u, "/") {
		u = baseURL(r) + u // the local bucket's links are relative to the server
	}
	writeJSON(w, http.StatusOK, UploadLink{URL: u, Method: http.MethodPut, ObjectKey: key, ContentType: req.ContentType,
		ExpiresAt: a.now().UTC().Add(leadgate.UploadTTL).Truncate(time.Second)})
}

var errAdminTooLarge = leadgate.Errorf(leadgate.ETOOLARGE, "the body is larger than 1 MiB")

// readAdminJSON decodes the request's JSON object into v: 415 for another content
// type, 413 over MaxAdminBodyBytes, 400 for malformed JSON, and 422 naming the field
// for a member of the wrong type or one v does not have (a typo would otherwise be
// dropped without a word).
func readAdminJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return leadgate.Errorf(leadgate.EUNSUPPORTED, "send application/json")
	}
	if r.ContentLength > MaxAdminBodyBytes {
		return errAdminTooLarge
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxAdminBodyBytes))
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
			writeError(w, r, log, leadgate.Errorf(leadgate.EUNAUTHORIZED, "send the admin token as Authorization: Bearer <token>"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
