package leadgate

import (
	"net/url"
	"slices"
)

// The public route paths: the one place each is written. Patterns are for
// http.ServeMux; the functions build the addresses that pages, emails and clients use.
const (
	PagePattern        = "/p/{slug}"
	ThanksPattern      = "/p/{slug}/thanks"
	CapturePattern     = "/v1/pages/{slug}/leads"
	FormTokenPattern   = "/v1/pages/{slug}/form-token"
	DownloadPattern    = "/v1/downloads/{token}"
	ConfirmPattern     = "/v1/confirm/{token}"
	UnsubscribePattern = "/v1/unsubscribe/{token}"
	// APIPrefix is where every JSON route lives; AdminPrefix the admin API within it.
	APIPrefix   = "/v1/"
	AdminPrefix = "/v1/admin/"
)

// PagePath is the hosted landing page of a page.
func PagePath(slug string) string { return "/p/" + slug }

// ThanksPath is the hosted thank-you page of a page.
func ThanksPath(slug string) string { return "/p/" + slug + "/thanks" }

// CapturePath is where a page's form posts.
func CapturePath(slug string) string { return "/v1/pages/" + slug + "/leads" }

// FormTokenPath gives a JavaScript form its signed render time.
func FormTokenPath(slug string) string { return "/v1/pages/" + slug + "/form-token" }

// DownloadPath is a grant's download link.
func DownloadPath(token string) string { return "/v1/downloads/" + token }

// ConfirmPath is a double opt-in confirmation link.
func ConfirmPath(token string) string { return "/v1/confirm/" + token }

// UnsubscribePath is a one-click unsubscribe link.
func UnsubscribePath(token string) string { return "/v1/unsubscribe/" + token }

// LangParam is the query parameter of an email's confirm and unsubscribe links that
// names the page's locale, for their pages to speak it. It selects words only: a
// visitor who changes it changes nothing else.
const LangParam = "lang"

// InLocale adds the locale of a page to the path of an email's link; English, the
// default, adds nothing.
func InLocale(path, locale string) string {
	if locale == "" || locale == "en" || !slices.Contains(Locales, locale) {
		return path
	}
	return path + "?" + LangParam + "=" + locale
}

// AdminPath joins escaped path segments under the admin API:
// AdminPath("pages", slug, "stats") is /v1/admin/pages/{slug}/stats.
func AdminPath(segments ...string) string {
	p := "/v1/admin"
	for _, s := range segments {
		p += "/" + url.PathEscape(s)
	}
	return p
}
