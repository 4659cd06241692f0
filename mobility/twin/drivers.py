"""Simulated drivers: one per vehicle, following its manifest. To each next stop the driver
takes the planned travel time times a random factor — most legs on time, some late, the
delay a hold-up at the leg's start (a slow boarding, a tractor ahead) — sending a position
every 15 s of server time while under way; at a pickup *arrived*, then *picked up* from the
window's start (or, now and then, *no-show* a few minutes after it), at a drop-off
*arrived* and *dropped off*. Every event goes through the vehicle's device
(:mod:`mobility.twin.device`), which loses its connection now and then."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mobility.twin import eta
from mobility.twin.context import Context
from mobility.twin.demand import StreetPoints
from mobility.twin.device import Device, Event

#: a position every this many server seconds while driving
POSITION_EVERY_S = 15.0
#: the manifest is read again this often (server seconds) while driving or waiting
MANIFEST_EVERY_S = 60.0
#: a leg's factor on its planned time: on time (most) or late (``late_share``)
ON_TIME = (0.85, 1.1)
LATE = (1.25, 2.0)
#: boarding and alighting (server seconds)
BOARD_S, ALIGHT_S = 45.0, 30.0
#: a no-show is reported this long after the window's start (server minutes)
NO_SHOW_AFTER_MIN = (2.0, 5.0)
#: a leg whose planned time may include waiting: its drive estimated from the distance
#: (road distance ≈ 1.3 × straight line, at 15 m/s)
DETOUR, SPEED_MS = 1.3, 15.0


@dataclass(frozen=True)
class Stop:
    """A manifest stop to serve."""

    booking_id: str
    kind: str  #: pickup or dropoff
    at: tuple[float, float]
    planned: dt.datetime
    window: tuple[dt.datetime, dt.datetime] | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.booking_id, self.kind)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = (math.sin((la2 - la1) / 2) ** 2
         + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2)
    return 2 * 6_371_000.0 * math.asin(math.sqrt(h))


class Driver:
    """The driver of ``vehicle`` (``GET /api/v1/vehicles``' entry) with its device."""

    def __init__(self, ctx: Context, vehicle: dict[str, Any], key: str, device: Device,
                 end: dt.datetime, roads: StreetPoints | None = None) -> None:
        self.ctx, self.key, self.device, self.end, self.roads = ctx, key, device, end, roads
        self.id = str(vehicle["id"])
        depot = vehicle["depot"]
        self.pos: tuple[float, float] = (float(depot["lat"]), float(depot["lon"]))
        self.done: set[tuple[str, str]] = set()
        self.rng: np.random.Generator = ctx.rng()
        self.probes: set[asyncio.Task[None]] = set()
        self.finished = False

    async def run(self) -> None:
        """Serve the manifest until the riders are done asking and it is empty (or the
        day's hard end)."""
        clock = self.ctx.clock
        try:
            while clock.now() < self.end:
                stops = await self.stops()
                if stops is None or not stops:
                    if self.ctx.asking_done and stops is not None and self.device.idle:
                        return
                    await clock.sleep(MANIFEST_EVERY_S)
                    continue
                arrived = await self.drive_to(stops[0])
                if arrived is not None:
                    await self.serve(stops[0], arrived)
        finally:
            self.finished = True

    async def stops(self) -> list[Stop] | None:
        """The stops still to serve, in the manifest's order (None: it could not be read)."""
        r = await self.ctx.api.get(f"/api/v1/vehicles/{self.id}/manifest", self.key,
                                   date=self.ctx.date.isoformat())
        if not r.ok:
            return None
        out = []
        for s in r.body.get("stops", []):
            if s.get("kind") not in ("pickup", "dropoff") or not s.get("bookingId"):
                continue  # a break: the driver stays where the plan has them
            w = s.get("window")
            st = Stop(s["bookingId"], s["kind"], (s["location"]["lat"], s["location"]["lon"]),
                      dt.datetime.fromisoformat(s["plannedTime"]),
                      (dt.datetime.fromisoformat(w["start"]), dt.datetime.fromisoformat(w["end"]))
                      if w else None)
            if st.key not in self.done:
                out.append(st)
        return out

    def _drive_plan(self, nxt: Stop) -> tuple[dt.datetime, float]:
        """When to leave and the planned drive (server seconds): the manifest's time less
        now, unless the stop is a pickup planned at its window's start (the plan may wait
        there): then a drive estimated from the distance, leaving in time for it."""
        now = self.ctx.clock.now()
        dist = metres(self.pos, nxt.at)
        floor = dist / 30.0  # no leg is faster than 108 km/h
        planned = (nxt.planned - now).total_seconds()
        waits = (nxt.kind == "pickup" and nxt.window is not None
                 and abs((nxt.planned - nxt.window[0]).total_seconds()) < 2)
        if waits:
            drive = max(floor, min(planned, 60.0 + dist * DETOUR / SPEED_MS))
            return max(now, nxt.planned - dt.timedelta(seconds=drive)), drive
        return now, max(floor, planned)

    async def _changed(self, nxt: Stop) -> bool:
        """Whether the manifest's next stop is another now (a ride moved, cancelled or
        inserted before it)."""
        stops = await self.stops()
        return stops is not None and (not stops or stops[0].key != nxt.key)

    async def _gone(self, st: Stop) -> bool:
        """Whether a stop has left the manifest (its ride cancelled, or moved)."""
        stops = await self.stops()
        return stops is not None and all(s.key != st.key for s in stops)

    async def drive_to(self, nxt: Stop) -> dt.datetime | None:
        """Drive to ``nxt``: the moment of arrival, or None when the manifest's next stop
        changed on the way (the driver stops where they are and follows the new plan).
        Reports and the arrival carry the simulation's own moments, not the moment the
        twin's loop got round to them: at 120x a wall millisecond is 0.12 s."""
        clock = self.ctx.clock
        if metres(self.pos, nxt.at) < 30:
            self.pos = nxt.at
            return clock.now()
        depart, drive = self._drive_plan(nxt)
        while clock.now() < depart:  # waiting to leave: the plan may change meanwhile
            await clock.sleep_until(min(depart, clock.now()
                                        + dt.timedelta(seconds=MANIFEST_EVERY_S)))
            if clock.now() >= self.end:
                return None
            if clock.now() < depart and await self._changed(nxt):
                return None
        late = self.rng.random() < self.ctx.opts.late_share
        factor = float(self.rng.uniform(*(LATE if late else ON_TIME)))
        hold = drive * max(0.0, factor - 1.0)
        moving = drive * min(1.0, factor)
        self.ctx.drivers.legs += 1
        self.ctx.drivers.late_legs += late
        start, origin = max(depart, clock.now() - dt.timedelta(seconds=1)), self.pos
        arrive = start + dt.timedelta(seconds=hold + moving)
        tick, last_check = start, start
        while True:
            tick += dt.timedelta(seconds=POSITION_EVERY_S)
            if tick >= arrive:
                break
            await clock.sleep_until(tick)
            gone = (tick - start).total_seconds() - hold
            f = min(1.0, max(0.0, gone / moving)) if moving > 0 else 1.0
            self.pos = (origin[0] + (nxt.at[0] - origin[0]) * f,
                        origin[1] + (nxt.at[1] - origin[1]) * f)
            await self._report(tick)
            if (tick - last_check).total_seconds() >= MANIFEST_EVERY_S:
                last_check = tick
                if await self._changed(nxt):
                    self.ctx.drivers.moved_away += 1
                    return None
        await clock.sleep_until(arrive)
        self.pos = nxt.at
        return arrive

    async def _report(self, now: dt.datetime) -> None:
        """A position report; some are watched until the rider's estimate shows them."""
        at = self.roads.nearest(*self.pos) if self.roads is not None else self.pos
        ev = Event(self.device.new_id("pos"), "position", now, position=at)
        self.ctx.drivers.positions += 1
        if (self.device.idle and self.device.online
                and self.rng.random() < self.ctx.opts.eta_share):
            target = await self._next_pickup()
            if target is not None:
                seen = await eta.before(self.ctx, target)
                if seen is not None:
                    ev.on_reply = eta.probe(self.ctx, target, now.replace(microsecond=0),
                                            seen, self.probes)
        self.device.send(ev)

    async def _next_pickup(self) -> str | None:
        stops = await self.stops()
        return next((s.booking_id for s in stops or [] if s.kind == "pickup"), None)

    def _event(self, kind: str, booking_id: str, at: dt.datetime) -> None:
        self.device.send(Event(self.device.new_id(kind), kind, at, booking_id=booking_id,
                               position=self.pos))

    async def serve(self, st: Stop, arrived: dt.datetime) -> None:
        """At the stop since ``arrived``: then picked up (from the window's start) or a
        no-show, or dropped off."""
        clock = self.ctx.clock
        self._event("arrived", st.booking_id, arrived)
        if st.kind == "dropoff":
            left = arrived + dt.timedelta(seconds=ALIGHT_S)
            await clock.sleep_until(left)
            self._event("dropped_off", st.booking_id, left)
            self.ctx.drivers.dropoffs += 1
            self.done.add(st.key)
            return
        boarded = max(arrived, st.window[0]) if st.window else arrived
        while clock.now() < boarded:  # early: waiting, the app's manifest in view
            await clock.sleep_until(min(boarded, clock.now()
                                        + dt.timedelta(seconds=MANIFEST_EVERY_S)))
            if clock.now() < boarded and await self._gone(st):
                self.ctx.drivers.gone_while_waiting += 1  # cancelled (or moved) meanwhile
                return
        if self.rng.random() < self.ctx.opts.no_show_share:
            gave_up = boarded + dt.timedelta(minutes=float(self.rng.uniform(*NO_SHOW_AFTER_MIN)))
            await clock.sleep_until(gave_up)
            self._event("no_show", st.booking_id, gave_up)
            self.ctx.drivers.no_shows += 1
            self.done.update({st.key, (st.booking_id, "dropoff")})
            return
        self._event("picked_up", st.booking_id, boarded)
        self.ctx.drivers.pickups[st.booking_id] = boarded.replace(microsecond=0)
        self.done.add(st.key)
        await clock.sleep_until(boarded + dt.timedelta(seconds=BOARD_S))
