#!/usr/bin/env bash
# Quick start: installs mobility into ./.venv and the web app's map library from npm (first
# run only) and runs the main job on the default region (addison-vt): the web app and the
# HTTP API on http://127.0.0.1:8000. Any arguments are passed to the `mobility` command.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
source scripts/web.sh
ensure_venv .
ensure_web
if [ $# -eq 0 ]; then
  # the embedded feeds ended years ago: replay their timetable so that today's trips plan
  export MOBILITY_REPLAY_FEED="${MOBILITY_REPLAY_FEED:-true}"
  set -- serve
fi
exec .venv/bin/mobility "$@"
