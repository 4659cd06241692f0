"""Limits: a request body size limit (ASGI middleware: larger bodies get 413 before they are
read into memory) and a rate limit for sign-ups."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import threading
import time
from collections import OrderedDict
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._reject(scope, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLargeError(self.max_bytes)
            return msg

        try:
            await self.app(scope, limited, send)
        except _TooLargeError:
            await self._reject(scope, send)

    async def _reject(self, scope: Scope, send: Send) -> None:
        body: dict[str, Any] = {"type": "/problems/too-large", "title": "Request body too "
                                "large", "status": 413, "detail": f"request bodies are limited "
                                f"to {self.max_bytes} bytes", "instance": scope.get("path", "")}
        raw = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/problem+json"),
                                (b"content-length", str(len(raw)).encode())]})
        await send({"type": "http.response.body", "body": raw})


class _TooLargeError(HTTPException):
    """A body found too large while it is read (a chunked one declares no length): an
    HTTP error, so that FastAPI's body parsing passes it on as the 413 it is instead of
    reporting a body it could not parse (400)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"request bodies are limited to {max_bytes} bytes")


class RateLimit:
    """At most ``n`` events per ``window_s`` seconds per key (a sliding window in memory, per
    process): enough to stop a script from creating accounts by the thousand. At most
    ``max_keys`` keys are remembered (the least recently seen are forgotten first)."""

    def __init__(self, n: int, window_s: float, max_keys: int = 10_000) -> None:
        self.n, self.window_s, self.max_keys = n, window_s, max_keys
        self._seen: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, key: str, now: float | None = None) -> float | None:
        """Record an event for ``key``; ``None`` if allowed, else seconds until it would
        be."""
        t = time.monotonic() if now is None else now
        with self._lock:
            recent = [x for x in self._seen.pop(key, []) if x > t - self.window_s]
            wait = None
            if len(recent) >= self.n:
                wait = recent[0] + self.window_s - t
            else:
                recent.append(t)
            self._seen[key] = recent  # now the most recently seen
            while len(self._seen) > self.max_keys:
                self._seen.popitem(last=False)
            return wait


def client_key(host: str) -> str:
    """The address a limit counts by: IPv6 clients by their /64 (one household or host
    gets a whole /64 and could rotate through it)."""
    if ":" in host:
        with contextlib.suppress(ValueError):
            return str(ipaddress.IPv6Network(f"{host}/64", strict=False))
    return host
