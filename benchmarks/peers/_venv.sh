# Shared by the peers' setup scripts (sourced): create the peer's private venv $VENV with
# $PYTHON (a half-made one is removed first), install "${PKGS[@]}" into it and check it with
# the caller's `check` function; prints the venv's python path as the last line.
#
#   install_venv NAME WHY_PIP_FAILS WHAT_CHECK_MEANS
install_venv() {
  local name="$1" pip_hint="$2" check_hint="$3"
  if [ ! -x "$VENV/bin/python" ]; then
    rm -rf "$VENV"  # half-made venv
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV" || die "could not create venv at $VENV (python3-venv missing?)"
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PKGS[@]}" \
    || die "pip install into $VENV failed ($pip_hint)"
  check || die "venv at $VENV installed but $check_hint"
  echo "$name: ready: $VENV"
  echo "$VENV/bin/python"
}
