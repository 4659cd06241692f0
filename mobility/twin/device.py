"""A driver's device on a flaky rural connection: every event gets its own id and goes into
a queue sent in order; with probability ``drop`` a request loses the connection — half of
the time before it reached the server, half of the time after (the answer is lost) — and the
device is offline for a while, then sends the queue again (a dropped event sometimes twice,
as a device unsure whether its last attempt went through). The server must apply each event
once."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mobility.twin.api import Api, Reply
from mobility.twin.clock import ServerClock

#: how long a lost connection lasts (server seconds)
OFFLINE_S = (30.0, 150.0)
#: a re-sent event is sent once more with this probability
TWICE = 0.3


@dataclass
class Event:
    """A report for ``POST /api/v1/vehicles/{id}/events``."""

    event_id: str
    type: str
    at: dt.datetime
    booking_id: str | None = None
    position: tuple[float, float] | None = None
    dropped: bool = False  #: lost its connection once
    #: called with the answer and the wall moment (``perf_counter``) before it was sent
    on_reply: Callable[[Reply, float], None] | None = None

    def body(self) -> dict[str, Any]:
        b: dict[str, Any] = {"type": self.type, "eventId": self.event_id,
                             "time": self.at.isoformat(timespec="seconds")}
        if self.booking_id is not None:
            b["bookingId"] = self.booking_id
        if self.position is not None:
            b["lat"], b["lon"] = round(self.position[0], 6), round(self.position[1], 6)
        return b


@dataclass
class DeviceLog:
    """What the devices sent: every answer's (eventId, applied), and counts."""

    answers: list[tuple[str, bool]] = field(default_factory=list)
    sent: int = 0  #: events handed to the devices
    dropped: int = 0  #: requests that lost their connection
    lost_after_server: int = 0  #: of those, reached the server (the answer lost)
    resent: int = 0  #: dropped events sent again
    twice: int = 0  #: re-sent events sent once more
    refused: list[str] = field(default_factory=list)  #: 4xx answers (type: status code)


class Device:
    """One vehicle's device: ``send`` queues an event; the queue drains in order while the
    connection holds."""

    def __init__(self, api: Api, key: str, vehicle_id: str, clock: ServerClock,
                 rng: np.random.Generator, drop: float, log: DeviceLog) -> None:
        self.api, self.key, self.vehicle_id = api, key, vehicle_id
        self.clock, self.rng, self.drop, self.log = clock, rng, drop, log
        self.queue: deque[Event] = deque()
        self.offline_until: dt.datetime | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._n = 0

    def new_id(self, kind: str) -> str:
        self._n += 1
        return f"{self.vehicle_id}:{self._n}:{kind}"

    def send(self, ev: Event) -> None:
        """Queue ``ev``; it goes out as soon as the queue before it has."""
        self.log.sent += 1
        self.queue.append(ev)
        self._wake.set()

    @property
    def online(self) -> bool:
        return self.offline_until is None or self.clock.now() >= self.offline_until

    @property
    def idle(self) -> bool:
        """Nothing waits to be sent."""
        return not self.queue

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"device-{self.vehicle_id}")

    async def stop(self, flush_wall_s: float = 30.0) -> None:
        """Send what is queued (the connection comes back), then stop."""
        deadline = time.monotonic() + flush_wall_s
        self.offline_until = None
        self.drop = 0.0
        self._wake.set()
        while self.queue and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            if not self.queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            if not self.online:
                assert self.offline_until is not None
                await self.clock.sleep_until(self.offline_until)
                continue
            ev = self.queue[0]
            if self.drop > 0 and self.rng.random() < self.drop:
                await self._lose(ev)
                continue
            t0 = time.perf_counter()
            r = await self.api.post(f"/api/v1/vehicles/{self.vehicle_id}/events", self.key,
                                    ev.body())
            if r.status == 0:  # the real network failed: try again later, as offline
                self.offline_until = self.clock.now() + dt.timedelta(seconds=OFFLINE_S[0])
                continue
            self.queue.popleft()
            self._answer(ev, r, t0)
            if ev.dropped:
                self.log.resent += 1
                if self.rng.random() < TWICE:  # unsure it went through: once more
                    self.log.twice += 1
                    again = await self.api.post(
                        f"/api/v1/vehicles/{self.vehicle_id}/events", self.key, ev.body())
                    self._record(ev, again)

    async def _lose(self, ev: Event) -> None:
        """The connection breaks during this request: before the server got it, or after
        (it is applied, the answer never arrives); offline for a while."""
        self.log.dropped += 1
        ev.dropped = True
        if self.rng.random() < 0.5:
            self.log.lost_after_server += 1
            await self.api.post(f"/api/v1/vehicles/{self.vehicle_id}/events", self.key,
                                ev.body())  # its answer is lost: not recorded
        lo, hi = OFFLINE_S
        self.offline_until = self.clock.now() + dt.timedelta(
            seconds=float(self.rng.uniform(lo, hi)))

    def _answer(self, ev: Event, r: Reply, t0: float) -> None:
        self._record(ev, r)
        if ev.on_reply is not None:
            ev.on_reply(r, t0)

    def _record(self, ev: Event, r: Reply) -> None:
        if r.ok:
            self.log.answers.append((ev.event_id, bool(r.get("applied", True))))
        elif 400 <= r.status < 500:
            code = str(r.get("type") or "").rsplit("/", 1)[-1] or str(r.status)
            self.log.refused.append(f"{ev.type}: {code}")
