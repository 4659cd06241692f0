#!/usr/bin/env bash
# Installs mobility with its test extra into ./.venv, the web app's map library from npm,
# Debian's Chromium for the browser tests and its PostgreSQL client tools for the backup tests
# (first run only), then runs the whole test suite with pytest on the real data in
# ../shared/data, one process per core. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
source scripts/web.sh
source scripts/browser.sh
source scripts/postgres.sh
ensure_venv ".[test]"
ensure_web
ensure_chromium
ensure_pg_client
# one test process per core (pytest-xdist), each test file in one process: its servers and
# compiled regions are made once (MOBILITY_TEST_WORKERS=0 runs everything in this process)
exec .venv/bin/python -m pytest -n "${MOBILITY_TEST_WORKERS:-auto}" --dist loadfile "$@"
