package emails

import (
	"fmt"

	"leadgate/shared/leadgate"
)

// sampleData is what CheckTemplates renders with: every value set, as a real send
// would have them, so that a template that works here works when it is sent.
func sampleData(page leadgate.Page) Data {
	from := page.FollowUp.FromName
	if from == "" {
		from = "Leadgate"
	}
	return Data{
		Name: "Ada Lovelace", PageTitle: page.Title, MagnetTitle: "The sample magnet", MagnetKind: "ebook",
		DownloadURL:    "https://api.example.com/v1/downloads/sample-token",
		ConfirmURL:     "https://api.example.com/v1/confirm/sample-token",
		UnsubscribeURL: "https://api.example.com/v1/unsubscribe/sample-token",
		FromName:       from, LinkDays: int(page.DownloadLinkTTL().Hours() / 24),
		Locale: page.PageLocale(), PostalAddress: page.FollowUp.PostalAddress,
	}
}

// CheckTemplates renders every text the page gives (delivery, confirmation,
// reminder and each nurture step; subject, text and HTML each on its own) with
// sample data, so that a text that cannot be sent is refused when the page is
// saved rather than failing its sends: anything between "{{" and "}}" that is not
// one of the placeholders of Data, a placeholder where HTML has no safe place for
// a value (see htmlScanner), HTML that does not end in text, a subject on several
// lines. It returns EINVALID with one field error per refused part, named like
// follow_up.delivery.subject or follow_up.nurture[1].html, whose message says why
// and which placeholders there are.
func CheckTemplates(page leadgate.Page) error {
	d := sampleData(page)
	var errs []leadgate.FieldError
	check := func(field, what, kind string, t leadgate.EmailTemplate) {
		parts := []struct {
			name, src string
			one       leadgate.EmailTemplate
		}{
			{"subject", t.Subject, leadgate.EmailTemplate{Subject: t.Subject}},
			{"text", t.Text, leadgate.EmailTemplate{Text: t.Text}},
			{"html", t.HTML, leadgate.EmailTemplate{HTML: t.HTML}},
		}
		for _, p := range parts {
			if p.src == "" {
				continue
			}
			// One part at a time, the others from the defaults (which render), so
			// that the error names the part at fault.
			if _, _, _, err := Render(kind, p.one, d); err != nil {
				errs = append(errs, leadgate.FieldError{Field: field + "." + p.name, Code: "invalid",
					Message: fmt.Sprintf("the %s of %s does not render: %s", p.name, what, leadgate.ErrorMessage(err))})
			}
		}
	}
	f := page.FollowUp
	check("follow_up.delivery", "the delivery email", Delivery, f.Delivery)
	check("follow_up.confirmation", "the confirmation email", Confirmation, f.Confirmation)
	check("follow_up.reminder", "the reminder", Reminder, f.Reminder)
	for i, s := range f.Nurture {
		check(fmt.Sprintf("follow_up.nurture[%d]", i), "nurture step "+s.ID, Nurture, s.EmailTemplate)
	}
	if len(errs) > 0 {
		return &leadgate.Error{Code: leadgate.EINVALID, Message: "some email templates do not render", Fields: errs}
	}
	return nil
}
