package httpapi

import (
	"net/http"
	"strconv"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// DeliveryView is the page a grant's link opens for a magnet that is no single
// file or URL: a bundle's files, each behind a counted link, or a coupon's code.
type DeliveryView struct {
	Title   string
	Message string
	Code    string         // a coupon's code; "" for a bundle
	Files   []DeliveryFile // a bundle's files
}

// DeliveryFile is one link of a bundle's page.
type DeliveryFile struct {
	Name string
	URL  string
	Size int64
}

// fileParam names the bundle file a click on a grant's link asks for.
const fileParam = "file"

// deliveryView is the page of a usable grant of a bundle or a coupon; ok false
// for the other kinds, which redirect.
func deliveryView(g leadgate.Grant, token string) (DeliveryView, bool) {
	switch g.DeliveryKind() {
	case leadgate.DeliveryBundle:
		v := DeliveryView{Title: "Your downloads", Message: "Each file below is yours to download. The links work as long as this page's link does."}
		for i, f := range g.Files {
			v.Files = append(v.Files, DeliveryFile{Name: f.Name(), Size: f.Size,
				URL: leadgate.DownloadPath(token) + "?" + fileParam + "=" + strconv.Itoa(i)})
		}
		return v, true
	case leadgate.DeliveryCoupon:
		if g.Code == "" {
			return DeliveryView{Title: "This offer has ended", Message: "Every code was claimed before yours could be: there is none left to give."}, true
		}
		return DeliveryView{Title: "Your code", Message: "Use this code at checkout. It is yours alone, and this link shows it again whenever you need it.", Code: g.Code}, true
	}
	return DeliveryView{}, false
}

// serveDelivery answers the click on a grant's link for the kinds that show a page
// (after the click was counted) and a bundle file's link; it reports whether it
// answered.
func (a *DownloadAPI) serveDelivery(w http.ResponseWriter, r *http.Request, token string, g leadgate.Grant) bool {
	v, ok := deliveryView(g, token)
	if !ok {
		return false
	}
	var m markup.Writer
	writeDeliveryPage(&m, v)
	send(w, http.StatusOK, m.String(), contentPolicy(baseStyle, ""))
	return true
}

// serveFile answers a click on one file of a bundle, ?file=<n>: counted on the
// grant, then a redirect to the file's short-lived URL. It reports whether the
// request asked for a file.
func (a *DownloadAPI) serveFile(w http.ResponseWriter, r *http.Request, token string) bool {
	raw := r.URL.Query().Get(fileParam)
	if raw == "" || r.Method != http.MethodGet {
		return false
	}
	file, err := strconv.Atoi(raw)
	if err != nil || file < 0 || file >= leadgate.MaxBundleFiles {
		personError(w, r, a.log, leadgate.ErrNoSuchFile, nil)
		return true
	}
	url, g, err := a.downloads.DownloadFile(r.Context(), token, file)
	if err != nil {
		var page *leadgate.Page
		if g.Page != "" {
			if p, perr := a.downloads.Page(r.Context(), g.Page); perr == nil {
				page = &p
			}
		}
		personError(w, r, a.log, err, page)
		return true
	}
	a.log.InfoContext(r.Context(), "bundle file download", "page", g.Page, "magnet", g.MagnetID, "lead_id", g.LeadID, "file", file)
	http.Redirect(w, r, url, http.StatusFound)
	return true
}

// writeDeliveryPage writes a bundle's list of files or a coupon's code.
func writeDeliveryPage(m *markup.Writer, v DeliveryView) {
	writeHead(m, headView{Title: v.Title}, "")
	m.Raw("\n<div class=\"card\">\n<h1>")
	m.Text(v.Title)
	m.Raw("</h1>\n<p>")
	m.Text(v.Message)
	m.Raw("</p>\n")
	if v.Code != "" {
		m.Raw(`<p class="code"><strong>`)
		m.Text(v.Code)
		m.Raw("</strong></p>\n")
	}
	if len(v.Files) > 0 {
		m.Raw("<ul class=\"files\">\n")
		for _, f := range v.Files {
			m.Raw(`<li><a href="`)
			m.URL(f.URL)
			m.Raw(`">`)
			m.Text(f.Name)
			m.Raw("</a>")
			if f.Size > 0 {
				m.Raw(` <span class="muted">`)
				m.Text(leadgate.FormatBytes(f.Size))
				m.Raw("</span>")
			}
			m.Raw("</li>\n")
		}
		m.Raw("</ul>\n")
	}
	m.Raw("</div>\n")
	writeFoot(m)
}

// offerEnded answers the hosted page of a coupon magnet whose pool is empty with
// the page's "offer has ended" notice, in its language and look, and reports true;
// the capture would refuse the lead. The status is 200, not 410: the page is
// there and says what it should, and the offer comes back as soon as codes are
// added, where a 410 tells search engines and link checkers it is gone for good.
// The view is not counted: no visitor of an ended offer can convert, so counting
// it would only lower the page's conversion.
func (a *PageAPI) offerEnded(w http.ResponseWriter, r *http.Request, page leadgate.Page) bool {
	ended, err := a.capture.OfferEnded(r.Context(), page)
	if err != nil {
		a.fail(w, r, err)
		return true
	}
	if !ended {
		return false
	}
	privateHeaders(w) // the pool may be refilled any minute: not kept by caches
	RenderMessage(w, http.StatusOK, pageNoticeView(page, leadgate.CatalogueFor(page.Locale).Notice(leadgate.NoticeOfferEnded)))
	return true
}
