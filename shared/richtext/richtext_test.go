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
		{"a heading starts at h2", "# Big\n\n## Smaller", "Big\n<h2>Smaller</h2>"},
		{"a script tag", "Hi <script>alert(1)</script> there", "<p>Hi alert(1) there</p>"},
		{"a block of raw HTML", "<div onclick=\"alert(1)\">x</div>", ""},
		{"inline raw HTML", "a <b onmouseover=\"alert(1)\">b</b> c", "<p>a b c</p>"},
		{"a javascript: link", "[click](javascript:alert(1))", "<p>click</p>"},
		{"an encoded javascript: link", "[click](jav&#x61;script:alert(1))", "<p>click</p>"},
		{"a data: link", "[click](data:text/html;base64,PHNjcmlwdD4=)", "<p>click</p>"},
		{"an image", "![x](https://evil.example/t.png)", "<p></p>"},
		{"an autolink", "Go to https://example.com now", `<p>Go to <a href="https://example.com" rel="nofollow noreferrer">https://example.com</a> now</p>`},
		{"escaped text", "5 < 6 & \"quotes\"", "<p>5 &lt; 6 &amp; &#34;quotes&#34;</p>"},
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
	for _, in := range []string{
		"<img src=x onerror=alert(1)>", "<a href=\"javascript:alert(1)\">x</a>", "<style>body{}</style>",
		"<iframe src=https://evil.example></iframe>", "[x](<javascript:alert(1)>)", "<svg onload=alert(1)>",
		"[x](https://example.com \"t\" onclick=alert(1))", "```\n<script>alert(1)</script>\n```",
	} {
		got := strings.ToLower(richtext.HTML(in))
		for _, tag := range tagPattern.FindAllString(got, -1) {
			if attrPattern.MatchString(tag) {
				t.Errorf("HTML(%q) = %q: tag %s carries an attribute not allowed", in, got, tag)
			}
			if !allowedTag.MatchString(tag) {
				t.Errorf("HTML(%q) = %q: tag %s not allowed", in, got, tag)
			}
		}
		if strings.Contains(got, "href=\"javascript") {
			t.Errorf("HTML(%q) = %q links to a script", in, got)
		}
	}
}

var (
	tagPattern  = regexp.MustCompile(`<[^>]*>`)
	attrPattern = regexp.MustCompile(`\s(on\w+|style|src)=`)
	allowedTag  = regexp.MustCompile(`^</?(p|br|strong|em|del|ul|ol|li|h2|h3|h4|blockquote|code|pre|hr|a)(\s|>|/)`)
)
