"""One twin run: read the server's clock, draw the day's wishes, make the standing orders,
let the riders and drivers loose on the server until the day's work is done, then collect
what the server and the twin's receivers recorded and check it (:mod:`mobility.twin.checks`,
figures by :mod:`mobility.twin.collect`)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from mobility.twin.api import Api
from mobility.twin.checks import Broken
from mobility.twin.clock import ServerClock, keep_in_step, measure
from mobility.twin.collect import Watch, collect
from mobility.twin.context import Context
from mobility.twin.demand import draw_areas, draw_profile, load_areas, standing_counts
from mobility.twin.device import Device
from mobility.twin.drivers import Driver
from mobility.twin.options import TwinOptions
from mobility.twin.riders import ride, standing_orders


@dataclass
class TwinResult:
    """The figures (one flat dict, the final JSON line), the broken promises and a note
    per check that could not run."""

    figures: dict[str, Any]
    broken: list[Broken]
    passed: bool


@dataclass(frozen=True)
class Progress:
    """How far the day is (server time) and what happened so far."""

    now: dt.datetime
    start: dt.datetime
    end: dt.datetime
    counts: dict[str, int]


def run_twin(opts: TwinOptions, progress: Callable[[Progress], None] | None = None
             ) -> TwinResult:
    """Run a service day against ``opts.url`` (blocking)."""
    return asyncio.run(run_async(opts, progress))


async def run_async(opts: TwinOptions, progress: Callable[[Progress], None] | None = None
                    ) -> TwinResult:
    api = Api(opts.urls or opts.url)
    try:
        return await _run(api, opts, progress)
    finally:
        await api.close()


async def _run(api: Api, opts: TwinOptions, progress: Callable[[Progress], None] | None
               ) -> TwinResult:
    wall0 = time.monotonic()
    region = await api.get("/api/v1/region")
    if not region.ok:
        raise RuntimeError(f"{opts.url}: GET /api/v1/region answered {region.status}")
    tz = ZoneInfo(region.body["timezone"])
    clock = await measure(api.server_now, opts.speed)
    ctx = Context(api, clock, tz, clock.now().astimezone(tz).date(), opts, opts.staff_key,
                  np.random.SeedSequence(opts.seed), missing=await api.missing())
    vehicles = await api.get("/api/v1/vehicles", opts.staff_key)
    if not vehicles.ok:
        raise RuntimeError(f"GET /api/v1/vehicles answered {vehicles.status}: the twin needs "
                           "a dispatcher's key")
    # every area with vehicles gets riders, as many as its share of the fleet
    fleet = Counter(str(v.get("area")) for v in vehicles.body["vehicles"])
    areas = await load_areas(api, set(fleet))
    rng = np.random.default_rng(opts.seed)
    if opts.profile is not None:  # a district's own demand, standing orders included
        trips = draw_profile(areas, opts.profile, opts.hours, rng)
        standing = standing_counts(areas, opts.profile, opts.hours)
    else:
        trips = draw_areas(areas, [float(fleet[a.area]) for a in areas], opts.hours,
                           opts.rate, rng)
        standing = [len(range(k, opts.standing, len(areas))) for k in range(len(areas))]
    places = areas[0]
    start = ctx.began = clock.now()
    end = ctx.moment(opts.hours[1] + opts.drain_s)
    for a, n in zip(areas, standing, strict=True):  # the standing orders of each area
        await standing_orders(ctx, a, n, opts.hours)

    drivers = []
    for v in vehicles.body["vehicles"]:
        key = opts.driver_keys.get(v["id"], opts.staff_key)
        dev = Device(api, key, v["id"], clock, ctx.rng(), opts.drop, ctx.devices)
        dev.start()
        drivers.append(Driver(ctx, v, key, dev, end, places.streets))
    capacity = {str(v["id"]): (int(v.get("seats", 0)), int(v.get("wheelchairPlaces", 0)))
                for v in vehicles.body["vehicles"]}
    memory = Memory(opts.pids)
    sampler = asyncio.create_task(memory.hour_after(clock, start))
    watch = Watch(ctx)
    watcher = asyncio.create_task(watch.run())
    stepper = asyncio.create_task(keep_in_step(clock, api.server_now))
    driving = [asyncio.create_task(d.run(), name=f"driver-{d.id}") for d in drivers]

    async def ask() -> None:
        await asyncio.gather(*(ride(ctx, t, a) for t, a in trips))
        ctx.asking_done = True

    asking = asyncio.create_task(ask(), name="riders")
    shown = asyncio.create_task(_show(ctx, start, ctx.moment(opts.hours[1]), drivers,
                                      progress)) if progress else None
    try:
        await asyncio.gather(asking, *driving)
    finally:
        for d in drivers:
            await d.device.stop()
        for d in drivers:
            if d.probes:
                await asyncio.gather(*d.probes, return_exceptions=True)
        watcher.cancel()
        stepper.cancel()
        sampler.cancel()
        if shown is not None:
            shown.cancel()
    rss = memory.at_end()
    figures, broken = await collect(ctx, watch, trips=len(trips), sinks=opts.sinks,
                                    wall_s=time.monotonic() - wall0, end=end,
                                    capacity=capacity, rss=rss)
    return TwinResult(figures, broken, _passed(figures))


class Memory:
    """The API processes' resident memory (bytes by process id): an hour of server time
    after the twin's start, and at the end of the day."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.hour: dict[int, int] = {}

    def read(self) -> dict[int, int]:
        import psutil

        out = {}
        for pid in self.pids:
            with contextlib.suppress(psutil.Error):
                out[pid] = int(psutil.Process(pid).memory_info().rss)
        return out

    async def hour_after(self, clock: ServerClock, start: dt.datetime) -> None:
        await clock.sleep_until(start + dt.timedelta(hours=1))
        self.hour = self.read()

    def at_end(self) -> tuple[dict[int, int], dict[int, int]] | None:
        """(an hour after the start, now); None without processes or before the hour (a
        day shorter than that has no memory figures)."""
        if not self.pids or not self.hour:
            return None
        return self.hour, self.read()


def _passed(f: dict[str, Any]) -> bool:
    return not any(f.get(k) for k in ("broken_promises_unreported", "duplicate_notifications",
                                      "events_applied_twice", "server_errors", "lost",
                                      "doubled", "overbooked"))


async def _show(ctx: Context, start: dt.datetime, end: dt.datetime, drivers: list[Driver],
                progress: Callable[[Progress], None]) -> None:
    while True:
        progress(Progress(ctx.clock.now(), start, end, {
            "booked": len(ctx.bookings), "picked up": len(ctx.drivers.pickups),
            "events": ctx.devices.sent, "dropped": ctx.devices.dropped,
            "driving": sum(not d.finished for d in drivers)}))
        await asyncio.sleep(0.25)
