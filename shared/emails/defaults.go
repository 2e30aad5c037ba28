package emails

import (
	"fmt"
	"strings"

	"leadgate/shared/leadgate"
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

// say is the catalogue's words id in the email's locale, its verbs filled with args.
func (d *Data) say(id leadgate.NoticeID, args ...any) string {
	words := leadgate.CatalogueFor(d.Locale).Label(id)
	if len(args) == 0 {
		return words
	}
	return fmt.Sprintf(words, args...)
}

// writeSay writes the catalogue's words id with its %s verbs filled with values,
// each escaped: the words are the catalogue's, the values a marketer's or a lead's.
func writeSay(w *markup.Writer, d *Data, id leadgate.NoticeID, values ...string) {
	words := leadgate.CatalogueFor(d.Locale).Label(id)
	for _, v := range values {
		before, after, ok := strings.Cut(words, "%s")
		if !ok {
			break
		}
		w.Text(before)
		w.Text(v)
		words = after
	}
	w.Text(words)
}

// defaultSubject is the subject of kind, before it is trimmed.
func defaultSubject(kind string, d *Data) string {
	switch kind {
	case Delivery:
		return d.say(leadgate.MailSubjectDelivery, d.MagnetTitle)
	case Confirmation:
		return d.say(leadgate.MailSubjectConfirm, d.MagnetTitle)
	case Reminder:
		return d.say(leadgate.MailSubjectReminder, d.MagnetTitle)
	case Nurture:
		return d.say(leadgate.MailSubjectNurture, d.MagnetTitle)
	}
	return ""
}

// greeting is the default emails' first line: by the lead's first name, if known.
func greeting(d *Data) string {
	if !d.named {
		return d.say(leadgate.MailGreetingNoName)
	}
	return d.say(leadgate.MailGreeting, d.FirstName)
}

// defaultText is the text of kind, before it is trimmed and the footer added.
func defaultText(kind string, d *Data) string {
	hi := greeting(d) + "\n\n"
	signature := "\n\n" + d.FromName + "\n"
	switch kind {
	case Delivery:
		return hi + deliveryIntro(d) + "\n\n" +
			d.DownloadURL + "\n\n" +
			d.say(leadgate.MailLinkDays, d.LinkDays) + signature
	case Confirmation:
		return hi + d.say(leadgate.MailConfirmAsk, d.MagnetTitle) + "\n\n" +
			d.ConfirmURL + "\n\n" +
			d.say(leadgate.MailConfirmIgnore) + signature
	case Reminder:
		return hi + d.say(leadgate.MailReminder, d.MagnetTitle) + " " + d.say(leadgate.MailReminderLink) + "\n\n" +
			d.ConfirmURL + "\n\n" +
			d.say(leadgate.MailReminderOnly) + signature
	case Nurture:
		return hi + d.say(leadgate.MailNurture, d.MagnetTitle) + signature
	}
	return ""
}

// writeDefaultHTML writes the HTML content of kind, for the layout.
func writeDefaultHTML(w *markup.Writer, kind string, d *Data) {
	switch kind {
	case Delivery:
		w.Raw(openH1)
		writeSay(w, d, leadgate.MailSubjectDelivery, d.MagnetTitle)
		w.Raw("</h1>\n")
		writeGreeting(w, d)
		w.Raw(openPLead)
		w.Text(deliveryIntro(d))
		w.Raw("</p>\n")
		w.Raw(openButton)
		w.URL(d.DownloadURL)
		w.Raw(endButton)
		w.Text(deliveryButton(d))
		w.Raw("</a></p>\n")
		w.Raw(openPNote)
		w.Text(d.say(leadgate.MailLinkDays, d.LinkDays))
		w.Raw("</p>\n")
	case Confirmation:
		w.Raw(openH1)
		writeSay(w, d, leadgate.MailHeadingConfirm, d.MagnetTitle)
		w.Raw("</h1>\n")
		writeGreeting(w, d)
		w.Raw(openPLead)
		writeSay(w, d, leadgate.MailConfirmAsk, d.MagnetTitle)
		w.Raw("</p>\n")
		writeConfirmButton(w, d)
		w.Raw(openPNote)
		writeSay(w, d, leadgate.MailConfirmIgnore)
		w.Raw("</p>\n")
	case Reminder:
		w.Raw(openH1)
		writeSay(w, d, leadgate.MailHeadingReminder, d.MagnetTitle)
		w.Raw("</h1>\n")
		writeGreeting(w, d)
		w.Raw(openPLead)
		writeSay(w, d, leadgate.MailReminder, d.MagnetTitle)
		w.Raw("</p>\n")
		writeConfirmButton(w, d)
		w.Raw(openPNote)
		writeSay(w, d, leadgate.MailReminderOnly)
		w.Raw("</p>\n")
	case Nurture:
		writeGreeting(w, d)
		w.Raw(openP)
		writeSay(w, d, leadgate.MailNurture, d.MagnetTitle)
		w.Raw("</p>\n")
	}
	if d.FromName != "" {
		w.Raw(`<p style="margin:0 0 8px;">`)
		w.Text(d.FromName)
		w.Raw("</p>")
	}
	w.Raw("\n")
}

func writeGreeting(w *markup.Writer, d *Data) {
	w.Raw(openP)
	w.Text(greeting(d))
	w.Raw("</p>\n")
}

func writeConfirmButton(w *markup.Writer, d *Data) {
	w.Raw(openButton)
	w.URL(d.ConfirmURL)
	w.Raw(endButton)
	w.Text(d.say(leadgate.MailConfirmButton))
	w.Raw("</a></p>\n")
}

// footerReason is the footer's sentence that says why the email came: the magnet
// asked for, and the page it was asked for on unless the two share their title.
func footerReason(d *Data) (leadgate.NoticeID, []string) {
	if d.PageTitle == "" || strings.EqualFold(strings.TrimSpace(d.PageTitle), strings.TrimSpace(d.MagnetTitle)) {
		return leadgate.MailFooter, []string{d.MagnetTitle}
	}
	return leadgate.MailFooterPage, []string{d.MagnetTitle, d.PageTitle}
}

// writeLayout writes the document around an email's content: the subject as its
// title, and the footer with the reason for the email and the unsubscribe link.
func writeLayout(w *markup.Writer, subject string, d *Data, content func(*markup.Writer)) {
	w.Raw(`<!doctype html>
<html lang="`)
	w.Attr(d.lang())
	w.Raw(`">
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
	w.Raw(`" lang="`)
	w.Attr(d.lang())
	w.Raw(`" style="background:#f5f7fa;padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;margin:0 auto;background:#ffffff;border:1px solid #c4ccd6;border-radius:12px;">
<tr><td style="padding:28px 28px 8px;font:17px/1.55 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1b1f24;">
`)
	content(w)
	w.Raw(`
</td></tr>
<tr><td style="padding:8px 28px 28px;font:14px/1.5 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#4a5460;border-top:1px solid #e1e6ec;">
<p style="margin:16px 0 0;">`)
	id, values := footerReason(d)
	writeSay(w, d, id, values...)
	w.Raw(`
<a href="`)
	w.URL(d.UnsubscribeURL)
	w.Raw(`" style="color:#0b5cad;">`)
	w.Text(d.say(leadgate.MailUnsubscribe))
	w.Raw(`</a>.</p>
`)
	if d.PostalAddress != "" {
		w.Raw(`<p style="margin:8px 0 0;">`)
		writeSay(w, d, leadgate.MailPostalAddress, d.PostalAddress)
		w.Raw(`</p>
`)
	}
	w.Raw(`</td></tr>
</table>
</div>
</body>
</html>
`)
}
