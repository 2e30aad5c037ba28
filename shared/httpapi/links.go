package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"leadgate/shared/leadgate"
)

// LinkService acts on the links of follow-up emails (followup.Links). The routes
// declare what they need, so that functions serving other routes do not link the
// follow-up service and its emails.
type LinkService interface {
	// Confirmation returns the confirmation a confirm link's token names.
	Confirmation(ctx context.Context, token string) (leadgate.Confirmation, error)
	// Confirm confirms the address and returns the download path it earned.
	Confirm(ctx context.Context, token string) (string, error)
	// Unsubscribe unsubscribes the lead an unsubscribe link's token names.
	Unsubscribe(ctx context.Context, token string) error
	Now() time.Time
}

// LinksAPI serves the links of follow-up emails: confirm (double opt-in) and
// unsubscribe. A GET never changes anything, since mail scanners follow links: it
// shows a page with a button, and the button's POST acts. Mail clients' one-click
// unsubscribe (RFC 8058) POSTs straight to the link.
type LinksAPI struct {
	followup LinkService
	log      *slog.Logger
}

// NewLinksAPI returns the confirm and unsubscribe routes.
func NewLinksAPI(f LinkService, log *slog.Logger) *LinksAPI {
	return &LinksAPI{followup: f, log: log}
}

// Register mounts the routes on mux.
func (a *LinksAPI) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+leadgate.ConfirmPattern, a.confirmPage)
	mux.HandleFunc("POST "+leadgate.ConfirmPattern, a.confirm)
	mux.HandleFunc("GET "+leadgate.UnsubscribePattern, a.unsubscribePage)
	mux.HandleFunc("POST "+leadgate.UnsubscribePattern, a.unsubscribe)
	for _, path := range []string{leadgate.ConfirmPattern, leadgate.UnsubscribePattern} {
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

// ActionView is a page whose button POSTs to Action. Status: the page reports what
// just happened (a confirmation, a form sent), for screen readers to announce.
type ActionView struct {
	Title, Message, Action, Button, Note string
	Status                               bool
	Lang                                 string // "" is en
}

// linkLocale is the locale an email's link names (leadgate.InLocale), for its pages
// to speak the page's language; "en" for none or one we do not speak.
func linkLocale(r *http.Request) string {
	if l := r.URL.Query().Get(leadgate.LangParam); slices.Contains(leadgate.Locales, l) {
		return l
	}
	return "en"
}

// linkAction is the address a link page's button POSTs to: the link itself, its
// locale kept so that the answer speaks it too.
func linkAction(r *http.Request) string { return leadgate.InLocale(r.URL.Path, linkLocale(r)) }

func (a *LinksAPI) confirmPage(w http.ResponseWriter, r *http.Request) {
	privateHeaders(w)
	locale := linkLocale(r)
	words := leadgate.CatalogueFor(locale)
	c, err := a.followup.Confirmation(r.Context(), r.PathValue("token"))
	if err != nil {
		personError(w, r, a.log, err, nil)
		return
	}
	if !c.ConfirmedAt.IsZero() {
		RenderMessage(w, http.StatusOK, localeNoticeView(words.Notice(leadgate.NoticeAlreadyConfirmed), locale))
		return
	}
	if err := c.Usable(a.followup.Now()); err != nil {
		personError(w, r, a.log, err, nil)
		return
	}
	renderAction(w, http.StatusOK, localeActionView(words.Notice(leadgate.NoticeConfirmAsk), linkAction(r), locale))
}

func (a *LinksAPI) confirm(w http.ResponseWriter, r *http.Request) {
	privateHeaders(w)
	drain(r)
	download, err := a.followup.Confirm(r.Context(), r.PathValue("token"))
	if err != nil {
		personError(w, r, a.log, err, nil)
		return
	}
	a.log.InfoContext(r.Context(), "address confirmed")
	// The button POSTs to the download link: one click gets the file.
	v := localeActionView(leadgate.CatalogueFor(linkLocale(r)).Notice(leadgate.NoticeConfirmed), download, linkLocale(r))
	v.Status = true
	renderAction(w, http.StatusOK, v)
}

func (a *LinksAPI) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	privateHeaders(w)
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	locale := linkLocale(r)
	renderAction(w, http.StatusOK, localeActionView(leadgate.CatalogueFor(locale).Notice(leadgate.NoticeUnsubscribeAsk), linkAction(r), locale))
}

func (a *LinksAPI) unsubscribe(w http.ResponseWriter, r *http.Request) {
	privateHeaders(w)
	drain(r)
	if err := a.followup.Unsubscribe(r.Context(), r.PathValue("token")); err != nil {
		personError(w, r, a.log, err, nil)
		return
	}
	a.log.InfoContext(r.Context(), "unsubscribed")
	locale := linkLocale(r)
	RenderMessage(w, http.StatusOK, localeNoticeView(leadgate.CatalogueFor(locale).Notice(leadgate.NoticeUnsubscribed), locale))
}

// drain reads what a POST sent, at most MaxBodyBytes: the links need no body (RFC
// 8058 sends List-Unsubscribe=One-Click), but a client should not be cut off mid-send.
func drain(r *http.Request) { _, _ = io.Copy(io.Discard, io.LimitReader(r.Body, MaxBodyBytes)) }
