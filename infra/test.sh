#!/usr/bin/env bash
# Every check and test of the repository: formatting, vet, staticcheck; the SAM
# template linted and built with SAM CLI and cfn-lint (installed into .cache/venv);
# then all Go tests with the race detector, with DynamoDB Local, MinIO,
# aws-ses-v2-local and moto installed (cached under .cache/) and started on 127.0.0.1
# for the DynamoDB, S3, SES and Secrets Manager tests, and stopped afterwards. Debian's
# poppler-utils and chromium are installed with apt-get when missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

step() { printf '\n== %s\n' "$*"; }

step "gofmt"
unformatted=$(gofmt -l cmd functions shared)
if [[ -n "$unformatted" ]]; then
	echo "not gofmt-ed:"; echo "$unformatted"; exit 1
fi

step "go mod tidy"
# go.mod and go.sum list exactly the modules the code imports; -diff shows what tidy
# would change and fails, without changing anything.
if ! go mod tidy -diff; then
	echo "go.mod or go.sum is not tidy: run go mod tidy"; exit 1
fi

step "go vet"
go vet ./...

step "staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

step "tools"
# pdftotext reads the generated sample magnet back in the tests, as a PDF reader would;
# Debian's chromium is the real browser of the hosted page's test
# (shared/localdev/browser_test.go).
missing=()
command -v pdftotext >/dev/null || missing+=(poppler-utils)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
if [[ ${#missing[@]} -gt 0 ]]; then
	sudo=()
	[[ $(id -u) -eq 0 ]] || sudo=(sudo)
	"${sudo[@]}" apt-get update -qq
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

step "axe-core"
# The accessibility rules the browser tests inject into every page they open.
bash infra/local/axe-core.sh install
export LEADGATE_AXE_JS="$(bash infra/local/axe-core.sh path)"

step "SAM template: sam validate --lint, sam build"
bash infra/local/sam-cli.sh install
export PATH="$(bash infra/local/sam-cli.sh path):$PATH"
export SAM_CLI_TELEMETRY=0
sam validate --lint
sam build

step "DynamoDB Local"
bash infra/local/dynamodb-local.sh install
port="${DYNAMODB_LOCAL_PORT:-8765}"
export DYNAMODB_LOCAL_PORT="$port"
trap 'bash infra/local/dynamodb-local.sh stop || true' EXIT
bash infra/local/dynamodb-local.sh start
export LEADGATE_DYNAMODB_ENDPOINT="http://127.0.0.1:$port"

step "MinIO"
bash infra/local/minio.sh install
minio_port="${MINIO_PORT:-9900}"
export MINIO_PORT="$minio_port"
trap 'bash infra/local/dynamodb-local.sh stop || true; bash infra/local/minio.sh stop || true' EXIT
bash infra/local/minio.sh start
export LEADGATE_MINIO_ENDPOINT="http://127.0.0.1:$minio_port"

step "aws-ses-v2-local"
bash infra/local/ses-local.sh install
ses_port="${SES_LOCAL_PORT:-8005}"
export SES_LOCAL_PORT="$ses_port"
trap 'bash infra/local/dynamodb-local.sh stop || true; bash infra/local/minio.sh stop || true; bash infra/local/ses-local.sh stop || true' EXIT
bash infra/local/ses-local.sh start
export LEADGATE_SES_ENDPOINT="http://127.0.0.1:$ses_port"

step "moto (Secrets Manager)"
# The functions read the signing secret from Secrets Manager at init; the bootstrap
# and lambdainit tests read it from moto's.
bash infra/local/moto.sh install
moto_port="${MOTO_PORT:-5000}"
export MOTO_PORT="$moto_port"
trap 'bash infra/local/dynamodb-local.sh stop || true; bash infra/local/minio.sh stop || true; bash infra/local/ses-local.sh stop || true; bash infra/local/moto.sh stop || true' EXIT
bash infra/local/moto.sh start
export LEADGATE_MOTO_ENDPOINT="http://127.0.0.1:$moto_port"

step "go test"
# The emulator mode's kill -9 test (500 captures, three restarts) and its 2-minute SES
# outage run for minutes: more than go test's default 10 on a busy machine.
go test -race -count=1 -timeout 30m ./...
