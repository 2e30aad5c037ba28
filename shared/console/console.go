// Package console is the marketer's web console under /console/: its HTTP handlers,
// rendered on the server with shared/markup and working without JavaScript. A
// marketer signs in with a one-time link emailed to an address on the console's
// allowlist (shared/consoleauth keeps the links and sessions); every other route
// answers only a signed-in session, and every state-changing form carries a CSRF
// token tied to that session. The same handlers serve the local run and, later,
// the console's Lambda function.
package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"leadgate/shared/admin"
	"leadgate/shared/consoleauth"
	"leadgate/shared/httpapi"
	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
	"leadgate/shared/signing"
)

// Store is what the console reads and writes of the lead store itself; sign-in
// links and sessions go through consoleauth.
type Store interface {
	Pages(ctx context.Context) ([]leadgate.Page, error)
	PageStats(ctx context.Context, page, from, to string) ([]leadgate.SourceDayCounts, error)
	AllPageStats(ctx context.Context, from, to string) ([]leadgate.SourceDayCounts, error)
	Overview(ctx context.Context) (leadgate.Overview, error)
	MailStats(ctx context.Context, from, to string) ([]leadgate.MailDayCounts, error)
	PutSignInLink(ctx context.Context, l leadgate.SignInLink) error
	LeadByRef(ctx context.Context, ref string) (leadgate.Lead, error)
	Sends(ctx context.Context, email string) ([]leadgate.Send, error)
}

var _ Store = leadgate.Store(nil)

// Config is what the console is built from.
type Config struct {
	Auth *consoleauth.Service
	// Admin is the service behind every change a marketer makes: the console's
	// handlers call it as the admin API's do.
	Admin *admin.Service
	Store Store
	// Key makes the CSRF tokens of the signed-in users' forms.
	Key *signing.Key
	// Mailer sends the sign-in links: SES on AWS, the outbox locally.
	Mailer leadgate.Mailer
	// BaseURL is the origin the emailed links point at, such as
	// https://console.example.com, with the base path of a custom domain's API
	// mapping if there is one (https://example.com/offers): never taken from a
	// request's Host, which a sender of a sign-in request could name.
	BaseURL string
	// From is the sender address of the sign-in emails (a verified SES identity on
	// AWS); FromName its display name.
	From     string
	FromName string
	// Leads lists the suppressed addresses on the deliverability page; nil: the
	// page says the list is unavailable.
	Leads leadgate.LeadLister
	// Tools are links the navigation adds on every page: locally, the outbox and
	// the start page.
	Tools []Link
	// UploadOrigin is the origin of the magnet upload links, which the browser
	// PUTs files to: the bucket's, such as https://<bucket>.s3.<region>.amazonaws.com
	// on AWS (whose CORS rule must allow the console's origin). Empty: the
	// console's own origin, where the local bucket is served.
	UploadOrigin string
	Now          func() time.Time // nil: time.Now
	Log          *slog.Logger     // nil: slog.Default()
}

// Console serves the console's routes.
type Console struct {
	cfg     Config
	handler http.Handler
	// passkeys are the passkey ceremonies at BaseURL; nil where the address cannot
	// carry passkeys, and passkeysOff says why (passkeys.go).
	passkeys    *consoleauth.Passkeys
	passkeysOff string
}

// The session cookie and the form field of the CSRF token.
const (
	// CookieName names the session cookie. It cannot take the __Host- prefix, which
	// requires Path=/: the cookie is sent to the console's paths only.
	CookieName = "leadgate_console"
	csrfField  = "csrf"
	// maxFormBytes bounds a posted form: the console's forms are small.
	maxFormBytes = 64 << 10
)

// New returns the whole console (Everything).
func New(cfg Config) (*Console, error) { return NewArea(cfg, Everything) }

// NewArea returns the console serving area only. Mailer and From are required
// only where the area emails sign-in links.
func NewArea(cfg Config, area Area) (*Console, error) {
	switch {
	case area.routes == nil:
		return nil, errors.New("console: no area: name one, such as console.Everything")
	case cfg.Auth == nil || cfg.Admin == nil || cfg.Store == nil || cfg.Key == nil:
		return nil, errors.New("console: Auth, Admin, Store and Key are required")
	case area.mails && cfg.Mailer == nil:
		return nil, errors.New("console: the Mailer is required: the " + area.name + " area emails sign-in links")
	case area.mails && cfg.From == "":
		return nil, errors.New("console: the sender address (From) is required")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil ||
		strings.HasSuffix(u.Path+"/", Prefix) || strings.HasSuffix(u.Path, Prefix) { // the console's own address: its links would say /console twice
		return nil, fmt.Errorf("console: base URL %q: want the origin of the emailed links, such as https://console.example.com", cfg.BaseURL)
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if o, err := url.Parse(cfg.UploadOrigin); cfg.UploadOrigin != "" && (err != nil || (o.Scheme != "http" && o.Scheme != "https") ||
		o.Host == "" || o.Path != "" || o.RawQuery != "" || o.User != nil || strings.ContainsAny(cfg.UploadOrigin, " ;,'\"")) {
		return nil, fmt.Errorf("console: upload origin %q: want scheme://host[:port], such as https://bucket.s3.eu-west-1.amazonaws.com", cfg.UploadOrigin)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	c := &Console{cfg: cfg}
	mux := http.NewServeMux()
	if err := area.routes(c, mux, u); err != nil {
		return nil, err
	}
	// Every other path needs a session too, so that nothing tells a stranger
	// which exist: another area's paths get the same 404 page as unknown ones.
	mux.Handle(Prefix, c.private(nil, nil))
	c.handler = c.guard(mux)
	return c, nil
}

// Handler serves every path under Prefix.
func (c *Console) Handler() http.Handler { return c.handler }

// guard refuses a browser's cross-site POST (Sec-Fetch-Site, or else Origin
// against Host) before any handler: the CSRF token covers the signed-in forms,
// this covers the sign-in forms too (no one is signed in to someone else's
// account).
func (c *Console) guard(mux *http.ServeMux) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.cfg.Log.WarnContext(r.Context(), "console: cross-site request refused", "path", logPath(r))
		c.notice(w, http.StatusForbidden, noticeCrossSite)
	}))
	return cop.Handler(mux)
}

// signedIn is the session a request came with.
type signedIn struct {
	Session leadgate.Session
	Token   string // the cookie's
	CSRF    string
}

type (
	openHandler    func(w http.ResponseWriter, r *http.Request)
	privateHandler func(w http.ResponseWriter, r *http.Request, s signedIn)
)

// open serves a route anyone may use: GET (and HEAD) with get, POST with post; nil
// for a method the route does not take.
func (c *Console) open(get, post openHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := pick(r.Method, get, post)
		if h == nil {
			c.methodNotAllowed(w, get != nil, post != nil)
			return
		}
		h(w, r)
	})
}

// private serves a route that needs a session. Without one, a GET is sent to the
// sign-in page and any other request gets a 403 page; either way no data. With one,
// GET (and HEAD) goes to get and POST to post, once its CSRF token is checked;
// both nil: no such page (404).
func (c *Console) private(get, post privateHandler) http.Handler {
	return c.privateUpTo(maxFormBytes, get, post)
}

// privateUpTo is private for a route whose posted form (urlencoded, or multipart
// for a file upload) may be up to limit bytes.
func (c *Console) privateUpTo(limit int64, get, post privateHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := c.session(w, r)
		if leadgate.ErrorCode(err) == leadgate.EUNAUTHORIZED {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, SignInPath, http.StatusSeeOther)
				return
			}
			c.notice(w, http.StatusForbidden, noticeSignInFirst)
			return
		}
		if err != nil {
			c.fail(w, r, err)
			return
		}
		if get == nil && post == nil {
			c.render(w, http.StatusNotFound, s.layout(""), noticeNotFound)
			return
		}
		h := pick(r.Method, get, post)
		if h == nil {
			c.methodNotAllowed(w, get != nil, post != nil)
			return
		}
		if r.Method == http.MethodPost {
			status, bad := readFormUpTo(w, r, limit)
			if r.MultipartForm != nil {
				defer r.MultipartForm.RemoveAll()
			}
			if bad != nil {
				c.render(w, status, s.layout(""), *bad)
				return
			}
			if !c.cfg.Key.VerifyCSRFToken(r.PostForm.Get(csrfField), s.Session.ID) {
				c.render(w, http.StatusForbidden, s.layout(""), noticeStaleForm)
				return
			}
		}
		h(w, r, s)
	})
}

func pick[H any](method string, get, post H) H {
	var none H
	switch method {
	case http.MethodGet, http.MethodHead:
		return get
	case http.MethodPost:
		return post
	}
	return none
}

// session returns the session of the request's cookie: EUNAUTHORIZED when there is
// none that works (and the cookie, if any, is cleared), another error when the
// store failed.
func (c *Console) session(w http.ResponseWriter, r *http.Request) (signedIn, error) {
	cookie, err := r.Cookie(CookieName)
	if err != nil {
		return signedIn{}, leadgate.ErrSessionUnknown
	}
	ses, err := c.cfg.Auth.Session(r.Context(), cookie.Value)
	if err != nil {
		if leadgate.ErrorCode(err) == leadgate.EUNAUTHORIZED {
			clearCookie(w, r)
		}
		return signedIn{}, err
	}
	return signedIn{Session: ses, Token: cookie.Value, CSRF: c.cfg.Key.CSRFToken(ses.ID)}, nil
}

// readForm reads a posted form of at most maxFormBytes. It answers a form it cannot
// read with the status and notice to show: 413 for one too large, 400 otherwise.
func readForm(w http.ResponseWriter, r *http.Request) (int, *notice) {
	return readFormUpTo(w, r, maxFormBytes)
}

// readFormUpTo is readForm for a form of at most limit bytes; a multipart one
// (whose values then are in PostForm too) is held in memory.
func readFormUpTo(w http.ResponseWriter, r *http.Request, limit int64) (int, *notice) {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		err = r.ParseMultipartForm(limit)
	} else {
		err = r.ParseForm()
	}
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, &noticeFormTooLarge
	}
	return http.StatusBadRequest, &noticeBadForm
}

// setCookie sets the session cookie: HttpOnly, so no script reads it; Secure when
// the request came over https (TLS here, or X-Forwarded-Proto from the proxy in
// front), so that it is never sent in clear; SameSite=Lax; the console's paths only;
// and kept no longer than the session can last.
//
// Lax, not Strict: a link to the console in an email or a chat opens it signed in,
// where Strict would send such a navigation without the cookie and show the sign-in
// page to a signed-in user. Lax still keeps the cookie off every cross-site POST
// (and every cross-site subrequest), and the console changes nothing on GET; its
// POSTs carry the CSRF token and are refused from other origins besides.
func setCookie(w http.ResponseWriter, r *http.Request, token string, ses leadgate.Session, now time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: token, Path: Prefix,
		MaxAge:   max(1, int(ses.AbsoluteExpiresAt.Sub(now)/time.Second)),
		HttpOnly: true, Secure: overHTTPS(r), SameSite: http.SameSiteLaxMode,
	})
}

// clearCookie tells the browser to forget the session cookie.
func clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, Secure: overHTTPS(r), SameSite: http.SameSiteLaxMode})
}

// overHTTPS reports whether the browser reached us over https: TLS ended here, or
// at the proxy in front (API Gateway), which says so in X-Forwarded-Proto. A client
// that sets the header itself only makes its own cookie stricter.
func overHTTPS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

// clientIP is the address the request came from, for the sign-in rate limits: the
// TCP peer here, API Gateway's source IP on AWS (shared/apigw).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// logPath is the request's path as logs may show it: without a sign-in link's
// token.
func logPath(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, SignInPath+"/") {
		return SignInLinkPattern
	}
	return r.URL.Path
}

// layout returns the frame of a page for the signed-in user, current marking the
// navigation's item.
func (s signedIn) layout(current string) layout {
	return layout{Current: current, User: &signedInView{Email: s.Session.Email, CSRF: s.CSRF}}
}

// render writes the notice n in the frame l.
func (c *Console) render(w http.ResponseWriter, status int, l layout, n notice) {
	l.Tools = c.cfg.Tools
	var m markup.Writer
	writeNotice(&m, l, n)
	send(w, status, m.String())
}

// notice writes n as a page with no one signed in.
func (c *Console) notice(w http.ResponseWriter, status int, n notice) {
	c.render(w, status, layout{}, n)
}

func (c *Console) methodNotAllowed(w http.ResponseWriter, get, post bool) {
	var allow []string
	if get {
		allow = append(allow, http.MethodGet, http.MethodHead)
	}
	if post {
		allow = append(allow, http.MethodPost)
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	c.notice(w, http.StatusMethodNotAllowed, noticeMethodNotAllowed)
}

// fail answers a failure of the store or the mailer: logged, and a page that says
// nothing of it.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	c.cfg.Log.ErrorContext(r.Context(), "console: request failed", "path", logPath(r), "error", err)
	status := httpapi.StatusOf(leadgate.ErrorCode(err))
	if status < 500 {
		status = http.StatusInternalServerError
	}
	c.notice(w, status, noticeFailed)
}
