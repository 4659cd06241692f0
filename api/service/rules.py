"""The service's rules for a request: which area serves it, and whether its time can be
booked (the clock, the booking horizon, the area's booking notice and service hours)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from api.config import ApiConfig
from api.service.errors import InvalidRequestError
from api.service.timing import Timing
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
    booking horizon) and, with ``area``, its booking notice and service hours.

    Raises
    ------
    InvalidRequestError
        Saying which rule refuses it and what would be accepted.
    """
    m = timing.local(moment, field)
    now = timing.now()
    rule = area.booking if area is not None else None
    if (rule is not None and rule.notice_min_s > 0 and m >= now
            and m < now + dt.timedelta(seconds=rule.notice_min_s)):
        earliest = (now + dt.timedelta(seconds=rule.notice_min_s)).astimezone(timing.tz)
        raise InvalidRequestError(f"rides in {area.name} must be booked at least "  # type: ignore[union-attr]
                             f"{rule.notice_min_s / 60:g} minutes ahead: the earliest time "
                             f"is {earliest.isoformat(timespec='minutes')}", field=field,
                             code="booking-notice", title="Too short notice")
    if area is not None and area.hours is not None:
        secs = timing.day_seconds(m, field)[1]
        if not area.hours[0] <= secs <= area.hours[1]:
            raise InvalidRequestError(f"{area.name} is served {clock_text(area.hours[0])}–"
                                 f"{clock_text(area.hours[1])}", field=field,
                                 code="outside-service-hours", title="Outside service hours")
    if m < now - dt.timedelta(seconds=config.past_grace_s):
        raise InvalidRequestError(f"time {m.isoformat()} is in the past (now: "
                             f"{now.astimezone(timing.tz).isoformat(timespec='seconds')})",
                             field=field, code="time-in-past", title="Time in the past")
    if m > now + dt.timedelta(days=config.horizon_days):
        raise InvalidRequestError(f"rides can be booked at most {config.horizon_days} days ahead",
                             field=field, code="time-too-far", title="Time too far ahead")
    return m


def earliest_pickup_s(timing: Timing, area: ServiceArea | None, date: dt.date
                      ) -> float | None:
    """The earliest pickup a rider can still book on ``date`` (now plus the area's booking
    notice), as seconds after that day's midnight; None for past days (planning only:
    nothing there is booked)."""
    now = timing.now()
    if date < now.astimezone(timing.tz).date():
        return None
    notice = area.booking.notice_min_s if area is not None and area.booking else 0.0
    return timing.seconds_on(date, now + dt.timedelta(seconds=notice))
