#!/usr/bin/env bash
# minio.sh installs, starts and stops MinIO for the S3 adapter's tests: unlike s3rver,
# MinIO checks presigned URLs' signatures and expiry the way S3 does.
#
#   install  build MinIO into .cache/bin (cached, idempotent; the first build takes
#            about 7 minutes and 150 MB)
#   start    run it on 127.0.0.1:$MINIO_PORT (default 9900), console on PORT+1, data
#            under .cache/minio-data-PORT, and print the endpoint
#   stop     stop the instance that start launched on that port
#
# The credentials are fixed local values, not secrets: the server listens on loopback
# only and keeps nothing but test buckets. The tests use the same pair.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$root/.cache"
bin="$cache/bin/minio"
# MinIO publishes no semver tags to the module proxy; this is the pseudo-version that
# @latest resolved to, pinned so that every machine builds the same server.
version="v0.0.0-20260212201848-7aac2a2c5b7c"
port="${MINIO_PORT:-9900}"
console_port=$((port + 1))
data="$cache/minio-data-$port"
pidfile="$cache/minio-$port.pid" # one per port: instances on other ports are not ours
logfile="$cache/minio-$port.log"
name="MinIO"
match="$bin server"
# shellcheck source=proc.sh
source "$(dirname "${BASH_SOURCE[0]}")/proc.sh"

export MINIO_ROOT_USER=leadgate
export MINIO_ROOT_PASSWORD=leadgate-local-secret

install() {
	if [[ -x "$bin" ]]; then
		echo "MinIO already installed: $bin"
		return
	fi
	command -v go >/dev/null || { echo "go is needed to build MinIO" >&2; exit 1; }
	mkdir -p "$cache/bin"
	echo "building MinIO $version into $cache/bin (about 7 minutes, once)" >&2
	# Outside the repo's module, so its go.mod is neither read nor touched.
	(cd "$cache" && GOBIN="$cache/bin" GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
		go install "github.com/minio/minio@$version")
	echo "MinIO installed: $bin"
}

ready() {
	curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/minio/health/live" 2>/dev/null
}

start() {
	[[ -x "$bin" ]] || { echo "MinIO is not installed: run $0 install" >&2; exit 1; }
	command -v curl >/dev/null || { echo "curl is needed to wait for MinIO" >&2; exit 1; }
	already_running "http://127.0.0.1:$port" && return
	for p in "$port" "$console_port"; do
		if port_answers "$p"; then
			echo "port $p is already in use; set MINIO_PORT" >&2
			exit 1
		fi
	done
	mkdir -p "$data"
	MINIO_BROWSER=off MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off \
		"$bin" server --quiet --address "127.0.0.1:$port" --console-address "127.0.0.1:$console_port" "$data" \
		>"$logfile" 2>&1 </dev/null &
	echo $! >"$pidfile"
	wait_ready 150 "http://127.0.0.1:$port"
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop ;;
*)
	echo "usage: $0 install|start|stop" >&2
	exit 2
	;;
esac
