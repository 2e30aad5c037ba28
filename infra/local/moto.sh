#!/usr/bin/env bash
# moto.sh installs, starts and stops moto's server mode, an AWS emulator, for the
# tests that read the signing secret from Secrets Manager (shared/lambdainit), and
# for `sam local invoke` (infra/sam-local-env.json names the secret it seeds).
#
#   install  pip-install moto[server] into its own venv, .cache/moto (cached, idempotent)
#   start    run it on 127.0.0.1:$MOTO_PORT (default 5000), seed the local secret,
#            and print the endpoint
#   stop     stop the instance that start launched on that port
#
# It keeps everything in memory: a restart empties it, and start seeds again.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$root/.cache/moto"
version="5.2.5" # pinned so every machine runs the same
server="$cache/bin/moto_server"
port="${MOTO_PORT:-5000}"
host="${MOTO_HOST:-127.0.0.1}" # 0.0.0.0 lets sam local's containers reach it
pidfile="$cache/moto-$port.pid" # one per port: instances on other ports are not ours
logfile="$cache/moto-$port.log"
name="moto"
match="$server"
# The secret sam local's functions read (SIGNING_SECRET_ARN names it): the same
# local fake the events' form tokens are signed with, never used in a deployment.
local_secret_name="leadgate-local-signing-secret"
local_secret='{"secret":"events-fixture-secret-never-used-in-a-deployment"}'
# shellcheck source=proc.sh
source "$(dirname "${BASH_SOURCE[0]}")/proc.sh"

install() {
	if [[ -x "$server" ]] && "$cache/bin/python" -c "import moto,sys; sys.exit(moto.__version__ != '$version')" 2>/dev/null; then
		echo "moto already installed: $server"
		return
	fi
	command -v python3 >/dev/null || { echo "python3 is needed to install moto" >&2; exit 1; }
	# Its own venv: moto pins boto3 and friends, which SAM CLI's venv must not share.
	python3 -m venv "$cache"
	"$cache/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$version" >&2
	[[ -x "$server" ]] || { echo "moto installed, but $server is missing" >&2; exit 1; }
	echo "moto installed: $server"
}

ready() {
	curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/moto-api/" 2>/dev/null
}

# seed creates the local secret (again, after a restart) with moto's own endpoint.
seed() {
	curl -fsS -o /dev/null --max-time 5 -X POST "http://127.0.0.1:$port/" \
		-H 'Content-Type: application/x-amz-json-1.1' \
		-H 'X-Amz-Target: secretsmanager.CreateSecret' \
		-H 'Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0' \
		--data "$(printf '{"Name":"%s","SecretString":%s}' "$local_secret_name" "$(printf '%s' "$local_secret" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')")" ||
		true # already there
}

start() {
	[[ -x "$server" ]] || { echo "moto is not installed: run $0 install" >&2; exit 1; }
	command -v curl >/dev/null || { echo "curl is needed to wait for moto" >&2; exit 1; }
	if ! already_running "http://127.0.0.1:$port"; then
		if port_answers "$port"; then
			echo "port $port is already in use; set MOTO_PORT" >&2
			exit 1
		fi
		"$server" -H "$host" -p "$port" >"$logfile" 2>&1 </dev/null &
		echo $! >"$pidfile"
		wait_ready 150 "http://127.0.0.1:$port"
	fi
	seed
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
