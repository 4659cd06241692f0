"""The service's clock. Every comparison with "now" in the booking service goes through one
:class:`Clock`, so that tests (and demonstrations) can fix the moment instead of depending
on the day they run."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
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
    they started (without it, each starts its clock when it is created).

    ``epoch_file`` instead holds the clock at ``start`` until that file holds the epoch:
    whoever started several processes writes it once all of them answer, so that a slow
    start (a busy machine, a first compilation) takes nothing from the day they run."""

    #: how often (wall seconds) a held clock looks at its file
    LOOK_EVERY_S = 0.05

    def __init__(self, start: dt.datetime, speed: float = 1.0,
                 epoch: float | None = None, epoch_file: Path | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock's start needs a UTC offset or time zone")
        if not speed > 0:
            raise ValueError("the clock's speed must be positive")
        self.start = start.astimezone(dt.UTC)
        self.speed = float(speed)
        self._file = epoch_file if epoch is None else None
        self._next_look = 0.0
        # the machine's clock may be set while the server runs: the epoch is turned into
        # monotonic time once, and the clock runs on the monotonic time
        self._t0: float | None = (None if self._file is not None else
                                  time.monotonic() - (0.0 if epoch is None
                                                      else time.time() - epoch))

    @property
    def held(self) -> bool:
        """Whether the clock still stands at its start, waiting for its epoch file."""
        return self._t0 is None and self._look() is None

    def now(self) -> dt.datetime:
        t0 = self._t0 if self._t0 is not None else self._look()
        if t0 is None:
            return self.start
        return self.start + dt.timedelta(seconds=(time.monotonic() - t0) * self.speed)

    def _look(self) -> float | None:
        """The monotonic moment of the epoch, once the file holds it (looked at no more
        often than :attr:`LOOK_EVERY_S`; a file half written is read again later)."""
        m = time.monotonic()
        if self._file is None or m < self._next_look:
            return self._t0
        self._next_look = m + self.LOOK_EVERY_S
        try:
            epoch = float(self._file.read_text(encoding="ascii").strip())
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        self._t0 = time.monotonic() - (time.time() - epoch)
        return self._t0


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
