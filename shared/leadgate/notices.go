package leadgate

import (
	"errors"
	"fmt"
	"strings"
	"time"
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
	LabelOptional   NoticeID = "label_optional"     // beside an optional field's label
	LabelSubmit     NoticeID = "label_submit"       // the form's button
	LabelCheckForm  NoticeID = "label_check_form"   // heading of the list of errors
	LabelHoneypot   NoticeID = "label_honeypot"     // the hidden field's label
	LabelDownload   NoticeID = "label_download"     // the download button, %s the title
	LabelPrivacy    NoticeID = "label_privacy"      // the privacy-policy link
	LabelChoose     NoticeID = "label_choose"       // the empty choice of a drop-down
	LabelRequired   NoticeID = "label_required"     // the error of a missing value
	LabelInvalid    NoticeID = "label_invalid"      // the error of a refused value
	LabelCaptcha    NoticeID = "label_captcha"      // the error of a missing or failed captcha
	LabelCaptchaOff NoticeID = "label_captcha_off"  // the captcha needs JavaScript
	LabelBackToForm NoticeID = "label_back_to_form" // the link back to a form that was refused
	LabelNewLink    NoticeID = "label_new_link"     // the link to a page's form from a link that is gone
)

// How long to wait, as the rate-limit notice says it (WaitFor).
const (
	WaitSeconds NoticeID = "wait_seconds" // under a minute
	WaitMinute  NoticeID = "wait_minute"
	WaitMinutes NoticeID = "wait_minutes" // %d minutes
	WaitHour    NoticeID = "wait_hour"
	WaitHours   NoticeID = "wait_hours" // %d hours
)

// The words of the built-in follow-up emails (shared/emails), a page's own texts
// aside, and of every email's footer. %s is the magnet's title unless said.
const (
	MailSubjectDelivery NoticeID = "mail_subject_delivery" // also the delivery email's heading
	MailSubjectConfirm  NoticeID = "mail_subject_confirm"
	MailSubjectReminder NoticeID = "mail_subject_reminder"
	MailSubjectNurture  NoticeID = "mail_subject_nurture"
	MailHeadingConfirm  NoticeID = "mail_heading_confirm"
	MailHeadingReminder NoticeID = "mail_heading_reminder"
	MailGreeting        NoticeID = "mail_greeting"         // %s the first name
	MailGreetingNoName  NoticeID = "mail_greeting_no_name" // for a lead who gave no name
	MailIntroFile       NoticeID = "mail_intro_file"       // the delivery email's sentence, by the magnet's kind
	MailIntroBundle     NoticeID = "mail_intro_bundle"
	MailIntroLink       NoticeID = "mail_intro_link"
	MailIntroCoupon     NoticeID = "mail_intro_coupon"
	MailIntroTrial      NoticeID = "mail_intro_trial"
	MailButtonFile      NoticeID = "mail_button_file" // the delivery email's button, by the magnet's kind
	MailButtonBundle    NoticeID = "mail_button_bundle"
	MailButtonLink      NoticeID = "mail_button_link"
	MailButtonCoupon    NoticeID = "mail_button_coupon"
	MailButtonTrial     NoticeID = "mail_button_trial"
	MailLinkDays        NoticeID = "mail_link_days" // %d days
	MailConfirmAsk      NoticeID = "mail_confirm_ask"
	MailConfirmButton   NoticeID = "mail_confirm_button"
	MailConfirmIgnore   NoticeID = "mail_confirm_ignore"
	MailReminder        NoticeID = "mail_reminder"
	MailReminderLink    NoticeID = "mail_reminder_link" // before the link in the text part (no title)
	MailReminderOnly    NoticeID = "mail_reminder_only"
	MailNurture         NoticeID = "mail_nurture"
	MailFooterPage      NoticeID = "mail_footer_page"    // the magnet's title, then the page's
	MailFooter          NoticeID = "mail_footer"         // when the page's title is the magnet's
	MailUnsubscribe     NoticeID = "mail_unsubscribe"    // the footer's link (no title)
	MailPostalAddress   NoticeID = "mail_postal_address" // %s the sender's postal address
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
		n := c.Notice(NoticeFormRateLimited)
		n.Message = fmt.Sprintf(n.Message, c.WaitFor(AsError(err).RetryAfter))
		return n
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

// WaitFor says how long d is, roughly, as the rate-limit notice puts it ("about 20
// minutes"): the minutes to the nearest 5 from 10 on, an hour from 50 minutes on. A
// wait of zero (not known) is an hour, the longest rate window by default.
func (c Catalogue) WaitFor(d time.Duration) string {
	if d <= 0 {
		d = time.Hour
	}
	minutes := int((d + 30*time.Second) / time.Minute)
	switch {
	case d < 45*time.Second:
		return c.Label(WaitSeconds)
	case minutes <= 1:
		return c.Label(WaitMinute)
	case minutes < 10:
		return fmt.Sprintf(c.Label(WaitMinutes), minutes)
	case minutes < 50:
		return fmt.Sprintf(c.Label(WaitMinutes), (minutes+2)/5*5)
	case minutes < 90:
		return c.Label(WaitHour)
	}
	return fmt.Sprintf(c.Label(WaitHours), (minutes+30)/60)
}
