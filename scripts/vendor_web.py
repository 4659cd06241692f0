"""Put the web app's map library (Leaflet, pinned in web/package-lock.json) into the package.

The one copy rule, shared by the package build (``setup.py``: wheels, ``pip install .``,
sdist -> wheel) and ``scripts/web.sh`` (``run.sh``, ``test.sh``): ``npm ci`` in ``web/``,
then Leaflet's ``leaflet.js``, ``leaflet.css``, ``images/`` and ``LICENSE`` are copied into
``api/static/vendor/leaflet/``, so that the app never needs a CDN at run time.

Standard library only: it runs inside the build's isolated environment and before the
project's own virtual environment exists. Run it as a script from anywhere::

    python3 scripts/vendor_web.py           # install when missing or out of date
    python3 scripts/vendor_web.py --check   # exit 0 when current, 1 when not (no npm run)
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# what the app loads (api/static/index.html) and Leaflet's licence, relative to the npm package
LEAFLET_FILES = ("dist/leaflet.js", "dist/leaflet.css", "dist/images", "LICENSE")
# written last, so an interrupted copy is never taken for a complete one; a dot file, so the
# wheel's package-data globs leave it out
STAMP = ".package-lock-entry"


class WebBuildError(Exception):
    """The map library cannot be installed; the message says what to do."""


def web_dir(root: Path = ROOT) -> Path:
    """The npm project holding the app's front-end libraries."""
    return root / "web"


def vendor_dir(root: Path = ROOT) -> Path:
    """Where the app serves Leaflet from (``/vendor/leaflet/``)."""
    return root / "api" / "static" / "vendor" / "leaflet"


def locked_leaflet(root: Path = ROOT) -> str:
    """Leaflet's entry in ``web/package-lock.json`` (version and integrity hash), as a line."""
    lock = web_dir(root) / "package-lock.json"
    try:
        entry = json.loads(lock.read_text(encoding="utf-8"))["packages"]["node_modules/leaflet"]
    except FileNotFoundError:
        raise WebBuildError(f"{lock} is missing: build mobility from a git checkout or from "
                            "its sdist, which both carry web/package.json and "
                            "web/package-lock.json") from None
    except (ValueError, KeyError) as exc:
        raise WebBuildError(f"{lock} has no entry for leaflet ({exc}): run `npm install` in "
                            f"{web_dir(root)} to rewrite it") from None
    return f"leaflet {entry['version']} {entry.get('integrity', '')}".strip()


def is_current(root: Path = ROOT) -> bool:
    """Whether ``api/static/vendor/leaflet`` holds every file of the locked Leaflet."""
    dst = vendor_dir(root)
    stamp = dst / STAMP
    if not stamp.is_file() or not all((dst / Path(f).name).exists() for f in LEAFLET_FILES):
        return False
    try:
        return stamp.read_text(encoding="utf-8").strip() == locked_leaflet(root)
    except WebBuildError:
        return False


def copy_leaflet(root: Path = ROOT) -> None:
    """Copy Leaflet's files from ``web/node_modules`` (after ``npm ci``) into the app."""
    src, dst = web_dir(root) / "node_modules" / "leaflet", vendor_dir(root)
    missing = [f for f in LEAFLET_FILES if not (src / f).exists()]
    if missing:
        raise WebBuildError(f"{src} lacks {', '.join(missing)}: run `npm ci` in "
                            f"{web_dir(root)} again")
    shutil.rmtree(dst, ignore_errors=True)
    dst.mkdir(parents=True)
    for f in LEAFLET_FILES:
        if (src / f).is_dir():
            shutil.copytree(src / f, dst / Path(f).name)
        else:
            shutil.copy2(src / f, dst / Path(f).name)
    (dst / STAMP).write_text(locked_leaflet(root) + "\n", encoding="utf-8")


def npm_ci(root: Path = ROOT) -> None:
    """Install ``web/``'s locked packages exactly (``npm ci``)."""
    npm = shutil.which("npm")
    if npm is None:
        raise WebBuildError("npm is needed to put the web app's map library (Leaflet, from the "
                            "npm registry) into mobility: install Node.js and npm (Debian/"
                            "Ubuntu: `apt-get install npm`), then try again")
    locked_leaflet(root)  # a missing lock file gets its own message, not npm's
    res = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                         cwd=web_dir(root), capture_output=True, text=True, check=False)
    if res.returncode != 0:
        tail = "\n".join((res.stderr or res.stdout).strip().splitlines()[-15:])
        raise WebBuildError(f"`npm ci` in {web_dir(root)} failed (exit {res.returncode}); "
                            f"check that the npm registry is reachable:\n{tail}")


def ensure(root: Path = ROOT) -> bool:
    """Install the locked Leaflet into the app unless it is already there.

    Returns whether anything was done; raises :class:`WebBuildError` with what to do."""
    if is_current(root):
        return False
    npm_ci(root)
    copy_leaflet(root)
    return True


def main(argv: list[str]) -> int:
    """``vendor_web.py [--check]``: see the module's docstring."""
    if argv not in ([], ["--check"]):
        print("usage: vendor_web.py [--check]", file=sys.stderr)
        return 2
    if argv == ["--check"]:
        return 0 if is_current() else 1
    try:
        if ensure():
            version = " ".join(locked_leaflet().split()[:2])  # the hash is noise here
            print(f"installed {version} into {vendor_dir()}", file=sys.stderr)
    except WebBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
