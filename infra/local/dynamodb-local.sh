#!/usr/bin/env bash
# dynamodb-local.sh installs, starts and stops DynamoDB Local for the adapter tests.
#
#   install  fetch DynamoDB Local into .cache/dynamodb-local (cached, idempotent)
#   start    run it on 127.0.0.1:$DYNAMODB_LOCAL_PORT (default 8765), in memory, or
#            keeping its tables and streams in the folder $DYNAMODB_LOCAL_DB_PATH if set
#   stop     stop the instance that start launched
#
# The jar comes from the npm package amplify-dynamodb-simulator, which ships
# DynamoDBLocal.jar (v1.25.1) with its sqlite4java native libraries. DynamoDB Local
# has no host flag and its own main listens on every interface, so a small launcher
# (compiled at install) binds its Jetty connector to 127.0.0.1 before starting it.
# Clients use http://127.0.0.1:PORT.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$root/.cache/dynamodb-local"
pkg="amplify-dynamodb-simulator@2.9.30"
port="${DYNAMODB_LOCAL_PORT:-8765}"
pidfile="$cache/dynamodb-local-$port.pid" # one per port: instances on other ports are not ours
launcher="$cache/loopback"
logfile="$cache/dynamodb-local-$port.log"
name="DynamoDB Local"
match="DynamoDBLocalLoopback"
# shellcheck source=proc.sh
source "$(dirname "${BASH_SOURCE[0]}")/proc.sh"

# jar_path prints the installed DynamoDBLocal.jar, or nothing.
jar_path() {
	local jar="$cache/package/emulator/DynamoDBLocal.jar"
	[[ -f "$jar" ]] && echo "$jar"
	return 0
}

# build_launcher compiles the launcher that binds DynamoDB Local to loopback only.
build_launcher() {
	[[ -f "$launcher/DynamoDBLocalLoopback.class" ]] && return
	command -v javac >/dev/null || { echo "javac (JDK 17 or later) is needed" >&2; exit 1; }
	mkdir -p "$launcher"
	cat >"$launcher/DynamoDBLocalLoopback.java" <<'JAVA'
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

// Runs DynamoDB Local with its usual arguments but listening on 127.0.0.1 only.
public class DynamoDBLocalLoopback {
    public static void main(String[] args) throws Exception {
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field f = DynamoDBProxyServer.class.getDeclaredField("server");
        f.setAccessible(true);
        Server server = (Server) f.get(proxy);
        for (Connector c : server.getConnectors()) {
            ((ServerConnector) c).setHost("127.0.0.1");
        }
        proxy.start();
    }
}
JAVA
	local dir
	dir="$(dirname "$(jar_path)")"
	javac -nowarn -d "$launcher" -cp "$(jar_path):$dir/DynamoDBLocal_lib/*" "$launcher/DynamoDBLocalLoopback.java"
}

install() {
	if [[ -n "$(jar_path)" ]]; then
		build_launcher
		echo "DynamoDB Local already installed: $(jar_path)"
		return
	fi
	command -v npm >/dev/null || { echo "npm is needed to install DynamoDB Local" >&2; exit 1; }
	mkdir -p "$cache"
	local tmp
	tmp="$(mktemp -d "$cache/fetch.XXXXXX")"
	# npm pack fetches only the package's tarball: none of its JavaScript
	# dependencies and none of its install scripts are needed to run the jar.
	(cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
	rm -rf "$cache/package"
	tar -xzf "$tmp"/*.tgz -C "$cache" package/emulator
	rm -rf "$tmp"
	if [[ -z "$(jar_path)" ]]; then
		echo "DynamoDBLocal.jar not found in $pkg" >&2
		exit 1
	fi
	build_launcher
	echo "DynamoDB Local installed: $(jar_path)"
}

ready() { port_answers "$port"; }

start() {
	command -v java >/dev/null || { echo "java (17 or later) is needed to run DynamoDB Local" >&2; exit 1; }
	local jar
	jar="$(jar_path)"
	[[ -n "$jar" ]] || { echo "DynamoDB Local is not installed: run $0 install" >&2; exit 1; }
	build_launcher
	already_running "http://127.0.0.1:$port" && return
	if port_answers "$port"; then
		echo "port $port is already in use; set DYNAMODB_LOCAL_PORT" >&2
		exit 1
	fi
	local dir
	dir="$(dirname "$jar")"
	# The jar's manifest puts DynamoDBLocal_lib on the class path; the native sqlite4java
	# libraries are found through java.library.path.
	local storage=(-inMemory)
	if [[ -n "${DYNAMODB_LOCAL_DB_PATH:-}" ]]; then
		mkdir -p "$DYNAMODB_LOCAL_DB_PATH"
		storage=(-dbPath "$(cd "$DYNAMODB_LOCAL_DB_PATH" && pwd)")
	fi
	(cd "$dir" && exec java -Djava.library.path="$dir/DynamoDBLocal_lib" -cp "$launcher:$jar" \
		DynamoDBLocalLoopback "${storage[@]}" -port "$port" -disableTelemetry) \
		>"$logfile" 2>&1 </dev/null &
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
