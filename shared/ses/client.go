package ses

import (
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"leadgate/shared/sesmail"
)

// The retries of one SendEmail call: see sesmail.MaxAttempts and MaxBackoff.
const (
	MaxAttempts = sesmail.MaxAttempts
	MaxBackoff  = sesmail.MaxBackoff
)

// ClientOptions returns the options every SES v2 client of the deployment is built
// with: sesv2.NewFromConfig(cfg, ses.ClientOptions()).
//
// The client retries as sesmail.NewRetryer says (the SDK's adaptive mode), as the
// functions' sesmail.Client does. Each client keeps its rate in its retryer: build
// one client per process and share it.
func ClientOptions() func(*sesv2.Options) {
	return func(o *sesv2.Options) {
		o.Retryer = sesmail.NewRetryer()
	}
}
