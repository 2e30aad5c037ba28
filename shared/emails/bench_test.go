package emails_test

import (
	"testing"

	"leadgate/shared/emails"
	"leadgate/shared/leadgate"
)

// BenchmarkRenderDelivery renders a delivery email as a send does: from the
// defaults, and from a page's own subject, text and HTML.
func BenchmarkRenderDelivery(b *testing.B) {
	own := leadgate.EmailTemplate{
		Subject: "Your copy of {{.MagnetTitle}}, {{.FirstName}}",
		Text:    "Hi {{.FirstName}},\n\nHere is {{.MagnetTitle}}: {{.DownloadURL}}\n\nThe link works for {{.LinkDays}} days.\n\n{{.FromName}}",
		HTML: `<h1 title="{{.MagnetTitle}}">{{.PageTitle}}</h1>` + "\n" +
			`<p>Hi {{.FirstName}},</p>` + "\n" +
			`<p><a href="{{.DownloadURL}}" title="Download {{.MagnetTitle}}">Get your {{.MagnetKind}}</a> within {{.LinkDays}} days.</p>` + "\n" +
			`<p>{{.FromName}}</p>` + "\n",
	}
	for _, bc := range []struct {
		name string
		t    leadgate.EmailTemplate
	}{{"default", leadgate.EmailTemplate{}}, {"custom", own}} {
		b.Run(bc.name, func(b *testing.B) {
			d := goldenData["everyday"]
			b.ReportAllocs()
			for b.Loop() {
				if _, _, _, err := emails.Render(emails.Delivery, bc.t, d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
