package console

import (
	"strconv"
	"strings"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// kindsStyle is the magnet kinds' part of the stylesheet. A browser that knows
// :has() shows only the chosen delivery's settings; another shows them all, each
// under its legend, and the server reads only the chosen one's.
const kindsStyle = `
.kind{margin:1rem 0}
.form:has(#delivery-file:not(:checked)) .kind-file,.form:has(#delivery-bundle:not(:checked)) .kind-bundle,
.form:has(#delivery-link:not(:checked)) .kind-link,.form:has(#delivery-coupon:not(:checked)) .kind-coupon,
.form:has(#delivery-trial:not(:checked)) .kind-trial{display:none}
ol.bundle{margin:0 0 1rem;padding-left:1.5rem}
ol.bundle li{margin:0 0 1rem}
ol.bundle .actions{margin:.5rem 0 0}
dl.stock{display:grid;grid-template-columns:max-content max-content;gap:.25rem 1rem;margin:0 0 1rem}
dl.stock dt{font-weight:600}
dl.stock dd{margin:0;text-align:right;font-variant-numeric:tabular-nums}
.warn{border:2px solid #8a6d00;border-radius:8px;padding:.5rem 1rem;margin:0 0 1rem;background:#fff8e1}
`

// deliveryChoices are the kinds as the form offers them: a label and what a lead
// gets.
var deliveryChoices = []struct {
	Kind         leadgate.Delivery
	Label, About string
}{
	{leadgate.DeliveryFile, "A file", "One file, downloaded through the lead's link."},
	{leadgate.DeliveryBundle, "Several files", "A page listing 2 to 10 files; each download counts."},
	{leadgate.DeliveryLink, "A link", "A webinar or registration address, shown only after the form and reached through the lead's link, so each click counts."},
	{leadgate.DeliveryCoupon, "A coupon code", "One code of a pool for each lead; a repeat gets the same code. When the pool is empty the page says the offer has ended."},
	{leadgate.DeliveryTrial, "A trial signup", "The lead's link goes to your signup page with the address, or a signed token of it, in the query."},
}

// writeDeliveryChoice writes the choice of the magnet's kind.
func writeDeliveryChoice(m *markup.Writer, kind leadgate.Delivery, errMsg string) {
	m.Raw("<fieldset class=\"kinds\" aria-describedby=\"delivery-hint")
	if errMsg != "" {
		m.Raw(" delivery-error")
	}
	m.Raw("\">\n<legend>Delivery</legend>\n<p class=\"hint\" id=\"delivery-hint\">What a lead gets once the form is sent. " +
		"Changing it drops the settings of the kind before (an uploaded file or bundle stays in the bucket; a coupon pool keeps its codes).</p>\n")
	for _, c := range deliveryChoices {
		writeRadio(m, "delivery", string(c.Kind), c.Label+": "+c.About, kind == c.Kind)
	}
	if errMsg != "" {
		m.Raw(`<p class="error" id="delivery-error">`)
		m.Text(errMsg)
		m.Raw("</p>\n")
	}
	m.Raw("</fieldset>\n")
}

// writeKindSettings writes the settings of each kind but a file's, each in its
// own group: a link's address, a coupon pool's alert, a trial's signup URL.
func writeKindSettings(m *markup.Writer, v magnetFormView, byField map[string]string) {
	g := v.Magnet
	m.Raw("<div class=\"kind kind-bundle\">\n<p class=\"hint\">A bundle's files are uploaded on its page, once it is saved.</p>\n</div>\n")
	m.Raw("<div class=\"kind kind-link\">\n")
	writeTextField(m, "link_url", "Link address", "An https address, such as https://events.example.com/webinar. Leads never see it in the page: their link leads there.",
		g.LinkURL, byField["link_url"], 2000)
	m.Raw("</div>\n<div class=\"kind kind-coupon\">\n")
	below := v.AlertBelowTyped // as typed, after a refused save
	if below == "" && g.CouponAlertBelow != 0 {
		below = strconv.Itoa(g.CouponAlertBelow)
	}
	writeTextField(m, "coupon_alert_below", "Alert below", "Email the address below when fewer codes than this are left; 0 or empty: no alert.",
		below, byField["coupon_alert_below"], 5)
	writeTextField(m, "coupon_alert_to", "Alert address", "Who is told the pool runs low, such as ops@example.com.",
		g.CouponAlertTo, byField["coupon_alert_to"], 254)
	m.Raw("</div>\n<div class=\"kind kind-trial\">\n")
	writeTextField(m, "trial_url", "Signup address", "Your signup page, an https address such as https://app.example.com/signup?plan=pro.",
		g.TrialURL, byField["trial_url"], 2000)
	m.Raw("<fieldset aria-describedby=\"trial_mode-hint")
	if byField["trial_mode"] != "" {
		m.Raw(" trial_mode-error")
	}
	m.Raw("\">\n<legend>The signup address carries</legend>\n<p class=\"hint\" id=\"trial_mode-hint\">The address in clear text, or a signed token of it that your app checks and that expires in an hour.</p>\n")
	writeRadio(m, "trial_mode", leadgate.TrialEmail, "The lead's email address", g.TrialMode != leadgate.TrialSigned)
	writeRadio(m, "trial_mode", leadgate.TrialSigned, "A signed token of the address", g.TrialMode == leadgate.TrialSigned)
	if msg := byField["trial_mode"]; msg != "" {
		m.Raw(`<p class="error" id="trial_mode-error">`)
		m.Text(msg)
		m.Raw("</p>\n")
	}
	m.Raw("</fieldset>\n")
	writeTextField(m, "trial_param", "Query parameter", "The parameter's name, such as email; empty: email, or token for a signed token.",
		g.TrialParam, byField["trial_param"], 40)
	m.Raw("</div>\n")
}

// writeBundle writes a bundle's files, in one form that labels, orders and
// removes them, and the upload of another file. Errors name a file's field
// bundle.<index>; the ids upload-* are the upload script's.
func writeBundle(m *markup.Writer, v magnetFormView) {
	s := v.Stored
	m.Raw("<section class=\"card\" aria-labelledby=\"bundle-title\">\n<h2 id=\"bundle-title\">Files</h2>\n")
	if v.Arranged {
		m.Raw("<p class=\"ok\" role=\"status\">Saved.</p>\n")
	}
	if !s.BundleReady() {
		m.Raw("<p class=\"warn\">A bundle needs at least " + strconv.Itoa(leadgate.MinBundleFiles) + " files: until it has them, leads of its pages get a page with fewer.</p>\n")
	}
	var errs map[string]string
	if v.Section == sectionBundle {
		errs = map[string]string{}
		var other []string
		for _, e := range v.Errors {
			if _, ok := strings.CutPrefix(e.Field, "bundle."); ok {
				errs[e.Field] = e.Message
			} else {
				other = append(other, e.Message)
			}
		}
		m.Raw("<div class=\"errors\" role=\"alert\">\n<p>Nothing was saved. Please correct the files marked below.</p>\n")
		for _, msg := range other {
			m.Raw("<p>")
			m.Text(msg)
			m.Raw("</p>\n")
		}
		m.Raw("</div>\n")
	}
	if len(s.Bundle) == 0 {
		m.Raw("<p class=\"muted\">No files yet.</p>\n")
	} else {
		m.Raw("<form class=\"form\" method=\"post\" action=\"")
		m.URL(MagnetBundlePath(s.ID))
		m.Raw("\" novalidate>\n")
		writeCSRF(m, v.CSRF)
		m.Raw("\n<input type=\"hidden\" name=\"files\" value=\"" + strconv.Itoa(len(s.Bundle)) + "\">\n<ol class=\"bundle\">\n")
		for i, f := range s.Bundle {
			n := strconv.Itoa(i)
			label := f.Label
			if i < len(v.Labels) {
				label = v.Labels[i]
			}
			m.Raw("<li>\n<p><strong>")
			m.Text(f.FileName)
			m.Raw("</strong> <span class=\"muted\">")
			m.Text(f.ContentType + ", " + leadgate.FormatBytes(f.Size))
			m.Raw("</span></p>\n")
			writeTextField(m, "label."+n, "Label", "What the bundle's page calls it; empty: its file name.", label, errs["bundle."+n], leadgate.MaxBundleLabel)
			m.Raw("<div class=\"actions\">")
			if i > 0 {
				m.Raw("<button type=\"submit\" class=\"secondary\" name=\"up\" value=\"" + n + "\">Move up</button>")
			}
			if i < len(s.Bundle)-1 {
				m.Raw("<button type=\"submit\" class=\"secondary\" name=\"down\" value=\"" + n + "\">Move down</button>")
			}
			m.Raw("<button type=\"submit\" class=\"secondary\" name=\"remove\" value=\"" + n + "\">Remove</button></div>\n</li>\n")
		}
		m.Raw("</ol>\n<button type=\"submit\" class=\"primary\">Save labels</button>\n</form>\n")
	}
	if len(s.Bundle) >= leadgate.MaxBundleFiles {
		m.Raw("<p class=\"muted\">The bundle holds " + strconv.Itoa(leadgate.MaxBundleFiles) + " files, the most it can: remove one to add another.</p>\n</section>\n")
		return
	}
	m.Raw("<form id=\"upload-form\" method=\"post\" action=\"")
	m.URL(v.UploadLinkPath)
	m.Raw("\" data-finished=\"")
	m.URL(v.UploadFinishPath)
	m.Raw("\" data-max-bytes=\"" + strconv.FormatInt(v.MaxBytes, 10) + "\" hidden>\n")
	writeCSRF(m, v.CSRF)
	m.Raw("\n<label for=\"upload-file\">Add a file</label>\n<input id=\"upload-file\" name=\"file\" type=\"file\" required aria-describedby=\"upload-hint\">\n<p class=\"hint muted\" id=\"upload-hint\">Up to ")
	m.Text(leadgate.FormatBytes(v.MaxBytes))
	m.Raw(" each. A file of the same name as one in the bundle replaces it.</p>\n" +
		"<button type=\"submit\" class=\"primary\" id=\"upload-start\">Upload</button>\n" +
		"<progress id=\"upload-progress\" max=\"100\" value=\"0\" aria-label=\"Upload progress\" hidden></progress>\n" +
		"<p id=\"upload-percent\" aria-live=\"polite\"></p>\n<p id=\"upload-status\" role=\"status\"></p>\n</form>\n" +
		"<div id=\"upload-nojs\">\n<p>Uploading from this page needs JavaScript. Without it, upload each file with an upload link of the admin API and save the magnet's bundle (see docs/admin-api.md).</p>\n</div>\n<script src=\"")
	m.URL(v.ScriptPath)
	m.Raw("\" defer></script>\n</section>\n")
}

// writeCouponPool writes a coupon pool's counts and the form that adds codes: a
// CSV file (multipart) or a pasted list.
func writeCouponPool(m *markup.Writer, v magnetFormView) {
	s := v.Stored
	m.Raw("<section class=\"card\" aria-labelledby=\"coupons-title\">\n<h2 id=\"coupons-title\">Codes</h2>\n")
	if v.Added != nil {
		m.Raw("<p class=\"ok\" role=\"status\">Added " + strconv.Itoa(*v.Added) + " new codes; codes the pool held already were skipped.</p>\n")
	}
	var st leadgate.CouponStock
	if v.Stock != nil {
		st = *v.Stock
	}
	m.Raw("<dl class=\"stock\" id=\"coupon-stock\">\n<dt>Left</dt><dd>")
	m.Int(st.Left())
	m.Raw("</dd>\n<dt>Claimed</dt><dd>")
	m.Int(st.Claimed)
	m.Raw("</dd>\n<dt>Added in all</dt><dd>")
	m.Int(st.Added)
	m.Raw("</dd>\n</dl>\n")
	switch {
	case st.Left() == 0:
		m.Raw("<p class=\"warn\">No code is left: the pages of this magnet say the offer has ended and take no leads. Add codes to open it again.</p>\n")
	case s.CouponAlertBelow > 0 && st.Left() < s.CouponAlertBelow:
		m.Raw("<p class=\"warn\">Fewer than ")
		m.Int(s.CouponAlertBelow)
		m.Raw(" codes are left.</p>\n")
	}
	errMsg := ""
	if v.Section == sectionCoupons {
		for _, e := range v.Errors {
			if errMsg != "" {
				errMsg += "; "
			}
			errMsg += e.Message
		}
		m.Raw("<div class=\"errors\" role=\"alert\">\n<p>No code was added. Please correct the codes marked below.</p>\n</div>\n")
	}
	m.Raw("<form class=\"form\" method=\"post\" enctype=\"multipart/form-data\" action=\"")
	m.URL(MagnetCouponsPath(s.ID))
	m.Raw("\" novalidate>\n")
	writeCSRF(m, v.CSRF)
	m.Raw("\n<label for=\"coupon-file\">A CSV file of codes</label>\n<input id=\"coupon-file\" name=\"file\" type=\"file\" accept=\".csv,.txt,text/csv,text/plain\" aria-describedby=\"codes-hint\">\n" +
		"<label for=\"codes\">Or paste codes</label>\n<textarea id=\"codes\" name=\"codes\" rows=\"6\" aria-describedby=\"codes-hint")
	if errMsg != "" {
		m.Raw(" codes-error\" aria-invalid=\"true")
	}
	m.Raw("\">")
	m.Text(v.Codes)
	m.Raw("</textarea>\n<p class=\"hint\" id=\"codes-hint\">One code a line, in the first column; a header line <code>code</code> is skipped. Each code is 1 to " +
		strconv.Itoa(leadgate.MaxCouponLength) + " characters without spaces; up to " + strconv.Itoa(leadgate.MaxCouponsPerUpload) +
		" codes and " + leadgate.FormatBytes(maxCouponFormBytes) + " at a time. Codes the pool holds already are skipped.</p>\n")
	if errMsg != "" {
		m.Raw(`<p class="error" id="codes-error">`)
		m.Text(errMsg)
		m.Raw("</p>\n")
	}
	m.Raw("<button type=\"submit\" class=\"primary\">Add codes</button>\n</form>\n</section>\n")
}

// writeTrialSecret writes what a signup app needs to check a trial's tokens.
func writeTrialSecret(m *markup.Writer, v magnetFormView) {
	m.Raw("<section class=\"card\" aria-labelledby=\"trial-title\">\n<h2 id=\"trial-title\">Checking the token</h2>\n<p>Your signup page gets <code>")
	m.Text(v.Stored.Param())
	m.Raw("=&lt;token&gt;</code>: the address, its expiry and an HMAC-SHA256, checked with this magnet's secret (see docs/magnets.md). Keep it in your app's settings, not in its code.</p>\n<p><code id=\"trial-secret\">")
	m.Text(v.TrialSecret)
	m.Raw("</code></p>\n</section>\n")
}

// writeDeliverySummary writes, in the magnets list, what a magnet of a kind other
// than a file gives.
func writeDeliverySummary(m *markup.Writer, mg leadgate.Magnet) {
	switch mg.DeliveryKind() {
	case leadgate.DeliveryBundle:
		m.Text("Bundle of " + strconv.Itoa(len(mg.Bundle)) + " files")
	case leadgate.DeliveryLink:
		m.Text("Link")
	case leadgate.DeliveryCoupon:
		m.Text("Coupon codes")
	case leadgate.DeliveryTrial:
		m.Text("Trial signup")
	}
}
