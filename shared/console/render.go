package console

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// The console's pages, written as Go code over a markup.Writer: each function below
// is one part of a page, and every value from data goes through the writer's
// escaping for its context. Each renderer has at least one golden page
// (testdata/golden/), and golden_test.go checks that it does.

// stylesheet is the console's one stylesheet, inline in each page's <style> element:
// the base, then each area's. The pages carry no style attribute and no inline
// script.
const stylesheet = baseStyle + magnetsStyle + editorStyle + leadsStyle + passkeysStyle + funnelStyle + webhooksStyle + kindsStyle

const baseStyle = `
:root{color-scheme:light;--ink:#1b1f24;--muted:#4a5460;--line:#c4ccd6;--brand:#0b5cad;--bad:#b3261e;--bg:#f5f7fa}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--brand)}
.skip{position:absolute;left:-10000px}
.skip:focus{left:1rem;top:.5rem;background:#fff;padding:.5rem .75rem;z-index:1}
.top{background:#fff;border-bottom:1px solid var(--line)}
.bar{max-width:72rem;margin:0 auto;padding:.75rem 1.25rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center}
.brand{font-weight:700;color:var(--ink);text-decoration:none}
.bar ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
.bar a[aria-current=page]{font-weight:700;color:var(--ink)}
.who{margin-left:auto;display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center}
.who form{margin:0}
button.link{background:none;border:0;padding:0;margin:0;font:inherit;color:var(--brand);text-decoration:underline;cursor:pointer}
main{max-width:72rem;margin:0 auto;padding:2rem 1.25rem}
.narrow{max-width:34rem;margin:0 auto}
.card{background:#fff;border:1px solid var(--line);border-radius:12px;padding:1.5rem}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 .5rem}
h1,h2,p,dd{overflow-wrap:break-word}
p{margin:.5rem 0 1rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input[type=email]{width:100%;font:inherit;padding:.6rem .7rem;border:1px solid #8a95a3;border-radius:8px;background:#fff;color:var(--ink)}
input:focus,button:focus,a:focus{outline:3px solid var(--brand);outline-offset:2px}
input[aria-invalid=true]{border:2px solid var(--bad)}
.error{color:var(--bad);margin:.25rem 0 0}
.primary{display:inline-block;margin-top:1rem;font:inherit;font-weight:600;color:#fff;background:var(--brand);border:0;border-radius:8px;padding:.7rem 1.2rem;cursor:pointer;text-decoration:none}
.muted{color:var(--muted);font-size:.95rem}
.table{overflow-x:auto;background:#fff;border:1px solid var(--line);border-radius:12px}
table{border-collapse:collapse;width:100%}
caption{text-align:left;padding:.75rem .8rem;color:var(--muted)}
th,td{padding:.55rem .8rem;text-align:left;border-top:1px solid #e1e6ec;vertical-align:top}
thead th{font-size:.9rem;color:var(--muted);white-space:nowrap}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th.group{text-align:center}
@media (max-width:40rem){main{padding:1rem .75rem}.card{padding:1.25rem 1rem}h1{font-size:1.4rem}.who{margin-left:0}}
`

// contentSecurityPolicy lets a console page load nothing from elsewhere and run no
// inline script. Its one inline stylesheet is allowed by its hash rather than by
// 'unsafe-inline': markup that got into a page could then neither style it (CSS
// attribute selectors can leak a form's CSRF token) nor run anything, and the hash
// is computed here from the same constant, so it cannot go stale. Scripts and other
// resources may come from the console's own origin ('self'), where the upload
// script is served from.
var contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'sha256-" + styleHash() + "'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func styleHash() string {
	sum := sha256.Sum256([]byte(stylesheet))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Link is a link in the console's navigation, such as a local tool.
type Link struct {
	Text string
	URL  string
}

// layout is what every console page has around its content.
type layout struct {
	Title string
	// Current is the path of the navigation's item to mark as the current page.
	Current string
	// User is who is signed in; nil on the sign-in pages.
	User  *signedInView
	Tools []Link
}

// signedInView is the signed-in user, as the navigation shows them, with the CSRF
// token their forms carry.
type signedInView struct {
	Email string
	CSRF  string
}

// writeHead starts a page: the document head, the navigation, up to the opening
// of <main>.
func writeHead(m *markup.Writer, l layout) {
	m.Raw("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
	m.Text(l.Title)
	m.Raw(" · " + consoleName + "</title>\n<style>" + stylesheet + "</style>\n</head>\n<body>\n" +
		"<a class=\"skip\" href=\"#main\">Skip to content</a>\n<header class=\"top\">\n<div class=\"bar\">\n" +
		"<a class=\"brand\" href=\"" + HomePath + "\">" + consoleName + "</a>\n<nav aria-label=\"Console\">\n<ul>")
	if l.User != nil {
		writeNavItem(m, l.Current, Link{Text: "Pages", URL: PagesPath})
		writeNavItem(m, l.Current, Link{Text: "Magnets", URL: MagnetsPath})
		writeNavItem(m, l.Current, Link{Text: "Leads", URL: LeadsPath})
		writeNavItem(m, l.Current, Link{Text: "Funnel", URL: FunnelPath})
		writeNavItem(m, l.Current, Link{Text: "Deliverability", URL: DeliverabilityPath})
		writeNavItem(m, l.Current, Link{Text: "Webhooks", URL: WebhooksPath})
		writeNavItem(m, l.Current, Link{Text: "Passkeys", URL: PasskeysPath})
	}
	for _, t := range l.Tools {
		writeNavItem(m, l.Current, t)
	}
	m.Raw("</ul>\n</nav>\n")
	if l.User != nil {
		writeUser(m, l.User)
	}
	m.Raw("</div>\n</header>\n<main id=\"main\">\n")
}

func writeNavItem(m *markup.Writer, current string, l Link) {
	m.Raw(`<li><a href="`)
	m.URL(l.URL)
	m.Raw(`"`)
	if l.URL == current {
		m.Raw(` aria-current="page"`)
	}
	m.Raw(`>`)
	m.Text(l.Text)
	m.Raw("</a></li>")
}

// writeUser writes who is signed in, with the sign-out buttons.
func writeUser(m *markup.Writer, u *signedInView) {
	m.Raw("<div class=\"who\">\n<span class=\"muted\">")
	m.Text(u.Email)
	m.Raw("</span>\n<form method=\"post\" action=\"" + SignOutPath + "\">")
	writeCSRF(m, u.CSRF)
	m.Raw("<button type=\"submit\" class=\"link\">Sign out</button></form>\n" +
		"<form method=\"post\" action=\"" + SignOutEverywherePath + "\">")
	writeCSRF(m, u.CSRF)
	m.Raw("<button type=\"submit\" class=\"link\">Sign out everywhere</button></form>\n</div>\n")
}

// writeCSRF writes the hidden field that carries a form's CSRF token.
func writeCSRF(m *markup.Writer, token string) {
	m.Raw(`<input type="hidden" name="` + csrfField + `" value="`)
	m.Attr(token)
	m.Raw(`">`)
}

// writeFoot ends a page that writeHead started.
func writeFoot(m *markup.Writer) {
	m.Raw("</main>\n</body>\n</html>\n")
}

// writeNotice writes a short page that tells a person what happened, with a link
// onwards.
func writeNotice(m *markup.Writer, l layout, n notice) {
	l.Title = n.Title
	writeHead(m, l)
	m.Raw("<div class=\"narrow card\" role=\"status\">\n<h1>")
	m.Text(n.Title)
	m.Raw("</h1>\n<p>")
	m.Text(n.Message)
	m.Raw("</p>\n")
	if n.LinkPath != "" {
		m.Raw(`<a class="primary" href="`)
		m.URL(n.LinkPath)
		m.Raw(`">`)
		m.Text(n.LinkText)
		m.Raw("</a>\n")
	}
	m.Raw("</div>\n")
	writeFoot(m)
}

// signInView is the sign-in form, with the address and its error of an earlier try.
type signInView struct {
	Email string
	Error string
	// Passkeys: the console's address can carry passkeys, so the page offers them.
	Passkeys bool
}

// writeSignInForm writes the sign-in form: one address, posted to SignInPath.
func writeSignInForm(m *markup.Writer, l layout, v signInView) {
	l.Title = signInTitle
	writeHead(m, l)
	m.Raw("<div class=\"narrow card\">\n<h1>" + signInTitle + "</h1>\n<p>" + signInIntro + "</p>\n" +
		"<form method=\"post\" action=\"" + SignInPath + "\" novalidate>\n" +
		"<label for=\"email\">" + signInLabel + "</label>\n" +
		"<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required maxlength=\"254\" value=\"")
	m.Attr(v.Email)
	m.Raw(`"`)
	if v.Error != "" {
		m.Raw(` aria-invalid="true" aria-describedby="email-error"`)
	}
	m.Raw(">\n")
	if v.Error != "" {
		m.Raw(`<p class="error" id="email-error">`)
		m.Text(v.Error)
		m.Raw("</p>\n")
	}
	m.Raw("<button type=\"submit\" class=\"primary\">" + signInButton + "</button>\n</form>\n")
	if v.Passkeys {
		writePasskeySignIn(m)
	}
	m.Raw("</div>\n")
	writeFoot(m)
}

// writeCheckInbox writes the answer to a sign-in request: the same for every
// address but the address itself, as typed (normalised).
func writeCheckInbox(m *markup.Writer, l layout, email string) {
	l.Title = checkTitle
	writeHead(m, l)
	m.Raw("<div class=\"narrow card\" role=\"status\">\n<h1>" + checkTitle + "</h1>\n<p>")
	m.Text(checkBefore)
	m.Raw("<strong>")
	m.Text(email)
	m.Raw("</strong>")
	m.Text(checkAfter)
	m.Raw("</p>\n<p class=\"muted\">" + checkNothing + "</p>\n" +
		"<a class=\"primary\" href=\"" + SignInPath + "\">Ask for another link</a>\n</div>\n")
	writeFoot(m)
}

// writeLinkButton writes the page of an emailed sign-in link: a button that POSTs
// to the link, since mail scanners follow GETs.
func writeLinkButton(m *markup.Writer, l layout, action string) {
	l.Title = buttonTitle
	writeHead(m, l)
	m.Raw("<div class=\"narrow card\">\n<h1>" + buttonTitle + "</h1>\n<p>" + buttonMessage + "</p>\n<form method=\"post\" action=\"")
	m.URL(action)
	m.Raw("\">\n<button type=\"submit\" class=\"primary\">" + buttonLabel + "</button>\n</form>\n" +
		"<p class=\"muted\">" + buttonNote + "</p>\n</div>\n")
	writeFoot(m)
}

// pagesView is the pages list: each page with its counts of the last 7 and 30 days
// (UTC days, today included).
type pagesView struct {
	From7, From30, To string
	Pages             []pageRow
}

type pageRow struct {
	Page           leadgate.Page
	Last7, Last30  counts
	HostedPagePath string
}

// counts are a page's views and leads over some days, with its conversion rate
// (leads per view; nil without views).
type counts struct {
	Views, Leads int
	Conversion   *float64
}

// writePagesList writes the pages with their counts.
func writePagesList(m *markup.Writer, l layout, v pagesView) {
	l.Title = "Pages"
	writeHead(m, l)
	m.Raw("<h1>Pages</h1>\n<p><a class=\"primary\" href=\"" + NewPagePath + "\">New page</a></p>\n")
	if len(v.Pages) == 0 {
		m.Raw("<div class=\"card\">\n<p>No pages yet. Make one with New page, or add one from its YAML file with leadctl: " +
			"<code>go run ./cmd/leadctl pages apply -f page.yaml</code>.</p>\n</div>\n")
		writeFoot(m)
		return
	}
	m.Raw("<div class=\"table\">\n<table>\n<caption>Views, leads and conversion (leads per view) of each page: the last 7 days are ")
	m.Text(v.From7)
	m.Raw(" to ")
	m.Text(v.To)
	m.Raw(", the last 30 days ")
	m.Text(v.From30)
	m.Raw(" to ")
	m.Text(v.To)
	m.Raw(" (UTC).</caption>\n<thead>\n" +
		"<tr><th scope=\"col\" rowspan=\"2\">Page</th><th scope=\"colgroup\" colspan=\"3\" class=\"group\">Last 7 days</th>" +
		"<th scope=\"colgroup\" colspan=\"3\" class=\"group\">Last 30 days</th><th scope=\"col\" rowspan=\"2\">Hosted page</th></tr>\n<tr>" +
		"<th scope=\"col\" class=\"n\">Views</th><th scope=\"col\" class=\"n\">Leads</th><th scope=\"col\" class=\"n\">Conversion</th>" +
		"<th scope=\"col\" class=\"n\">Views</th><th scope=\"col\" class=\"n\">Leads</th><th scope=\"col\" class=\"n\">Conversion</th></tr>\n" +
		"</thead>\n<tbody>\n")
	for _, p := range v.Pages {
		m.Raw("<tr><th scope=\"row\"><a href=\"")
		m.URL(EditPagePath(p.Page.Slug))
		m.Raw("\">")
		m.Text(p.Page.Title)
		m.Raw("</a><br><span class=\"muted\">")
		m.Text(p.Page.Slug)
		m.Raw("</span> ")
		if p.Page.Draft {
			m.Raw(`<span class="badge draft">Draft</span>`)
		} else {
			m.Raw(`<span class="badge live">Published</span>`)
		}
		if p.Page.HasVariants() || len(p.Page.VariantHistory) > 0 {
			m.Raw(` <a href="`)
			m.URL(VariantsPath(p.Page.Slug))
			m.Raw(`">A/B test</a>`)
		}
		m.Raw("</th>")
		writeCounts(m, p.Last7)
		writeCounts(m, p.Last30)
		m.Raw(`<td><a href="`)
		m.URL(p.HostedPagePath)
		m.Raw(`">`)
		m.Text(p.HostedPagePath)
		m.Raw("</a></td></tr>\n")
	}
	m.Raw("</tbody>\n</table>\n</div>\n")
	writeFoot(m)
}

// writeCounts writes the cells of one span's counts.
func writeCounts(m *markup.Writer, c counts) {
	m.Raw(`<td class="n">`)
	m.Int(c.Views)
	m.Raw(`</td><td class="n">`)
	m.Int(c.Leads)
	m.Raw(`</td><td class="n">`)
	if c.Conversion == nil {
		m.Raw(`<span class="muted">no views</span>`)
	} else {
		m.Text(percent(*c.Conversion))
	}
	m.Raw("</td>")
}

// percent writes a rate such as 0.1234 as "12.3%".
func percent(rate float64) string {
	return strconv.FormatFloat(rate*100, 'f', 1, 64) + "%"
}

// send writes page, a complete HTML document, with the headers of every console
// page.
func send(w http.ResponseWriter, status int, page string) {
	sendPolicy(w, status, page, contentSecurityPolicy)
}

// sendPolicy is send with a page's own Content-Security-Policy.
func sendPolicy(w http.ResponseWriter, status int, page, policy string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(page)))
	// Nothing the console shows is kept by a browser or a proxy: the pages of a
	// signed-in user, nor a sign-in link's.
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// A sign-in link's token is in its page's address: no other site is told it.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", policy)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, page)
}
