package dynamodb

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"leadgate/shared/leadgate"
)

// errorFor maps an SDK error to a domain error, so that callers never see SDK types.
// op names what was being done; it must not hold an email address, because internal
// errors are logged with their cause.
func errorFor(op string, err error) error {
	var (
		condition   *types.ConditionalCheckFailedException
		canceled    *types.TransactionCanceledException
		throughput  *types.ProvisionedThroughputExceededException
		throttled   *types.ThrottlingException
		requests    *types.RequestLimitExceeded
		conflict    *types.TransactionConflictException
		inProgress  *types.TransactionInProgressException
		replicated  *types.ReplicatedWriteConflictException
		serverError *types.InternalServerError
		missing     *types.ResourceNotFoundException
		send        *smithyhttp.RequestSendError
	)
	switch {
	case errors.As(err, &condition), errors.As(err, &canceled):
		return changedMeanwhile(op, err)
	case errors.As(err, &throughput), errors.As(err, &throttled), errors.As(err, &requests),
		errors.As(err, &conflict), errors.As(err, &inProgress), errors.As(err, &replicated),
		errors.As(err, &serverError), errors.As(err, &send),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return leadgate.Unavailable(op, err)
	case errors.As(err, &missing):
		// A missing table is a deployment fault, not a passing one: log it.
		return leadgate.Internal(op, fmt.Errorf("table or index does not exist: %w", err))
	}
	return leadgate.Internal(op, err)
}

// changedMeanwhile is the answer to a write whose condition failed unexpectedly:
// another writer got there first, and the caller may retry.
func changedMeanwhile(op string, err error) error {
	return leadgate.ErrRecordChanged.WithCause(op, err)
}
