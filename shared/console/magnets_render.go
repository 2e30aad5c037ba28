package console

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// magnetsStyle is the magnets area's part of the stylesheet.
const magnetsStyle = `
.head{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;margin-bottom:1rem}
.head .primary{margin-top:0}
.form input[type=text]{width:100%;font:inherit;padding:.6rem .7rem;border:1px solid #8a95a3;border-radius:8px;background:#fff;color:var(--ink)}
.form .hint{color:var(--muted);font-size:.9rem;margin:.25rem 0 0}
.form output,.form .fixed{display:block;font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
.errors{border:2px solid var(--bad);border-radius:8px;padding:.5rem 1rem;margin:0 0 1rem}
.stack{display:grid;gap:1.5rem;grid-template-columns:minmax(0,1fr)}
dl.file{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.25rem 1rem;margin:0 0 1rem}
dl.file dt{font-weight:600}
dl.file dd{margin:0;overflow-wrap:anywhere}
input[type=file]{font:inherit;max-width:100%}
progress{width:100%;height:1.25rem;margin:1rem 0 .25rem}
.ok{color:#17663a}
h2{font-size:1.25rem;margin:0 0 .5rem}
ul.plain{list-style:none;margin:0;padding:0}
`

// magnetsView is the magnets list.
type magnetsView struct {
	Magnets []magnetRow
}

type magnetRow struct {
	Magnet leadgate.Magnet
	Path   string // its page in the console
	UsedBy []pageLink
}

// magnetFormView is the new-magnet form (New) or a magnet's page: Magnet holds
// the values the form shows (as typed, after a refused save), Stored the magnet as
// stored, whose file the page describes.
type magnetFormView struct {
	New    bool
	Magnet leadgate.Magnet
	Stored leadgate.Magnet
	Errors []leadgate.FieldError
	Saved  bool
	CSRF   string
	UsedBy []pageLink
	// MaxBytes is the largest file the upload takes.
	MaxBytes int64
	// ScriptPath, UploadLinkPath and UploadFinishPath are the upload script and
	// its two requests (a bundle's: to add a file); empty on the new-magnet form.
	ScriptPath, UploadLinkPath, UploadFinishPath string
	// Section is the form whose Errors these are: the settings (""), a bundle's
	// files or a coupon pool's codes.
	Section string
	// AlertBelowTyped is the coupon threshold as typed, after a refused save.
	AlertBelowTyped string
	// A bundle's labels as typed after a refused save, and whether it was just
	// arranged.
	Labels   []string
	Arranged bool
	// A coupon pool's counts, how many codes were just added (nil: none), and the
	// pasted codes of a refused form.
	Stock *leadgate.CouponStock
	Added *int
	Codes string
	// TrialSecret is a signed trial's key, for its signup app.
	TrialSecret string
}

// The forms of a magnet's page besides its settings.
const (
	sectionBundle  = "bundle"
	sectionCoupons = "coupons"
)

// writeMagnetsList writes the magnets with their files and pages.
func writeMagnetsList(m *markup.Writer, l layout, v magnetsView) {
	l.Title = "Magnets"
	writeHead(m, l)
	m.Raw("<div class=\"head\">\n<h1>Magnets</h1>\n<a class=\"primary\" href=\"" + NewMagnetPath + "\">New magnet</a>\n</div>\n")
	if len(v.Magnets) == 0 {
		m.Raw("<div class=\"card\">\n<p>No magnets yet. A magnet is the file a page gives its leads: an ebook, a checklist, a template. " +
			"Create one, then upload its file.</p>\n<a class=\"primary\" href=\"" + NewMagnetPath + "\">New magnet</a>\n</div>\n")
		writeFoot(m)
		return
	}
	m.Raw("<div class=\"table\">\n<table>\n<caption>Each magnet's file as the bucket confirmed it after its last upload from the console, and the pages that give it.</caption>\n" +
		"<thead>\n<tr><th scope=\"col\">Magnet</th><th scope=\"col\">File</th><th scope=\"col\">Type</th><th scope=\"col\" class=\"n\">Size</th>" +
		"<th scope=\"col\">Uploaded</th><th scope=\"col\">Used by</th></tr>\n</thead>\n<tbody>\n")
	for _, r := range v.Magnets {
		m.Raw("<tr><th scope=\"row\"><a href=\"")
		m.URL(r.Path)
		m.Raw("\">")
		m.Text(r.Magnet.Title)
		m.Raw("</a><br><span class=\"muted\">")
		m.Text(r.Magnet.ID)
		if r.Magnet.Kind != "" {
			m.Text(" · " + r.Magnet.Kind)
		}
		m.Raw("</span></th><td>")
		m.Text(r.Magnet.FileName)
		writeDeliverySummary(m, r.Magnet)
		m.Raw("</td><td>")
		m.Text(r.Magnet.ContentType)
		m.Raw("</td><td class=\"n\">")
		if r.Magnet.HasFile() { // the other kinds have no file of their own
			writeMagnetSize(m, r.Magnet)
		}
		m.Raw("</td><td>")
		if r.Magnet.HasFile() {
			writeUploadedAt(m, r.Magnet)
		}
		m.Raw("</td><td>")
		writePageLinks(m, r.UsedBy)
		m.Raw("</td></tr>\n")
	}
	m.Raw("</tbody>\n</table>\n</div>\n")
	writeFoot(m)
}

// writeMagnetSize writes a magnet file's confirmed size, or that there is none.
func writeMagnetSize(m *markup.Writer, mg leadgate.Magnet) {
	if mg.UploadedAt.IsZero() {
		m.Raw(`<span class="muted">not confirmed</span>`)
		return
	}
	m.Text(leadgate.FormatBytes(mg.Size))
}

// writeUploadedAt writes when a magnet's file was uploaded, in UTC.
func writeUploadedAt(m *markup.Writer, mg leadgate.Magnet) {
	if mg.UploadedAt.IsZero() {
		m.Raw(`<span class="muted">not from the console</span>`)
		return
	}
	m.Raw(`<time datetime="`)
	m.Attr(mg.UploadedAt.UTC().Format(time.RFC3339))
	m.Raw(`">`)
	m.Text(mg.UploadedAt.UTC().Format("2006-01-02 15:04 UTC"))
	m.Raw(`</time>`)
}

// writePageLinks writes the pages that gate a magnet, each linked to its hosted
// page.
func writePageLinks(m *markup.Writer, pages []pageLink) {
	if len(pages) == 0 {
		m.Raw(`<span class="muted">no page</span>`)
		return
	}
	m.Raw(`<ul class="plain">`)
	for _, p := range pages {
		m.Raw(`<li><a href="`)
		m.URL(p.Path)
		m.Raw(`">`)
		m.Text(p.Title)
		m.Raw(`</a> <span class="muted">`)
		m.Text(p.Slug)
		m.Raw(`</span></li>`)
	}
	m.Raw(`</ul>`)
}

// fieldErrors returns the messages of the form's fields by name, and those of
// fields the form has no input for.
func fieldErrors(errs []leadgate.FieldError) (map[string]string, []leadgate.FieldError) {
	by := map[string]string{}
	var other []leadgate.FieldError
	for _, e := range errs {
		known := slices.Contains(kindFields, e.Field)
		for _, f := range magnetFields {
			known = known || f.Name == e.Field
		}
		switch {
		case !known:
			other = append(other, e)
		case by[e.Field] == "":
			by[e.Field] = e.Message
		default:
			by[e.Field] += "; " + e.Message
		}
	}
	return by, other
}

// writeMagnetForm writes the new-magnet form, or a magnet's page: its settings
// form, its file and the upload.
func writeMagnetForm(m *markup.Writer, l layout, v magnetFormView) {
	action := NewMagnetPath
	l.Title = "New magnet"
	if !v.New {
		action = MagnetPath(v.Stored.ID)
		l.Title = v.Stored.Title
	}
	writeHead(m, l)
	m.Raw("<p><a href=\"" + MagnetsPath + "\">All magnets</a></p>\n<h1>")
	m.Text(l.Title)
	m.Raw("</h1>\n")
	if v.Saved {
		m.Raw("<p class=\"ok\" role=\"status\">Saved.</p>\n")
	}
	m.Raw("<div class=\"stack\">\n<section class=\"card\" aria-labelledby=\"settings-title\">\n<h2 id=\"settings-title\">Settings</h2>\n")
	var settingsErrors []leadgate.FieldError
	if v.Section == "" {
		settingsErrors = v.Errors
	}
	byField, other := fieldErrors(settingsErrors)
	if len(settingsErrors) > 0 {
		m.Raw("<div class=\"errors\" role=\"alert\">\n<p>Nothing was saved. Please correct the fields marked below.</p>\n")
		if len(other) > 0 {
			m.Raw("<ul>")
			for _, e := range other {
				m.Raw("<li>")
				m.Text(e.Field + ": " + e.Message)
				m.Raw("</li>")
			}
			m.Raw("</ul>\n")
		}
		m.Raw("</div>\n")
	}
	m.Raw("<form class=\"form\" method=\"post\" action=\"")
	m.URL(action)
	m.Raw("\" novalidate>\n")
	writeCSRF(m, v.CSRF)
	m.Raw("\n")
	values := map[string]string{"id": v.Magnet.ID, "title": v.Magnet.Title, "kind": v.Magnet.Kind,
		"file_name": v.Magnet.FileName, "content_type": v.Magnet.ContentType}
	for _, f := range magnetFields {
		switch {
		case f.Name == "id" && !v.New:
			m.Raw("<p><strong>Id</strong> <span class=\"fixed\">")
			m.Text(v.Stored.ID)
			m.Raw("</span></p>\n")
			continue
		case f.Name == "file_name":
			// The file's settings are the file kind's: after the choice of kind.
			writeDeliveryChoice(m, v.Magnet.DeliveryKind(), byField["delivery"])
			m.Raw("<div class=\"kind kind-file\">\n")
		}
		writeMagnetField(m, f.Name, f.Label, f.Hint, values[f.Name], byField[f.Name])
		if f.Name == "content_type" {
			m.Raw("</div>\n")
		}
	}
	writeKindSettings(m, v, byField)
	button := "Save"
	if v.New {
		button = "Create magnet"
	}
	m.Raw("<button type=\"submit\" class=\"primary\">" + button + "</button>\n</form>\n</section>\n")
	if v.New {
		m.Raw("<p class=\"muted\">Once the magnet is created, its page uploads its file or a bundle's files, or adds a coupon pool's codes.</p>\n</div>\n")
		writeFoot(m)
		return
	}
	switch v.Stored.DeliveryKind() {
	case leadgate.DeliveryFile:
		writeMagnetFile(m, v)
	case leadgate.DeliveryBundle:
		writeBundle(m, v)
	case leadgate.DeliveryCoupon:
		writeCouponPool(m, v)
	case leadgate.DeliveryTrial:
		if v.TrialSecret != "" {
			writeTrialSecret(m, v)
		}
	}
	m.Raw("<section class=\"card\" aria-labelledby=\"pages-title\">\n<h2 id=\"pages-title\">Pages that give it</h2>\n")
	writePageLinks(m, v.UsedBy)
	m.Raw("\n</section>\n</div>\n")
	writeFoot(m)
}

// writeMagnetField writes one text input with its label, hint and error, of at
// most 255 characters.
func writeMagnetField(m *markup.Writer, name, label, hint, value, errMsg string) {
	writeTextField(m, name, label, hint, value, errMsg, 255)
}

// writeTextField writes one text input of at most maxLen characters with its
// label, hint and error.
func writeTextField(m *markup.Writer, name, label, hint, value, errMsg string, maxLen int) {
	m.Raw(`<label for="` + name + `">` + label + "</label>\n" +
		`<input id="` + name + `" name="` + name + `" type="text" maxlength="` + strconv.Itoa(maxLen) + `" value="`)
	m.Attr(value)
	m.Raw(`" aria-describedby="` + name + `-hint`)
	if errMsg != "" {
		m.Raw(` ` + name + `-error" aria-invalid="true`)
	}
	m.Raw("\">\n<p class=\"hint\" id=\"" + name + "-hint\">")
	m.Text(hint)
	m.Raw("</p>\n")
	if errMsg != "" {
		m.Raw(`<p class="error" id="` + name + `-error">`)
		m.Text(errMsg)
		m.Raw("</p>\n")
	}
}

// writeMagnetFile writes a magnet's file and the upload form. The form is hidden
// until the upload script shows it; without the script, the page says how to upload
// with leadctl. The ids upload-form, upload-file, upload-start, upload-progress,
// upload-percent and upload-status are the script's (and a browser test's).
func writeMagnetFile(m *markup.Writer, v magnetFormView) {
	s := v.Stored
	m.Raw("<section class=\"card\" aria-labelledby=\"file-title\">\n<h2 id=\"file-title\">File</h2>\n<dl class=\"file\" id=\"magnet-file\">\n<dt>Download name</dt><dd>")
	m.Text(s.FileName)
	m.Raw("</dd>\n<dt>Type</dt><dd>")
	m.Text(s.ContentType)
	m.Raw("</dd>\n<dt>Size</dt><dd>")
	writeMagnetSize(m, s)
	m.Raw("</dd>\n<dt>Uploaded</dt><dd>")
	writeUploadedAt(m, s)
	m.Raw("</dd>\n<dt>In the bucket at</dt><dd><code>")
	m.Text(s.ObjectKey)
	m.Raw("</code></dd>\n</dl>\n<form id=\"upload-form\" method=\"post\" action=\"")
	m.URL(v.UploadLinkPath)
	m.Raw("\" data-finished=\"")
	m.URL(v.UploadFinishPath)
	m.Raw("\" data-max-bytes=\"")
	m.Raw(strconv.FormatInt(v.MaxBytes, 10))
	m.Raw("\" hidden>\n")
	writeCSRF(m, v.CSRF)
	m.Raw("\n<label for=\"upload-file\">")
	if s.UploadedAt.IsZero() {
		m.Raw("Upload the file")
	} else {
		m.Raw("Replace the file")
	}
	m.Raw("</label>\n<input id=\"upload-file\" name=\"file\" type=\"file\" required aria-describedby=\"upload-hint\">\n<p class=\"hint muted\" id=\"upload-hint\">Up to ")
	m.Text(leadgate.FormatBytes(v.MaxBytes))
	m.Raw(". It goes straight to the bucket; visitors get it once the upload is confirmed.</p>\n" +
		"<button type=\"submit\" class=\"primary\" id=\"upload-start\">Upload</button>\n" +
		"<progress id=\"upload-progress\" max=\"100\" value=\"0\" aria-label=\"Upload progress\" hidden></progress>\n" +
		"<p id=\"upload-percent\" aria-live=\"polite\"></p>\n<p id=\"upload-status\" role=\"status\"></p>\n</form>\n" +
		"<div id=\"upload-nojs\">\n<p>Uploading from this page needs JavaScript. Without it, upload the file with leadctl from the project's folder:</p>\n<p><code>go run ./cmd/leadctl magnets put -id ")
	m.Text(s.ID)
	m.Raw(" -title ")
	m.Text(shellQuote(s.Title))
	m.Raw(" -file PATH</code></p>\n</div>\n<script src=\"")
	m.URL(v.ScriptPath)
	m.Raw("\" defer></script>\n</section>\n")
}

// shellQuote quotes s for a POSIX shell: in single quotes, where nothing expands.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
