package markup_test

import (
	"html/template"
	"strings"
	"testing"

	"leadgate/shared/markup"
)

// hostile are values that try to leave their context.
var hostile = []string{
	"", "plain", "Ada Lovelace", `"><script>alert(1)</script>`, `' onmouseover='x`, "a+b", "a&amp;b",
	"\x00nul", "javascript:alert(1)", "JavaScript:alert(1)", " javascript:x", "data:text/html,<b>",
	"vbscript:x", "/relative/path?q=1&r=2#frag", "https://example.com/a b?c=d&e=<f>", "mailto:ada@example.com",
	"http://example.com/%zz%41", "//evil.example/x", "#f-email", "ünïcödé ✓", "\xff\xfe broken utf-8",
	"line\nbreak\ttab", "a:b/c", "/x:y", "https://ex.com/(paren)'quote'", "%", "%4", "%41",
	"\ufdd0 nonchar \uffff", "<!-- comment -->", "]]>", "{{.}}",
}

// TestEscapingMatchesHTMLTemplate renders every hostile value with html/template in
// each context the writer offers and checks the writer gives the same bytes.
func TestEscapingMatchesHTMLTemplate(t *testing.T) {
	contexts := []struct {
		name  string
		tmpl  string
		write func(w *markup.Writer, s string)
		raw   [2]string
	}{
		{"text", `<p>{{.}}</p>`, (*markup.Writer).Text, [2]string{"<p>", "</p>"}},
		{"title", `<title>{{.}}</title>`, (*markup.Writer).Text, [2]string{"<title>", "</title>"}},
		{"textarea", `<textarea>{{.}}</textarea>`, (*markup.Writer).Text, [2]string{"<textarea>", "</textarea>"}},
		{"attribute", `<input value="{{.}}">`, (*markup.Writer).Attr, [2]string{`<input value="`, `">`}},
		{"href", `<a href="{{.}}">x</a>`, (*markup.Writer).URL, [2]string{`<a href="`, `">x</a>`}},
		{"src", `<img src="{{.}}">`, (*markup.Writer).URL, [2]string{`<img src="`, `">`}},
		{"action", `<form action="{{.}}"></form>`, (*markup.Writer).URL, [2]string{`<form action="`, `"></form>`}},
		{"fragment", `<a href="#f-{{.}}">x</a>`, (*markup.Writer).URLPart, [2]string{`<a href="#f-`, `">x</a>`}},
		{"query", `<a href="/p?x={{.}}">x</a>`, (*markup.Writer).URLPart, [2]string{`<a href="/p?x=`, `">x</a>`}},
	}
	for _, c := range contexts {
		tmpl := template.Must(template.New(c.name).Parse(c.tmpl))
		for _, v := range hostile {
			var want strings.Builder
			if err := tmpl.Execute(&want, v); err != nil {
				t.Fatal(err)
			}
			var w markup.Writer
			w.Raw(c.raw[0])
			c.write(&w, v)
			w.Raw(c.raw[1])
			if got := w.String(); got != want.String() {
				t.Errorf("%s of %q:\n got %s\nwant %s", c.name, v, got, want.String())
			}
		}
	}
}

func FuzzTextMatchesHTMLTemplate(f *testing.F) {
	for _, v := range hostile {
		f.Add(v)
	}
	text := template.Must(template.New("t").Parse(`<p title="{{.}}">{{.}}</p><a href="{{.}}">x</a>`))
	f.Fuzz(func(t *testing.T, v string) {
		var want strings.Builder
		if err := text.Execute(&want, v); err != nil {
			t.Skip()
		}
		var w markup.Writer
		w.Raw(`<p title="`)
		w.Attr(v)
		w.Raw(`">`)
		w.Text(v)
		w.Raw(`</p><a href="`)
		w.URL(v)
		w.Raw(`">x</a>`)
		if w.String() != want.String() {
			t.Fatalf("got %s, want %s", w.String(), want.String())
		}
	})
}
