"""Time rules shared by every layer: the service day's origin, clock times of day, and the
"no bound" sentinel. Times inside the engine are seconds after a service day's midnight;
time zones appear only here and at the edges.

GTFS defines a service day's times from "noon minus 12 hours", which differs from midnight
on the days clocks change: every conversion between a moment and (service date, seconds)
goes through :func:`service_day_midnight`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from zoneinfo import ZoneInfo

#: "no bound" for a time in seconds (about 31 years): finite, so that sums and differences
#: stay exact in float64 and it can be stored; anything at or beyond it is unbounded
NO_BOUND_S = 1e9
#: the latest clock time of day a service may name (47:59: a night's service past midnight)
MAX_CLOCK_HOURS = 47

_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)(?::([0-5]\d))?$")


def bounded(seconds: float) -> bool:
    """Whether a time is a real bound (not the :data:`NO_BOUND_S` sentinel or infinity)."""
    return math.isfinite(seconds) and seconds < NO_BOUND_S


def parse_clock(text: str, *, allow_seconds: bool = True) -> int:
    """``HH:MM`` or ``HH:MM:SS`` (hours up to 47 for service past midnight) as seconds
    after the service day's midnight.

    Raises
    ------
    ValueError
        Saying what was expected.
    """
    m = _CLOCK.match(text.strip()) if isinstance(text, str) else None
    if m is None or (m.group(3) is not None and not allow_seconds):
        form = "HH:MM or HH:MM:SS" if allow_seconds else "HH:MM"
        raise ValueError(f"expected {form}, not {text!r}")
    hours = int(m.group(1))
    if hours > MAX_CLOCK_HOURS:
        raise ValueError(f"{text!r} is not a time of day (hours go up to "
                         f"{MAX_CLOCK_HOURS} for service past midnight)")
    return hours * 3600 + int(m.group(2)) * 60 + int(m.group(3) or 0)


def clock_text(seconds: float, *, with_seconds: bool = False) -> str:
    """Seconds after a service day's midnight as ``HH:MM`` (``HH:MM:SS``), past 24:00 for
    late service and ``-HH:MM`` before midnight."""
    s = int(round(seconds))
    sign, s = ("-", -s) if s < 0 else ("", s)
    out = f"{sign}{s // 3600:02d}:{s % 3600 // 60:02d}"
    return f"{out}:{s % 60:02d}" if with_seconds else out


def service_day_midnight(date: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The origin of a service day's times: noon minus 12 hours, local time."""
    return dt.datetime.combine(date, dt.time(12), tz) - dt.timedelta(hours=12)


def service_day_epoch(date: dt.date, tz: ZoneInfo) -> int:
    """Epoch seconds of a service day's origin."""
    return int(dt.datetime.combine(date, dt.time(12), tz).timestamp()) - 12 * 3600


def day_seconds(moment: dt.datetime, tz: ZoneInfo) -> tuple[dt.date, float]:
    """(service date, seconds after its midnight) of an aware moment, in zone ``tz``."""
    local = moment.astimezone(tz)
    return local.date(), (local - service_day_midnight(local.date(), tz)).total_seconds()


def moment_at(date: dt.date, seconds: float, tz: ZoneInfo) -> dt.datetime:
    """Seconds after a service day's midnight as a local moment (whole seconds)."""
    return (service_day_midnight(date, tz) + dt.timedelta(seconds=round(seconds))
            ).astimezone(tz)
