#!/usr/bin/env bash
# ses-local.sh installs, starts and stops aws-ses-v2-local, an SES v2 emulator, for
# the SES adapter's tests: it takes SendEmail as SES does and keeps each message,
# listing them at GET /store and giving each one's MIME at
# GET /get-emlContent?messageId=ID.
#
#   install  install the npm package into .cache/ses-local (cached, idempotent)
#   start    run it on 127.0.0.1:$SES_LOCAL_PORT (default 8005) and print the endpoint
#   stop     stop the instance that start launched on that port
#
# It keeps mail in memory only: a restart empties its store.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$root/.cache/ses-local"
pkg="aws-ses-v2-local@2.10.2" # the version the registry serves; pinned so every machine runs the same
cli="$cache/node_modules/aws-ses-v2-local/dist/cli.js"
port="${SES_LOCAL_PORT:-8005}"
pidfile="$cache/ses-local-$port.pid" # one per port: instances on other ports are not ours
logfile="$cache/ses-local-$port.log"
name="aws-ses-v2-local"
match="$cli"
# shellcheck source=proc.sh
source "$(dirname "${BASH_SOURCE[0]}")/proc.sh"

install() {
	if [[ -f "$cli" ]] && grep -q '"version": "2.10.2"' "$cache/node_modules/aws-ses-v2-local/package.json"; then
		echo "aws-ses-v2-local already installed: $cli"
		return
	fi
	command -v npm >/dev/null || { echo "npm is needed to install aws-ses-v2-local" >&2; exit 1; }
	mkdir -p "$cache"
	# Its own folder with its own package.json, so the repository has no node_modules
	# and no lock file to keep.
	[[ -f "$cache/package.json" ]] || echo '{"name":"leadgate-ses-local","private":true}' >"$cache/package.json"
	npm install --prefix "$cache" --no-audit --no-fund --loglevel=error --save-exact "$pkg" >&2
	[[ -f "$cli" ]] || { echo "aws-ses-v2-local installed, but $cli is missing" >&2; exit 1; }
	echo "aws-ses-v2-local installed: $cli"
}

ready() {
	curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/store" 2>/dev/null
}

start() {
	[[ -f "$cli" ]] || { echo "aws-ses-v2-local is not installed: run $0 install" >&2; exit 1; }
	command -v node >/dev/null || { echo "node is needed to run aws-ses-v2-local" >&2; exit 1; }
	command -v curl >/dev/null || { echo "curl is needed to wait for aws-ses-v2-local" >&2; exit 1; }
	already_running "http://127.0.0.1:$port" && return
	if port_answers "$port"; then
		echo "port $port is already in use; set SES_LOCAL_PORT" >&2
		exit 1
	fi
	node "$cli" --host 127.0.0.1 --port "$port" >"$logfile" 2>&1 </dev/null &
	echo $! >"$pidfile"
	wait_ready 100 "http://127.0.0.1:$port"
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
