"""GET /metrics: the server's metrics for Prometheus (:mod:`api.metrics`).

They hold no rider data, but tell an operator's business (bookings per area, refusals), so
the endpoint is open to this machine only, or to whoever shows ``MOBILITY_METRICS_TOKEN``
as a bearer token; ``MOBILITY_METRICS=false`` switches it off (404). The client's address
is the one :mod:`api.proxies` found: behind a reverse proxy on this machine, name it in
``MOBILITY_TRUSTED_PROXIES`` (or block ``/metrics`` there), else every client looks local.
"""

from __future__ import annotations

import ipaddress
import secrets

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.metrics import CONTENT_TYPE, Metrics
from api.problems import Problem

router = APIRouter()

#: scrapes read the store: one at a time, apart from the threads answering requests
_SCRAPES = anyio.CapacityLimiter(1)


def local(host: str | None) -> bool:
    """Whether a client address is this machine's (loopback)."""
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed(request: Request, token: str | None) -> None:
    """Raise 401 or 403 unless the caller may read the metrics."""
    if token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
                given.strip().encode(), token.encode()):
            raise Problem(401, "unauthorized", "Unauthorized", "the metrics need the bearer "
                          "token set in MOBILITY_METRICS_TOKEN",
                          headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        return
    if not local(request.client.host if request.client else None):
        raise Problem(403, "forbidden", "Forbidden", "the metrics are open to this machine "
                      "only; set MOBILITY_METRICS_TOKEN to let a scraper elsewhere in")


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """The metrics in Prometheus' text format."""
    config = request.app.state.service.config
    if not config.metrics:
        raise Problem(404, "not-found", "Not found", "metrics are switched off "
                      "(MOBILITY_METRICS=false)")
    allowed(request, config.metrics_token)
    m: Metrics = request.app.state.metrics
    body = await anyio.to_thread.run_sync(m.exposition, limiter=_SCRAPES)
    return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
