#!/usr/bin/env bash
# Installs mobility with its test extra into ./.venv, the web app's map library from npm,
# Debian's Chromium for the browser tests and its PostgreSQL client tools for the backup tests
# (first run only), then runs the whole test suite with pytest on the real data in
# ../shared/data, one process per core (at least three). Arguments go to pytest.
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
# compiled regions are made once (MOBILITY_TEST_WORKERS=0 runs everything in this process);
# the files in the order tests/conftest.py gives them (the longest first)
# at least three processes: many tests wait on real servers, clocks and browsers rather than
# the CPU, so on a 2-core machine a third process fills the waits
cores=$(nproc 2>/dev/null || echo 2)
exec .venv/bin/python -m pytest -n "${MOBILITY_TEST_WORKERS:-$(( cores > 3 ? cores : 3 ))}" \
  --dist loadfile --no-loadscope-reorder "$@"
