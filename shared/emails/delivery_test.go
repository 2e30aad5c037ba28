package emails_test

import (
	"strings"
	"testing"

	"leadgate/shared/emails"
	"leadgate/shared/leadgate"
)

// The default delivery email says what the link gives, by the magnet's kind; a
// file's stays as it always was.
func TestDeliveryFitsKind(t *testing.T) {
	for _, tc := range []struct {
		kind         leadgate.Delivery
		intro, label string
	}{
		{"", "Here is your copy of The guide:", "Download The guide</a>"},
		{leadgate.DeliveryFile, "Here is your copy of The guide:", "Download The guide</a>"},
		{leadgate.DeliveryBundle, "Here are your files of The guide:", "Open your files</a>"},
		{leadgate.DeliveryLink, "Here is your link to The guide:", "Open The guide</a>"},
		{leadgate.DeliveryCoupon, "Your code for The guide is behind this link:", "Show my code</a>"},
		{leadgate.DeliveryTrial, "Start The guide here:", "Start my trial</a>"},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			d := emails.Data{Name: "Ada", MagnetTitle: "The guide", MagnetKind: "guide", DownloadURL: "https://api.example/v1/downloads/x",
				UnsubscribeURL: "https://api.example/v1/unsubscribe/y", FromName: "Team", LinkDays: 30, Delivery: tc.kind}
			_, text, html, err := emails.Render(emails.Delivery, leadgate.EmailTemplate{}, d)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text, tc.intro+"\n\nhttps://api.example/v1/downloads/x") || !strings.Contains(html, tc.label) {
				t.Fatalf("text %q\nhtml %q\nwant %q and %q", text, html, tc.intro, tc.label)
			}
		})
	}
}
