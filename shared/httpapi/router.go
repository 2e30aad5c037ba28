// Package httpapi holds the HTTP routes as plain net/http handlers: the same handlers
// run behind API Gateway (through the apigw adapter) and on the local dev server.
package httpapi

import (
	"log/slog"
	"net/http"

	"leadgate/shared/captcha"
	"leadgate/shared/capture"
	"leadgate/shared/leadgate"
)

// API serves the public routes.
type API struct {
	capture *capture.Service
	captcha *captcha.Verifier
	log     *slog.Logger
}

// New returns the public API.
func New(svc *capture.Service, log *slog.Logger) *API {
	return &API{capture: svc, log: log}
}

// Register mounts the routes on mux. A method-less pattern per path answers other
// methods with 405 and an Allow header, in the API's JSON error shape.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST "+leadgate.CapturePattern, a.handleCapture)
	mux.HandleFunc("OPTIONS "+leadgate.CapturePattern, a.handlePreflight)
	mux.HandleFunc(leadgate.CapturePattern, a.methodNotAllowed("POST, OPTIONS"))
	mux.HandleFunc("GET "+leadgate.FormTokenPattern, a.handleFormToken)
	mux.HandleFunc("OPTIONS "+leadgate.FormTokenPattern, a.handlePreflight)
	mux.HandleFunc(leadgate.FormTokenPattern, a.methodNotAllowed("GET, HEAD, OPTIONS"))
	mux.HandleFunc(leadgate.APIPrefix, a.notFound)
}

// Handler returns the API on a mux of its own, as a Lambda function serves it.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	a.Register(mux)
	mux.HandleFunc("/", a.notFound)
	return mux
}

func (a *API) methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		WriteError(w, r, a.log, leadgate.Errorf(leadgate.EMETHOD, "use one of: %s", allow))
	}
}

func (a *API) notFound(w http.ResponseWriter, r *http.Request) {
	WriteError(w, r, a.log, leadgate.Errorf(leadgate.ENOTFOUND, "no such route"))
}
