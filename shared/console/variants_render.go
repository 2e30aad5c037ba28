package console

import (
	"slices"
	"strconv"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// armName is how the console names an arm: the control says so.
func armName(arm string) string {
	if arm == leadgate.ControlArm {
		return "control (the page itself)"
	}
	return arm
}

func writeVariantsPage(m *markup.Writer, l layout, v variantsView) {
	l.Title = "A/B test of " + v.Page.Title
	writeHead(m, l)
	m.Raw("<h1>")
	m.Text(l.Title)
	m.Raw("</h1>\n<p><a href=\"")
	m.URL(EditPagePath(v.Page.Slug))
	m.Raw("\">Edit the page</a></p>\n")
	if v.Promoted != "" {
		m.Raw("<div class=\"card\" role=\"status\"><p>")
		m.Text(armName(v.Promoted))
		m.Raw(" is now the page. The test ended and is kept below with its counts.</p></div>\n")
	}
	if v.Saved {
		m.Raw("<div class=\"card\" role=\"status\"><p>The variants are saved.</p></div>\n")
	}
	if v.Report == nil {
		m.Raw("<div class=\"card\">\n<p>This page runs no A/B test. Give it variants (<code>variants:</code>) in its page file, " +
			"or in its JSON through the admin API: each visitor then sees one of them, or the page itself, again and again.</p>\n</div>\n")
	} else {
		writeVariantReport(m, v)
	}
	writeVariantsForm(m, v)
	for i := len(v.History) - 1; i >= 0; i-- {
		writeVariantHistory(m, v.History[i])
	}
	writeFoot(m)
}

// writeVariantsForm writes the form of the page's variants: the control's weight
// and the page's button, then a row per variant and blank rows up to three.
func writeVariantsForm(m *markup.Writer, v variantsView) {
	f := v.Form
	p := f.Page
	m.Raw("<form method=\"post\" action=\"")
	m.URL(VariantsPath(v.Page.Slug))
	m.Raw("\" novalidate>\n")
	writeCSRF(m, v.CSRF)
	m.Raw("<fieldset>\n<legend>The test</legend>\n<p class=\"hint\">The page itself is the control. Each variant below shows " +
		"what it changes (empty: the page's own); weights are relative shares, 1 to 1000 (empty: 100). Changing a weight " +
		"moves only the visitors it must; a variant without an id is left out, and none ends the test.</p>\n")
	writeInputErrors(m, f, "variants")
	writeInput(m, f, "control_weight", "The control's weight", f.shownNumber("control_weight", p.ControlWeight), "")
	writeInput(m, f, "button_text", "The page's button", p.ButtonText, "Empty: the words of the page's language.")
	m.Raw("</fieldset>\n")
	for i := range leadgate.MaxVariants {
		var va leadgate.Variant
		if i < len(p.Variants) {
			va = p.Variants[i]
		}
		at := variantAt(i)
		m.Raw("<fieldset>\n<legend>Variant ")
		m.Int(i + 1)
		m.Raw("</legend>\n")
		writeInput(m, f, at+"id", "Id", va.ID, "b, c, d or 1 to 20 lower-case letters, digits and hyphens.")
		writeInput(m, f, at+"weight", "Weight", f.shownNumber(at+"weight", va.Weight), "")
		writeInput(m, f, at+"title", "Title", va.Title, "")
		writeTextarea(m, f, at+"description", "Description", va.Description, "Markdown, as the page's.")
		writeInput(m, f, at+"cover_image_url", "Cover image", va.CoverImageURL, "An https URL or an absolute path.")
		writeInput(m, f, at+"button_text", "Button", va.ButtonText, "")
		m.Raw(`<label for="` + at + `layout">Layout</label><select id="` + at + `layout" name="` + at + `layout"`)
		writeInvalid(m, f, at+"layout")
		m.Raw(">\n")
		writeOption(m, "", "the page's", va.Layout == "")
		writeOption(m, string(leadgate.LayoutCard), "card", va.Layout == leadgate.LayoutCard)
		writeOption(m, string(leadgate.LayoutSplit), "split", va.Layout == leadgate.LayoutSplit)
		m.Raw("</select>\n")
		writeInputErrors(m, f, at+"layout")
		m.Raw("<p class=\"hint\">Fields it asks (none ticked: every field of the page; the email always):</p>\n")
		for _, fd := range v.Page.Fields {
			writeCheckbox(m, at+"fields", fd.Name, at+"fields-"+fd.Name, fd.Label+" ("+fd.Name+")", slices.Contains(va.Fields, fd.Name))
		}
		writeInputErrors(m, f, at+"fields")
		m.Raw("</fieldset>\n")
	}
	m.Raw("<button type=\"submit\" class=\"primary\">Save the variants</button>\n</form>\n")
}

func writeVariantReport(m *markup.Writer, v variantsView) {
	rep := v.Report
	m.Raw("<div class=\"table\">\n<table>\n<caption>Each arm since the test started, ")
	m.Text(rep.Since.Format("2006-01-02 15:04 UTC"))
	m.Raw(": known bots and visitors without the test's cookie are not counted here.</caption>\n<thead>\n<tr>" +
		"<th scope=\"col\">Arm</th><th scope=\"col\" class=\"n\">Weight</th><th scope=\"col\" class=\"n\">Views</th>" +
		"<th scope=\"col\" class=\"n\">Leads</th><th scope=\"col\" class=\"n\">Conversion</th><th scope=\"col\" class=\"n\">Confirmations</th>" +
		"<th scope=\"col\" class=\"n\">Downloads</th><th scope=\"col\">Against the control</th><th scope=\"col\">Make it the page</th></tr>\n</thead>\n<tbody>\n")
	for _, a := range rep.Arms {
		m.Raw("<tr><th scope=\"row\">")
		m.Text(armName(a.Arm))
		m.Raw("</th><td class=\"n\">")
		m.Int(a.Weight)
		m.Raw("</td>")
		writeCounts(m, counts{Views: a.Views, Leads: a.Leads, Conversion: a.ConversionRate})
		m.Raw("<td class=\"n\">")
		m.Int(a.Confirmations)
		m.Raw("</td><td class=\"n\">")
		m.Int(a.Downloads)
		m.Raw("</td><td>")
		if a.Control {
			m.Raw(`<span class="muted">the control</span>`)
		}
		m.Text(a.Verdict)
		m.Raw("</td><td><a href=\"")
		m.URL(PromoteVariantPath(v.Page.Slug, a.Arm))
		m.Raw("\">Promote ")
		m.Text(a.Arm)
		m.Raw("</a></td></tr>\n")
	}
	// The base style suffices: a style of its own would change every page's
	// stylesheet and policy hash.
	m.Raw("</tbody>\n</table>\n</div>\n<p><strong>Significance: ")
	m.Text(rep.Summary)
	m.Raw("</strong></p>\n<p class=\"muted\">Each variant's conversion is compared with the control's by a ")
	m.Text(rep.Method)
	m.Raw(", reported once every arm has at least ")
	m.Int(rep.MinViews)
	m.Raw(" views and ")
	m.Int(rep.MinLeads)
	m.Raw(" leads.</p>\n")
}

func writeVariantHistory(m *markup.Writer, h leadgate.VariantTest) {
	m.Raw("<div class=\"table\">\n<table>\n<caption>The test from ")
	m.Text(h.Started.Format("2006-01-02"))
	m.Raw(" to ")
	m.Text(h.Ended.Format("2006-01-02"))
	if h.Winner != "" {
		m.Raw(": ")
		m.Text(armName(h.Winner))
		m.Raw(" was promoted.")
	} else {
		m.Raw(": ended without a winner.")
	}
	m.Raw("</caption>\n<thead>\n<tr><th scope=\"col\">Arm</th><th scope=\"col\" class=\"n\">Views</th><th scope=\"col\" class=\"n\">Leads</th>" +
		"<th scope=\"col\" class=\"n\">Conversion</th><th scope=\"col\" class=\"n\">Downloads</th></tr>\n</thead>\n<tbody>\n")
	for _, a := range h.Arms {
		m.Raw("<tr><th scope=\"row\">")
		m.Text(armName(a.Arm))
		m.Raw("</th>")
		var conv *float64
		if a.Views > 0 {
			r := a.Conversion()
			conv = &r
		}
		writeCounts(m, counts{Views: a.Views, Leads: a.Leads, Conversion: conv})
		m.Raw("<td class=\"n\">")
		m.Int(a.Downloads)
		m.Raw("</td></tr>\n")
	}
	m.Raw("</tbody>\n</table>\n</div>\n")
}

func writePromoteConfirm(m *markup.Writer, l layout, p leadgate.Page, arm, csrf string) {
	l.Title = "Promote " + arm
	writeHead(m, l)
	m.Raw("<div class=\"narrow card\">\n<h1>Make ")
	m.Text(armName(arm))
	m.Raw(" the page?</h1>\n<p>")
	if arm == leadgate.ControlArm {
		m.Raw("The page stays as it is and every visitor sees it again.")
	} else {
		m.Raw("Its title, description, cover, button, layout and fields become those of ")
		m.Text(leadgate.PagePath(p.Slug))
		m.Raw(", and every visitor sees them.")
	}
	m.Raw(" The A/B test ends; it is kept in the page's history with the counts of its " + strconv.Itoa(len(p.Arms())) +
		" arms, and the page's counts stay.</p>\n<form method=\"post\" action=\"")
	m.URL(PromoteVariantPath(p.Slug, arm))
	m.Raw("\">\n")
	writeCSRF(m, csrf)
	m.Raw("<button type=\"submit\" class=\"primary\">Promote ")
	m.Text(arm)
	m.Raw("</button>\n</form>\n<p><a href=\"")
	m.URL(VariantsPath(p.Slug))
	m.Raw("\">Keep testing</a></p>\n</div>\n")
	writeFoot(m)
}
