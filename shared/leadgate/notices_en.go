package leadgate

// English is the wording of every notice a visitor may read, in English.
var English = Catalogue{
	NoticeSomethingWrong:    {Title: "Something went wrong", Message: "Please try again in a minute."},
	NoticePageNotFound:      {Title: "Page not found", Message: "This form does not exist any more. Check the link you followed."},
	NoticePageUnavailable:   {Title: "Please try again", Message: "We could not show this page just now. Please reload it in a minute."},
	NoticeOpenPageInBrowser: {Title: "Not allowed", Message: "Open this page in your browser."},
	NoticeFormRateLimited:   {Title: "Please wait a moment", Message: "We received several forms from you in a short time. Please try again later."},
	NoticeFormTooLarge:      {Title: "Form too large", Message: "The form you sent is larger than we accept. Please shorten your answers and try again."},
	NoticeFormNotUnderstood: {Title: "Form not understood", Message: "Your browser sent the form in a way we could not read. Please go back and submit it again."},
	NoticeFormForbidden:     {Title: "Form not accepted here", Message: "This form can only be sent from its own website."},
	NoticeFormUnavailable:   {Title: "Please try again", Message: "We could not save your details just now. Nothing was lost: please submit the form again in a minute."},
	NoticeLinkFailed:        {Title: "Something went wrong", Message: "Please try again in a minute."},
	NoticeLinkNotFound:      {Title: "Link not found", Message: "This link does not exist. Check that you copied the whole link from the email."},
	NoticeLinkGone:          {Title: "This link no longer works", Message: "Submit the form again and we will send you a new link."},
	NoticeOpenLinkInBrowser: {Title: "Not allowed", Message: "Open this link in your browser."},
	NoticeThanksConfirm:     {Title: "Thank you!", Message: "Check your inbox: confirm your address and the download is yours."},
	NoticeThanksInbox:       {Title: "Thank you!", Message: "Your copy is on its way to your inbox. The link in the email works for %d days."},
	NoticeThanksReady:       {Title: "Thank you!", Message: "Your copy is ready. The link is in your inbox too, and works for %d days."},
	NoticeDownloadAsk:       {Title: "Your download is ready", Message: "Press the button and the file is yours.", Button: "Download"},
	NoticeConfirmAsk: {Title: "Confirm your address", Message: "One click and the download is yours.",
		Button: "Confirm my address", Note: "Did not ask for it? Close this page: nothing more will come."},
	NoticeConfirmed:        {Title: "Thank you: your address is confirmed", Message: "Your download is ready, and the link is on its way to your inbox too."},
	NoticeAlreadyConfirmed: {Title: "Already confirmed", Message: "Your address is confirmed. The download link is in your inbox."},
	NoticeUnsubscribeAsk: {Title: "Unsubscribe", Message: "Stop all emails to this address, from every page.",
		Button: "Unsubscribe", Note: "You can opt in again any time by ticking the box on a form."},
	NoticeUnsubscribed: {Title: "You are unsubscribed", Message: "We will send no more email to this address, from any page."},

	LabelOptional:   {Title: "(optional)"},
	LabelSubmit:     {Title: "Get your copy"},
	LabelCheckForm:  {Title: "Please check the form"},
	LabelHoneypot:   {Title: "Leave this field empty"},
	LabelDownload:   {Title: "Download %s"},
	LabelPrivacy:    {Title: "Privacy policy"},
	LabelChoose:     {Title: "Choose…"},
	LabelRequired:   {Title: "This field is required."},
	LabelInvalid:    {Title: "Please check this answer."},
	LabelCaptcha:    {Title: "Please complete the check that you are a person, then send the form again."},
	LabelCaptchaOff: {Title: "This form checks that you are a person with a script: please allow JavaScript for this page."},

	// A coupon page whose pool is empty.
	NoticeOfferEnded: {Title: "This offer has ended", Message: "Every code has been given out, so this form takes no more sign-ups. Thank you for your interest."},
}
