#!/usr/bin/env bash
# sam-cli.sh installs AWS SAM CLI and cfn-lint from PyPI into a virtualenv under
# .cache/venv (git-ignored), pinned so every machine lints the template alike.
#
#   install   create the virtualenv and install (cached, idempotent)
#   path      print the folder holding the sam and cfn-lint commands
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/.cache/venv"
sam_version="1.170.0"
cfn_lint_version="1.58.0"
stamp="$venv/.installed-sam-$sam_version-cfn-lint-$cfn_lint_version"

case "${1:-}" in
install)
	if [[ -f "$stamp" ]]; then
		echo "SAM CLI $sam_version and cfn-lint $cfn_lint_version already installed in $venv"
		exit 0
	fi
	python3 -m venv "$venv"
	"$venv/bin/pip" install --quiet --disable-pip-version-check \
		"aws-sam-cli==$sam_version" "cfn-lint==$cfn_lint_version"
	touch "$stamp"
	echo "installed SAM CLI $sam_version and cfn-lint $cfn_lint_version in $venv"
	;;
path)
	echo "$venv/bin"
	;;
*)
	echo "usage: $0 install|path" >&2
	exit 2
	;;
esac
