package s3

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"leadgate/shared/leadgate"
)

// Error codes S3 (and MinIO) answer that mean "slow down" or "try again": the SDK has
// already retried them with back-off by the time they reach errorFor.
var transientCodes = map[string]bool{
	"SlowDown":                   true,
	"Throttling":                 true,
	"ThrottlingException":        true,
	"RequestThrottled":           true,
	"TooManyRequestsException":   true,
	"RequestLimitExceeded":       true,
	"ServiceUnavailable":         true,
	"InternalError":              true,
	"RequestTimeout":             true,
	"XMinioServerNotInitialized": true,
}

// Error codes that mean the deployment is wrong (bucket, policy, credentials): they
// will not pass by retrying, and must be logged with the bucket they concern.
var deploymentCodes = map[string]string{
	"NoSuchBucket":                 "the bucket does not exist",
	"AccessDenied":                 "access denied: check the function's IAM policy and the bucket policy",
	"AllAccessDisabled":            "access to the bucket is disabled",
	"InvalidAccessKeyId":           "the access key is not known",
	"SignatureDoesNotMatch":        "the request signature was refused: check the credentials",
	"ExpiredToken":                 "the credentials have expired",
	"InvalidToken":                 "the session token is not valid",
	"KMS.DisabledException":        "the bucket's KMS key is disabled",
	"PermanentRedirect":            "the bucket is in another region",
	"AuthorizationHeaderMalformed": "the request was signed for the wrong region",
}

// errorFor maps an SDK error to a domain error, so that callers never see SDK types.
// op names what was being done, with the key and bucket: internal errors are logged
// with their cause, and keys and bucket names hold no personal data.
func errorFor(op string, err error) error {
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
	case deploymentCodes[code] != "":
		return leadgate.Internal(op, fmt.Errorf("%s: %w", deploymentCodes[code], err))
	case code == "EntityTooLarge":
		return &leadgate.Error{Code: leadgate.ETOOLARGE, Message: "the file is too large for one upload", Err: fmt.Errorf("%s: %w", op, err)}
	case transientCodes[code], statusCode == 429, statusCode >= 500,
		errors.As(err, &send), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return leadgate.Unavailable(op, err)
	}
	return leadgate.Internal(op, err)
}
