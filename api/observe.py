"""Each request observed: its latency in :class:`api.metrics.Metrics` by route template, and a
request id for the logs.

The id is the client's ``X-Request-ID`` when it is a short plain token (a proxy's, to follow
one request through both logs), else a new one; every answer carries it back. While a request
runs, :func:`current` tells the logs (:mod:`mobility.json_log`) its id; once its answer
starts, also its route template, status and duration so far — uvicorn writes its access
line then, in the request's own context.
"""

from __future__ import annotations

import contextvars
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import Metrics, route_label

_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


@dataclass
class RequestInfo:
    """What the logs may tell of the request being answered (no rider data)."""

    request_id: str
    method: str
    route: str | None = None
    status: int | None = None
    duration_s: float | None = None


_CURRENT: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar(
    "mobility_request", default=None)


def current() -> RequestInfo | None:
    """The request this code runs for (None outside a request)."""
    return _CURRENT.get()


def request_id(scope: Scope) -> str:
    """The client's ``X-Request-ID`` if it is a plain token of at most 64 characters, else
    a new random id."""
    for k, v in scope.get("headers") or ():
        if k == b"x-request-id":
            text = v.decode("latin-1").strip()
            if _CLIENT_ID.fullmatch(text):
                return text
            break
    return secrets.token_hex(8)


class Observe:
    """ASGI middleware, outermost: the request's latency (to the end of its answer) by
    method, route template and status class; the request id set for the logs and sent back
    as ``X-Request-ID``. ``clock``: monotonic seconds."""

    def __init__(self, app: ASGIApp, metrics: Metrics,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.app, self.metrics, self.clock = app, metrics, clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = self.clock()
        info = RequestInfo(request_id(scope), scope.get("method", ""))
        token = _CURRENT.set(info)
        m = self.metrics
        m.in_progress.inc()
        m.refresh_rss(start)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                info.status = int(message["status"])
                info.route = route_label(scope.get("route"))
                info.duration_s = self.clock() - start
                headers = [(k, v) for k, v in message.get("headers", ())
                           if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", info.request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            m.in_progress.dec()
            # an exception before any answer: the server answers 500
            m.request(info.method, route_label(scope.get("route")), info.status or 500,
                      self.clock() - start)
            _CURRENT.reset(token)
