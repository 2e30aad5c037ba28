package httpapi

import (
	"log/slog"
	"net/http"

	"leadgate/shared/downloads"
	"leadgate/shared/leadgate"
	"leadgate/shared/metrics"
)

// DownloadAPI serves /v1/downloads/{token}: GET and HEAD show the link's page, whose
// one button POSTs to the link and gets the file.
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
	mux.HandleFunc("GET "+leadgate.DownloadPattern, a.downloadPage) // GET patterns match HEAD too
	mux.HandleFunc("POST "+leadgate.DownloadPattern, a.download)
	mux.HandleFunc(leadgate.DownloadPattern, func(w http.ResponseWriter, r *http.Request) {
		privateHeaders(w)
		w.Header().Set("Allow", "GET, HEAD, POST")
		personError(w, r, a.log, leadgate.Errorf(leadgate.EMETHOD, "use GET or POST"), nil)
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

// downloadPage answers a GET or HEAD of the link: a page whose button POSTs to it,
// or the page that says why the link no longer works. Mail scanners, link
// previewers and prefetching browsers GET links without a person; none of them
// submits a form, so only the POST counts a download and scores the lead.
func (a *DownloadAPI) downloadPage(w http.ResponseWriter, r *http.Request) {
	privateHeaders(w)
	token := r.PathValue("token")
	if a.serveFile(w, r, token) {
		return
	}
	grant, err := a.downloads.Check(r.Context(), token)
	if err != nil {
		a.fail(w, r, grant, err)
		return
	}
	locale := "en"
	if grant.Page != "" {
		// The page's language: a page that is gone meanwhile leaves English.
		if p, perr := a.downloads.Page(r.Context(), grant.Page); perr == nil {
			locale = p.PageLocale()
		}
	}
	renderAction(w, http.StatusOK, localeActionView(leadgate.CatalogueFor(locale).Notice(leadgate.NoticeDownloadAsk), r.URL.Path, locale))
}

// download answers the button: 303 to the file's short-lived URL, counted, or a page
// that says what happened. The token never reaches a log line.
func (a *DownloadAPI) download(w http.ResponseWriter, r *http.Request) {
	privateHeaders(w)
	drain(r)
	token := r.PathValue("token")
	url, grant, err := a.downloads.Download(r.Context(), token)
	if err != nil {
		a.fail(w, r, grant, err)
		return
	}
	if grant.ID != "" { // a decoy's is not logged as a download
		a.log.InfoContext(r.Context(), "download", "page", grant.Page, "magnet", grant.MagnetID, "lead_id", grant.LeadID, "n", grant.Downloads,
			metrics.Count(metrics.Downloads))
	}
	// A bundle's list of files and a coupon's code are pages of their own.
	if a.serveDelivery(w, r, token, grant) {
		return
	}
	http.Redirect(w, r, url, http.StatusSeeOther)
}

// fail answers a link that does not work with a page that says why, offering the
// grant's page's form again when it is gone.
func (a *DownloadAPI) fail(w http.ResponseWriter, r *http.Request, grant leadgate.Grant, err error) {
	var page *leadgate.Page
	if grant.Page != "" {
		if p, perr := a.downloads.Page(r.Context(), grant.Page); perr == nil {
			page = &p
		}
	}
	personError(w, r, a.log, err, page)
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
	locale := linkLocale(r)
	if page != nil {
		locale = page.PageLocale()
	}
	words := leadgate.CatalogueFor(locale)
	msg := localeNoticeView(words.LinkError(err), locale)
	if code == leadgate.EGONE && page != nil && page.FormURL != "" {
		msg.LinkURL, msg.LinkText = page.FormURL, words.Label(leadgate.LabelNewLink)
	}
	RenderMessage(w, StatusOf(code), msg)
}
