package capture

import (
	"time"

	"leadgate/shared/leadgate"
)

// CheckValues validates a post's values against page's fields as Capture does, and
// stores nothing: for an edge that refuses a post for a reason of its own (a failed
// captcha) to list the fields' errors with its own.
func CheckValues(page leadgate.Page, req Request) error {
	_, _, err := buildSubmission(page, req, time.Time{})
	return err
}
