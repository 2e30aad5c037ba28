package richtext_test

import (
	"regexp"
	"strings"
	"testing"

	"leadgate/shared/richtext"
)

func TestHTML(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"emphasis and a link", "**Bold** and *soft*, see [the guide](https://example.com/guide).",
			`<p><strong>Bold</strong> and <em>soft</em>, see <a href="https://example.com/guide" rel="nofollow noreferrer">the guide</a>.</p>`},
		{"list", "- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"},
		{"a heading is h2 to h4", "# Big\n\n## Smaller\n\n###### Tiny", "<h2>Big</h2>\n<h2>Smaller</h2>\n<h4>Tiny</h4>"},
		{"a script tag", "Hi <script>alert(1)</script> there", "<p>Hi alert(1) there</p>"},
		{"a block of raw HTML", "<div onclick=\"alert(1)\">x</div>", ""},
		{"inline raw HTML", "a <b onmouseover=\"alert(1)\">b</b> c", "<p>a b c</p>"},
		{"a javascript: link", "[click](javascript:alert(1))", "<p>click</p>"},
		{"an encoded javascript: link", "[click](jav&#x61;script:alert(1))", "<p>click</p>"},
		{"a data: link", "[click](data:text/html;base64,PHNjcmlwdD4=)", "<p>click</p>"},
		{"an image", "![x](https://evil.example/t.png)", "<p></p>"},
		{"an autolink", "Go to https://example.com now", `<p>Go to <a href="https://example.com" rel="nofollow noreferrer">https://example.com</a> now</p>`},
		{"escaped text", "5 < 6 & \"quotes\"", "<p>5 &lt; 6 &amp; &quot;quotes&quot;</p>"},
		{"an autolink to a script", "<javascript:alert(1)>", "<p>javascript:alert(1)</p>"},
		{"an email autolink", "Write to <team@example.com>", `<p>Write to <a href="mailto:team@example.com" rel="nofollow noreferrer">team@example.com</a></p>`},
		{"a relative link", "[home](/p/other)", "<p>home</p>"},
		{"a link title", "[x](https://example.com \"Title\")", `<p><a href="https://example.com" rel="nofollow noreferrer">x</a></p>`},
		{"a link with a tab in its scheme", "[x](java\tscript:alert(1))", "<p>[x](java\tscript:alert(1))</p>"},
		{"fenced code with a language", "```js\nalert(1)\n```", "<pre><code>alert(1)\n</code></pre>"},
		{"no strikethrough", "~~old~~ new", "<p>~~old~~ new</p>"},
		{"a bare address in a sentence", "See https://example.com/guide, or (http://example.org).", `<p>See <a href="https://example.com/guide" rel="nofollow noreferrer">https://example.com/guide</a>, or (<a href="http://example.org" rel="nofollow noreferrer">http://example.org</a>).</p>`},
		{"two bare addresses", "https://a.example and https://b.example", `<p><a href="https://a.example" rel="nofollow noreferrer">https://a.example</a> and <a href="https://b.example" rel="nofollow noreferrer">https://b.example</a></p>`},
		{"an address inside a link's text", "[https://a.example](https://b.example)", `<p><a href="https://b.example" rel="nofollow noreferrer">https://a.example</a></p>`},
		{"an address glued to a word", "xhttps://a.example", "<p>xhttps://a.example</p>"},
		{"an address in code", "`https://a.example`", "<p><code>https://a.example</code></p>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := richtext.HTML(tc.in); got != tc.want {
				t.Errorf("HTML(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// Whatever the text, the output carries no script, event handler or style.
func TestHTMLNeverPassesMarkup(t *testing.T) {
	for _, in := range markupAttempts {
		checkAllowed(t, in)
	}
}

// The same rule over inputs the fuzzer derives from the attempts; `go test` runs
// the seeds, `go test -fuzz FuzzHTML ./shared/richtext` searches further.
func FuzzHTML(f *testing.F) {
	for _, in := range markupAttempts {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) { checkAllowed(t, in) })
}

var markupAttempts = []string{
	"<img src=x onerror=alert(1)>", "<a href=\"javascript:alert(1)\">x</a>", "<style>body{}</style>",
	"<iframe src=https://evil.example></iframe>", "[x](<javascript:alert(1)>)", "<svg onload=alert(1)>",
	"[x](https://example.com \"t\" onclick=alert(1))", "```\n<script>alert(1)</script>\n```",
	"<JaVaScRiPt:alert(1)>", "[x](JAVASCRIPT:alert(1))", "[x](//evil.example)", "![a](javascript:alert(1))",
	"<!-- c --><b>x</b>", "> <script>x</script>\n> quote", "- [x](vbscript:msgbox(1))\n- <i onclick=1>y</i>",
	"[x][r]\n\n[r]: javascript:alert(1)", "www.evil.example/\"onmouseover=alert(1)", "a@b.c\"onclick=x",
}

func checkAllowed(t *testing.T, in string) {
	t.Helper()
	got := strings.ToLower(richtext.HTML(in))
	for _, tag := range tagPattern.FindAllString(got, -1) {
		if attrPattern.MatchString(tag) {
			t.Errorf("HTML(%q) = %q: tag %s carries an attribute not allowed", in, got, tag)
		}
		if !allowedTag.MatchString(tag) {
			t.Errorf("HTML(%q) = %q: tag %s not allowed", in, got, tag)
		}
	}
	for _, bad := range []string{"href=\"javascript", "href=\"vbscript", "href=\"data", "href=\"//", "<!--"} {
		if strings.Contains(got, bad) {
			t.Errorf("HTML(%q) = %q contains %s", in, got, bad)
		}
	}
}

var (
	tagPattern  = regexp.MustCompile(`<[^>]*>`)
	attrPattern = regexp.MustCompile(`\s(on\w+|style|src|class|id|title)=`)
	allowedTag  = regexp.MustCompile(`^</?(p|br|strong|em|ul|ol|li|h2|h3|h4|blockquote|code|pre|hr|a)(\s|>|/)`)
)
