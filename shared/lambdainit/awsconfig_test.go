package lambdainit_test

import (
	"context"
	"strings"
	"testing"

	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"leadgate/shared/lambdainit"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestAWSConfigFromLambdaEnvironment(t *testing.T) {
	vars := map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN": "session", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8765",
	}
	cfg, err := lambdainit.AWSConfigFrom(env(vars))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-west-1" {
		t.Errorf("region = %q", cfg.Region)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "AKIDEXAMPLE" || creds.SecretAccessKey != "secret" || creds.SessionToken != "session" {
		t.Errorf("credentials = %+v, %v", creds, err)
	}
	if got := awsddb.NewFromConfig(cfg).Options().BaseEndpoint; got == nil || *got != "http://127.0.0.1:8765" {
		t.Errorf("DynamoDB endpoint = %v, want the AWS_ENDPOINT_URL_DYNAMODB override", got)
	}
	if got := sesv2.NewFromConfig(cfg).Options().BaseEndpoint; got != nil {
		t.Errorf("SES endpoint = %q, want the service's own (no override set)", *got)
	}

	vars["AWS_ENDPOINT_URL_SESV2"] = "http://127.0.0.1:8005"
	cfg, _ = lambdainit.AWSConfigFrom(env(vars))
	if got := sesv2.NewFromConfig(cfg).Options().BaseEndpoint; got == nil || *got != "http://127.0.0.1:8005" {
		t.Errorf("SES endpoint = %v, want the AWS_ENDPOINT_URL_SESV2 override", got)
	}

	vars["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
	cfg, _ = lambdainit.AWSConfigFrom(env(vars))
	if got := awsddb.NewFromConfig(cfg).Options().BaseEndpoint; got != nil {
		t.Errorf("DynamoDB endpoint = %q with overrides ignored", *got)
	}
}

func TestAWSConfigNamesWhatIsMissing(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"AWS_REGION":        {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"},
		"AWS_ACCESS_KEY_ID": {"AWS_REGION": "eu-west-1"},
	} {
		if _, err := lambdainit.AWSConfigFrom(env(vars)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: %v, want an error naming it", name, err)
		}
	}
}

func TestConsoleUsersMustNameSomeone(t *testing.T) {
	for _, list := range []string{"", " , ;"} {
		if _, err := lambdainit.ConsoleUsers(env(map[string]string{"CONSOLE_USERS": list})); err == nil || !strings.Contains(err.Error(), "CONSOLE_USERS is empty") {
			t.Errorf("CONSOLE_USERS %q: %v, want it named empty", list, err)
		}
	}
	if _, err := lambdainit.ConsoleUsers(env(map[string]string{"CONSOLE_USERS": "not an address"})); err == nil || !strings.HasPrefix(err.Error(), "CONSOLE_USERS: ") {
		t.Errorf("a malformed list: %v, want an error naming CONSOLE_USERS", err)
	}
	users, err := lambdainit.ConsoleUsers(env(map[string]string{"CONSOLE_USERS": "Ada@Example.com; grace@example.com"}))
	if err != nil || len(users.Emails()) != 2 {
		t.Fatalf("two addresses: %v, %v", users.Emails(), err)
	}
}
