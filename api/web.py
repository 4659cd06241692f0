"""The web app: static files (HTML, CSS, JavaScript and the map library installed from npm
by ``scripts/web.sh``) served at ``/``; no CDN, no build server at run time."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

log = logging.getLogger("mobility.api")
STATIC = Path(__file__).resolve().parent / "static"
VENDOR = STATIC / "vendor" / "leaflet" / "leaflet.js"


def mount_web(app: FastAPI) -> None:
    """Serve the web app at ``/`` (``index.html`` for the folder)."""
    if not VENDOR.is_file():
        log.warning("the web app's map library is missing (%s): run scripts/web.sh's "
                    "ensure_web (./run.sh does) to install it from npm", VENDOR.parent)
    app.mount("/", StaticFiles(directory=STATIC, html=True), name="web")
