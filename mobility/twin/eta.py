"""How soon a position report reaches the rider: for a sample of reports, the wall seconds
from the report's POST to the moment the affected rider's ``GET /api/v1/bookings/{id}``
shows an estimate based on it — its ``live.reportedAt`` at the report's time (or a later
report's), or, on a server without the live estimate, ``estimatedPickup`` changing."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from mobility.twin.api import Reply, when
from mobility.twin.context import Context

#: a report not seen after this long (wall seconds) counts as this long
TIMEOUT_S = 10.0
POLL_S = 0.02


@dataclass(frozen=True)
class Before:
    """The booking as the rider saw it before the report."""

    estimate: dt.datetime | None


async def before(ctx: Context, booking_id: str) -> Before | None:
    r = await ctx.api.get(f"/api/v1/bookings/{booking_id}", ctx.key_for(booking_id))
    if not r.ok or r.body.get("status") != "confirmed":
        return None
    return Before(when(r.body.get("estimatedPickup")))


def probe(ctx: Context, booking_id: str, report_at: dt.datetime, seen: Before,
          tasks: set[asyncio.Task[None]]) -> Callable[[Reply, float], None]:
    """The report's ``on_reply``: once the server answered it, watch the booking."""

    def on_reply(r: Reply, t0: float) -> None:
        if not r.ok:
            return
        t = asyncio.create_task(_watch(ctx, booking_id, report_at, seen, t0))
        tasks.add(t)
        t.add_done_callback(tasks.discard)

    return on_reply


async def _watch(ctx: Context, booking_id: str, report_at: dt.datetime, seen: Before,
                 t0: float) -> None:
    live = "estimate" not in ctx.missing
    key = ctx.key_for(booking_id)
    while (waited := time.perf_counter() - t0) < TIMEOUT_S:
        r = await ctx.api.get(f"/api/v1/bookings/{booking_id}", key)
        if not r.ok or r.body.get("status") != "confirmed":
            return  # picked up, cancelled, moved away …: no estimate to wait for
        if live:
            at = when((r.body.get("live") or {}).get("reportedAt"))
            if at is not None and at >= report_at - dt.timedelta(seconds=1):
                ctx.eta_s.append(time.perf_counter() - t0)
                return
        elif when(r.body.get("estimatedPickup")) != seen.estimate:
            ctx.eta_s.append(time.perf_counter() - t0)
            return
        await asyncio.sleep(POLL_S)
    if live:  # the estimate never showed the report: as slow as the wait
        ctx.eta_timeouts += 1
        ctx.eta_s.append(waited)
