"""The web app: static files (HTML, CSS, JavaScript and the map library, Leaflet, installed
from npm by ``scripts/vendor_web.py`` -- at build time for wheels, through ``scripts/web.sh``
in a checkout) served at ``/``; no CDN, no build server at run time."""

from __future__ import annotations

import hashlib
import logging
import sys
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.types import Scope

log = logging.getLogger("mobility.api")
STATIC = Path(__file__).resolve().parent / "static"
MAP_FILES = ("leaflet.js", "leaflet.css")  # what index.html loads from vendor/leaflet
#: pages at a path of their own (the folder's page is index.html): the driver's view
PAGES = {"driver": "driver.html"}
#: the driver view's service worker: at the root, so that it may control /driver
WORKER = "sw.js"
#: where sw.js names its cache's version (a digest of the app's files, put in when served)
WORKER_VERSION = "__VERSION__"
#: types not every system's MIME table knows
TYPES = {".webmanifest": "application/manifest+json"}


def missing_map_library(static: Path = STATIC) -> str | None:
    """``None`` when the web app's map library is in place, else what to run to get it.

    Without it the page loads but its map fails (``L is not defined``), so ``mobility serve``
    refuses to start with this message. A source checkout (an editable install, or run from
    the tree) gets it with ``scripts/vendor_web.py``; an installed wheel that lacks it was
    built without the build step and has to be reinstalled from source."""
    vendor = static / "vendor" / "leaflet"
    if all((vendor / f).is_file() for f in MAP_FILES):
        return None
    root = static.parent.parent
    helper = root / "scripts" / "vendor_web.py"
    if helper.is_file() and (root / "web" / "package-lock.json").is_file():
        return (f"the web app's map library (Leaflet) is missing from {vendor}: run "
                f"`python3 {helper}` (it needs npm; ./run.sh and ./test.sh run it too), "
                "then start again")
    return (f"this installation of mobility ({root}) lacks the web app's map library "
            "(Leaflet), so its map cannot work: reinstall mobility from its source checkout "
            "or sdist on a machine with npm (the build installs Leaflet with it), e.g. "
            f"`{sys.executable} -m pip install --force-reinstall --no-deps PATH/TO/mobility`")


def content_policy(tile_url: str | None) -> str:
    """The app loads only its own files and calls only its own API (tiles excepted): an
    injected script could neither run nor send a rider's key elsewhere."""
    tiles = ""
    if tile_url:  # its origin; Leaflet's {s} subdomains as a wildcard
        u = urlsplit(tile_url)
        tiles = f" {u.scheme}://{u.netloc.replace('{s}', '*')}"
    return ("default-src 'self'; script-src 'self'; connect-src 'self'; "
            f"img-src 'self' data: blob:{tiles}; style-src 'self' 'unsafe-inline'; "
            "worker-src 'self'; manifest-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def app_version(static: Path = STATIC, language: str = "en") -> str:
    """A digest of the app's own files (its vendored libraries aside) and its language:
    the driver view's service worker names its cache with it, so that any change to the
    app, once served, replaces what phones keep."""
    h = hashlib.sha256(language.encode())
    for f in sorted(static.rglob("*")):
        rel = f.relative_to(static)
        if f.is_file() and rel.parts[0] != "vendor":
            h.update(rel.as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


class WebFiles(StaticFiles):
    """Static files with the app's security headers; the page itself in the region's
    language (``<html lang>``), so that its first screen is in that language before the
    app has asked the API anything."""

    def __init__(self, *, directory: Path, policy: str, language: str = "en") -> None:
        super().__init__(directory=directory, html=True)
        self.policy = policy
        self.language = language

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path in PAGES and scope["path"].endswith("/"):  # its links are relative to /
            return RedirectResponse(f"../{path}", 308)
        response = await super().get_response(PAGES.get(path, path), scope)
        if isinstance(response, FileResponse):
            file = Path(response.path)
            if file.suffix == ".html":
                response = self.page(file, response.status_code)
            elif file.name == WORKER and file.parent == Path(str(self.directory)).resolve():
                response = self.worker(file, response.status_code)
            elif file.suffix in TYPES:
                response.headers["Content-Type"] = TYPES[file.suffix]
        response.headers["Content-Security-Policy"] = self.policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    def page(self, path: Path, status: int) -> Response:
        """A page (index.html, driver.html) with the region's language; never cached (the
        language may change with the operator's setting)."""
        html = path.read_text(encoding="utf-8").replace(
            '<html lang="en">', f'<html lang="{self.language}">', 1)
        return Response(html, status, media_type="text/html",
                        headers={"Cache-Control": "no-cache"})

    def worker(self, path: Path, status: int) -> Response:
        """The service worker with the app's version in its cache's name; never cached,
        so that phones learn of a new version at their next visit."""
        code = path.read_text(encoding="utf-8").replace(
            WORKER_VERSION, app_version(path.parent, self.language), 1)
        return Response(code, status, media_type="text/javascript",
                        headers={"Cache-Control": "no-cache"})


def mount_web(app: FastAPI, tile_url: str | None = None, language: str = "en") -> None:
    """Serve the web app at ``/`` (``index.html`` for the folder; the driver's view at
    ``/driver``, with its manifest ``/driver.webmanifest`` and service worker ``/sw.js``)
    in ``language`` ("de" or "en")."""
    problem = missing_map_library()
    if problem:  # `mobility serve` refuses to start; an app built in-process still has its API
        log.warning("%s", problem)
    app.mount("/", WebFiles(directory=STATIC, policy=content_policy(tile_url),
                            language=language), name="web")
