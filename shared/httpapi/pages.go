package httpapi

import (
	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// The pages a person is shown, written as Go code over a markup.Writer: each
// function below is one part of a page, and every value from data goes through the
// writer's escaping for its context. Each renderer here has at least one golden page
// (testdata/golden/), and golden_test.go checks that it does.

// headBeforeTitle and headAfterTitle are the start of every page around its title:
// the document head with the stylesheet, up to the opening of <main>.
const (
	headBeforeTitle = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
`
	headAfterTitle = `
<style>
:root{color-scheme:light;--ink:#1b1f24;--muted:#4a5460;--line:#c4ccd6;--brand:#0b5cad;--bad:#b3261e;--bg:#f5f7fa}
*{box-sizing:border-box}
body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:34rem;margin:0 auto;padding:2rem 1.25rem}
.card{background:#fff;border:1px solid var(--line);border-radius:12px;padding:1.5rem}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 .5rem}
p{margin:.5rem 0 1rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input[type=text],input[type=email],input[type=tel],textarea{width:100%;font:inherit;padding:.6rem .7rem;border:1px solid #8a95a3;border-radius:8px;background:#fff;color:var(--ink)}
input:focus,textarea:focus,button:focus,a:focus{outline:3px solid var(--brand);outline-offset:2px}
input[aria-invalid=true],textarea[aria-invalid=true]{border:2px solid var(--bad)}
.error{color:var(--bad);font-size:.95rem;margin:.25rem 0 0}
.summary{border:2px solid var(--bad);border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem}
.summary h2{font-size:1.05rem;margin:0 0 .25rem;color:var(--bad)}
.consent{display:flex;gap:.6rem;align-items:flex-start;margin:1.25rem 0 0;font-weight:400}
.consent input{margin-top:.3rem;width:1.2rem;height:1.2rem}
.cover{display:block;width:100%;height:auto;border-radius:8px;margin:0 0 1rem}
button,.button{display:inline-block;margin-top:1.5rem;font:inherit;font-weight:600;color:#fff;background:var(--brand);border:0;border-radius:8px;padding:.75rem 1.25rem;cursor:pointer;text-decoration:none}
.muted{color:var(--muted);font-size:.95rem}
a{color:var(--brand)}
@media (max-width:30rem){main{padding:1rem .75rem}.card{padding:1.25rem 1rem}h1{font-size:1.4rem}}
</style>
</head>
<body>
<main>
`
)

// writeHead starts a page titled title, up to the opening of <main>.
func writeHead(m *markup.Writer, title string) {
	m.Raw(headBeforeTitle + "<title>")
	m.Text(title)
	m.Raw("</title>" + headAfterTitle)
}

// writeFoot ends a page that writeHead started.
func writeFoot(m *markup.Writer) {
	m.Raw("</main>\n</body>\n</html>\n")
}

// writeFormPage writes the hosted page of a form: the cover, title and description,
// the summary of the errors of an earlier try, and the form with its token and
// attribution fields.
func writeFormPage(m *markup.Writer, v FormView) {
	writeHead(m, v.Page.Title)
	if v.Preview {
		m.Raw("\n<div class=\"summary\" role=\"note\">\n<h2>Preview</h2>\n<p>This is how visitors see the page. Its form sends nothing, and no view is counted.</p>\n</div>")
	}
	m.Raw("\n<div class=\"card\">\n")
	if v.Page.CoverImageURL != "" {
		m.Raw(`<img class="cover" src="`)
		m.URL(v.Page.CoverImageURL)
		m.Raw(`" alt="`)
		m.Attr(v.Page.Title)
		m.Raw("\">\n")
	}
	m.Raw("<h1>")
	m.Text(v.Page.Title)
	m.Raw("</h1>\n")
	if v.Page.Description != "" {
		m.Raw("<p>")
		m.Text(v.Page.Description)
		m.Raw("</p>")
	}
	m.Raw("\n")
	if len(v.Summary) > 0 {
		m.Raw("<div class=\"summary\" role=\"alert\" tabindex=\"-1\" id=\"errors\">\n<h2>Please check the form</h2>\n<ul>")
		for _, fe := range v.Summary {
			m.Raw(`<li><a href="#`)
			m.URLPart(v.IDPrefix)
			m.URLPart(fe.Field)
			m.Raw(`">`)
			m.Text(fe.Message)
			m.Raw("</a></li>")
		}
		m.Raw("</ul>\n</div>")
	}
	if v.Preview {
		m.Raw("\n<form novalidate>\n")
	} else {
		m.Raw("\n<form method=\"post\" action=\"")
		m.URL(v.Action)
		m.Raw("\" novalidate>\n")
	}
	writeFields(m, v)
	m.Raw("\n<input type=\"hidden\" name=\"form_token\" value=\"")
	m.Attr(v.FormToken)
	m.Raw("\">\n")
	for _, h := range v.Attribution {
		m.Raw(`<input type="hidden" name="`)
		m.Attr(h.Name)
		m.Raw(`" value="`)
		m.Attr(h.Value)
		m.Raw("\">\n")
	}
	if v.Preview {
		m.Raw("<button type=\"submit\" disabled>Get your copy</button>\n</form>\n</div>\n")
	} else {
		m.Raw("<button type=\"submit\">Get your copy</button>\n</form>\n</div>\n")
	}
	writeFoot(m)
}

// writeFields writes a page's visible fields with their values and errors, the
// consent checkbox and the honeypot; the hosted form and the embed snippet both use
// it. It starts with a line break and ends without one.
func writeFields(m *markup.Writer, v FormView) {
	for _, f := range v.Page.Fields {
		m.Raw("\n<label for=\"")
		m.Attr(v.IDPrefix)
		m.Attr(f.Name)
		m.Raw(`">`)
		m.Text(f.Label)
		if !f.Required {
			m.Raw(` <span class="muted">(optional)</span>`)
		}
		m.Raw("</label>\n")
		fieldErr := v.Errors[f.Name]
		if f.Type == leadgate.FieldTextarea {
			m.Raw(`<textarea id="`)
			m.Attr(v.IDPrefix)
			m.Attr(f.Name)
			m.Raw(`" name="`)
			m.Attr(f.Name)
			m.Raw(`" rows="4" maxlength="`)
			m.Int(f.Limit())
			m.Raw(`"`)
			writeControlState(m, f, fieldErr)
			m.Raw(">")
			m.Text(v.Values[f.Name])
			m.Raw("</textarea>")
		} else {
			m.Raw(`<input id="`)
			m.Attr(v.IDPrefix)
			m.Attr(f.Name)
			m.Raw(`" name="`)
			m.Attr(f.Name)
			m.Raw(`" type="`)
			m.Attr(string(f.Type))
			m.Raw(`" value="`)
			m.Attr(v.Values[f.Name])
			m.Raw(`" maxlength="`)
			m.Int(f.Limit())
			m.Raw(`"`)
			switch {
			case f.Type == leadgate.FieldEmail:
				m.Raw(` autocomplete="email"`)
			case f.Name == "name":
				m.Raw(` autocomplete="name"`)
			case f.Name == "company":
				m.Raw(` autocomplete="organization"`)
			case f.Type == leadgate.FieldTel:
				m.Raw(` autocomplete="tel"`)
			}
			writeControlState(m, f, fieldErr)
			m.Raw(">")
		}
		if fieldErr != "" {
			m.Raw(`<p class="error" id="e-`)
			m.Attr(f.Name)
			m.Raw(`">`)
			m.Text(fieldErr)
			m.Raw("</p>")
		}
	}
	m.Raw("\n")
	if v.Page.AsksConsent() {
		m.Raw(`<label class="consent" for="`)
		m.Attr(v.IDPrefix)
		m.Raw(`consent"><input id="`)
		m.Attr(v.IDPrefix)
		m.Raw(`consent" type="checkbox" name="consent" value="on"`)
		if v.Consent {
			m.Raw(" checked")
		}
		m.Raw("> <span>")
		m.Text(v.Page.ConsentText)
		m.Raw("</span></label>")
	}
	m.Raw("\n<div aria-hidden=\"true\" style=\"position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden\"><label for=\"")
	m.Attr(v.IDPrefix)
	m.Raw(`website">Leave this field empty</label><input id="`)
	m.Attr(v.IDPrefix)
	m.Raw(`website" type="text" name="website" tabindex="-1" autocomplete="off"></div>`)
}

// writeControlState writes the attributes of a control that say it is required and
// whether its value was refused (fieldErr, the message beside it).
func writeControlState(m *markup.Writer, f leadgate.Field, fieldErr string) {
	if f.Required {
		m.Raw(" required")
	}
	if fieldErr != "" {
		m.Raw(` aria-invalid="true" aria-describedby="e-`)
		m.Attr(f.Name)
		m.Raw(`"`)
	}
}

// writeMessagePage writes a short page that tells a person what happened, with a
// link onwards if it has one.
func writeMessagePage(m *markup.Writer, v MessageView) {
	writeHead(m, v.Title)
	m.Raw("\n<div class=\"card\" role=\"status\">\n<h1>")
	m.Text(v.Title)
	m.Raw("</h1>\n<p>")
	m.Text(v.Message)
	m.Raw("</p>\n")
	if v.LinkURL != "" {
		m.Raw(`<a class="button" href="`)
		m.URL(v.LinkURL)
		m.Raw(`">`)
		m.Text(v.LinkText)
		m.Raw("</a>")
	}
	m.Raw("\n</div>\n")
	writeFoot(m)
}

// writeActionPage writes a page whose button POSTs to v.Action.
func writeActionPage(m *markup.Writer, v ActionView) {
	writeHead(m, v.Title)
	if v.Status {
		m.Raw("\n<div class=\"card\" role=\"status\">\n<h1>")
	} else {
		m.Raw("\n<div class=\"card\">\n<h1>")
	}
	m.Text(v.Title)
	m.Raw("</h1>\n<p>")
	m.Text(v.Message)
	m.Raw("</p>\n<form method=\"post\" action=\"")
	m.URL(v.Action)
	m.Raw("\">\n<button type=\"submit\">")
	m.Text(v.Button)
	m.Raw("</button>\n</form>\n")
	if v.Note != "" {
		m.Raw(`<p class="muted">`)
		m.Text(v.Note)
		m.Raw("</p>")
	}
	m.Raw("\n</div>\n")
	writeFoot(m)
}

// writeEmbedForm writes the form of the embed snippet: the fields of writeFields
// in a plain form that posts to v.Action.
func writeEmbedForm(m *markup.Writer, v FormView) {
	m.Raw(`<form method="post" action="`)
	m.URL(v.Action)
	m.Raw(`">`)
	writeFields(m, v)
	m.Raw("\n<button type=\"submit\">Get your copy</button>\n</form>\n")
}
