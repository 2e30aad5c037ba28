#!/usr/bin/env bash
# dev-aws.sh runs the local server on the AWS adapters against DynamoDB Local: the
# table is created from the same definition as template.yaml, and its stream is
# polled as Lambda's event source mapping does. DynamoDB Local runs in memory and is
# stopped when the server stops. To point at a real account instead, run
#   go run ./cmd/leadgate-dev -backend aws -table <your table>
# with your usual AWS credentials and no AWS_ENDPOINT_URL.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
port="${DYNAMODB_LOCAL_PORT:-8765}"
export DYNAMODB_LOCAL_PORT="$port"
bash infra/local/dynamodb-local.sh install
bash infra/local/dynamodb-local.sh start
trap 'bash infra/local/dynamodb-local.sh stop' EXIT
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
export AWS_REGION="${AWS_REGION:-us-east-1}"
# DynamoDB Local accepts any credentials; these never reach AWS.
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
unset AWS_PROFILE AWS_SESSION_TOKEN
go run ./cmd/leadgate-dev -backend aws "$@"
