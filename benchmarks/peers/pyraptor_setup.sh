#!/usr/bin/env bash
# Create (or check) the private virtual environment of the pyraptor peer.
#
#   bash benchmarks/peers/pyraptor_setup.sh            # venv at ~/.cache/mobility/peers/pyraptor-venv
#   PYRAPTOR_VENV=/some/dir bash benchmarks/peers/pyraptor_setup.sh
#
# Idempotent: a venv that already imports pyraptor with the pinned versions is
# left alone. Prints the venv's python path as the last line on success.
set -euo pipefail

VENV="${PYRAPTOR_VENV:-$HOME/.cache/mobility/peers/pyraptor-venv}"
PYTHON="${PYTHON:-python3}"

# pyraptor 1.3.10 imports `attr` without declaring attrs; its pandas<2 pin
# needs numpy<2. The rest is pinned to the versions this peer was tested with.
PKGS=(
  "pyraptor==1.3.10"
  "attrs==26.1.0"
  "numpy==1.26.4"
  "pandas==1.5.3"
  "joblib==1.6.0"
  "loguru==0.6.0"
  "python-dateutil==4.0.0"
  "pytz==2026.6"
)

die() { echo "pyraptor_setup: ERROR: $*" >&2; exit 1; }

check() {
  "$VENV/bin/python" - <<'EOF' 2>/dev/null
import importlib.metadata as md, sys
want = {"pyraptor": "1.3.10", "numpy": "1.26.4", "pandas": "1.5.3"}
for name, v in want.items():
    if md.version(name) != v:
        sys.exit(1)
import attr, joblib, loguru  # noqa: F401
import pyraptor.gtfs.timetable, pyraptor.query_raptor, pyraptor.dao.timetable  # noqa: F401
EOF
}

if [ -x "$VENV/bin/python" ] && check; then
  echo "pyraptor_setup: venv already complete at $VENV"
  echo "$VENV/bin/python"
  exit 0
fi

command -v "$PYTHON" >/dev/null || die "$PYTHON not found"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' \
  || die "pyraptor 1.3.10 needs Python >= 3.8"

source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
install_venv pyraptor_setup "is PyPI reachable?" \
  "pyraptor does not import with the pinned versions"
