#!/usr/bin/env bash
# Install everything the tests need and run the whole suite: ruff, mypy, pytest.
# Extra arguments go to pytest (e.g. --long for the soak/fuzz runs, -k NAME).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test
echo "== ruff"
.venv/bin/ruff check .
echo "== mypy (strict: media, signalling)"
.venv/bin/mypy --strict media signalling
echo "== mypy (server, bench)"
.venv/bin/mypy server bench
echo "== pytest"
exec .venv/bin/pytest -q -p no:cacheprovider "$@"
