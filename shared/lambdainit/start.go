package lambdainit

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"leadgate/shared/configcache"
	"leadgate/shared/dynamodb"
	"leadgate/shared/lambdalog"
)

// Setup builds a function's handler from its environment; the functions' tests call
// it with an environment of their own.
type Setup[H any] func(ctx context.Context, getenv func(string) string, log *slog.Logger) (H, error)

// Start is the body of every function's main: JSON logs with the request id as the
// default logger, setup with the process's environment, and a setup that fails
// reported to Lambda as the init error (Fail), which shows the reason and retries the
// cold start. It returns the handler for lambdaruntime.Start.
func Start[H any](name string, setup Setup[H]) H {
	log := lambdalog.New(os.Stdout)
	slog.SetDefault(log) // the apigw adapter and Fail log through the default
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		Fail(fmt.Errorf("%s function cannot start: %w", name, err))
	}
	return h
}

// PageCacheTTL is how long a container keeps a page or magnet it read: a saved page
// reaches every function within it.
const PageCacheTTL = time.Minute

// Store reads TABLE_NAME and the AWS configuration, and returns the DynamoDB store on
// the table with the configuration, for the function's other clients. Functions call
// it after reading their own settings, so that a missing one is named before any AWS
// setting.
func Store(getenv func(string) string) (*dynamodb.Store, aws.Config, error) {
	table, err := Table(getenv)
	if err != nil {
		return nil, aws.Config{}, err
	}
	cfg, err := AWSConfigFrom(getenv)
	if err != nil {
		return nil, aws.Config{}, err
	}
	return dynamodb.New(awsddb.NewFromConfig(cfg), table), cfg, nil
}

// CachedStore is Store with pages and magnets cached per container for PageCacheTTL:
// for the functions that serve visitors, where a page read per request would cost
// more than a minute's delay after a save.
func CachedStore(getenv func(string) string) (*configcache.Store, aws.Config, error) {
	store, cfg, err := Store(getenv)
	if err != nil {
		return nil, cfg, err
	}
	return configcache.New(store, PageCacheTTL, time.Now), cfg, nil
}
