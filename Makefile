# Leadgate: run it locally with `make dev`, test everything with `make test`.
GO ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

# Lambda builds: provided.al2023 on arm64, no RPC shim, stripped, reproducible paths.
LAMBDA_ENV := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags "-s -w"

.PHONY: help dev dev-aws test check bench clean build-CaptureFunction build-DownloadFunction build-FollowupFunction build-DispatcherFunction build-LinksFunction build-PageFunction build-SesEventsFunction build-AdminFunction build-ConsoleFunction build-ConsoleEditorFunction build-ConsoleContentFunction

help:
	@echo "make dev    run the whole backend locally on the embedded store (http://localhost:8080)"
	@echo "make dev-aws  the same server on the AWS adapters against DynamoDB Local, following its stream"
	@echo "make test   run every check and test (installs DynamoDB Local on first run)"
	@echo "make bench  run the benchmarks"

# dev and dev-aws build the local server first and say so: on a fresh machine the
# build compiles the SDK and the standard library for minutes, with no output of its
# own. ARGS are the server's flags, e.g. make dev-aws ARGS="-table leadgate-mine".
.PHONY: dev-server
dev-server:
	@echo "building the local server into .cache/bin/leadgate-dev"
	@n=$$($(GO) list -deps -f '{{if .Stale}}{{.ImportPath}}{{end}}' ./cmd/leadgate-dev | grep -c .); \
	if [ "$$n" -gt 100 ]; then echo "$$n packages to compile: the first build takes a few minutes..."; \
	elif [ "$$n" -gt 0 ]; then echo "$$n packages to compile..."; fi
	@$(GO) build -o .cache/bin/leadgate-dev ./cmd/leadgate-dev

dev: dev-server
	.cache/bin/leadgate-dev $(ARGS)

# dev-aws.sh runs the server with go run, which then finds every package compiled.
dev-aws: dev-server
	bash infra/local/dev-aws.sh $(ARGS)

test:
	bash infra/test.sh

# check: formatting, vet and staticcheck only (make test runs them too).
check:
	@unformatted=$$(gofmt -l cmd functions shared); if [ -n "$$unformatted" ]; then echo "not gofmt-ed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# bench: the benchmarks, raw output under .cache/bench/, and a table of the targets.
bench:
	bash infra/bench.sh

# sam build calls build-<LogicalId> with ARTIFACTS_DIR set (BuildMethod: makefile), in
# the source tree (build_in_source in samconfig.toml), so Go's build cache applies.
# sam build empties ARTIFACTS_DIR every time, so each function is built into its own
# .build/<dir>/bootstrap instead, which go build leaves alone (no link) when the
# binary's build ID says it is up to date: a function whose packages, flags and
# toolchain are unchanged is only copied. A change in shared code changes the build ID
# of every function that imports it, and only those are compiled and linked again.
# LAMBDA_OUT moves the binaries elsewhere (the tests build into a directory of theirs).
LAMBDA_OUT ?= .build
define lambda-build
$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(LAMBDA_OUT)/$(1)/bootstrap ./functions/$(1)
cp $(LAMBDA_OUT)/$(1)/bootstrap $(ARTIFACTS_DIR)/bootstrap
endef

build-CaptureFunction:
	$(call lambda-build,capture)

build-DownloadFunction:
	$(call lambda-build,download)

build-FollowupFunction:
	$(call lambda-build,followup)

build-DispatcherFunction:
	$(call lambda-build,dispatcher)

build-LinksFunction:
	$(call lambda-build,links)

build-PageFunction:
	$(call lambda-build,page)

build-SesEventsFunction:
	$(call lambda-build,ses-events)

build-AdminFunction:
	$(call lambda-build,admin)

build-ConsoleFunction:
	$(call lambda-build,console)

build-ConsoleEditorFunction:
	$(call lambda-build,console-editor)

build-ConsoleContentFunction:
	$(call lambda-build,console-content)

clean:
	rm -rf .aws-sam .build bin
