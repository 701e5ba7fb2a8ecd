#!/usr/bin/env bash
# Shared set-up: a virtualenv in .venv with the project installed (and, with --test, the test tools
# plus the Debian packages the tests drive: chromium, coturn, janus). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

need_apt=()
command -v python3.11 >/dev/null 2>&1 || command -v python3 >/dev/null 2>&1 || need_apt+=(python3 python3-venv)
if [[ $want_test -eq 1 ]]; then
    command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
    command -v turnserver >/dev/null 2>&1 || need_apt+=(coturn)
    command -v janus >/dev/null 2>&1 || need_apt+=(janus)
fi
if [[ ${#need_apt[@]} -gt 0 ]]; then
    echo "bootstrap: installing Debian packages: ${need_apt[*]}"
    as_root apt-get update -q
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q "${need_apt[@]}"
fi

python_bin=$(command -v python3.11 || command -v python3)
if [[ ! -x .venv/bin/python ]]; then
    "$python_bin" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
if [[ $want_test -eq 1 ]]; then
    .venv/bin/python -m pip install -q -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
else
    .venv/bin/python -m pip install -q -e . 2>&1 | grep -v '^WARNING: Location' || true
fi
.venv/bin/python -c 'import server, media, signalling' # fail loudly if the install did not work
