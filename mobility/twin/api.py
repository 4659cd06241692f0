"""The twin's HTTP client: one connection pool per API process of the server, a call per
request with the caller's key, and a tally of what went wrong (answers 5xx are a finding of
the day: a server must never fail on its clients' input). With several processes each call
goes to the next one in turn: a rider's quote and booking, a driver's event and the
rider's look at it, and a retry after a lost connection all land on different processes."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

#: the parts of the service the twin uses beyond booking and driving, by an endpoint each
#: (method, path as in the server's OpenAPI document): a server without one (an older
#: server) has the checks needing it reported as not available
FEATURES = {
    "live": ("get", "/api/v1/vehicles/live"),
    "alerts": ("get", "/api/v1/alerts"),
    "outbox": ("get", "/api/v1/notifications/outbox"),
    "inbox": ("get", "/api/v1/notifications"),
    "channels": ("put", "/api/v1/accounts/me/notifications"),
    "standing": ("post", "/api/v1/standing-orders"),
}


@dataclass
class Reply:
    """An answer: HTTP status, its JSON (None when not JSON) and the wall time it took."""

    status: int
    body: Any
    wall_s: float

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def get(self, name: str, default: Any = None) -> Any:
        return self.body.get(name, default) if isinstance(self.body, dict) else default


@dataclass
class Tally:
    """Requests made, by endpoint and status class; the server's failures kept apart."""

    calls: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    transport_errors: int = 0
    by_process: Counter[int] = field(default_factory=Counter)  #: answers per process


class Api:
    """Calls to one server — at ``url``, or at each of several API processes' URLs in turn;
    ``key`` is sent as the bearer token."""

    def __init__(self, url: str | Sequence[str], *, timeout: float = 60.0,
                 connections: int = 32) -> None:
        urls = [url] if isinstance(url, str) else list(url)
        if not urls:
            raise ValueError("the twin needs the server's URL")
        self.urls = [u.rstrip("/") for u in urls]
        self.url = self.urls[0]
        self.clients = [httpx.AsyncClient(
            base_url=u, timeout=timeout,
            limits=httpx.Limits(max_connections=connections,
                                max_keepalive_connections=connections)) for u in self.urls]
        self.client = self.clients[0]
        self._turn = itertools.count()
        self.tally = Tally()

    async def close(self) -> None:
        for c in self.clients:
            await c.aclose()

    async def call(self, method: str, path: str, key: str | None = None, *,
                   json: Any = None, params: dict[str, Any] | None = None,
                   retries: int = 2, headers: dict[str, str] | None = None) -> Reply:
        """One request; a broken connection is tried again (twice) before it counts as
        status 0. The twin's own dropped connections are simulated elsewhere
        (:mod:`mobility.twin.device`): here a failure is the server's or the network's."""
        headers = {**({"Authorization": f"Bearer {key}"} if key else {}), **(headers or {})}
        name = f"{method} {_route(path)}"
        for attempt in range(retries + 1):
            k = next(self._turn) % len(self.clients)  # a retry goes to the next process
            t0 = time.perf_counter()
            try:
                r = await self.clients[k].request(method, path, json=json, params=params,
                                                  headers=headers)
            except httpx.TransportError:
                self.tally.transport_errors += 1
                if attempt == retries:
                    return Reply(0, None, time.perf_counter() - t0)
                await asyncio.sleep(0.2 * (attempt + 1))
                continue
            wall = time.perf_counter() - t0
            self.tally.calls[f"{name} {r.status_code // 100}xx"] += 1
            self.tally.by_process[k] += 1
            if r.status_code >= 500:
                self.tally.server_errors.append(f"{name} -> {r.status_code}")
            try:
                body = r.json()
            except ValueError:
                body = None
            return Reply(r.status_code, body, wall)
        raise AssertionError("unreachable")

    async def get(self, path: str, key: str | None = None, **params: Any) -> Reply:
        return await self.call("GET", path, key, params=params or None)

    async def post(self, path: str, key: str | None, body: Any,
                   idempotency_key: str | None = None) -> Reply:
        """A POST; with ``idempotency_key`` a retry (on any process) gives the first
        answer's result again instead of doing it twice."""
        return await self.call("POST", path, key, json=body,
                               headers={"Idempotency-Key": idempotency_key}
                               if idempotency_key else None)

    async def put(self, path: str, key: str | None, body: Any) -> Reply:
        return await self.call("PUT", path, key, json=body)

    async def delete(self, path: str, key: str | None) -> Reply:
        return await self.call("DELETE", path, key)

    async def missing(self) -> set[str]:
        """The :data:`FEATURES` this server lacks (and ``estimate``: bookings without the
        ``live`` estimate), from its OpenAPI document."""
        r = await self.get("/openapi.json")
        if not r.ok or not isinstance(r.body, dict):
            return {*FEATURES, "estimate"}
        paths = r.body.get("paths", {})
        out = {name for name, (method, path) in FEATURES.items()
               if method not in paths.get(path, {})}
        booking = r.body.get("components", {}).get("schemas", {}).get("BookingResponse", {})
        if "live" not in booking.get("properties", {}):
            out.add("estimate")
        return out

    async def server_now(self) -> dt.datetime:
        """The server's clock (``GET /api/v1/region``'s ``now``, whole seconds)."""
        r = await self.get("/api/v1/region")
        if not r.ok:
            raise RuntimeError(f"GET /api/v1/region answered {r.status}")
        return dt.datetime.fromisoformat(r.body["now"])


def _route(path: str) -> str:
    """A path with its ids (any part holding a digit but the version) replaced, for
    counting requests by endpoint."""
    parts = path.split("?")[0].strip("/").split("/")
    return "/" + "/".join("{id}" if p != "v1" and any(c.isdigit() for c in p) else p
                          for p in parts)


def when(text: str | None) -> dt.datetime | None:
    """An ISO 8601 moment from the API (None stays None)."""
    return dt.datetime.fromisoformat(text) if text else None
