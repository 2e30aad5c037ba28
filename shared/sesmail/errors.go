package sesmail

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"leadgate/shared/leadgate"
)

// ErrNoMessageID is the cause of an internal error when SES accepts a message
// without saying its ID.
var ErrNoMessageID = errors.New("SES answered without a message ID")

// Error codes that mean "slow down" or "try again": the SDK has already retried them
// with back-off by the time they reach ErrorFor.
var transientCodes = map[string]bool{
	"TooManyRequestsException":        true,
	"LimitExceededException":          true, // a sending limit, which refills
	"Throttling":                      true,
	"ThrottlingException":             true,
	"InternalServiceErrorException":   true,
	"InternalFailure":                 true,
	"ServiceUnavailable":              true,
	"ServiceUnavailableException":     true,
	"RequestTimeout":                  true,
	"RequestTimeoutException":         true,
	"ConcurrentModificationException": true,
}

// Error codes that mean SES refused this message, or will refuse any, until someone
// acts: retrying will not help.
var rejectedCodes = map[string]string{
	"MessageRejected":                    "the message was rejected",
	"MailFromDomainNotVerifiedException": "the MAIL FROM domain is not verified",
	"SendingPausedException":             "sending is paused for the account or the configuration set",
	"AccountSuspendedException":          "the account's sending is suspended",
	"NotFoundException":                  "a resource (the configuration set?) does not exist",
	"BadRequestException":                "the request was refused as malformed",
}

// Error codes that mean the deployment is wrong (credentials, policy): logged as
// internal errors with a hint.
var deploymentCodes = map[string]string{
	"AccessDeniedException":       "access denied: check the function's IAM policy (ses:SendEmail on the identity and the configuration set)",
	"AccessDenied":                "access denied: check the function's IAM policy (ses:SendEmail on the identity and the configuration set)",
	"UnrecognizedClientException": "the access key is not known",
	"InvalidSignatureException":   "the request signature was refused: check the credentials",
	"SignatureDoesNotMatch":       "the request signature was refused: check the credentials",
	"ExpiredTokenException":       "the credentials have expired",
	"ExpiredToken":                "the credentials have expired",
}

// ErrorFor maps an error of a send (the SDK client's or Client's, which have the
// same shape) to a domain error, so that callers never see SDK types. The error code goes into the wrapped cause, for the logs; the user message
// is the code's generic one. op names what was being done, without addresses.
func ErrorFor(op string, err error) error {
	var (
		apiErr smithy.APIError
		status interface{ HTTPStatusCode() int }
		send   *smithyhttp.RequestSendError
	)
	code := ""
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
	}
	statusCode := 0
	if errors.As(err, &status) {
		statusCode = status.HTTPStatusCode()
	}
	switch {
	case rejectedCodes[code] != "":
		return &leadgate.Error{
			Code:    leadgate.EREJECTED,
			Message: "the email provider refused the message",
			Err:     fmt.Errorf("%s: %s (%s): %w", op, rejectedCodes[code], code, err),
		}
	case deploymentCodes[code] != "":
		return leadgate.Internal(op, fmt.Errorf("%s (%s): %w", deploymentCodes[code], code, err))
	case transientCodes[code], statusCode == 429, statusCode >= 500,
		errors.As(err, &send), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		if code != "" {
			err = fmt.Errorf("%s: %w", code, err)
		}
		return leadgate.Unavailable(op, err)
	}
	return leadgate.Internal(op, err)
}
