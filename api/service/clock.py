"""The service's clock. Every comparison with "now" in the booking service goes through one
:class:`Clock`, so that tests (and demonstrations) can fix the moment instead of depending
on the day they run."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Tells the current moment."""

    def now(self) -> dt.datetime:
        """The current moment, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class RunningClock:
    """A clock that reads ``start`` when created and then runs at the real pace, or
    ``speed`` times faster (a server started "on Tuesday at 06:00" for a test, a training
    session, or a service day's digital twin at 10x).

    ``epoch`` (Unix seconds) is the machine's moment at which the clock shows ``start``:
    several server processes given the same epoch show the same time however far apart
    they started (without it, each starts its clock when it is created)."""

    def __init__(self, start: dt.datetime, speed: float = 1.0,
                 epoch: float | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock's start needs a UTC offset or time zone")
        if not speed > 0:
            raise ValueError("the clock's speed must be positive")
        self.start = start.astimezone(dt.UTC)
        self.speed = float(speed)
        # the machine's clock may be set while the server runs: the epoch is turned into
        # monotonic time once, and the clock runs on the monotonic time
        self._t0 = time.monotonic() - (0.0 if epoch is None else time.time() - epoch)

    def now(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=(time.monotonic() - self._t0) * self.speed)


class FixedClock:
    """A clock that stands still until it is moved (for tests)."""

    def __init__(self, moment: dt.datetime) -> None:
        self._lock = threading.Lock()
        self.set(moment)

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, moment: dt.datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the clock needs an aware moment")
        with self._lock:
            self._now = moment.astimezone(dt.UTC)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += dt.timedelta(seconds=seconds)
