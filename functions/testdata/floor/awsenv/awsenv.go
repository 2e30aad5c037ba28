// Package awsenv builds the SDK configuration of the floor binaries from what Lambda
// puts in a function's environment, the way shared/lambdainit.AWSConfigFrom does for
// the functions, without the rest of lambdainit: a floor links its SDK clients and,
// of leadgate, only the runtime loop the functions run on (shared/lambdaruntime).
package awsenv

import (
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Config returns the configuration of AWS_REGION and the role's credentials, with
// AWS_ENDPOINT_URL as every client's endpoint when it is set.
func Config() aws.Config {
	cfg := aws.Config{
		Region: os.Getenv("AWS_REGION"),
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN"))),
	}
	if u := os.Getenv("AWS_ENDPOINT_URL"); u != "" {
		cfg.BaseEndpoint = aws.String(u)
	}
	return cfg
}
