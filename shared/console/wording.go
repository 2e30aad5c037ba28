package console

import (
	"strconv"
	"time"

	"leadgate/shared/leadgate"
)

// The console's wording: what a marketer reads on its pages and in the sign-in
// email, in one place. (What visitors of the hosted pages read lives in the
// leadgate notices.)

// consoleName names the console in titles and the email.
const consoleName = "Leadgate console"

// linkMinutes is how long a sign-in link works, as the pages and the email say it.
var linkMinutes = strconv.Itoa(int(leadgate.SignInLinkTTL / time.Minute))

// notice is a short page that tells a person what happened, with a link onwards.
type notice struct {
	Title, Message     string
	LinkText, LinkPath string
}

var askForNewLink = struct{ Text, Path string }{"Ask for a new link", SignInPath}

var (
	noticeNotFound = notice{Title: "Not found", Message: "There is nothing at this address in the console.",
		LinkText: "Pages", LinkPath: PagesPath}
	noticePageNotFound = notice{Title: "No such page", Message: "There is no landing page with that name. It may have been renamed.",
		LinkText: "Pages", LinkPath: PagesPath}
	noticeLinkUnknown = notice{Title: "This sign-in link does not work",
		Message:  "It may have been copied only in part. Ask for a new link: it comes by email within a minute.",
		LinkText: askForNewLink.Text, LinkPath: askForNewLink.Path}
	noticeLinkUsed = notice{Title: "This sign-in link was used already",
		Message:  "Each link signs in once. If it was not you who used it, ask for a new link and sign out everywhere once in.",
		LinkText: askForNewLink.Text, LinkPath: askForNewLink.Path}
	noticeLinkExpired = notice{Title: "This sign-in link has expired",
		Message:  "A sign-in link works for " + linkMinutes + " minutes after it is sent. Ask for a new one.",
		LinkText: askForNewLink.Text, LinkPath: askForNewLink.Path}
	noticeRateLimited = notice{Title: "Too many sign-in requests",
		Message:  "Please wait a while before asking for another link. The links sent already still work for " + linkMinutes + " minutes.",
		LinkText: "Back to sign-in", LinkPath: SignInPath}
	noticeSignInFirst = notice{Title: "Please sign in",
		Message:  "You are not signed in (or your session has ended), so nothing was changed. Sign in, then try again.",
		LinkText: "Sign in", LinkPath: SignInPath}
	noticeCrossSite = notice{Title: "Request refused",
		Message:  "This form was sent from another site, so nothing was changed. Open the console and try again from there.",
		LinkText: "Open the console", LinkPath: HomePath}
	noticeStaleForm = notice{Title: "Please reload the page",
		Message:  "This form is out of date (you may have signed in again since it was shown), so nothing was changed. Reload the page and try again.",
		LinkText: "Back to the console", LinkPath: HomePath}
	noticeBadForm = notice{Title: "The form was not understood",
		Message:  "Nothing was changed. Please reload the page and try again.",
		LinkText: "Back to the console", LinkPath: HomePath}
	noticeFormTooLarge = notice{Title: "The form is too large",
		Message:  "Nothing was changed. Please shorten what you typed and try again.",
		LinkText: "Back to the console", LinkPath: HomePath}
	noticeSignedOut = notice{Title: "You are signed out",
		Message:  "Sign in again with a new link whenever you like.",
		LinkText: "Sign in", LinkPath: SignInPath}
	noticeMethodNotAllowed = notice{Title: "Not allowed",
		Message:  "This address does not take that kind of request.",
		LinkText: "Back to the console", LinkPath: HomePath}
	noticeLeadNotFound = notice{Title: "No such lead",
		Message:  "No lead is stored at this address: it may have been erased.",
		LinkText: "Leads", LinkPath: LeadsPath}
	noticeLeadErased = notice{Title: "The lead was erased",
		Message:  "The lead, its submissions and the emails kept for it are gone; its download links no longer work. The pages' counts stay as they were.",
		LinkText: "Leads", LinkPath: LeadsPath}
	noticeFailed = notice{Title: "Something went wrong",
		Message:  "Nothing was changed. Please try again in a moment.",
		LinkText: "Back to the console", LinkPath: HomePath}
)

// The sign-in pages.
const (
	signInTitle   = "Sign in"
	signInIntro   = "Enter your email address. If it may sign in to the console, we email you a link that signs you in once."
	signInLabel   = "Email address"
	signInButton  = "Email me a sign-in link"
	checkTitle    = "Check your inbox"
	checkNothing  = "Nothing arrived after a few minutes? Look in the spam folder, or ask for another link."
	buttonTitle   = "Sign in to the console"
	buttonMessage = "Press the button to sign in on this device."
	buttonLabel   = "Sign in"
	buttonNote    = "If you did not ask to sign in, close this page: nothing happens without the button."
)

// checkBefore and checkAfter go around the address typed in the answer to every
// sign-in request, whether or not the address may sign in: the same words for both.
var (
	checkBefore = "If "
	checkAfter  = " may sign in to the console, a sign-in link is on its way to it. The link works once, within " + linkMinutes + " minutes."
)

// The sign-in email.
const emailSubject = "Your sign-in link for the " + consoleName

var emailIntro = "Someone, we hope you, asked to sign in to the " + consoleName + " with this address. The link below works once, within " + linkMinutes + " minutes."

const (
	emailButton = "Sign in"
	emailIgnore = "If you did not ask for it, ignore this email: nobody can sign in without the link."
)

// The page editor.
const (
	editorSave           = "Save"
	editorPreviewUnsaved = "Preview (unsaved)"
	editorNotSaved       = "The page was not saved"
	editorSaved          = "Saved."
	deleteConsequence    = "will answer “not found” to visitors, and its form will take no more leads. Its leads, their download links and its counts stay, in exports and stats. The address can be used again: a page saved under it later takes them up."
)

// noticePageDeleted says a page was deleted.
func noticePageDeleted(p leadgate.Page) notice {
	return notice{Title: "Page deleted", Message: "The page " + p.Slug + " was deleted. Its leads and counts are kept.",
		LinkText: "Pages", LinkPath: PagesPath}
}

// The leads area's messages next to a bad filter.
const (
	msgBadDate   = "Enter a date such as 2026-03-02."
	msgDateOrder = "The last day must not come before the first."
	msgBadCursor = "This link to a further page of the table is not one the console made. Start again from the newest lead."
	msgPickOne   = "Pick one of the choices offered."
)
