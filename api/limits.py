"""Limits: a request body size limit (ASGI middleware: larger bodies get 413 before they are
read into memory) and the API's rate limits (counted by :mod:`api.ratelimit`)."""

from __future__ import annotations

import contextlib
import ipaddress
import json
from collections.abc import Callable
from typing import Any

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.config import ApiConfig
from api.problems import Problem
from api.ratelimit import Limit, Pending, RateLimiter


class BodyLimit:
    """Larger bodies get 413 before they are read: a JSON problem, or what ``answer_as``
    (path, limit, epoch seconds) gives for that path, as (content type, body)."""

    def __init__(self, app: ASGIApp, max_bytes: int,
                 answer_as: Callable[[str, int, float], tuple[bytes, bytes] | None]
                 | None = None, clock: Callable[[], float] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.answer_as = answer_as
        self.clock = clock

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
        custom = (self.answer_as(scope.get("path", ""), self.max_bytes,
                                 self.clock() if self.clock else 0.0)
                  if self.answer_as else None)
        if custom is not None:
            kind, raw = custom
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", kind),
                                    (b"content-length", str(len(raw)).encode())]})
            await send({"type": "http.response.body", "body": raw})
            return
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


class Limits:
    """The API's rate limits (:mod:`api.ratelimit`), by name: ``quotes``, ``bookings`` and
    ``plans`` per key and window (plans without a key per client address), ``signups`` and
    ``signins`` (attempts with a sign-in code) per client address and hour."""

    def __init__(self, limiter: RateLimiter, config: ApiConfig) -> None:
        self.limiter = limiter
        self._threads = anyio.CapacityLimiter(4)  # store counts: short, waiting on I/O
        w = config.rate_window_s
        # requests in memory until a caller nears its limit (api.ratelimit: an exact count
        # in the store would wait for SQLite's write lock, held by every booking); sign-ups
        # and sign-ins, rare and writing anyway, exactly (a guesser gets no slack)
        self.limits = {"quotes": Limit("quotes", config.rate_quotes, w, batched=True),
                       "bookings": Limit("bookings", config.rate_bookings, w, batched=True),
                       "plans": Limit("plans", config.rate_plans, w, batched=True),
                       "signups": Limit("signups", config.rate_signups, 3600),
                       "signins": Limit("signins", config.rate_signins, 3600)}

    def check(self, name: str, caller: str) -> None:
        """Count a request; raise 429 with ``Retry-After`` when the caller is over the
        limit. May write to the store: not on the event loop (see :meth:`acheck`)."""
        self._answer(name, caller, self.limiter.retry_after(self.limits[name], caller))

    async def acheck(self, name: str, caller: str) -> None:
        """:meth:`check` for the event loop: decided there when this process can decide
        alone (a batched count), else counted in the store from a small thread pool of its
        own (never queued behind the requests that search)."""
        d = self.limiter.decide(self.limits[name], caller)
        if isinstance(d, Pending):
            d = await anyio.to_thread.run_sync(self.limiter.count, d, limiter=self._threads)
        self._answer(name, caller, d)

    def _answer(self, name: str, caller: str, wait: int | None) -> None:
        if wait is None:
            return
        limit = self.limits[name]
        if name == "signups":
            raise Problem(429, "too-many-signups", "Too many sign-ups", "too many accounts "
                          "were created from this address; try again later",
                          headers={"Retry-After": str(wait)})
        if name == "signins":
            raise Problem(429, "too-many-sign-ins", "Too many sign-in attempts",
                          "too many codes were tried from this address; try again in "
                          f"{wait} s", headers={"Retry-After": str(wait)})
        who = "address" if caller.startswith("a:") else "key"
        raise Problem(429, "too-many-requests", "Too many requests",
                      f"at most {limit.n} {name} per {limit.window_s} s per {who}; try again "
                      f"in {wait} s", headers={"Retry-After": str(wait)}, limit=limit.n)


def client_key(host: str) -> str:
    """The address a limit counts by: IPv6 clients by their /64 (one household or host
    gets a whole /64 and could rotate through it). The host is the client's address as
    :mod:`api.proxies` found it."""
    if ":" in host:
        with contextlib.suppress(ValueError):
            return str(ipaddress.IPv6Network(f"{host}/64", strict=False))
    return host
