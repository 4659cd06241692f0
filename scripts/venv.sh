# Shared by run.sh and test.sh: create ./.venv with Python >= 3.11 and install the project.
ensure_venv() {
  local spec="$1" py
  # quietly: a pyenv shim exists for every version and complains about the ones not installed
  for py in python3.13 python3.12 python3.11 python3; do
    if command -v "$py" >/dev/null 2>&1 \
        && "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
      break
    fi
    py=""
  done
  if [ -z "$py" ]; then
    echo "mobility needs Python 3.11 or newer (python3 --version says: $(python3 --version 2>&1 | head -n 1))" >&2
    exit 1
  fi
  local stamp=".venv/.installed-$(echo "$spec" | tr -c 'a-z' '_')"
  if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ]; then
    say_python
    return
  fi
  if ! "$py" -m venv .venv 2>/dev/null; then
    # Debian/Ubuntu ship venv separately
    if command -v apt-get >/dev/null; then
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
      "$py" -m venv .venv
    else
      echo "cannot create a virtual environment with $py -m venv" >&2; exit 1
    fi
  fi
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e "$spec"
  touch "$stamp"
  say_python
}

# one line on stderr: the Python that runs mobility
say_python() {
  echo "mobility: $(.venv/bin/python -c 'import os, platform, sys; print(f"Python {platform.python_version()} ({os.path.realpath(sys.executable)})")') in .venv" >&2
}
