"""The server's time as the twin sees it: read once from ``GET /api/v1/region``, then run on
from the wall clock at the server's speed, and re-read now and then so that the two do not
drift apart. Every decision of the simulated riders and drivers is taken in server time."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable


class ServerClock:
    """The server's clock: ``start`` at the wall clock's ``wall0`` (``time.monotonic``),
    running ``speed`` times faster than the wall clock."""

    def __init__(self, start: dt.datetime, speed: float, wall0: float | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("the server's time needs its UTC offset")
        if not speed > 0:
            raise ValueError("the clock's speed must be positive")
        self.start, self.speed = start, float(speed)
        self.wall0 = time.monotonic() if wall0 is None else wall0
        #: how late the twin woke up after each sleep (server seconds): a loop too busy for
        #: this speed shows here
        self.lags: list[float] = []

    def now(self) -> dt.datetime:
        """The server's time now (in the zone ``start`` was given in)."""
        return self.at(time.monotonic())

    def at(self, wall: float) -> dt.datetime:
        """The server's time at the wall clock's ``wall`` (``time.monotonic``)."""
        return self.start + dt.timedelta(seconds=(wall - self.wall0) * self.speed)

    def wall_until(self, moment: dt.datetime) -> float:
        """Wall seconds until the server's clock shows ``moment`` (negative: passed)."""
        return (moment - self.now()).total_seconds() / self.speed

    async def sleep_until(self, moment: dt.datetime) -> None:
        wait = self.wall_until(moment)
        if wait > 0:
            await asyncio.sleep(wait)
            if len(self.lags) < 1_000_000:
                self.lags.append(max(0.0, -self.wall_until(moment)) * self.speed)

    async def sleep(self, server_seconds: float) -> None:
        if server_seconds > 0:
            await asyncio.sleep(server_seconds / self.speed)

    def correct(self, server_now: dt.datetime, wall: float) -> float:
        """Move the clock so that it shows ``server_now`` at ``wall``; returns the error it
        had (server seconds, positive: the twin was behind)."""
        err = (server_now - self.at(wall)).total_seconds()
        self.start += dt.timedelta(seconds=err)
        return err


async def measure(read_now: Callable[[], Awaitable[dt.datetime]], speed: float | None = None,
                  span_s: float = 6.0) -> ServerClock:
    """The server's clock, from its ``now`` (whole seconds): the moment a second ticks over
    is found by asking repeatedly, which pins the clock to a few milliseconds of the wall
    clock; without ``speed`` a second tick ``span_s`` wall seconds later gives the speed
    (a round one when close: see :func:`round_speed`)."""
    await read_now()  # the connection made: the ticks' reads all take the same time
    first, wall_a = await _tick(read_now)
    if speed is None:
        await asyncio.sleep(span_s)
        second, wall_b = await _tick(read_now)
        speed = round_speed((second - first).total_seconds() / (wall_b - wall_a))
    return ServerClock(first, speed, wall_a)


def round_speed(measured: float) -> float:
    """A measured speed snapped to what operators set — a multiple of 5 from 10 on, else a
    whole number — when within 1.5 % of it (the measurement's own error is below 1 %)."""
    if measured <= 0:
        raise ValueError("the server's clock does not run forward")
    for step in ((5.0, 1.0) if measured >= 10 else (1.0,)):
        near = round(measured / step) * step
        if near > 0 and abs(measured - near) <= 0.015 * measured:
            return near
    return measured


async def keep_in_step(clock: ServerClock, read_now: Callable[[], Awaitable[dt.datetime]],
                       every_s: float = 5.0) -> None:
    """Compare with the server's clock every ``every_s`` wall seconds and move the twin's
    when it is off by more than the server's whole seconds explain."""
    while True:
        await asyncio.sleep(every_s)
        w0 = time.monotonic()
        now = await read_now()
        mid = (w0 + time.monotonic()) / 2
        err = ((now - clock.at(mid)).total_seconds())  # in [-1, 0] when in step
        if err > 0.5 or err < -1.5:
            clock.correct(now + dt.timedelta(seconds=0.5), mid)


async def _tick(read_now: Callable[[], Awaitable[dt.datetime]], limit_s: float = 5.0
                ) -> tuple[dt.datetime, float]:
    """The server's time at the wall moment its clock showed a new whole second (the
    midpoint of the last two reads around the tick)."""
    before, w0 = await read_now(), time.monotonic()
    deadline = w0 + limit_s
    while True:
        w1 = time.monotonic()
        now = await read_now()
        w2 = time.monotonic()
        if now != before:
            # the tick happened between the previous answer and this one
            return now, (w0 + w2) / 2 if w2 - w0 < 0.2 else w1
        before, w0 = now, w2
        if w2 > deadline:  # a stopped clock (speed 0 is refused; a hung server)
            return now, w2
