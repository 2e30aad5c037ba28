package httpapi

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"leadgate/shared/leadgate"
)

// The A/B test of a hosted page needs no JavaScript: a first-party cookie, scoped
// to the page's path, holds a random visitor id, and the arm is a pick from it
// (Page.AssignArm), so the visitor sees the same arm again. The arm rides to the
// capture inside the signed form token.

// VisitorCookie names the cookie of a page's visitor id.
const VisitorCookie = "lg_visitor"

// visitorCookieAge is how long a visitor keeps their arm.
const visitorCookieAge = 90 * 24 * time.Hour

// visitorArm returns the arm of the page's test the request's visitor sees, and
// sets the cookie of a new visitor. Known bots get "" (the control, counted
// outside the test) and no cookie.
func visitorArm(w http.ResponseWriter, r *http.Request, page leadgate.Page) string {
	if !page.HasVariants() || isBot(r.UserAgent()) {
		return ""
	}
	if c, err := r.Cookie(VisitorCookie); err == nil && leadgate.ValidVisitorID(c.Value) {
		return page.AssignArm(c.Value)
	}
	id := newVisitorID()
	http.SetCookie(w, &http.Cookie{
		Name: VisitorCookie, Value: id, Path: basePrefix(r) + leadgate.PagePath(page.Slug),
		MaxAge: int(visitorCookieAge.Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: strings.HasPrefix(BaseURL(r), "https://"),
	})
	return page.AssignArm(id)
}

// newVisitorID is 128 random bits, URL-safe.
func newVisitorID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
