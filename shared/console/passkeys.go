package console

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"leadgate/shared/httpapi"
	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// Passkeys in the console. A signed-in user registers passkeys on the passkeys
// page and signs in with one on the sign-in page; the ceremonies run in the
// browser (passkeys.js) against POST routes that answer JSON. Between a
// ceremony's begin and finish, the browser holds only the token of its stored
// challenge, in a cookie of its own. The relying party is the configured BaseURL:
// where that cannot carry passkeys (an IP address, http other than localhost), the
// passkeys page says why and the sign-in page offers links only.

//go:embed assets/passkeys.js
var passkeysScript string

// passkeysScriptURL names the script with a hash of its text, so that it may be
// cached for long and a changed one is fetched anew.
var passkeysScriptURL = func() string {
	sum := sha256.Sum256([]byte(passkeysScript))
	return PasskeysScriptPath + "?v=" + hex.EncodeToString(sum[:6])
}()

// ceremonyCookie holds the token of a begun passkey ceremony: strict, as it is
// only ever sent by the console's own script.
const ceremonyCookie = "leadgate_passkey"

// passkeysStyle is the passkey pages' part of the stylesheet.
const passkeysStyle = `[hidden]{display:none!important}
input[type=text]{width:100%;font:inherit;padding:.6rem .7rem;border:1px solid #8a95a3;border-radius:8px;background:#fff;color:var(--ink)}
.secondary{color:var(--brand);background:#fff;border:2px solid var(--brand)}
.passkeys form{margin:0}
.table.passkeys{margin:0 0 1.5rem}
.or{margin:1.25rem 0 0;color:var(--muted)}
`

// The passkey pages' words.
const (
	passkeysTitle       = "Passkeys"
	passkeysIntro       = "A passkey signs you in to the console with this device's screen lock or a security key, without waiting for an email."
	passkeysNone        = "You have no passkey yet."
	passkeysNeedScript  = "Adding a passkey needs JavaScript, which is off or blocked in this browser. Signing in with an email link still works."
	passkeysAddTitle    = "Add a passkey"
	passkeysNameLabel   = "Name (optional)"
	passkeysNameHint    = "Say where it lives, such as Work laptop."
	passkeysAddButton   = "Add a passkey"
	passkeysUnavailable = "Passkeys cannot be used at this console's address"
	passkeySignInButton = "Sign in with a passkey"
	passkeySignInNoJS   = "Signing in with a passkey needs JavaScript; the email link works without it."
)

var noticePasskeyUnknown = notice{Title: "Passkey not found",
	Message:  "This passkey is not registered to you (it may have been removed already). Nothing was changed.",
	LinkText: passkeysTitle, LinkPath: PasskeysPath}

// passkeysView is the passkeys page.
type passkeysView struct {
	// Unavailable says why passkeys cannot be used here; "" when they can.
	Unavailable string
	Keys        []leadgate.Passkey
	CSRF        string
}

// passkeysPage lists the user's passkeys, with the form that adds one.
func (c *Console) passkeysPage(w http.ResponseWriter, r *http.Request, s signedIn) {
	v := passkeysView{CSRF: s.CSRF, Unavailable: c.passkeysOff}
	if c.passkeys != nil {
		keys, err := c.passkeys.List(r.Context(), s.Session.Email)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		v.Keys = keys
	}
	l := s.layout(PasskeysPath)
	l.Tools = c.cfg.Tools
	var m markup.Writer
	writePasskeysPage(&m, l, v)
	send(w, http.StatusOK, m.String())
}

// registerBegin begins adding a passkey: it answers the creation options.
func (c *Console) registerBegin(w http.ResponseWriter, r *http.Request, s signedIn) {
	if c.passkeys == nil {
		c.answerError(w, r, leadgate.ErrPasskeysUnavailable)
		return
	}
	token, options, err := c.passkeys.BeginRegistration(r.Context(), s.Session.Email)
	if err != nil {
		c.answerError(w, r, err)
		return
	}
	setCeremonyCookie(w, r, token)
	sendJSON(w, http.StatusOK, options)
}

// registerFinish stores the passkey the browser created, under the name typed.
func (c *Console) registerFinish(w http.ResponseWriter, r *http.Request, s signedIn) {
	if c.passkeys == nil {
		c.answerError(w, r, leadgate.ErrPasskeysUnavailable)
		return
	}
	token := ceremonyToken(w, r)
	key, err := c.passkeys.FinishRegistration(r.Context(), s.Session.Email, token, r.PostForm.Get("name"), []byte(r.PostForm.Get("credential")))
	if err != nil {
		c.answerError(w, r, err)
		return
	}
	c.cfg.Log.InfoContext(r.Context(), "console: passkey added", "session", s.Session.ID[:8], "passkey", key.ID[:min(8, len(key.ID))])
	answerRedirect(w, PasskeysPath)
}

// removePasskey removes one of the user's passkeys: a plain form, no script.
func (c *Console) removePasskey(w http.ResponseWriter, r *http.Request, s signedIn) {
	if c.passkeys == nil {
		c.render(w, http.StatusNotFound, s.layout(PasskeysPath), noticePasskeyUnknown)
		return
	}
	err := c.passkeys.Remove(r.Context(), s.Session.Email, r.PostForm.Get("id"))
	switch {
	case errors.Is(err, leadgate.ErrPasskeyUnknown):
		l := s.layout(PasskeysPath)
		l.Tools = c.cfg.Tools
		c.render(w, http.StatusNotFound, l, noticePasskeyUnknown)
		return
	case err != nil:
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, PasskeysPath, http.StatusSeeOther)
}

// signInBegin begins a sign-in with a passkey: it answers the request options.
// It counts against the per-IP limit of sign-in requests.
func (c *Console) signInBegin(w http.ResponseWriter, r *http.Request) {
	if !c.readJSONForm(w, r) {
		return
	}
	if c.passkeys == nil {
		c.answerError(w, r, leadgate.ErrPasskeysUnavailable)
		return
	}
	token, options, err := c.passkeys.BeginSignIn(r.Context(), clientIP(r))
	if err != nil {
		c.answerError(w, r, err)
		return
	}
	setCeremonyCookie(w, r, token)
	sendJSON(w, http.StatusOK, options)
}

// signInFinish signs in with the passkey's answer, as a used email link does: the
// same session, the same cookie, then the console's start.
func (c *Console) signInFinish(w http.ResponseWriter, r *http.Request) {
	if !c.readJSONForm(w, r) {
		return
	}
	if c.passkeys == nil {
		c.answerError(w, r, leadgate.ErrPasskeysUnavailable)
		return
	}
	token, ses, err := c.passkeys.SignInWithPasskey(r.Context(), ceremonyToken(w, r), []byte(r.PostForm.Get("credential")))
	if err != nil {
		c.answerError(w, r, err)
		return
	}
	if old, err := r.Cookie(CookieName); err == nil {
		if err := c.cfg.Auth.SignOut(r.Context(), old.Value); err != nil {
			c.cfg.Log.WarnContext(r.Context(), "console: the session before a sign-in not ended", "error", err)
		}
	}
	setCookie(w, r, token, ses, c.cfg.Now())
	c.cfg.Log.InfoContext(r.Context(), "console: signed in with a passkey", "session", ses.ID[:8])
	answerRedirect(w, HomePath)
}

// passkeysAsset serves the passkey pages' script.
func (c *Console) passkeysAsset(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(passkeysScript)))
	// Its address carries its hash (passkeysScriptURL): it may be kept for a year.
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(passkeysScript))
	}
}

// readJSONForm reads the posted form of an open passkey route; it answers one it
// cannot read with JSON and reports false.
func (c *Console) readJSONForm(w http.ResponseWriter, r *http.Request) bool {
	status, bad := readForm(w, r)
	if bad == nil {
		return true
	}
	sendJSON(w, status, errorAnswer(bad.Title+". "+bad.Message))
	return false
}

// answerError answers a passkey route's failure as JSON: the domain's message for
// a person's mistake or a refused ceremony, a word that says nothing for a failure
// of ours (logged).
func (c *Console) answerError(w http.ResponseWriter, r *http.Request, err error) {
	code := leadgate.ErrorCode(err)
	status := httpapi.StatusOf(code)
	if errors.Is(err, leadgate.ErrPasskeysUnavailable) { // the address's, not a failure
		sendJSON(w, status, errorAnswer(leadgate.ErrPasskeysUnavailable.Message))
		return
	}
	if status < 400 || status >= 500 {
		if status < 500 {
			status = http.StatusInternalServerError
		}
		c.cfg.Log.ErrorContext(r.Context(), "console: passkey request failed", "path", logPath(r), "error", err)
		sendJSON(w, status, errorAnswer(noticeFailed.Message))
		return
	}
	c.cfg.Log.InfoContext(r.Context(), "console: passkey request refused", "path", logPath(r), "error", err)
	msg := leadgate.ErrorMessage(err)
	if de := leadgate.AsError(err); de != nil {
		if len(de.Fields) > 0 {
			msg = de.Fields[0].Message
		}
		if de.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(de.RetryAfter.Seconds()+0.5)))
		}
	}
	sendJSON(w, status, errorAnswer(msg))
}

func errorAnswer(msg string) []byte {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return b
}

// answerRedirect tells the script where to go once a ceremony is done.
func answerRedirect(w http.ResponseWriter, path string) {
	b, _ := json.Marshal(map[string]string{"redirect": path})
	sendJSON(w, http.StatusOK, b)
}

// sendJSON writes body, JSON, with the headers of every console answer.
func sendJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// setCeremonyCookie keeps a begun ceremony's token for its finish, no longer than
// the ceremony works.
func setCeremonyCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: ceremonyCookie, Value: token, Path: Prefix, MaxAge: int(leadgate.PasskeyCeremonyTTL / time.Second),
		HttpOnly: true, Secure: overHTTPS(r), SameSite: http.SameSiteStrictMode,
	})
}

// ceremonyToken returns the ceremony cookie's token ("" for none) and clears the
// cookie: a ceremony is finished once, well or not.
func ceremonyToken(w http.ResponseWriter, r *http.Request) string {
	cookie, err := r.Cookie(ceremonyCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: ceremonyCookie, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, Secure: overHTTPS(r), SameSite: http.SameSiteStrictMode})
	return cookie.Value
}

// writePasskeysPage writes the passkeys page: the user's passkeys, each with its
// remove button, and the form that adds one, which the script shows.
func writePasskeysPage(m *markup.Writer, l layout, v passkeysView) {
	l.Title = passkeysTitle
	writeHead(m, l)
	m.Raw("<h1>" + passkeysTitle + "</h1>\n<p>" + passkeysIntro + "</p>\n")
	if v.Unavailable != "" {
		m.Raw("<div class=\"card\" role=\"status\">\n<h2>" + passkeysUnavailable + "</h2>\n<p>")
		m.Text(v.Unavailable)
		m.Raw("</p>\n</div>\n")
		writeFoot(m)
		return
	}
	if len(v.Keys) == 0 {
		m.Raw("<p class=\"muted\">" + passkeysNone + "</p>\n")
	} else {
		writePasskeysTable(m, v)
	}
	m.Raw("<div class=\"card passkeys\">\n<h2>" + passkeysAddTitle + "</h2>\n" +
		"<p id=\"passkey-nojs\" class=\"muted\">" + passkeysNeedScript + "</p>\n" +
		"<form id=\"passkey-add\" method=\"post\" action=\"" + PasskeyRegisterBeginPath + "\" data-finish=\"" + PasskeyRegisterFinishPath + "\" hidden>\n")
	writeCSRF(m, v.CSRF)
	m.Raw("\n<label for=\"passkey-name\">" + passkeysNameLabel + "</label>\n" +
		"<input id=\"passkey-name\" name=\"name\" type=\"text\" autocomplete=\"off\" maxlength=\"" + strconv.Itoa(leadgate.PasskeyNameMax) + "\" aria-describedby=\"passkey-name-hint\">\n" +
		"<p class=\"muted\" id=\"passkey-name-hint\">" + passkeysNameHint + "</p>\n" +
		"<button type=\"submit\" class=\"primary\">" + passkeysAddButton + "</button>\n" +
		"<p id=\"passkey-status\" role=\"status\"></p>\n</form>\n</div>\n")
	writePasskeysScript(m)
	writeFoot(m)
}

// writePasskeysTable writes the user's passkeys, each with a form that removes it.
func writePasskeysTable(m *markup.Writer, v passkeysView) {
	m.Raw("<div class=\"table passkeys\">\n<table>\n<caption>Your passkeys (times in UTC)</caption>\n<thead>\n" +
		"<tr><th scope=\"col\">Name</th><th scope=\"col\">Added</th><th scope=\"col\">Last used</th><th scope=\"col\"><span class=\"skip\">Remove</span></th></tr>\n" +
		"</thead>\n<tbody>\n")
	for _, k := range v.Keys {
		m.Raw("<tr><th scope=\"row\">")
		m.Text(k.Name)
		m.Raw("</th><td>")
		m.Text(k.CreatedAt.UTC().Format(passkeyTime))
		m.Raw("</td><td>")
		if k.LastUsedAt.IsZero() {
			m.Raw("<span class=\"muted\">never</span>")
		} else {
			m.Text(k.LastUsedAt.UTC().Format(passkeyTime))
		}
		m.Raw("</td><td><form method=\"post\" action=\"" + PasskeyRemovePath + "\">")
		writeCSRF(m, v.CSRF)
		m.Raw(`<input type="hidden" name="id" value="`)
		m.Attr(k.ID)
		m.Raw(`"><button type="submit" class="link">Remove<span class="skip"> `)
		m.Text(k.Name)
		m.Raw("</span></button></form></td></tr>\n")
	}
	m.Raw("</tbody>\n</table>\n</div>\n")
}

const passkeyTime = "2 Jan 2006 15:04"

// writePasskeySignIn writes the sign-in page's passkey button, which the script
// shows where the browser can use passkeys.
func writePasskeySignIn(m *markup.Writer) {
	m.Raw("<div id=\"passkey-sign-in\" data-begin=\"" + PasskeySignInBeginPath + "\" data-finish=\"" + PasskeySignInFinishPath + "\" hidden>\n" +
		"<p class=\"or\">Or, if you added a passkey:</p>\n" +
		"<button type=\"button\" class=\"primary secondary\">" + passkeySignInButton + "</button>\n" +
		"<p id=\"passkey-status\" role=\"status\"></p>\n</div>\n" +
		"<noscript><p class=\"muted\">" + passkeySignInNoJS + "</p></noscript>\n")
	writePasskeysScript(m)
}

// writePasskeysScript writes the element that loads the passkey pages' script,
// from the console's own origin.
func writePasskeysScript(m *markup.Writer) {
	m.Raw(`<script src="`)
	m.URL(passkeysScriptURL)
	m.Raw("\" defer></script>\n")
}
