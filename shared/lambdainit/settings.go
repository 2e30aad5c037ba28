package lambdainit

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"leadgate/shared/leadgate"
)

// Table reads TABLE_NAME, the DynamoDB table every function works on.
func Table(getenv func(string) string) (string, error) {
	table := getenv("TABLE_NAME")
	if table == "" {
		return "", errors.New("TABLE_NAME is not set: name the DynamoDB table of leads")
	}
	return table, nil
}

// ConsoleUsers reads CONSOLE_USERS, the addresses that may sign in to the console:
// a console function cannot start without one.
func ConsoleUsers(getenv func(string) string) (leadgate.ConsoleUsers, error) {
	users, err := leadgate.ParseConsoleUsers(getenv("CONSOLE_USERS"))
	if err != nil {
		return leadgate.ConsoleUsers{}, fmt.Errorf("CONSOLE_USERS: %w", err)
	}
	if len(users.Emails()) == 0 {
		return leadgate.ConsoleUsers{}, errors.New("CONSOLE_USERS is empty: name the addresses that may sign in to the console")
	}
	return users, nil
}

// AWSConfigFrom builds the SDK's configuration from what Lambda puts in a function's
// environment: AWS_REGION, and the role's credentials in AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_<SERVICE> point clients at local emulators, as the SDK's own
// loader does. That loader (config.LoadDefaultConfig) also links STS, SSO, IMDS and
// the shared config files, which a function never uses: megabytes of binary and a
// millisecond of cold start.
func AWSConfigFrom(getenv func(string) string) (aws.Config, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		return aws.Config{}, errors.New("AWS_REGION is not set: Lambda sets it; locally, name the region")
	}
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return aws.Config{}, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: Lambda sets them from the function's role")
	}
	cfg := aws.Config{
		Region:        region,
		Credentials:   aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN"))),
		ConfigSources: []any{envEndpoints(getenv)},
	}
	if ignoreEndpoints(getenv) {
		return cfg, nil
	}
	if u := getenv("AWS_ENDPOINT_URL"); u != "" {
		cfg.BaseEndpoint = aws.String(u)
	}
	return cfg, nil
}

// envEndpoints gives each service client its AWS_ENDPOINT_URL_<SERVICE> override:
// the SDK's clients ask every value of Config.ConfigSources that has this method.
type envEndpoints func(string) string

// GetServiceBaseEndpoint returns the endpoint set for the service with SDK id sdkID
// ("DynamoDB", "SESv2", "S3", "Secrets Manager").
func (getenv envEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	if ignoreEndpoints(getenv) {
		return "", false, nil
	}
	name := "AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(sdkID, " ", "_"))
	if u := getenv(name); u != "" {
		return u, true, nil
	}
	return "", false, nil
}

// ignoreEndpoints honours AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, as the SDK does.
func ignoreEndpoints(getenv func(string) string) bool {
	return strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true")
}
