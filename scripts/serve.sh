#!/usr/bin/env bash
# Install everything and run the server on embedded defaults (SQLite, e-mail to an outbox folder).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/videotermin serve "$@"
