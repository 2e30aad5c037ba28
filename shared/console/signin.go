package console

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"leadgate/shared/consoleauth"
	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// signInForm shows the sign-in form; a signed-in user goes straight to the console.
func (c *Console) signInForm(w http.ResponseWriter, r *http.Request) {
	if _, err := c.session(w, r); err == nil {
		http.Redirect(w, r, HomePath, http.StatusSeeOther)
		return
	}
	c.renderSignInForm(w, http.StatusOK, signInView{})
}

func (c *Console) renderSignInForm(w http.ResponseWriter, status int, v signInView) {
	v.Passkeys = c.passkeys != nil
	var m markup.Writer
	writeSignInForm(&m, layout{Tools: c.cfg.Tools}, v)
	send(w, status, m.String())
}

// requestLink emails a sign-in link to the address posted, if it may sign in, and
// answers every well-formed address alike, so that the answer tells no one which
// addresses may. A malformed address gets the form again with its error; a request
// over a rate limit 429, whatever the address.
func (c *Console) requestLink(w http.ResponseWriter, r *http.Request) {
	if status, bad := readForm(w, r); bad != nil {
		c.notice(w, status, *bad)
		return
	}
	typed := r.PostForm.Get("email")
	link, ok, err := c.cfg.Auth.RequestLink(r.Context(), typed, clientIP(r))
	switch leadgate.ErrorCode(err) {
	case "":
	case leadgate.EINVALID:
		v := signInView{Email: strings.TrimSpace(typed), Error: leadgate.ErrorMessage(err)}
		if de := leadgate.AsError(err); de != nil && len(de.Fields) > 0 {
			v.Error = de.Fields[0].Message
		}
		c.renderSignInForm(w, http.StatusUnprocessableEntity, v)
		return
	case leadgate.ERATELIMITED:
		if de := leadgate.AsError(err); de != nil && de.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(de.RetryAfter.Seconds()+0.5)))
		}
		c.notice(w, http.StatusTooManyRequests, noticeRateLimited)
		return
	default:
		c.fail(w, r, err)
		return
	}
	email, _ := leadgate.NormaliseEmail(typed) // well formed: RequestLink took it
	if ok {
		// A failed send is logged and answered as any other request: an error page
		// here would tell which addresses may sign in.
		if id, err := c.cfg.Mailer.Send(r.Context(), c.signInEmail(link.Email, c.linkURL(link.Token))); err != nil {
			c.cfg.Log.ErrorContext(r.Context(), "console: sign-in link not sent", "error", err)
		} else {
			c.cfg.Log.InfoContext(r.Context(), "console: sign-in link sent", "message_id", id)
		}
	}
	var m markup.Writer
	writeCheckInbox(&m, layout{Tools: c.cfg.Tools}, email)
	send(w, http.StatusOK, m.String())
}

// linkURL is the address of the sign-in link of token.
func (c *Console) linkURL(token string) string { return c.cfg.BaseURL + SignInLinkPath(token) }

// linkButton shows an emailed link's page: a button that signs in. It changes
// nothing, and so does not even look the link up: mail scanners follow GETs.
func (c *Console) linkButton(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if !leadgate.WellFormedConsoleToken(token) {
		c.notice(w, http.StatusNotFound, noticeLinkUnknown)
		return
	}
	var m markup.Writer
	writeLinkButton(&m, layout{Tools: c.cfg.Tools}, SignInLinkPath(token))
	send(w, http.StatusOK, m.String())
}

// useLink signs in with an emailed link, once: it sets the session cookie and sends
// the browser to the console. A session the browser had already is ended first.
func (c *Console) useLink(w http.ResponseWriter, r *http.Request) {
	token, ses, err := c.cfg.Auth.UseLink(r.Context(), r.PathValue("token"))
	switch {
	case err == nil:
	case leadgate.ErrorCode(err) == leadgate.ENOTFOUND:
		c.notice(w, http.StatusNotFound, noticeLinkUnknown)
		return
	case leadgate.ErrorCode(err) == leadgate.EGONE:
		n := noticeLinkExpired
		if errors.Is(err, leadgate.ErrSignInLinkUsed) {
			n = noticeLinkUsed
		}
		c.notice(w, http.StatusGone, n)
		return
	default:
		c.fail(w, r, err)
		return
	}
	if old, err := r.Cookie(CookieName); err == nil {
		if err := c.cfg.Auth.SignOut(r.Context(), old.Value); err != nil {
			c.cfg.Log.WarnContext(r.Context(), "console: the session before a sign-in not ended", "error", err)
		}
	}
	setCookie(w, r, token, ses, c.cfg.Now())
	c.cfg.Log.InfoContext(r.Context(), "console: signed in", "session", ses.ID[:8])
	http.Redirect(w, r, HomePath, http.StatusSeeOther)
}

// signedOut tells a person they are signed out.
func (c *Console) signedOut(w http.ResponseWriter, r *http.Request) {
	c.notice(w, http.StatusOK, noticeSignedOut)
}

// signOut ends this session.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request, s signedIn) {
	if err := c.cfg.Auth.SignOut(r.Context(), s.Token); err != nil {
		c.fail(w, r, err)
		return
	}
	clearCookie(w, r)
	http.Redirect(w, r, SignedOutPath, http.StatusSeeOther)
}

// signOutEverywhere ends every session of the signed-in user, on every device.
func (c *Console) signOutEverywhere(w http.ResponseWriter, r *http.Request, s signedIn) {
	if err := c.cfg.Auth.SignOutEverywhere(r.Context(), s.Token); err != nil {
		c.fail(w, r, err)
		return
	}
	clearCookie(w, r)
	http.Redirect(w, r, SignedOutPath, http.StatusSeeOther)
}

// SignInLinkURL makes a sign-in link for email at once, as the local run does at
// start for its first user, and returns its address. Unlike a link asked for on the
// sign-in page it counts against no rate limit; like every link it works once,
// within leadgate.SignInLinkTTL, and only for an address the console's users allow.
func (c *Console) SignInLinkURL(ctx context.Context, email string) (string, error) {
	normal, fe := leadgate.NormaliseEmail(email)
	if fe != nil {
		return "", leadgate.Invalid(*fe)
	}
	token := consoleauth.NewToken()
	link := leadgate.NewSignInLink(token, normal, c.cfg.Now().UTC().Truncate(time.Millisecond))
	if err := c.cfg.Store.PutSignInLink(ctx, link); err != nil {
		return "", err
	}
	return c.linkURL(token), nil
}
