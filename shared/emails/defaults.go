package emails

import (
	"strconv"

	"leadgate/shared/markup"
)

// The default emails of each kind and the layout around every HTML part, written
// as Go code: nothing is parsed when an email is sent. Subjects and text take the
// values as they are (mail text has no markup); HTML escapes them through
// markup.Writer. The golden files under testdata/golden/ hold what they render.

// Styles of the default emails' HTML, inline because mail clients drop <style>.
const (
	openH1     = `<h1 style="font-size:22px;line-height:1.3;margin:0 0 16px;">`
	openP      = `<p style="margin:0 0 16px;">`
	openPLead  = `<p style="margin:0 0 24px;">`
	openPNote  = `<p style="margin:0 0 16px;font-size:15px;color:#4a5460;">`
	openButton = `<p style="margin:0 0 24px;"><a href="`
	endButton  = `" style="display:inline-block;background:#0b5cad;color:#ffffff;font-weight:600;text-decoration:none;padding:12px 20px;border-radius:8px;">`
)

// defaultSubject is the subject of kind, before it is trimmed.
func defaultSubject(kind string, d *Data) string {
	switch kind {
	case Delivery:
		return "Your copy of " + d.MagnetTitle
	case Confirmation:
		return "Confirm your address to get " + d.MagnetTitle
	case Reminder:
		return "Still want " + d.MagnetTitle + "? One click left"
	case Nurture:
		return "More on " + d.MagnetTitle
	}
	return ""
}

// defaultText is the text of kind, before it is trimmed and the footer added.
func defaultText(kind string, d *Data) string {
	hi := "Hi " + d.FirstName + ",\n\n"
	signature := "\n\n" + d.FromName + "\n"
	switch kind {
	case Delivery:
		return hi + deliveryIntro(d) + "\n\n" +
			d.DownloadURL + "\n\n" +
			"The link works for " + strconv.Itoa(d.LinkDays) + " days; after that, submit the form again for a new one." + signature
	case Confirmation:
		return hi + "Please confirm your email address, and " + d.MagnetTitle + " is yours:\n\n" +
			d.ConfirmURL + "\n\n" +
			"If you did not ask for it, ignore this email: nothing more will come." + signature
	case Reminder:
		return hi + "You asked for " + d.MagnetTitle + " but have not confirmed your address yet. Confirm it here and the download is yours:\n\n" +
			d.ConfirmURL + "\n\n" +
			"This is the only reminder we send." + signature
	case Nurture:
		return hi + "We hope " + d.MagnetTitle + " has been useful. Reply to this email with any question: a person reads every answer." + signature
	}
	return ""
}

// writeDefaultHTML writes the HTML content of kind, for the layout.
func writeDefaultHTML(w *markup.Writer, kind string, d *Data) {
	switch kind {
	case Delivery:
		w.Raw(openH1 + "Your copy of ")
		w.Text(d.MagnetTitle)
		w.Raw("</h1>\n")
		writeGreeting(w, d)
		w.Raw(openPLead + "Thank you for your interest. Your ")
		w.Text(d.MagnetKind)
		w.Raw(" is ready:</p>\n")
		w.Raw(openButton)
		w.URL(d.DownloadURL)
		w.Raw(endButton)
		w.Text(deliveryButton(d))
		w.Raw("</a></p>\n")
		w.Raw(openPNote + "The link works for ")
		w.Int(d.LinkDays)
		w.Raw(" days; after that, submit the form again for a new one.</p>\n")
	case Confirmation:
		w.Raw(openH1 + "One click to get ")
		w.Text(d.MagnetTitle)
		w.Raw("</h1>\n")
		writeGreeting(w, d)
		w.Raw(openPLead + "Please confirm your email address, and ")
		w.Text(d.MagnetTitle)
		w.Raw(" is yours.</p>\n")
		writeConfirmButton(w, d)
		w.Raw(openPNote + "If you did not ask for it, ignore this email: nothing more will come.</p>\n")
	case Reminder:
		w.Raw(openH1 + "Still want ")
		w.Text(d.MagnetTitle)
		w.Raw("?</h1>\n")
		writeGreeting(w, d)
		w.Raw(openPLead + "You asked for ")
		w.Text(d.MagnetTitle)
		w.Raw(" but have not confirmed your address yet.</p>\n")
		writeConfirmButton(w, d)
		w.Raw(openPNote + "This is the only reminder we send.</p>\n")
	case Nurture:
		writeGreeting(w, d)
		w.Raw(openP + "We hope ")
		w.Text(d.MagnetTitle)
		w.Raw(" has been useful. Reply to this email with any question: a person reads every answer.</p>\n")
	}
	if d.FromName != "" {
		w.Raw(`<p style="margin:0 0 8px;">`)
		w.Text(d.FromName)
		w.Raw("</p>")
	}
	w.Raw("\n")
}

func writeGreeting(w *markup.Writer, d *Data) {
	w.Raw(openP + "Hi ")
	w.Text(d.FirstName)
	w.Raw(",</p>\n")
}

func writeConfirmButton(w *markup.Writer, d *Data) {
	w.Raw(openButton)
	w.URL(d.ConfirmURL)
	w.Raw(endButton + "Confirm my address</a></p>\n")
}

// writeLayout writes the document around an email's content: the subject as its
// title, and the footer with the reason for the email and the unsubscribe link.
func writeLayout(w *markup.Writer, subject string, d *Data, content func(*markup.Writer)) {
	w.Raw(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>`)
	w.Text(subject)
	w.Raw(`</title>
</head>
<body style="margin:0;padding:0;background:#f5f7fa;">
<div role="article" aria-roledescription="email" aria-label="`)
	w.Attr(subject)
	w.Raw(`" lang="en" style="background:#f5f7fa;padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;margin:0 auto;background:#ffffff;border:1px solid #c4ccd6;border-radius:12px;">
<tr><td style="padding:28px 28px 8px;font:17px/1.55 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1b1f24;">
`)
	content(w)
	w.Raw(`
</td></tr>
<tr><td style="padding:8px 28px 28px;font:14px/1.5 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#4a5460;border-top:1px solid #e1e6ec;">
<p style="margin:16px 0 0;">You get this email because you asked for `)
	w.Text(d.MagnetTitle)
	w.Raw(" on ")
	w.Text(d.PageTitle)
	w.Raw(`.
<a href="`)
	w.URL(d.UnsubscribeURL)
	w.Raw(`" style="color:#0b5cad;">Unsubscribe with one click</a>.</p>
</td></tr>
</table>
</div>
</body>
</html>
`)
}
