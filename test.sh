#!/usr/bin/env bash
# Installs mobility with its test extra into ./.venv (first run only) and runs the whole
# test suite with pytest on the real data in ../shared/data. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
ensure_venv ".[test]"
exec .venv/bin/python -m pytest "$@"
