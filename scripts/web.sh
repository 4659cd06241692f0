# Shared by run.sh and test.sh: install the web app's front-end libraries from npm (first run
# only) and copy the map library into api/static/vendor, so that the app never needs a CDN.
# The rule (which files, when they are current) lives in scripts/vendor_web.py, which the
# package build (setup.py) runs as well.
ensure_web() {
  if python3 scripts/vendor_web.py --check; then
    return
  fi
  if ! command -v npm >/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
    else
      echo "the web app needs npm to install its map library once: install Node.js and npm" >&2
      exit 1
    fi
  fi
  python3 scripts/vendor_web.py
}
