"""The service's rules for a request: which area serves it, and whether its time can be
booked (the clock, the booking horizon, the area's booking notice and service hours)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

from api.config import ApiConfig
from api.service.errors import InvalidRequestError
from api.service.timing import Timing
from dispatch.insertion import DispatchParams
from dispatch.model import Point
from dispatch.service_area import ServiceArea
from routing.timebase import clock_text


def area_for(areas: Mapping[str, ServiceArea], origin: Point, destination: Point,
             prefix: str = "") -> ServiceArea:
    """The service area holding both ends of a ride.

    Raises
    ------
    InvalidRequestError
        Naming the end outside every area (or saying the ends lie in different areas).
    """
    if not areas:
        raise InvalidRequestError("this region has no on-demand service area",
                             code="no-service-area", title="No on-demand service")
    names = ", ".join(areas)
    for name, p in (("origin", origin), ("destination", destination)):
        if not any(a.contains(p) for a in areas.values()):
            raise InvalidRequestError(f"{name} ({p[0]:.5f}, {p[1]:.5f}) is outside every on-demand "
                                 f"service area ({names}; GET /api/v1/service-areas)",
                                 field=prefix + name, code="outside-service-area",
                                 title="Outside the service area")
    for a in areas.values():
        if a.contains(origin) and a.contains(destination):
            return a
    raise InvalidRequestError("origin and destination lie in different service areas",
                         field=prefix + "destination", code="outside-service-area",
                         title="Outside the service area")


def bookable_time(timing: Timing, config: ApiConfig, moment: dt.datetime,
                  area: ServiceArea | None = None, field: str = "time") -> dt.datetime:
    """The requested moment in local time, checked against the clock (not past, within the
    booking horizon) and, with ``area``, its booking notice and service hours. Every rule
    lets a request lag the clock by ``config.past_grace_s`` (a ride planned a moment ago).

    Raises
    ------
    InvalidRequestError
        Saying which rule refuses it and what would be accepted.
    """
    m = _on_the_clock(timing, config, moment, field)
    if area is not None:
        _with_notice(timing, config, area, m, field)
        secs = timing.day_seconds(m, field)[1]
        _within_hours(area, secs, secs, field)
    return m


def bookable_window(timing: Timing, config: ApiConfig, params: DispatchParams,
                    area: ServiceArea, window: tuple[dt.datetime, dt.datetime],
                    direct_s: float, field: str) -> tuple[dt.date, float, float]:
    """A pickup window to book (an itinerary's leg) under a quote's rules: each end as
    :func:`bookable_time` checks a quote's time (not past, within the horizon; the start
    with the booking notice), both on one service date, overlapping the service hours as
    every quoted window does, and as wide as the dispatch rules promise windows for this
    ride (``params.pickup_window_range``). Returns (service date, start, end) in seconds
    of that date.

    Raises
    ------
    InvalidRequestError
        Naming the end at fault (``{field}.start`` or ``{field}.end``) and the rule.
    """
    start = _on_the_clock(timing, config, window[0], f"{field}.start")
    end = _on_the_clock(timing, config, window[1], f"{field}.end")
    _with_notice(timing, config, area, start, f"{field}.start")
    date, lo = timing.day_seconds(start, f"{field}.start")
    hi = on_date(timing, date, end, f"{field}.end")
    if hi < lo:
        raise InvalidRequestError(f"{field} ends before it starts", field=f"{field}.end",
                                  code="window-order", title="Window ends before it starts")
    narrowest, widest = params.pickup_window_range(direct_s)
    if not narrowest <= hi - lo <= widest:
        raise InvalidRequestError(
            f"{field} is {(hi - lo) / 60:g} minutes wide: this ride's pickup window must be "
            f"{narrowest / 60:g} to {widest / 60:.0f} minutes wide (quotes give "
            f"{params.window_s / 60:g})", field=field, code="window-width",
            title="Window width out of bounds")
    _within_hours(area, lo, hi, field)
    return date, lo, hi


def on_date(timing: Timing, date: dt.date, moment: dt.datetime, field: str) -> float:
    """``moment`` as seconds of the service date ``date``, refusing a moment on another
    date (a ride is planned, and its windows kept, within one service day)."""
    m = timing.local(moment, field)
    if m.date() != date:
        raise InvalidRequestError(f"{field} ({m.isoformat(timespec='minutes')}) is not on "
                                  f"the ride's service date {date.isoformat()}: a ride's "
                                  "windows lie within one day", field=field,
                                  code="window-spans-days", title="Window on another day")
    return timing.seconds_on(date, m, field)


def _on_the_clock(timing: Timing, config: ApiConfig, moment: dt.datetime, field: str
                  ) -> dt.datetime:
    """A moment in local time, neither in the past nor beyond the booking horizon."""
    m = timing.local(moment, field)
    now = timing.now()
    if m < now - dt.timedelta(seconds=config.past_grace_s):
        local_now = now.astimezone(timing.tz)
        raise InvalidRequestError(f"{field}: {_plain(m)} has already passed (it is now "
                                  f"{_plain(local_now)}); choose a later time",
                                  field=field, code="time-in-past", title="Time in the past")
    if m > now + dt.timedelta(days=config.horizon_days):
        raise InvalidRequestError(f"rides can be booked at most {config.horizon_days} days "
                                  "ahead", field=field, code="time-too-far",
                                  title="Time too far ahead")
    return m


def _plain(m: dt.datetime) -> str:
    """A local moment in plain words: "08:00 on Tuesday 17 November 2026"."""
    return f"{m:%H:%M} on {m:%A} {m.day} {m:%B %Y}"


def _with_notice(timing: Timing, config: ApiConfig, area: ServiceArea, m: dt.datetime,
                 field: str) -> None:
    """Refuse a pickup sooner than the area's booking notice allows, or one its booking
    rule does not (yet or any more) let be booked now (the rule the GTFS-Flex feed
    publishes: maximum notice, last and first day and time to book)."""
    rule = area.booking
    if rule is None:
        return
    now = timing.now()
    earliest = now + dt.timedelta(seconds=rule.notice_min_s)
    if rule.notice_min_s > 0 and m < earliest - dt.timedelta(seconds=config.past_grace_s):
        raise InvalidRequestError(f"rides in {area.name} must be booked at least "
                                  f"{rule.notice_min_s / 60:g} minutes ahead: the earliest "
                                  "time is "
                                  f"{earliest.astimezone(timing.tz).isoformat(timespec='minutes')}",
                                  field=field, code="booking-notice", title="Too short notice")
    # the minimum notice, with its grace, was checked just now
    why = replace(rule, notice_min_s=0.0).refusal(now, m.astimezone(timing.tz))
    if why is not None:
        raise InvalidRequestError(f"rides in {area.name} {why}", field=field,
                                  code="booking-notice", title="Outside the booking period")


def _within_hours(area: ServiceArea, lo: float, hi: float, field: str) -> None:
    """Refuse times (``lo`` to ``hi``, seconds of the day) wholly outside the area's
    service hours."""
    if area.hours is not None and (hi < area.hours[0] or lo > area.hours[1]):
        raise InvalidRequestError(f"{area.name} is served {clock_text(area.hours[0])}–"
                                  f"{clock_text(area.hours[1])}", field=field,
                                  code="outside-service-hours", title="Outside service hours")


def earliest_pickup_s(timing: Timing, area: ServiceArea | None, date: dt.date) -> float:
    """The earliest pickup a rider can still book on ``date`` (now plus the area's booking
    notice), as seconds after that day's midnight: beyond the day's end for a past day (no
    ride is offered then), negative for a day after tomorrow's first hours."""
    now = timing.now()
    notice = area.booking.notice_min_s if area is not None and area.booking else 0.0
    return timing.seconds_on(date, now + dt.timedelta(seconds=notice))


def last_bookable_date(timing: Timing, config: ApiConfig) -> dt.date:
    """The last date rides can be booked for (the booking horizon)."""
    return (timing.now() + dt.timedelta(days=config.horizon_days)).astimezone(timing.tz).date()
