#!/usr/bin/env bash
# axe-core.sh installs axe-core, the accessibility rules engine the browser tests
# inject into the console's pages and the hosted page, and prints the path of its
# script.
#
#   install  install the npm package into .cache/axe-core (cached, idempotent)
#   path     print the path of axe.min.js
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$root/.cache/axe-core"
version="4.14.1" # pinned so every machine checks the same rules
script="$cache/node_modules/axe-core/axe.min.js"

install() {
	if [[ -f "$script" ]] && grep -q "\"version\": \"$version\"" "$cache/node_modules/axe-core/package.json"; then
		echo "axe-core already installed: $script"
		return
	fi
	command -v npm >/dev/null || { echo "npm is needed to install axe-core" >&2; exit 1; }
	mkdir -p "$cache"
	# Its own folder with its own package.json: the repository keeps no node_modules.
	[[ -f "$cache/package.json" ]] || echo '{"name":"leadgate-axe-core","private":true}' >"$cache/package.json"
	npm install --prefix "$cache" --no-audit --no-fund --loglevel=error --save-exact "axe-core@$version" >&2
	[[ -f "$script" ]] || { echo "axe-core installed, but $script is missing" >&2; exit 1; }
	echo "axe-core installed: $script"
}

case "${1:-}" in
install) install ;;
path) echo "$script" ;;
*)
	echo "usage: $0 install|path" >&2
	exit 2
	;;
esac
