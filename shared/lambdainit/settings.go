package lambdainit

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"leadgate/shared/signing"
)

// Table reads TABLE_NAME, the DynamoDB table every function works on.
func Table(getenv func(string) string) (string, error) {
	table := getenv("TABLE_NAME")
	if table == "" {
		return "", errors.New("TABLE_NAME is not set: name the DynamoDB table of leads")
	}
	return table, nil
}

// SigningKey reads FORM_SIGNING_SECRET, the secret behind form tokens and link tokens.
func SigningKey(getenv func(string) string) (*signing.Key, error) {
	key, err := signing.NewKey([]byte(getenv("FORM_SIGNING_SECRET")))
	if err != nil {
		return nil, fmt.Errorf("FORM_SIGNING_SECRET: %w", err)
	}
	return key, nil
}

// AWSConfig loads the SDK's configuration from the function's environment.
func AWSConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return cfg, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}
