package leadgate

import (
	"errors"
	"strings"
)

// Notice is what a person reads on a page instead of a status code: a title and a
// sentence or two. The wording lives in a Catalogue, one per language; handlers pick
// a notice by its id or by the domain error they got.
type Notice struct {
	Title   string
	Message string
	// Button and Note belong to notices that ask for a click (confirm, unsubscribe).
	Button string
	Note   string
}

// NoticeID names one notice of a Catalogue.
type NoticeID string

// The notices a visitor may read.
const (
	NoticeSomethingWrong    NoticeID = "something_wrong"
	NoticePageNotFound      NoticeID = "page_not_found"
	NoticePageUnavailable   NoticeID = "page_unavailable"
	NoticeOpenPageInBrowser NoticeID = "open_page_in_browser"
	NoticeFormRateLimited   NoticeID = "form_rate_limited"
	NoticeFormTooLarge      NoticeID = "form_too_large"
	NoticeFormNotUnderstood NoticeID = "form_not_understood"
	NoticeFormForbidden     NoticeID = "form_forbidden"
	NoticeFormUnavailable   NoticeID = "form_unavailable"
	NoticeLinkFailed        NoticeID = "link_failed"
	NoticeLinkNotFound      NoticeID = "link_not_found"
	NoticeLinkGone          NoticeID = "link_gone"
	NoticeOpenLinkInBrowser NoticeID = "open_link_in_browser"
	NoticeThanksConfirm     NoticeID = "thanks_confirm"
	NoticeThanksInbox       NoticeID = "thanks_inbox"
	NoticeThanksReady       NoticeID = "thanks_ready"
	NoticeDownloadAsk       NoticeID = "download_ask"
	NoticeConfirmAsk        NoticeID = "confirm_ask"
	NoticeConfirmed         NoticeID = "confirmed"
	NoticeAlreadyConfirmed  NoticeID = "already_confirmed"
	NoticeUnsubscribeAsk    NoticeID = "unsubscribe_ask"
	NoticeUnsubscribed      NoticeID = "unsubscribed"
	NoticeOfferEnded        NoticeID = "offer_ended" // a coupon page whose pool is empty
)

// The words of the hosted page's form, as one-line notices: a Label is its Title.
const (
	LabelOptional   NoticeID = "label_optional"    // beside an optional field's label
	LabelSubmit     NoticeID = "label_submit"      // the form's button
	LabelCheckForm  NoticeID = "label_check_form"  // heading of the list of errors
	LabelHoneypot   NoticeID = "label_honeypot"    // the hidden field's label
	LabelDownload   NoticeID = "label_download"    // the download button, %s the title
	LabelPrivacy    NoticeID = "label_privacy"     // the privacy-policy link
	LabelChoose     NoticeID = "label_choose"      // the empty choice of a drop-down
	LabelRequired   NoticeID = "label_required"    // the error of a missing value
	LabelInvalid    NoticeID = "label_invalid"     // the error of a refused value
	LabelCaptcha    NoticeID = "label_captcha"     // the error of a missing or failed captcha
	LabelCaptchaOff NoticeID = "label_captcha_off" // the captcha needs JavaScript
)

// Catalogue is the wording of every notice in one language. Messages may hold %s
// verbs where a notice's caller fills in a value (Format).
type Catalogue map[NoticeID]Notice

// Notice returns the notice with that id; an id the catalogue lacks gets the
// generic notice, so a missing translation never shows an empty page.
func (c Catalogue) Notice(id NoticeID) Notice {
	if n, ok := c[id]; ok {
		return n
	}
	return c[NoticeSomethingWrong]
}

// Label returns the words of a form label id; a missing translation falls back to
// English, never to an empty label.
func (c Catalogue) Label(id NoticeID) string {
	if n, ok := c[id]; ok && n.Title != "" {
		return n.Title
	}
	return English[id].Title
}

// Catalogues holds the catalogue of each of Locales.
var Catalogues = map[string]Catalogue{"en": English, "de": German, "fr": French, "es": Spanish}

// CatalogueFor returns the catalogue of a page's locale; English for any other.
func CatalogueFor(locale string) Catalogue {
	if c, ok := Catalogues[locale]; ok {
		return c
	}
	return English
}

// FormError is what a person reads when a form they sent was not taken.
func (c Catalogue) FormError(err error) Notice {
	if errors.Is(err, ErrOfferEnded) {
		return c.Notice(NoticeOfferEnded)
	}
	switch ErrorCode(err) {
	case ENOTFOUND:
		return c.Notice(NoticePageNotFound)
	case ERATELIMITED:
		return c.Notice(NoticeFormRateLimited)
	case ETOOLARGE:
		return c.Notice(NoticeFormTooLarge)
	case EUNSUPPORTED, EMALFORMED:
		return c.Notice(NoticeFormNotUnderstood)
	case EFORBIDDEN:
		return c.Notice(NoticeFormForbidden)
	case EUNAVAILABLE:
		return c.Notice(NoticeFormUnavailable)
	}
	n := c.Notice(NoticeSomethingWrong)
	n.Message = Sentence(ErrorMessage(err))
	return n
}

// LinkError is what a person reads when a link from an email (download, confirm,
// unsubscribe) does not work: the error's own reason for a link that is gone.
func (c Catalogue) LinkError(err error) Notice {
	switch ErrorCode(err) {
	case ENOTFOUND:
		return c.Notice(NoticeLinkNotFound)
	case EGONE:
		n := c.Notice(NoticeLinkGone)
		n.Message = Sentence(ErrorMessage(err)) + ". " + n.Message
		return n
	case EMETHOD:
		return c.Notice(NoticeOpenLinkInBrowser)
	}
	return c.Notice(NoticeLinkFailed)
}

// PageError is what a person reads when a hosted page cannot be shown.
func (c Catalogue) PageError(err error) Notice {
	if ErrorCode(err) == ENOTFOUND {
		return c.Notice(NoticePageNotFound)
	}
	return c.Notice(NoticePageUnavailable)
}

// Sentence starts msg with a capital letter, as the domain's messages are written to
// follow other words.
func Sentence(msg string) string {
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}
