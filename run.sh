#!/usr/bin/env bash
# Quick start: installs mobility into ./.venv (first run only) and runs the main job on the
# default region (addison-vt): the HTTP API on http://127.0.0.1:8000. Any arguments are
# passed to the `mobility` command instead.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
ensure_venv .
if [ $# -eq 0 ]; then set -- serve; fi
exec .venv/bin/mobility "$@"
