package httpapi

import (
	"io"
	"log/slog"
	"net/http"

	"leadgate/shared/followup"
	"leadgate/shared/leadgate"
)

// LinksAPI serves the links of follow-up emails: confirm (double opt-in) and
// unsubscribe. A GET never changes anything, since mail scanners follow links: it
// shows a page with a button, and the button's POST acts. Mail clients' one-click
// unsubscribe (RFC 8058) POSTs straight to the link.
type LinksAPI struct {
	followup *followup.Links
	log      *slog.Logger
}

// NewLinksAPI returns the confirm and unsubscribe routes.
func NewLinksAPI(f *followup.Links, log *slog.Logger) *LinksAPI {
	return &LinksAPI{followup: f, log: log}
}

// Register mounts the routes on mux.
func (a *LinksAPI) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/confirm/{token}", a.confirmPage)
	mux.HandleFunc("POST /v1/confirm/{token}", a.confirm)
	mux.HandleFunc("GET /v1/unsubscribe/{token}", a.unsubscribePage)
	mux.HandleFunc("POST /v1/unsubscribe/{token}", a.unsubscribe)
	for _, path := range []string{"/v1/confirm/{token}", "/v1/unsubscribe/{token}"} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			privateHeaders(w)
			w.Header().Set("Allow", "GET, HEAD, POST")
			personError(w, r, a.log, leadgate.Errorf(leadgate.EMETHOD, "use GET or POST"), nil)
		})
	}
}

// Handler returns the routes on a mux of their own, as a Lambda function serves them.
func (a *LinksAPI) Handler() http.Handler {
	mux := http.NewServeMux()
	a.Register(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		personError(w, r, a.log, leadgate.Errorf(leadgate.ENOTFOUND, "no such route"), nil)
	})
	return mux
}

// ActionView is a page whose button POSTs to Action.
type ActionView struct {
	Title, Message, Action, Button, Note string
}

func (a *LinksAPI) confirmPage(w http.ResponseWriter, r *http.Request) {
	privateHeaders(w)
	c, err := a.followup.Confirmation(r.Context(), r.PathValue("token"))
	if err != nil {
		personError(w, r, a.log, err, nil)
		return
	}
	if !c.ConfirmedAt.IsZero() {
		RenderMessage(w, http.StatusOK, MessageView{Title: "Already confirmed", Message: "Your address is confirmed. The download link is in your inbox."})
		return
	}
	if err := c.Usable(a.followup.Now()); err != nil {
		personError(w, r, a.log, err, nil)
		return
	}
	render(w, http.StatusOK, "action.html", ActionView{Title: "Confirm your address",
		Message: "One click and the download is yours.", Action: r.URL.Path, Button: "Confirm my address",
		Note: "Did not ask for it? Close this page: nothing more will come."})
}

func (a *LinksAPI) confirm(w http.ResponseWriter, r *http.Request) {
	privateHeaders(w)
	drain(r)
	download, err := a.followup.Confirm(r.Context(), r.PathValue("token"))
	if err != nil {
		personError(w, r, a.log, err, nil)
		return
	}
	download = baseURL(r) + download
	a.log.InfoContext(r.Context(), "address confirmed")
	RenderMessage(w, http.StatusOK, MessageView{Title: "Thank you: your address is confirmed",
		Message: "Your download is ready, and the link is on its way to your inbox too.", LinkURL: download, LinkText: "Download now"})
}

func (a *LinksAPI) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	privateHeaders(w)
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	render(w, http.StatusOK, "action.html", ActionView{Title: "Unsubscribe",
		Message: "Stop all emails to this address, from every page.", Action: r.URL.Path, Button: "Unsubscribe",
		Note: "You can opt in again any time by ticking the box on a form."})
}

func (a *LinksAPI) unsubscribe(w http.ResponseWriter, r *http.Request) {
	privateHeaders(w)
	drain(r)
	if err := a.followup.Unsubscribe(r.Context(), r.PathValue("token")); err != nil {
		personError(w, r, a.log, err, nil)
		return
	}
	a.log.InfoContext(r.Context(), "unsubscribed")
	RenderMessage(w, http.StatusOK, MessageView{Title: "You are unsubscribed",
		Message: "We will send no more email to this address, from any page."})
}

// drain reads what a POST sent, at most MaxBodyBytes: the links need no body (RFC
// 8058 sends List-Unsubscribe=One-Click), but a client should not be cut off mid-send.
func drain(r *http.Request) { _, _ = io.Copy(io.Discard, io.LimitReader(r.Body, MaxBodyBytes)) }
