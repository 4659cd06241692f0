"""The web app: static files (HTML, CSS, JavaScript and the map library installed from npm
by ``scripts/web.sh``) served at ``/``; no CDN, no build server at run time."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

log = logging.getLogger("mobility.api")
STATIC = Path(__file__).resolve().parent / "static"
VENDOR = STATIC / "vendor" / "leaflet" / "leaflet.js"


def content_policy(tile_url: str | None) -> str:
    """The app loads only its own files and calls only its own API (tiles excepted): an
    injected script could neither run nor send a rider's key elsewhere."""
    tiles = ""
    if tile_url:  # its origin; Leaflet's {s} subdomains as a wildcard
        u = urlsplit(tile_url)
        tiles = f" {u.scheme}://{u.netloc.replace('{s}', '*')}"
    return ("default-src 'self'; script-src 'self'; connect-src 'self'; "
            f"img-src 'self' data: blob:{tiles}; style-src 'self' 'unsafe-inline'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


class WebFiles(StaticFiles):
    """Static files with the app's security headers."""

    def __init__(self, *, directory: Path, policy: str) -> None:
        super().__init__(directory=directory, html=True)
        self.policy = policy

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Content-Security-Policy"] = self.policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


def mount_web(app: FastAPI, tile_url: str | None = None) -> None:
    """Serve the web app at ``/`` (``index.html`` for the folder)."""
    if not VENDOR.is_file():
        log.warning("the web app's map library is missing (%s): run scripts/web.sh's "
                    "ensure_web (./run.sh does) to install it from npm", VENDOR.parent)
    app.mount("/", WebFiles(directory=STATIC, policy=content_policy(tile_url)), name="web")
