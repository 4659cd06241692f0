# Shared by run.sh and test.sh: install the web app's front-end libraries from npm (first run
# only) and copy them into api/static/vendor, so that the app never needs a CDN.
ensure_web() {
  local vendor=api/static/vendor/leaflet
  if [ -f "$vendor/leaflet.js" ] && [ "$vendor/leaflet.js" -nt web/package-lock.json ]; then
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
  npm ci --prefix web --no-audit --no-fund --loglevel=error >/dev/null
  rm -rf "$vendor" && mkdir -p "$vendor"
  cp -r web/node_modules/leaflet/dist/leaflet.js web/node_modules/leaflet/dist/leaflet.css \
    web/node_modules/leaflet/dist/images web/node_modules/leaflet/LICENSE "$vendor/"
}
