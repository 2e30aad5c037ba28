// Command hello is the smallest aws-lambda-go function: the floor of every
// function's size and cold init, before any SDK client (see BenchmarkColdInit).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context) (string, error) { return "hello", nil })
}
