// Package leadgate is the domain of gated-content lead capture: pages, the lead
// magnets they gate, the leads they capture, and the contracts (ports) that stores
// and other adapters implement. It knows nothing of HTTP, Lambda or any database.
package leadgate

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error so that each edge (HTTP, stream handler, CLI) can answer it
// in its own way. The HTTP mapping lives in one place: httpapi.StatusOf.
type Code string

// Error codes. Only EINTERNAL errors are logged with their cause; the others are
// answers to the caller and carry a message that is safe to show.
const (
	EINVALID      Code = "invalid"
	EMALFORMED    Code = "malformed"
	ENOTFOUND     Code = "not_found"
	EGONE         Code = "gone" // existed, but expired, revoked or erased
	ECONFLICT     Code = "conflict"
	EUNAUTHORIZED Code = "unauthorized" // no credentials, or wrong ones
	EFORBIDDEN    Code = "forbidden"
	ERATELIMITED  Code = "rate_limited"
	ETOOLARGE     Code = "too_large"
	EUNSUPPORTED  Code = "unsupported_media_type"
	EMETHOD       Code = "method_not_allowed"
	EUNAVAILABLE  Code = "unavailable"
	EREJECTED     Code = "rejected" // a provider refused for good, e.g. SES MessageRejected
	EINTERNAL     Code = "internal"
)

// FieldError says what is wrong with one input field.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is a domain error. Message is written for the person or program that made the
// request and never contains internal detail; Err keeps the cause for logs.
type Error struct {
	Code       Code
	Message    string
	Fields     []FieldError
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a domain error with a formatted, user-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected failure; op names what was being done.
func Internal(op string, err error) *Error {
	return &Error{Code: EINTERNAL, Message: "internal error", Err: wrapOp(op, err)}
}

func wrapOp(op string, err error) error { return fmt.Errorf("%s: %w", op, err) }

// Unavailable wraps a dependency that is down or throttling; the caller may retry.
func Unavailable(op string, err error) *Error {
	return &Error{Code: EUNAVAILABLE, Message: "service temporarily unavailable, please retry", Err: wrapOp(op, err)}
}

// Invalid returns an EINVALID error listing the field errors.
func Invalid(fields ...FieldError) *Error {
	return &Error{Code: EINVALID, Message: "some fields need attention", Fields: fields}
}

// ErrorCode returns the code of the first domain error in err's chain, EINTERNAL for
// any other error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err. Non-domain errors get a generic
// message so that internal text never reaches a response.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}

// AsError returns the domain error in err's chain, or an internal one wrapping err.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal("unclassified", err)
}
