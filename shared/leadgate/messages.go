package leadgate

// The errors that stores and services answer with, written once so that every store
// says the same thing (the store conformance suite checks it). Their messages are
// safe to show; compare with errors.Is.
var (
	ErrPageNotFound         = &Error{Code: ENOTFOUND, Message: "no such page"}
	ErrMagnetNotFound       = &Error{Code: ENOTFOUND, Message: "no such magnet"}
	ErrLeadNotFound         = &Error{Code: ENOTFOUND, Message: "no such lead"}
	ErrSubmissionNotFound   = &Error{Code: ENOTFOUND, Message: "no such submission"}
	ErrStepNotFound         = &Error{Code: ENOTFOUND, Message: "no such step"}
	ErrGrantNotFound        = &Error{Code: ENOTFOUND, Message: "no such download link"}
	ErrConfirmationNotFound = &Error{Code: ENOTFOUND, Message: "no such confirmation link"}
	ErrUnsubscribeNotFound  = &Error{Code: ENOTFOUND, Message: "no such unsubscribe link"}
	ErrObjectNotFound       = &Error{Code: ENOTFOUND, Message: "no such file in the bucket"}

	ErrGrantGone           = &Error{Code: EGONE, Message: "this download link no longer works"}
	ErrGrantRevoked        = &Error{Code: EGONE, Message: "this download link was withdrawn"}
	ErrGrantExpired        = &Error{Code: EGONE, Message: "this download link has expired"}
	ErrConfirmationExpired = &Error{Code: EGONE, Message: "this confirmation link has expired"}
	ErrConfirmationGone    = &Error{Code: EGONE, Message: "this confirmation link no longer works"}
	ErrGrantExists         = &Error{Code: ECONFLICT, Message: "the grant exists"}
	ErrClaimLost           = &Error{Code: ECONFLICT, Message: "the send was claimed by another worker"}
	ErrLeadChanged         = &Error{Code: ECONFLICT, Message: "the lead changed since it was read"}
	ErrRecordChanged       = &Error{Code: ECONFLICT, Message: "the record changed while it was being saved, please retry"}
	ErrSendInFlight        = &Error{Code: EUNAVAILABLE, Message: "the email is being sent by another worker"}

	// The console's sign-in (console.go). A session that does not work is
	// EUNAUTHORIZED: the answer is to sign in again.
	ErrSignInLinkUnknown     = &Error{Code: ENOTFOUND, Message: "this sign-in link does not work, please ask for a new one"}
	ErrSignInLinkExpired     = &Error{Code: EGONE, Message: "this sign-in link has expired, please ask for a new one"}
	ErrSignInLinkUsed        = &Error{Code: EGONE, Message: "this sign-in link was used already, please ask for a new one"}
	ErrSignInLinkExists      = &Error{Code: ECONFLICT, Message: "the sign-in link exists"}
	ErrSignInRequestsLimited = &Error{Code: ERATELIMITED, Message: "too many sign-in requests, please try again later"}
	ErrSessionUnknown        = &Error{Code: EUNAUTHORIZED, Message: "please sign in"}
	ErrSessionExpired        = &Error{Code: EUNAUTHORIZED, Message: "your session has expired, please sign in again"}
	ErrSessionRevoked        = &Error{Code: EUNAUTHORIZED, Message: "you were signed out, please sign in again"}
	ErrSessionExists         = &Error{Code: ECONFLICT, Message: "the session exists"}
	ErrPasskeyUnknown        = &Error{Code: ENOTFOUND, Message: "this passkey is not registered here"}
	ErrPasskeyExists         = &Error{Code: ECONFLICT, Message: "this passkey is registered already"}
	ErrPasskeySignCount      = &Error{Code: EFORBIDDEN, Message: "this passkey could not be trusted, please sign in with an email link"}
	// The ceremonies of passkeys (passkeys.go).
	ErrPasskeyCeremonyUnknown = &Error{Code: EGONE, Message: "this passkey request has expired or was used already, please try again"}
	ErrPasskeyCeremonyExists  = &Error{Code: ECONFLICT, Message: "the passkey request exists"}
	ErrPasskeyNotVerified     = &Error{Code: EFORBIDDEN, Message: "the passkey's answer could not be verified, please try again or sign in with an email link"}
	ErrPasskeyAnswerMalformed = &Error{Code: EMALFORMED, Message: "the passkey's answer was not understood, please try again"}
	ErrPasskeysUnavailable    = &Error{Code: EUNAVAILABLE, Message: "passkeys cannot be used at this console's address"}
)

// Is makes a domain error match a sentinel above by code and message, so that a
// sentinel wrapped with its cause (WithCause) still matches errors.Is.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == e.Message && len(t.Fields) == 0
}

// WithCause returns a copy of a sentinel error carrying the cause for logs.
func (e *Error) WithCause(op string, err error) *Error {
	c := *e
	c.Err = wrapOp(op, err)
	return &c
}
