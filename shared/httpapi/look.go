package httpapi

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"leadgate/shared/leadgate"
)

// baseStyle is the stylesheet of every page a person is shown. A page's look adds
// its colours as custom properties after it (pageStyle); the Content-Security-Policy
// allows the one resulting stylesheet by its hash, so no other style applies: no
// style attribute, no injected <style>.
const baseStyle = `:root{color-scheme:light;--ink:#1b1f24;--muted:#4a5460;--line:#c4ccd6;--brand:#0b5cad;--bad:#b3261e;--bg:#f5f7fa}
*{box-sizing:border-box}
body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:34rem;margin:0 auto;padding:2rem 1.25rem}
main.split{max-width:64rem}
.split-grid{display:grid;gap:1.5rem;align-items:start}
@media (min-width:48rem){.split-grid{grid-template-columns:1fr 1fr}}
.card{background:#fff;border:1px solid var(--line);border-radius:12px;padding:1.5rem}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 .5rem}
h2{font-size:1.2rem;margin:1rem 0 .5rem}
p{margin:.5rem 0 1rem}
label,legend{display:block;font-weight:600;margin:1rem 0 .25rem}
fieldset{border:0;padding:0;margin:0;min-width:0}
input[type=text],input[type=email],input[type=tel],input[type=url],input[type=number],select,textarea{width:100%;font:inherit;padding:.6rem .7rem;border:1px solid #8a95a3;border-radius:8px;background:#fff;color:var(--ink)}
input:focus,textarea:focus,select:focus,button:focus,a:focus{outline:3px solid var(--brand);outline-offset:2px}
input[aria-invalid=true],textarea[aria-invalid=true],select[aria-invalid=true]{border:2px solid var(--bad)}
.error{color:var(--bad);font-size:.95rem;margin:.25rem 0 0}
.summary{border:2px solid var(--bad);border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem}
.summary h2{font-size:1.05rem;margin:0 0 .25rem;color:var(--bad)}
.consent,.choice{display:flex;gap:.6rem;align-items:flex-start;margin:.5rem 0 0;font-weight:400}
.consent{margin-top:1.25rem}
.consent input,.choice input{margin-top:.3rem;width:1.2rem;height:1.2rem;flex:none}
.cover{display:block;width:100%;height:auto;border-radius:8px;margin:0 0 1rem}
.logo{display:block;max-height:3rem;max-width:12rem;width:auto;margin:0 0 1rem}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
.rich a{overflow-wrap:anywhere}
button,.button{display:inline-block;margin-top:1.5rem;font:inherit;font-weight:600;color:#fff;background:var(--brand);border:0;border-radius:8px;padding:.75rem 1.25rem;cursor:pointer;text-decoration:none}
.muted{color:var(--muted);font-size:.95rem}
a{color:var(--brand)}
@media (max-width:30rem){main{padding:1rem .75rem}.card{padding:1.25rem 1rem}h1{font-size:1.4rem}}
`

// pageStyle is the stylesheet of a page with look: the base and the look's colours.
// The colours were checked as #rrggbb when the page was saved, and are checked again
// here, since they go into the stylesheet as they are.
func pageStyle(look leadgate.Look) string {
	var b strings.Builder
	b.WriteString(baseStyle)
	if leadgate.ValidColor(look.AccentColor) || leadgate.ValidColor(look.BackgroundColor) {
		b.WriteString(":root{")
		if leadgate.ValidColor(look.AccentColor) {
			b.WriteString("--brand:" + look.AccentColor + ";")
		}
		if leadgate.ValidColor(look.BackgroundColor) {
			b.WriteString("--bg:" + look.BackgroundColor + ";")
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// captchaOrigins are the origins a captcha provider's widget loads its script and
// frames from, as its documentation lists them for a Content-Security-Policy.
var captchaOrigins = map[leadgate.CaptchaProvider]string{
	leadgate.CaptchaTurnstile: "https://challenges.cloudflare.com",
	leadgate.CaptchaHCaptcha:  "https://hcaptcha.com https://*.hcaptcha.com",
}

// captchaScripts are the widgets' scripts.
var captchaScripts = map[leadgate.CaptchaProvider]string{
	leadgate.CaptchaTurnstile: "https://challenges.cloudflare.com/turnstile/v0/api.js",
	leadgate.CaptchaHCaptcha:  "https://js.hcaptcha.com/1/api.js",
}

// contentPolicy is the Content-Security-Policy of a page with stylesheet style: that
// stylesheet only, images over https, no script but a captcha provider's (only on a
// page that uses one), forms posting to us or over https.
func contentPolicy(style string, captcha leadgate.CaptchaProvider) string {
	sum := sha256.Sum256([]byte(style))
	styleSrc := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	p := "default-src 'none'; style-src " + styleSrc
	if origins, ok := captchaOrigins[captcha]; ok {
		// hCaptcha styles its widget from its own origin too.
		if captcha == leadgate.CaptchaHCaptcha {
			p += " " + origins
		}
		p += "; script-src " + origins + "; frame-src " + origins + "; connect-src " + origins
	}
	return p + "; img-src 'self' https: data:; form-action 'self' https:; frame-ancestors 'none'; base-uri 'none'"
}

// captchaWidgetClass is the class of the element each provider's script fills with
// its widget.
var captchaWidgetClass = map[leadgate.CaptchaProvider]string{leadgate.CaptchaTurnstile: "cf-turnstile", leadgate.CaptchaHCaptcha: "h-captcha"}
