package emails_test

import (
	htmltemplate "html/template"
	"regexp"
	"strings"
	"testing"
	"time"

	"leadgate/shared/emails"
	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// hostile are values a lead or a marketer may type, trying to leave their context.
var hostile = []string{
	"", "Ada", `<img src=x onerror=alert(1)>`, `"><script>alert(1)</script>`, `' onmouseover='alert(1)`,
	`</textarea><script>alert(1)</script>`, `</title><img src=x onerror=alert(1)>`, "javascript:alert(1)",
	" JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x", "a+b & c", "\x00nul",
	"&lt;b&gt; already escaped", "{{.Name}}", "-->", "<!--", "ünïcödé ✓", "\xff broken", "line\nbreak",
}

// content is the part of a rendered email between the layout's header and footer.
func content(tb testing.TB, html string) string {
	tb.Helper()
	const start, end = "color:#1b1f24;\">\n", "\n</td></tr>\n<tr><td style=\"padding:8px"
	i, j := strings.Index(html, start), strings.Index(html, end)
	if i < 0 || j < i {
		tb.Fatalf("no content in %s", html)
	}
	return html[i+len(start) : j]
}

func renderHTML(tb testing.TB, src string, d emails.Data) string {
	tb.Helper()
	_, _, html, err := emails.Render(emails.Nurture, leadgate.EmailTemplate{HTML: src}, d)
	if err != nil {
		tb.Fatalf("Render %q: %v", src, err)
	}
	return content(tb, html)
}

func TestPlaceholdersInSubjectAndTextAreAsGiven(t *testing.T) {
	d := data()
	d.Name, d.MagnetTitle = "Ada <b>&", `Q&A "2026"`
	own := leadgate.EmailTemplate{
		Subject: "{{ .MagnetTitle }} for {{.FirstName\t}} {} }} {",
		Text:    "Hi {{.Name}}, {{.LinkDays}} days: {{.DownloadURL}} {{.ConfirmURL}} {{.UnsubscribeURL}} {{.FromName}} {{.PageTitle}} {{.MagnetKind}}",
	}
	subject, text, _, err := emails.Render(emails.Nurture, own, d)
	if err != nil {
		t.Fatal(err)
	}
	if want := `Q&A "2026" for Ada {} }} {`; subject != want {
		t.Errorf("subject %q, want %q", subject, want)
	}
	want := "Hi Ada <b>&, 30 days: https://api.example.com/v1/downloads/tok https://api.example.com/v1/confirm/tok " +
		"https://api.example.com/v1/unsubscribe/tok The Growth Team The playbook page ebook\n\n--\n"
	if !strings.HasPrefix(text, want) {
		t.Errorf("text %q, want it to start with %q", text, want)
	}
}

// TestRefusedTemplates: anything but a placeholder between "{{" and "}}", and a
// placeholder where HTML gives no safe place to a value, is refused with a message
// that says what and where.
func TestRefusedTemplates(t *testing.T) {
	notPlaceholder := "is not a placeholder: email texts take only {{.FirstName}}, {{.Name}}, {{.PageTitle}}, {{.MagnetTitle}}, {{.MagnetKind}}, " +
		"{{.DownloadURL}}, {{.ConfirmURL}}, {{.UnsubscribeURL}}, {{.FromName}} and {{.LinkDays}}, with no conditions, loops or functions"
	cases := []struct {
		name, part, src, want string
	}{
		{"unknown field", "text", "Hi {{.Password}}", "{{.Password}} " + notPlaceholder},
		{"field in lower case", "subject", "Hi {{.firstName}}", "{{.firstName}} " + notPlaceholder},
		{"no dot", "text", "Hi {{FirstName}}", "{{FirstName}} " + notPlaceholder},
		{"the dot", "text", "Hi {{.}}", "{{.}} " + notPlaceholder},
		{"empty", "text", "Hi {{}}", "{{}} " + notPlaceholder},
		{"nested field", "text", "Hi {{.Name.First}}", "{{.Name.First}} " + notPlaceholder},
		{"if", "text", "{{if .Name}}Hi {{.Name}}{{end}}", "{{if .Name}} " + notPlaceholder},
		{"with else", "text", "{{with .FromName}}{{.}}{{else}}The team{{end}}", "{{with .FromName}} " + notPlaceholder},
		{"range", "html", "{{range .Name}}x{{end}}", "{{range .Name}} " + notPlaceholder},
		{"pipe", "subject", "{{.Name | html}}", "{{.Name | html}} " + notPlaceholder},
		{"function", "text", `{{printf "%s" .Name}}`, `{{printf "%s" .Name}} ` + notPlaceholder},
		{"call", "text", `{{call .Name}}`, `{{call .Name}} ` + notPlaceholder},
		{"trim markers", "text", "Hi {{- .Name -}}", "{{- .Name -}} " + notPlaceholder},
		{"template", "html", `{{template "x"}}`, `{{template "x"}} ` + notPlaceholder},
		{"comment action", "text", `{{/* c */}}`, `{{/* c */}} ` + notPlaceholder},
		{"unclosed", "subject", "Hi {{.FirstName", `"{{" has no "}}" to close it`},
		{"line of the error", "text", "Hi,\n\n{{.FirstName}}\n{{.Nope}}", "line 4: {{.Nope}} " + notPlaceholder},

		{"unquoted URL", "html", `<a href={{.DownloadURL}}>x</a>`, "{{.DownloadURL}} is in an unquoted attribute value (put the value in quotes): in HTML, placeholders go in text or in quoted attribute values"},
		{"unquoted after text", "html", `<p title=x{{.Name}}>x</p>`, "{{.Name}} is in an unquoted attribute value"},
		{"tag name", "html", `<{{.Name}}>x`, "{{.Name}} is inside a tag's name"},
		{"in a tag name", "html", `<h{{.LinkDays}}>x</h1>`, "{{.LinkDays}} is inside a tag's name"},
		{"end tag name", "html", `<p>x</{{.Name}}>`, "{{.Name}} is inside a tag's name"},
		{"end tag in a title", "html", `<title>x</ti{{.Name}}`, "{{.Name}} is inside an end tag's name"},
		{"attribute name", "html", `<p {{.Name}}="x">y</p>`, "{{.Name}} is inside a tag, outside a quoted attribute value"},
		{"after an attribute", "html", `<p class="x" {{.Name}}>y</p>`, "{{.Name}} is inside a tag, outside a quoted attribute value"},
		{"script", "html", `<script>var n = "{{.Name}}";</script>`, "{{.Name}} is inside a <script> element"},
		{"script in capitals", "html", `<SCRIPT type="text/javascript">n = '{{.Name}}'</SCRIPT>`, "{{.Name}} is inside a <script> element"},
		{"style", "html", `<style>p::after{content:"{{.Name}}"}</style>`, "{{.Name}} is inside a <style> element"},
		{"raw text element", "html", `<xmp>{{.Name}}</xmp>`, "{{.Name}} is inside a <xmp> element"},
		{"script attribute", "html", `<script src="{{.DownloadURL}}"></script>`, "in an attribute that holds a script, a style or a URL list (src)"},
		{"style attribute", "html", `<p style="color:{{.Name}}">x</p>`, "in an attribute that holds a script, a style or a URL list (style)"},
		{"event handler", "html", `<a href="#" onclick="hi('{{.Name}}')">x</a>`, "(onclick)"},
		{"srcset", "html", `<img srcset="{{.DownloadURL}} 2x">`, "(srcset)"},
		{"srcdoc", "html", `<iframe srcdoc="{{.Name}}"></iframe>`, "(srcdoc)"},
		{"meta refresh", "html", `<meta http-equiv="refresh" content="0;url={{.DownloadURL}}">`, "(content)"},
		{"comment", "html", `<!-- for {{.Name}} --><p>x</p>`, "{{.Name}} is inside an HTML comment"},
		{"declaration", "html", `<!doctype {{.Name}}>`, "{{.Name}} is inside a <!...> or <?...> declaration"},
		{"after a script holding a comment", "html", "<script><!--\n<script></script>\n</script><p>{{.Name}}</p>", `after a <script> element that holds "<!--"`},
		{"script holding a comment", "html", "<p>{{.Name}}</p><script><!--\n</script>", `a <script> element holds "<!--", after which browsers may read the rest of the email as script`},
		{"ends in a tag", "html", `<p>{{.Name}}</p><a href="x`, "the HTML ends inside a tag: close it, so that the footer with the unsubscribe link shows"},
		{"ends in a comment", "html", `<p>{{.Name}}</p><!-- x`, "the HTML ends inside a comment"},
		{"ends in a script", "html", `<p>{{.Name}}</p><script>x()`, "the HTML ends inside a <script> element"},
		{"ends in a title", "html", `<title>{{.Name}}`, "the HTML ends inside a <title> element"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var own leadgate.EmailTemplate
			switch tc.part {
			case "subject":
				own.Subject = tc.src
			case "text":
				own.Text = tc.src
			case "html":
				own.HTML = tc.src
			}
			_, _, _, err := emails.Render(emails.Delivery, own, data())
			if leadgate.ErrorCode(err) != leadgate.EINVALID || !strings.Contains(leadgate.ErrorMessage(err), tc.want) {
				t.Fatalf("Render: %v\nwant EINVALID with %q", err, tc.want)
			}
			err = emails.CheckTemplates(leadgate.Page{Slug: "p", Title: "P", FollowUp: leadgate.FollowUp{Delivery: own}})
			e := leadgate.AsError(err)
			if err == nil || e.Code != leadgate.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "follow_up.delivery."+tc.part ||
				!strings.Contains(e.Fields[0].Message, "the "+tc.part+" of the delivery email does not render: ") ||
				!strings.Contains(e.Fields[0].Message, tc.want) {
				t.Fatalf("CheckTemplates: %v %+v", err, e.Fields)
			}
		})
	}
}

// TestAcceptedHTML: placeholders in text, in <title> and <textarea>, and in quoted
// attribute values, around markup a scanner could misread.
func TestAcceptedHTML(t *testing.T) {
	for _, src := range []string{
		`<p>{{.Name}}</p>`,
		`<title>{{.Name}}</title><textarea>{{.Name}}</textarea>`,
		`<p title="{{.Name}}" class='{{.Name}}'>x</p>`,
		`<a href="{{.DownloadURL}}" title="a > b {{.Name}}">x</a>`,
		`<p>1 < 2 and {{.Name}}</p>`,
		`<p>a <3 {{.Name}}</p>`,
		`<!-- a comment --><p>{{.Name}}</p><!---->`,
		`<!--> <p>{{.Name}}</p>`,
		`<!--[if mso]><table><tr><td><![endif]--><p>{{.Name}}</p>`,
		`<!doctype html><p>{{.Name}}</p>`,
		`<script>if (a < b) { x("</p>") }</script><p>{{.Name}}</p>`,
		`<style>p > a { color: red }</style><p>{{.Name}}</p>`,
		`<title>a <b> {{.Name}}</title>`,
		`<textarea></textarea x>{{.Name}}`,
		`<img alt="{{.Name}}"/><br/><p>{{.Name}}</p>`,
		`<input value="{{.Name}}" disabled><p>{{.Name}}</p>`,
		`<a href="mailto:team@example.com?subject={{.MagnetTitle}}">x</a>`,
		`</ p>{{.Name}}`,
	} {
		if _, _, _, err := emails.Render(emails.Nurture, leadgate.EmailTemplate{HTML: src}, data()); err != nil {
			t.Errorf("%s: %v", src, err)
		}
	}
}

// TestHostileValuesAreInert renders every hostile value in every place a
// placeholder may sit: the value adds no markup (no "<", ">" or quote) and never
// starts an address with a scheme other than http, https or mailto.
func TestHostileValuesAreInert(t *testing.T) {
	places := []string{
		`<p>Hi {{.Name}}, {{.FirstName}}</p>`,
		`<title>{{.Name}}</title>`,
		`<textarea>{{.Name}}</textarea>`,
		`<p title="{{.Name}}">x</p>`,
		`<p title='{{.Name}}'>x</p>`,
		`<a href="{{.Name}}">x</a>`,
		`<a href=' {{.Name}}'>x</a>`,
		`<img src="{{.Name}}">`,
		`<a href="https://example.com/{{.Name}}">x</a>`,
		`<a href="https://example.com/?n={{.Name}}">x</a>`,
		`<a href="#{{.Name}}">x</a>`,
		`<a xlink:href="{{.Name}}">x</a>`,
		`<div data-url="{{.Name}}">x</div>`,
		`<a href="{{.Name}}{{.Name}}">x</a>`,
		`<img alt="{{.DownloadURL}}">`,
		`<a href="{{.DownloadURL}}">x</a>`,
	}
	scheme := regexp.MustCompile(`(?i)(href|src|data-url)=["']\s*(javascript|vbscript|data):`)
	for _, place := range places {
		for _, v := range hostile {
			d := data()
			d.Name, d.FirstName, d.DownloadURL = v, v, v
			got := renderHTML(t, place, d)
			markupOf := func(s string) string {
				return strings.Map(func(r rune) rune {
					if strings.ContainsRune(`<>"'`, r) {
						return r
					}
					return -1
				}, s)
			}
			literal := regexp.MustCompile(`\{\{[^}]*\}\}`).ReplaceAllString(place, "")
			if markupOf(got) != markupOf(literal) {
				t.Errorf("%s with %q: the value added markup: %s", place, v, got)
			}
			if scheme.MatchString(got) {
				t.Errorf("%s with %q: an unsafe address: %s", place, v, got)
			}
		}
	}
	d := data()
	d.Name = `<img src=x onerror=alert(1)>`
	if got, want := renderHTML(t, `<p>{{.Name}}</p>`, d), `<p>&lt;img src=x onerror=alert(1)&gt;</p>`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	d.Name = `"><script>alert(1)</script>`
	if got, want := renderHTML(t, `<p title="{{.Name}}">x</p>`, d), `<p title="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">x</p>`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestEscapingMatchesHTMLTemplate: where html/template gave a value one escaping,
// the page's HTML gives it the same bytes; where it differs, it is stricter.
func TestEscapingMatchesHTMLTemplate(t *testing.T) {
	same := []string{
		`<p>{{.Name}}</p>`,
		`<title>{{.Name}}</title><textarea>{{.Name}}</textarea>`,
		`<p title="{{.Name}}" class='a {{.Name}} b'>x</p>`,
		`<a href="{{.Name}}">x</a>`,
		`<a href="  {{.Name}}">x</a>`,
		`<img src='{{.Name}}'>`,
		`<a href="https://example.com/?n={{.Name}}&amp;m={{.Name}}">x</a>`,
		`<a href="#{{.Name}}">x</a>`,
		`<div data-uri="{{.Name}}" data-x="{{.Name}}">x</div>`,
		`<a xlink:href="{{.Name}}">x</a>`,
		`<a href="{{.DownloadURL}}" title="{{.MagnetKind}}">{{.DownloadURL}}</a>`,
		`<a href="{{.Name}}{{.Name}}">x</a>`,
	}
	for _, src := range same {
		want := htmltemplate.Must(htmltemplate.New("").Parse(src))
		for _, v := range hostile {
			d := data()
			d.Name, d.DownloadURL, d.MagnetKind = v, v, v
			var b strings.Builder
			if err := want.Execute(&b, d); err != nil {
				t.Fatal(err)
			}
			if got := renderHTML(t, src, d); got != b.String() {
				t.Errorf("%s with %q:\ngot  %s\nwant %s", src, v, got, b.String())
			}
		}
	}
	// Stricter: a value after the start of an address has every reserved character
	// percent-encoded (html/template kept "/", ":" and the like there), and our
	// links are checked like addresses in any quoted attribute.
	for _, v := range hostile {
		d := data()
		d.Name, d.DownloadURL = v, v
		var part, url markup.Writer
		part.URLPart(v)
		url.URL(v)
		if got, want := renderHTML(t, `<a href="https://example.com/{{.Name}}">x</a>`, d), `<a href="https://example.com/`+part.String()+`">x</a>`; got != want {
			t.Errorf("after the start, %q:\ngot  %s\nwant %s", v, got, want)
		}
		if got, want := renderHTML(t, `<img alt="{{.DownloadURL}}">`, d), `<img alt="`+url.String()+`">`; got != want {
			t.Errorf("a link in alt, %q:\ngot  %s\nwant %s", v, got, want)
		}
	}
}

// TestCheckTemplatesSaysWhichPlaceholdersThereAre: the refusal a marketer reads
// names the part and lists the placeholders.
func TestCheckTemplatesSaysWhichPlaceholdersThereAre(t *testing.T) {
	page := leadgate.Page{Slug: "p", Title: "P", FollowUp: leadgate.FollowUp{
		Nurture: []leadgate.NurtureStep{{ID: "day-2", After: time.Hour, EmailTemplate: leadgate.EmailTemplate{
			Text: "{{if .Name}}Hi {{.Name}}{{else}}Hello{{end}}",
		}}},
	}}
	e := leadgate.AsError(emails.CheckTemplates(page))
	if e == nil || e.Code != leadgate.EINVALID || len(e.Fields) != 1 {
		t.Fatalf("CheckTemplates: %v", e)
	}
	want := "the text of nurture step day-2 does not render: {{if .Name}} is not a placeholder: email texts take only {{.FirstName}}, {{.Name}}, " +
		"{{.PageTitle}}, {{.MagnetTitle}}, {{.MagnetKind}}, {{.DownloadURL}}, {{.ConfirmURL}}, {{.UnsubscribeURL}}, {{.FromName}} and {{.LinkDays}}, " +
		"with no conditions, loops or functions"
	if f := e.Fields[0]; f.Field != "follow_up.nurture[0].text" || f.Message != want {
		t.Fatalf("field %q message %q\nwant %q", f.Field, f.Message, want)
	}
}

// FuzzRenderHTML: whatever HTML a page gives is refused or rendered, and when it
// is rendered a value made of markup characters adds no markup.
func FuzzRenderHTML(f *testing.F) {
	for _, seed := range []string{
		`<p title="{{.Name}}">{{.Name}}</p>`, `<a href=' {{.DownloadURL}}?x={{.Name}}'>x</a>`, `<title>{{.Name}}</title>`,
		`<script>x</script><p>{{.Name}}</p>`, `<!-- x --><p>{{ .Name }}</p>`, `<p {{.Name}}>`, `<a href={{.Name}}>`,
	} {
		f.Add(seed)
	}
	placeholder := regexp.MustCompile(`\{\{[^}]*\}\}`)
	markupOf := func(s string) int {
		return strings.Count(s, "<") + strings.Count(s, ">") + strings.Count(s, `"`) + strings.Count(s, "'")
	}
	f.Fuzz(func(t *testing.T, src string) {
		if src == "" {
			return // the defaults
		}
		d := data()
		d.Name, d.FirstName, d.DownloadURL = `"'<x>`, `"'<x>`, `"'<x>`
		_, _, html, err := emails.Render(emails.Nurture, leadgate.EmailTemplate{HTML: src}, d)
		if err != nil {
			if leadgate.ErrorCode(err) != leadgate.EINVALID {
				t.Fatalf("%q: %v", src, err)
			}
			return
		}
		if got, want := markupOf(content(t, html)), markupOf(placeholder.ReplaceAllString(src, "")); got != want {
			t.Fatalf("%q: the values added markup: %s", src, content(t, html))
		}
	})
}
