package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"leadgate/shared/capture"
	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

// ViewCounter counts the views of a page per day and source, and per arm of its
// A/B test: the store's CountView and CountArmView.
type ViewCounter interface {
	CountView(ctx context.Context, page, day string, src leadgate.Source) error
	CountArmView(ctx context.Context, page, day string, src leadgate.Source, arm string) error
}

// PageAPI serves the hosted landing page, GET /p/{slug}, and its thank-you page,
// GET /p/{slug}/thanks. Both are rendered on the server and need no JavaScript: the
// form posts to the capture route of the same origin.
type PageAPI struct {
	capture *capture.Service
	views   ViewCounter
	log     *slog.Logger
}

// NewPageAPI returns the hosted page's routes; views counts each page view.
func NewPageAPI(svc *capture.Service, views ViewCounter, log *slog.Logger) *PageAPI {
	return &PageAPI{capture: svc, views: views, log: log}
}

// Register mounts the routes on mux.
func (a *PageAPI) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+leadgate.PagePattern, a.handlePage) // GET patterns match HEAD too
	mux.HandleFunc("GET "+leadgate.ThanksPattern, a.handleThanks)
	for _, path := range []string{leadgate.PagePattern, leadgate.ThanksPattern} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", "GET, HEAD")
			RenderMessage(w, http.StatusMethodNotAllowed, noticeView(notices.Notice(leadgate.NoticeOpenPageInBrowser)))
		})
	}
}

// Handler returns the routes on a mux of their own, as their Lambda function serves
// them.
func (a *PageAPI) Handler() http.Handler {
	mux := http.NewServeMux()
	a.Register(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.fail(w, r, leadgate.Errorf(leadgate.ENOTFOUND, "no such route"))
	})
	return mux
}

// viewCountTimeout bounds the counter's write: a slow table must not hold the page.
const viewCountTimeout = time.Second

// handlePage renders the page's form with a fresh form token and the attribution
// of this visit, and counts a view of a person: not a HEAD, not a known bot.
func (a *PageAPI) handlePage(w http.ResponseWriter, r *http.Request) {
	page, err := a.capture.Page(r.Context(), r.PathValue("slug"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if a.offerEnded(w, r, page) {
		return
	}
	values := landingValues(page, r)
	arm := visitorArm(w, r, page)
	if r.Method == http.MethodGet && !isBot(r.UserAgent()) {
		ctx, cancel := context.WithTimeout(r.Context(), viewCountTimeout)
		// The view counts under the source a lead of this visit would get: the utm
		// values the page accepts into its hidden fields.
		src := leadgate.NewSource(values["utm_source"], values["utm_medium"], values["utm_campaign"])
		// A view not counted costs a figure, never the page: log it (the page and the
		// reason only) and render anyway.
		day := leadgate.Day(a.capture.Now())
		var err error
		if arm != "" { // a visit of the page's A/B test counts in its arm's counters only
			err = a.views.CountArmView(ctx, page.Slug, day, src, arm)
		} else {
			err = a.views.CountView(ctx, page.Slug, day, src)
		}
		if err != nil {
			a.log.ErrorContext(r.Context(), "view not counted", "page", page.Slug, "error", err)
		}
		cancel()
	}
	v := NewFormView(page.WithArm(arm), a.capture.ArmFormToken(page.Slug, arm), values)
	v.Origin = BaseURL(r)
	RenderForm(w, http.StatusOK, v)
}

// landingValues fills the hidden attribution fields the page accepts: the campaign
// parameters from the query, referrer from the Referer header, landing_url from the
// request itself. A value a capture would refuse (too long, or with control
// characters) is shortened or left out, so the person never sees an error about a
// field they cannot change.
func landingValues(page leadgate.Page, r *http.Request) map[string]string {
	q := r.URL.Query()
	values := map[string]string{}
	for _, name := range page.HiddenFields {
		if !slices.Contains(leadgate.AttributionFields, name) {
			continue
		}
		var v string
		switch name {
		case "referrer":
			v = r.Referer()
		case "landing_url":
			v = BaseURL(r) + r.URL.RequestURI()
		default:
			v = q.Get(name)
		}
		if v = attributionValue(name, v); v != "" {
			values[name] = v
		}
	}
	return values
}

// attributionValue returns v as a capture accepts it for the hidden field name, or "".
func attributionValue(name, v string) string {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) {
		return ""
	}
	if limit := capture.AttributionLimit(name); utf8.RuneCountInString(v) > limit {
		v = string([]rune(v)[:limit])
	}
	if leadgate.CheckText(name, v, capture.AttributionLimit(name), false) != nil {
		return ""
	}
	return v
}

// botAgents are lower-case substrings of the User-Agent of clients whose GETs are no
// person's view: crawlers and link previews ("Googlebot", "bingbot", "Slackbot",
// "crawler", "spider", "Google Web Preview", "facebookexternalhit") and headless
// browsers ("HeadlessChrome": automation, previews, monitoring). Known false
// positive: a phone model with "bot" in its name. A request with no User-Agent at
// all is no browser either.
var botAgents = []string{"bot", "crawler", "spider", "preview", "headless", "facebookexternalhit"}

func isBot(userAgent string) bool {
	ua := strings.ToLower(strings.TrimSpace(userAgent))
	if ua == "" {
		return true
	}
	for _, s := range botAgents {
		if strings.Contains(ua, s) {
			return true
		}
	}
	return false
}

// handleThanks is the page a form post lands on. On a single opt-in page it offers
// the download link the capture route put into download_url, but only a link of
// this API's own download route: the query is the visitor's to change, and the
// page must not offer a link it did not make. A double opt-in page says to check
// the inbox.
func (a *PageAPI) handleThanks(w http.ResponseWriter, r *http.Request) {
	privateHeaders(w) // the query may carry the download link's token
	page, err := a.capture.Page(r.Context(), r.PathValue("slug"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	words := leadgate.CatalogueFor(page.Locale)
	v := pageNoticeView(page, words.Notice(leadgate.NoticeThanksConfirm))
	if page.OptIn == leadgate.OptInSingle {
		days := int(page.DownloadLinkTTL().Hours() / 24)
		v = pageNoticeView(page, words.Notice(leadgate.NoticeThanksInbox))
		if link := ownDownloadLink(r, r.URL.Query().Get("download_url")); link != "" {
			// The button POSTs to the link: the person's one click downloads, and is
			// what counts (a GET of the link is its page, as scanners fetch it).
			v = pageNoticeView(page, words.Notice(leadgate.NoticeThanksReady))
			v.LinkURL, v.LinkText, v.LinkPost = link, fmt.Sprintf(words.Label(leadgate.LabelDownload), page.Title), true
		}
		v.Message = fmt.Sprintf(v.Message, days)
	}
	v.ContentHTML = storedHTML(page.ThankYouHTML, page.ThankYouContent)
	RenderMessage(w, http.StatusOK, v)
}

// ownDownloadLink returns link if it is a download link of this API (the origin the
// request reached, the download route, nothing more), or "".
func ownDownloadLink(r *http.Request, link string) string {
	u, err := url.Parse(link)
	prefix := basePrefix(r)
	if err != nil || u.Scheme+"://"+u.Host+prefix != BaseURL(r) || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		u.RawPath != "" || !strings.HasPrefix(u.Path, prefix) || !isDownloadPath(strings.TrimPrefix(u.Path, prefix)) {
		return ""
	}
	return u.String()
}

// isDownloadPath reports whether path is the download route with a well-formed token.
func isDownloadPath(path string) bool {
	token, ok := strings.CutPrefix(path, leadgate.DownloadPath(""))
	return ok && signing.WellFormedToken(token)
}

// fail answers a person with a short page: the capture route's page for an unknown
// page, or a page that says to try again.
func (a *PageAPI) fail(w http.ResponseWriter, r *http.Request, err error) {
	LogError(a.log, r, err)
	RenderMessage(w, StatusOf(leadgate.ErrorCode(err)), noticeView(notices.PageError(err)))
}
