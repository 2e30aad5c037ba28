package emails_test

import (
	"slices"
	"strings"
	"testing"

	"leadgate/shared/emails"
	"leadgate/shared/golden"
	"leadgate/shared/leadgate"
)

// The golden files under testdata/golden/ are every email as it is rendered now:
// each kind's default templates and a page's own, with everyday values, values that
// need escaping, and the least a lead may give. A change to how emails are rendered
// must leave them as they are, or change them on purpose (go test -update).

var goldenData = map[string]emails.Data{
	"everyday": {
		Name: "Ada Lovelace", PageTitle: "The lead magnet playbook", MagnetTitle: "The Lead Magnet Playbook",
		MagnetKind:     "ebook",
		DownloadURL:    "https://api.example.com/v1/downloads/Zx3vQm8LrT2nWc5yKp7dHs4fJb9gNa6E",
		ConfirmURL:     "https://api.example.com/v1/confirm/Qw8eRt5yUi2oPa7sDf4gHj9kLz3xCv6B",
		UnsubscribeURL: "https://api.example.com/v1/unsubscribe/Mn4bVc7xZa2sDf9gHj5kLq8wEr3tYu6I",
		FromName:       "The Leadgate team", LinkDays: 30,
		PostalAddress: "Leadgate Ltd, 1 Harbour Street, Bristol BS1 4AA, United Kingdom",
	},
	// Every value a person or a marketer typed, with the characters HTML escapes.
	"escaping": {
		Name: `Ada "<b>bold</b>" O'Brien & Co`, PageTitle: `Tips & "tricks" <for> you`, MagnetTitle: `Q&A: <Growth> "2026" 'edition'`,
		MagnetKind:     "check<list>",
		DownloadURL:    "https://api.example.com/v1/downloads/Zx3vQm8LrT2nWc5yKp7dHs4fJb9gNa6E?utm_source=email&utm_campaign=a\"b",
		ConfirmURL:     "https://api.example.com/v1/confirm/Qw8eRt5yUi2oPa7sDf4gHj9kLz3xCv6B?x=<1>&y='2'",
		UnsubscribeURL: "https://api.example.com/v1/unsubscribe/Mn4bVc7xZa2sDf9gHj5kLq8wEr3tYu6I?a=1&b=2",
		FromName:       `Team <script>alert("x")</script> & friends`, LinkDays: 7,
		PostalAddress: `Q&A "Ltd" <b>, 1 Main St`,
	},
	// No name, so "there"; no sender name.
	"minimal": {
		PageTitle: "Playbook", MagnetTitle: "Playbook", MagnetKind: "ebook",
		DownloadURL:    "https://api.example.com/v1/downloads/Zx3vQm8LrT2nWc5yKp7dHs4fJb9gNa6E",
		ConfirmURL:     "https://api.example.com/v1/confirm/Qw8eRt5yUi2oPa7sDf4gHj9kLz3xCv6B",
		UnsubscribeURL: "https://api.example.com/v1/unsubscribe/Mn4bVc7xZa2sDf9gHj5kLq8wEr3tYu6I",
		LinkDays:       1,
	},
}

var goldenKinds = []string{emails.Delivery, emails.Confirmation, emails.Reminder, emails.Nurture}

func TestGoldenDefaults(t *testing.T) {
	for _, kind := range goldenKinds {
		for _, name := range []string{"everyday", "escaping", "minimal"} {
			t.Run(kind+"/"+name, func(t *testing.T) {
				checkGolden(t, kind+"-"+name, kind, leadgate.EmailTemplate{}, goldenData[name])
			})
		}
	}
}

// A page's own texts: text only (its HTML part made of the text's paragraphs), all
// three parts with values in text and in attributes, and every field in each HTML
// context a placeholder may sit in.
func TestGoldenPageTemplates(t *testing.T) {
	cases := []struct {
		name string
		tmpl leadgate.EmailTemplate
	}{
		{"own-text", leadgate.EmailTemplate{
			Subject: "Day 2: {{.MagnetTitle}} in practice, {{.FirstName}}",
			Text: "Hello {{.FirstName}},\n\nThree ideas from {{.MagnetTitle}} & one <tip>.\nA second line.\n\n\n" +
				"Read it again: {{.DownloadURL}}\n\n{{ .FromName }}",
		}},
		{"own-html", leadgate.EmailTemplate{
			Subject: "{{.PageTitle}}: your next step",
			Text:    "Hi {{.FirstName}}, your next step: {{.DownloadURL}}",
			HTML: `<h1 title="{{.MagnetTitle}}">{{.PageTitle}}</h1>` + "\n" +
				`<p>Hi {{.FirstName}}, we know you as {{ .Name }}.</p>` + "\n" +
				`<p><a href="{{.DownloadURL}}" title="Download {{.MagnetTitle}}">Get {{.MagnetKind}}</a> within {{.LinkDays}} days.</p>` + "\n",
		}},
		{"own-contexts", leadgate.EmailTemplate{
			Subject: "{{.FirstName}} {{.Name}} {{.PageTitle}} {{.MagnetTitle}} {{.MagnetKind}} {{.FromName}} {{.LinkDays}}",
			Text: "{{.FirstName}} {{.Name}} {{.PageTitle}} {{.MagnetTitle}} {{.MagnetKind}} {{.FromName}} {{.LinkDays}}\n" +
				"{{.DownloadURL}} {{.ConfirmURL}} {{.UnsubscribeURL}}",
			HTML: contextsHTML,
		}},
	}
	for _, tc := range cases {
		for _, name := range []string{"everyday", "escaping"} {
			if tc.name == "own-contexts" && name == "everyday" {
				continue // the escaping values tell more
			}
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				checkGolden(t, tc.name+"-"+name, emails.Nurture, tc.tmpl, goldenData[name])
			})
		}
	}
}

// contextsHTML puts every field in text, in <title> and <textarea>, in a quoted
// attribute, at the start of a URL attribute, after its path and in its query.
var contextsHTML = func() string {
	fields := []string{"FirstName", "Name", "PageTitle", "MagnetTitle", "MagnetKind", "DownloadURL", "ConfirmURL", "UnsubscribeURL", "FromName", "LinkDays"}
	var b strings.Builder
	for _, f := range fields {
		p := "{{." + f + "}}"
		b.WriteString("<p>" + f + ": " + p + "</p>\n")
		b.WriteString("<title>" + p + "</title><textarea>" + p + "</textarea>\n")
		b.WriteString(`<img alt="` + p + `" title='` + p + `'>` + "\n")
		b.WriteString(`<a href="` + p + `" data-url=' ` + p + `'>start</a>` + "\n")
		b.WriteString(`<a href="https://example.com/to/` + p + `">path</a>` + "\n")
		b.WriteString(`<a href="https://example.com/?next=` + p + `&amp;x=1#` + p + `">query</a>` + "\n")
	}
	return b.String()
}()

// TestPageTemplatesOfOldFormsAreRefused: the conditions the golden page templates
// once had are refused, with a message that lists the placeholders.
func TestPageTemplatesOfOldFormsAreRefused(t *testing.T) {
	for _, src := range []string{
		"{{with .FromName}}{{.}}{{else}}The team{{end}}",
		"{{if .Name}}we know you as {{.Name}}{{else}}welcome{{end}}",
	} {
		for _, tmpl := range []leadgate.EmailTemplate{{Subject: src}, {Text: src}, {HTML: "<p>" + src + "</p>"}} {
			_, _, _, err := emails.Render(emails.Nurture, tmpl, goldenData["everyday"])
			msg := leadgate.ErrorMessage(err)
			if leadgate.ErrorCode(err) != leadgate.EINVALID || !strings.Contains(msg, "is not a placeholder") ||
				!strings.Contains(msg, "{{.FirstName}}") || !strings.Contains(msg, "{{.LinkDays}}") {
				t.Errorf("%+v: %v, want EINVALID listing the placeholders", tmpl, err)
			}
		}
	}
}

// checkGolden renders an email and compares its subject, text and HTML with the
// golden files <file>.subject, <file>.txt and <file>.html.
func checkGolden(t *testing.T, file, kind string, tmpl leadgate.EmailTemplate, d emails.Data) {
	t.Helper()
	subject, text, html, err := emails.Render(kind, tmpl, d)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	golden.Check(t, file+".subject", []byte(subject+"\n"))
	golden.Check(t, file+".txt", []byte(text))
	golden.Check(t, file+".html", []byte(html))
}

// TestGoldenCoversEveryKind guards the goldens' purpose: every kind of email
// renders its defaults into one of them.
func TestGoldenCoversEveryKind(t *testing.T) {
	for _, kind := range emails.Kinds {
		if !slices.Contains(goldenKinds, kind) {
			t.Errorf("the %s email is of no kind the golden tests render: add it to goldenKinds", kind)
		}
	}
}
