"""Response headers every answer of the server gets (ASGI middleware, so that error
answers, 413s of the body limit and file responses get them too):

- ``X-Content-Type-Options: nosniff`` on every response: a browser never runs a JSON
  answer, a CSV or a plot as a page or a script;
- a ``Content-Security-Policy`` on every HTML page that sets none itself (the API docs, the
  simulation reports): only the page's own inline scripts and styles run (by their SHA-256
  hashes), and only from the few places the page loads from;
- ``Cache-Control: no-store`` on every API response except public ones: bookings, quotes,
  riders, manifests, keys, accounts and plans hold personal data (names, phone numbers,
  addresses) that no browser or proxy cache should keep. New API routes are private unless
  listed in :data:`PUBLIC_API`.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: API paths (prefixes) whose answers hold nothing personal and may be cached
PUBLIC_API = ("/api/v1/region", "/api/v1/map/", "/api/v1/service-areas")
API = "/api/"

#: where the interactive API docs (``/docs``: Swagger UI, ``/redoc``) load their code from
DOCS_SOURCES = {
    "script-src": "https://cdn.jsdelivr.net",
    # Swagger UI and ReDoc set styles from their scripts; ReDoc's fonts come from Google
    "style-src": "https://cdn.jsdelivr.net https://fonts.googleapis.com 'unsafe-inline'",
    "font-src": "https://fonts.gstatic.com",
    "img-src": "'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
    "worker-src": "blob:",
    "connect-src": "'self'",
}
DOCS_PATHS = ("/docs", "/redoc")

NONE = "'none'"
_INLINE = re.compile(rb"<(script|style)(\s[^>]*)?>(.*?)</\1\s*>", re.S | re.I)
_SRC = re.compile(rb"\ssrc\s*=", re.I)
#: HTML larger than this is not inspected (our pages are a few kB; reports some 100 kB)
MAX_HTML_BYTES = 8 * 1024 * 1024


def _hash(code: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code).digest()).decode() + "'"


def page_policy(html: bytes, docs: bool = False) -> str:
    """The content security policy of an HTML page: nothing loads or runs but the page's
    own inline ``<script>`` and ``<style>`` blocks (allowed by hash) and inline images
    (``data:``, as the simulation reports embed their plots); the API docs also load
    their code from the CDN FastAPI takes it from. A page without scripts runs sandboxed
    (an origin of its own: it cannot read the web app's stored keys)."""
    scripts: list[str] = []
    styles: list[str] = []
    for m in _INLINE.finditer(html):
        kind, attrs, code = m.group(1).lower(), m.group(2) or b"", m.group(3)
        if kind == b"script" and not _SRC.search(attrs):
            scripts.append(_hash(code))
        elif kind == b"style":
            styles.append(_hash(code))
    src: dict[str, list[str]] = {"default-src": [NONE], "script-src": scripts,
                                 "style-src": styles, "img-src": ["data:"]}
    if docs:
        src["style-src"] = []  # a hash would void 'unsafe-inline', which their scripts need
        for name, extra in DOCS_SOURCES.items():
            src.setdefault(name, []).extend(extra.split())
    parts = [f"{name} {' '.join(values) or NONE}" for name, values in src.items()]
    parts += ["base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"]
    if not docs and not scripts:
        parts.append("sandbox")
    return "; ".join(parts)


def private(path: str) -> bool:
    """Whether an answer on ``path`` may hold personal data (every API path not public)."""
    return path.startswith(API) and not path.startswith(PUBLIC_API)


class SecurityHeaders:
    """Adds the headers of this module's docstring to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        held: Message | None = None  # an HTML answer's start, until its body is complete
        body: list[bytes] = []

        async def sending(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if private(path):
                    headers["Cache-Control"] = "no-store"
                if (headers.get("content-type", "").startswith("text/html")
                        and "content-security-policy" not in headers):
                    size = headers.get("content-length", "")
                    if size.isdigit() and int(size) <= MAX_HTML_BYTES:
                        held = message  # the policy names the page's inline code
                        return
                    headers["Content-Security-Policy"] = page_policy(b"")
            elif message["type"] == "http.response.body" and held is not None:
                body.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                html = b"".join(body)
                headers = MutableHeaders(scope=held)
                headers["Content-Security-Policy"] = page_policy(
                    html, docs=path.startswith(DOCS_PATHS))
                headers.setdefault("Referrer-Policy", "no-referrer")
                start, held = held, None
                await send(start)
                await send({"type": "http.response.body", "body": html})
                return
            await send(message)

        await self.app(scope, receive, sending)
