#!/usr/bin/env bash
# Create (or check) the private virtual environment of the ridepy peer.
#
#   bash benchmarks/peers/ridepy_setup.sh            # venv at ~/.cache/mobility/peers/ridepy-venv
#   RIDEPY_VENV=/some/dir bash benchmarks/peers/ridepy_setup.sh
#
# ridepy 2.10.1 is published on PyPI as source only: pip compiles its Cython/C++17
# extensions, which need a C++ compiler and the Boost Graph headers (Debian: g++,
# libboost-dev; installed here with apt-get when missing and we are root).
# Idempotent: a venv that already imports ridepy's C++ dispatcher is left alone.
# Prints the venv's python path as the last line on success.
set -euo pipefail

VENV="${RIDEPY_VENV:-$HOME/.cache/mobility/peers/ridepy-venv}"
PYTHON="${PYTHON:-python3}"
PKGS=("ridepy==2.10.1")

die() { echo "ridepy_setup: ERROR: $*" >&2; exit 1; }

check() {
  "$VENV/bin/python" - <<'PY' 2>/dev/null
import importlib.metadata as md, sys
if md.version("ridepy") != "2.10.1":
    sys.exit(1)
from ridepy.util.dispatchers_cython import BruteForceTotalTravelTimeMinimizingDispatcher  # noqa
from ridepy.util.spaces_cython import Graph  # noqa
from ridepy.vehicle_state_cython import VehicleState  # noqa
PY
}

if [ -x "$VENV/bin/python" ] && check; then
  echo "ridepy_setup: venv already complete at $VENV"
  echo "$VENV/bin/python"
  exit 0
fi

command -v "$PYTHON" >/dev/null || die "$PYTHON not found"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
  || die "ridepy 2.10.1 needs Python >= 3.9"
command -v g++ >/dev/null || die "g++ not found: ridepy compiles C++17 extensions (apt-get install g++)"
if [ ! -f /usr/include/boost/graph/dijkstra_shortest_paths.hpp ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq libboost-dev >/dev/null \
      || { apt-get update -qq && apt-get install -y -qq libboost-dev >/dev/null; } \
      || die "could not install libboost-dev"
  else
    die "the Boost Graph headers are missing: install libboost-dev (Debian) first"
  fi
fi

source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
install_venv ridepy_setup "is PyPI reachable? is a compiler there?" \
  "ridepy's C++ dispatcher does not import"
