# Used by test.sh: Debian's Chromium for the browser tests (Playwright drives it; its own
# browser download cannot work on a machine that reaches only the package registries).
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then
    return
  fi
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "installing Debian's chromium for the browser tests (once)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "the browser tests need Chromium at /usr/bin/chromium (apt-get install chromium);" \
      "they are skipped without it" >&2
  fi
}
