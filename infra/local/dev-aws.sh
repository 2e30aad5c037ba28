#!/usr/bin/env bash
# dev-aws.sh runs the local server on the AWS adapters against DynamoDB Local and
# aws-ses-v2-local: the table is created from the same definition as template.yaml,
# its stream is polled as Lambda's event source mapping does, and follow-up emails go
# through the SES v2 API to the emulator (its mailbox: http://127.0.0.1:8005/).
# DynamoDB Local keeps its tables and their streams in $LEADGATE_DATA_DIR/dynamodb-local
# (default .local/dynamodb-local; delete it to start afresh), so that a restart, or a
# server killed mid-stream, reads on from the stream position the server saved in
# $LEADGATE_DATA_DIR/stream; SES's emulator keeps mail in memory. Both stop when the
# server stops. To point at a real account instead, run
#   go run ./cmd/leadgate-dev -backend aws -table <your table>
# with your usual AWS credentials and no AWS_ENDPOINT_URL.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
port="${DYNAMODB_LOCAL_PORT:-8765}"
export DYNAMODB_LOCAL_PORT="$port"
ses_port="${SES_LOCAL_PORT:-8005}"
data_dir="${LEADGATE_DATA_DIR:-.local}"
export DYNAMODB_LOCAL_DB_PATH="${DYNAMODB_LOCAL_DB_PATH:-$data_dir/dynamodb-local}"
export SES_LOCAL_PORT="$ses_port"
bash infra/local/dynamodb-local.sh install
bash infra/local/ses-local.sh install
trap 'bash infra/local/dynamodb-local.sh stop; bash infra/local/ses-local.sh stop' EXIT
bash infra/local/dynamodb-local.sh start
bash infra/local/ses-local.sh start
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
export AWS_ENDPOINT_URL_DYNAMODB_STREAMS="http://127.0.0.1:$port"
export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$ses_port"
export AWS_REGION="${AWS_REGION:-us-east-1}"
# DynamoDB Local accepts any credentials; these never reach AWS.
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
unset AWS_PROFILE AWS_SESSION_TOKEN
go run ./cmd/leadgate-dev -backend aws "$@"
