package httpapi

import (
	"log/slog"
	"net/http"

	"leadgate/shared/downloads"
	"leadgate/shared/leadgate"
)

// DownloadAPI serves GET and HEAD /v1/downloads/{token}.
type DownloadAPI struct {
	downloads *downloads.Service
	log       *slog.Logger
}

// NewDownloadAPI returns the download route.
func NewDownloadAPI(d *downloads.Service, log *slog.Logger) *DownloadAPI {
	return &DownloadAPI{downloads: d, log: log}
}

// Register mounts the route on mux.
func (a *DownloadAPI) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+leadgate.DownloadPattern, a.handleDownload) // GET patterns match HEAD too
	mux.HandleFunc(leadgate.DownloadPattern, func(w http.ResponseWriter, r *http.Request) {
		privateHeaders(w)
		w.Header().Set("Allow", "GET, HEAD")
		personError(w, r, a.log, leadgate.Errorf(leadgate.EMETHOD, "use GET"), nil)
	})
}

// Handler returns the route on a mux of its own, as its Lambda function serves it.
func (a *DownloadAPI) Handler() http.Handler {
	mux := http.NewServeMux()
	a.Register(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		personError(w, r, a.log, leadgate.Errorf(leadgate.ENOTFOUND, "no such route"), nil)
	})
	return mux
}

// handleDownload answers a click: 302 to the file's short-lived URL, or a page that
// says what happened, since a person clicked. The token never reaches a log line.
func (a *DownloadAPI) handleDownload(w http.ResponseWriter, r *http.Request) {
	privateHeaders(w)
	token := r.PathValue("token")
	if a.serveFile(w, r, token) {
		return
	}
	var (
		url   string
		grant leadgate.Grant
		err   error
	)
	if r.Method == http.MethodHead {
		url, grant, err = a.downloads.Check(r.Context(), token)
	} else {
		url, grant, err = a.downloads.Download(r.Context(), token)
	}
	if err != nil {
		var page *leadgate.Page
		if grant.Page != "" {
			if p, perr := a.downloads.Page(r.Context(), grant.Page); perr == nil {
				page = &p
			}
		}
		personError(w, r, a.log, err, page)
		return
	}
	if r.Method != http.MethodHead {
		a.log.InfoContext(r.Context(), "download", "page", grant.Page, "magnet", grant.MagnetID, "lead_id", grant.LeadID, "n", grant.Downloads)
	}
	if a.serveDelivery(w, r, token, grant) {
		return
	}
	http.Redirect(w, r, url, http.StatusFound)
}

// privateHeaders keeps a link's answers out of caches and its URL out of Referer
// headers, since the URL carries the token.
func privateHeaders(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
}

// personError answers a person's request that failed with a short page.
func personError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error, page *leadgate.Page) {
	LogError(log, r, err)
	code := leadgate.ErrorCode(err)
	msg := noticeView(notices.LinkError(err))
	if code == leadgate.EGONE && page != nil && page.FormURL != "" {
		msg.LinkURL, msg.LinkText = page.FormURL, "Get a new link"
	}
	RenderMessage(w, StatusOf(code), msg)
}
