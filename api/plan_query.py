"""A journey query as people type it, parsed: an endpoint is ``LAT,LON`` or
``stop:<stop_id>``; a time is ISO 8601, local time of the region when it has no offset, and
defaults to the region's default date at 08:00.

``GET /api/v1/plan`` and the command line's ``mobility route`` both parse with these rules;
each names its own fields (``from``/``to``/``time``, ``--from``/``--to``/``--at``) so that
an error says which input to fix.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from routing.errors import InputError, OutOfRegionError
from routing.planner import Endpoint
from routing.street_router import LatLon
from routing.timebase import day_seconds

#: the time of day a query without a time asks for
DEFAULT_HOUR = 8


class PlanSite(Protocol):
    """What parsing needs to know of a region (``mobility``'s RegionPlanner is one)."""

    @property
    def region_name(self) -> str: ...

    @property
    def tz(self) -> ZoneInfo: ...

    @property
    def default_date(self) -> dt.date: ...

    def stop_index(self, stop_id: str) -> int | None:
        """The index of the stop with GTFS ``stop_id``, or None."""
        ...

    def check_point(self, point: LatLon) -> None:
        """Raise :class:`OutOfRegionError` (saying why) for a point the region cannot route
        from or to."""
        ...


@dataclass(frozen=True)
class PlanInput:
    """A parsed query: two endpoints (a coordinate or a stop index) and the moment as
    (service date, seconds after its midnight)."""

    origin: Endpoint
    destination: Endpoint
    date: dt.date
    time_s: int


def parse_endpoint(site: PlanSite, text: str, field: str) -> Endpoint:
    """``LAT,LON`` as a coordinate, ``stop:<stop_id>`` as the stop's index.

    Raises
    ------
    InputError
        Malformed text or an unknown stop (``field`` set).
    OutOfRegionError
        A coordinate the region's streets do not reach.
    """
    text = text.strip()
    if text.startswith("stop:"):
        sid = text[5:]
        stop = site.stop_index(sid)
        if stop is None:
            raise InputError(f"{field}: no stop with stop_id '{sid}' in region "
                             f"{site.region_name}", field=field)
        return stop
    try:
        lat, lon = (float(x) for x in text.split(","))
    except ValueError:
        raise InputError(f"{field}: expected LAT,LON (e.g. 44.0153,-73.1673) or "
                         f"stop:<stop_id>, not {text!r}", field=field) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"{field}: {lat},{lon} is not a valid latitude,longitude",
                         field=field)
    try:  # fail here, naming the input, rather than deep in the planner
        site.check_point((lat, lon))
    except OutOfRegionError as exc:
        raise OutOfRegionError(f"{field}: {exc}", field=field) from None
    return (lat, lon)


def parse_time(site: PlanSite, text: str | None, field: str = "time") -> tuple[dt.date, int]:
    """An ISO date-time as (service date, whole seconds after that day's midnight); without
    an offset it is local time of the region; empty or None: the default date at 08:00.

    Raises
    ------
    InputError
        Not an ISO date-time, or one the calendar cannot hold in the region's zone.
    """
    tz = site.tz
    if not text:
        moment = dt.datetime.combine(site.default_date, dt.time(DEFAULT_HOUR), tz)
    else:
        try:
            moment = dt.datetime.fromisoformat(text.strip())
        except ValueError:
            raise InputError(bad_time(text, field), field=field) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)
    try:
        date, secs = day_seconds(moment, tz)
    except (OverflowError, ValueError):  # e.g. year 1 with an offset east of the region's zone
        raise InputError(f"{field}: {text!r} lies outside the calendar", field=field) from None
    return date, int(secs)


_DATE_TIME = re.compile(r"^\s*(\d+)-(\d+)-(\d+)(?:[T ](\d+):(\d+)(?::(\d+))?)?")


def bad_time(text: str, field: str) -> str:
    """What is wrong with a date-time a person typed, in plain words naming ``field``."""
    why = "it is not written as a date and time"
    m = _DATE_TIME.match(text)
    if m is not None:
        year, month, day = (int(x) for x in m.group(1, 2, 3))
        hour, minute = (int(x) if x is not None else 0 for x in m.group(4, 5))
        if len(m.group(1)) != 4:
            why = f"the year {m.group(1)} should have four digits"
        elif not 1 <= month <= 12:
            why = f"there is no month {month} (months are 1 to 12)"
        elif not 1 <= day <= calendar.monthrange(year, month)[1]:
            why = f"{calendar.month_name[month]} {year} has no day {day}"
        elif hour > 23:
            why = f"there is no hour {hour} (hours are 0 to 23)"
        elif minute > 59:
            why = f"there is no minute {minute} (minutes are 0 to 59)"
    return (f"{field}: {text.strip()!r} is not a valid date and time: {why}. Write it as "
            "YYYY-MM-DDTHH:MM, e.g. 2026-11-24T08:00")


def parse_plan_input(site: PlanSite, origin: str, destination: str, time: str | None, *,
                     fields: tuple[str, str, str] = ("from", "to", "time")) -> PlanInput:
    """Both endpoints and the time, each error naming its field (``fields``: the names of
    origin, destination and time as the user typed them)."""
    a = parse_endpoint(site, origin, fields[0])
    b = parse_endpoint(site, destination, fields[1])
    date, secs = parse_time(site, time, fields[2])
    return PlanInput(a, b, date, secs)
