package console

import (
	"net/mail"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// signInEmail is the email that carries a sign-in link: a text and an HTML part,
// tagged so that delivery events say what it was. It has no unsubscribe link: it is
// sent only when asked for.
func (c *Console) signInEmail(to, linkURL string) leadgate.Message {
	text := "Hello,\n\n" + emailIntro + "\n\n" + emailButton + ": " + linkURL + "\n\n" + emailIgnore + "\n\n" + c.cfg.FromName + "\n"
	var m markup.Writer
	writeEmailHTML(&m, linkURL, c.cfg.FromName)
	return leadgate.Message{
		From: (&mail.Address{Name: c.cfg.FromName, Address: c.cfg.From}).String(), To: to,
		Subject: emailSubject, Text: text, HTML: m.String(),
		Tags: map[string]string{"kind": "console-sign-in"},
	}
}

// writeEmailHTML writes the HTML part of the sign-in email: styles inline, as mail
// clients want them, and the link in full below its button for clients that show
// no buttons.
func writeEmailHTML(m *markup.Writer, linkURL, fromName string) {
	const font = "font:16px/1.55 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1b1f24;"
	m.Raw(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>` + emailSubject + `</title>
</head>
<body style="margin:0;padding:0;background:#f5f7fa;">
<div role="article" aria-roledescription="email" aria-label="` + emailSubject + `" lang="en" style="background:#f5f7fa;padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;margin:0 auto;background:#ffffff;border:1px solid #c4ccd6;border-radius:12px;">
<tr><td style="padding:28px;` + font + `">
<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;">Sign in to the ` + consoleName + `</h1>
<p style="margin:0 0 16px;">`)
	m.Text(emailIntro)
	m.Raw(`</p>
<p style="margin:0 0 24px;"><a href="`)
	m.URL(linkURL)
	m.Raw(`" style="display:inline-block;background:#0b5cad;color:#ffffff;font-weight:600;text-decoration:none;padding:12px 20px;border-radius:8px;">` + emailButton + `</a></p>
<p style="margin:0 0 16px;font-size:14px;color:#4a5460;">Or open this address: <a href="`)
	m.URL(linkURL)
	m.Raw(`" style="color:#0b5cad;word-break:break-all;">`)
	m.Text(linkURL)
	m.Raw(`</a></p>
<p style="margin:0 0 16px;font-size:14px;color:#4a5460;">` + emailIgnore + `</p>
<p style="margin:0;">`)
	m.Text(fromName)
	m.Raw(`</p>
</td></tr>
</table>
</div>
</body>
</html>
`)
}
