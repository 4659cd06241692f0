"""On-demand service areas: a polygon where rides may start and end, and its fleet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

import shapely
from shapely.geometry import Point as _Pt
from shapely.geometry import shape

from dispatch.compensation import CompensationRule
from dispatch.fares import FareRule
from dispatch.model import Point, Vehicle
from routing.timebase import clock_text

#: GTFS ``booking_type``: real time, up to the same day with notice, up to prior day(s)
BOOKING_TYPES = (0, 1, 2)


@dataclass(frozen=True, init=False)
class BookingRule:
    """How rides must be booked: one row of GTFS-Flex ``booking_rules.txt``.

    ``booking_type`` 0 real time; 1 up to the same day, at least ``notice_min_s`` (and at
    most ``notice_max_s``) before the pickup; 2 up to a prior day: by ``last_time_s`` on the
    day ``last_day`` days before. ``start_day``/``start_time_s`` open booking that many days
    before (type 2, or type 1 without ``notice_max_s``); ``notice_service_id`` counts those
    days on a calendar's service days instead of calendar days (type 2 only). Times of day
    are seconds after midnight; empty strings and None mean "not given".

    The first eight fields keep the order they always had (``booking_url`` was ``url``),
    and ``url=`` is still accepted as the booking URL.
    """

    booking_type: int = 0
    notice_min_s: float = 0.0
    notice_max_s: float | None = None
    last_day: int | None = None
    last_time_s: float | None = None
    message: str = ""
    phone: str = ""
    booking_url: str = ""
    info_url: str = ""
    start_day: int | None = None
    start_time_s: float | None = None
    pickup_message: str = ""
    drop_off_message: str = ""
    notice_service_id: str = ""

    def __init__(self, booking_type: int = 0, notice_min_s: float = 0.0,
                 notice_max_s: float | None = None, last_day: int | None = None,
                 last_time_s: float | None = None, message: str = "", phone: str = "",
                 booking_url: str = "", info_url: str = "", start_day: int | None = None,
                 start_time_s: float | None = None, pickup_message: str = "",
                 drop_off_message: str = "", notice_service_id: str = "", *,
                 url: str | None = None) -> None:
        if url is not None:  # the older name of the booking URL
            if booking_url and booking_url != url:
                raise TypeError("give url (the older name) or booking_url, not both")
            booking_url = url
        values = locals()
        for f in fields(self):
            object.__setattr__(self, f.name, values[f.name])

    @property
    def url(self) -> str:
        """Where to book (the booking URL, else the information URL)."""
        return self.booking_url or self.info_url

    def problems(self) -> list[tuple[str, str]]:
        """What the GTFS reference forbids or requires that this rule gets wrong, as
        (``booking_rules.txt`` field, message) pairs; all of them, none if it is valid."""
        out: list[tuple[str, str]] = []
        t = self.booking_type
        if t not in BOOKING_TYPES:
            return [("booking_type", f"must be 0 (real time), 1 (same day) or 2 (prior day), "
                                     f"not {t!r}")]
        kind = {0: "real-time", 1: "same-day", 2: "prior-day"}[t]
        for name, v in (("prior_notice_duration_min", self.notice_min_s),
                        ("prior_notice_duration_max", self.notice_max_s)):
            if v is not None and (v < 0 or v % 60):
                out.append((name, f"must be a whole number of minutes ≥ 0, not {v / 60:g}"))
        if t != 1 and self.notice_min_s:
            out.append(("prior_notice_duration_min", f"is forbidden for {kind} booking "
                                                     "(booking_type 1 only)"))
        if t != 1 and self.notice_max_s is not None:
            out.append(("prior_notice_duration_max", f"is forbidden for {kind} booking "
                                                     "(booking_type 1 only)"))
        if (t == 1 and self.notice_max_s is not None
                and self.notice_max_s < self.notice_min_s):
            out.append(("prior_notice_duration_max", "must not be less than "
                                                     "prior_notice_duration_min"))
        if t == 2 and self.last_day is None:
            out.append(("prior_notice_last_day", "is required for prior-day booking "
                                                 "(booking_type 2)"))
        if t != 2 and self.last_day is not None:
            out.append(("prior_notice_last_day", f"is forbidden for {kind} booking "
                                                 "(booking_type 2 only)"))
        for name, v in (("prior_notice_last_day", self.last_day),
                        ("prior_notice_start_day", self.start_day)):
            if v is not None and v < 0:
                out.append((name, f"must be a whole number of days ≥ 0, not {v}"))
        if self.last_day is not None and self.last_time_s is None:
            out.append(("prior_notice_last_time", "is required with prior_notice_last_day"))
        if self.last_day is None and self.last_time_s is not None:
            out.append(("prior_notice_last_time", "is forbidden without "
                                                  "prior_notice_last_day"))
        if self.start_day is not None and t == 0:
            out.append(("prior_notice_start_day", "is forbidden for real-time booking"))
        if self.start_day is not None and t == 1 and self.notice_max_s is not None:
            out.append(("prior_notice_start_day", "is forbidden for same-day booking with "
                                                  "prior_notice_duration_max"))
        if self.start_day is not None and self.start_time_s is None:
            out.append(("prior_notice_start_time", "is required with prior_notice_start_day"))
        if self.start_day is None and self.start_time_s is not None:
            out.append(("prior_notice_start_time", "is forbidden without "
                                                   "prior_notice_start_day"))
        for name, s in (("prior_notice_last_time", self.last_time_s),
                        ("prior_notice_start_time", self.start_time_s)):
            if s is not None and not 0 <= s < 48 * 3600:
                out.append((name, f"must be a time from 00:00:00 to 47:59:59, not "
                                  f"{clock_text(s, with_seconds=True)}"))
        if (t == 2 and self.start_day is not None and self.last_day is not None
                and self.start_time_s is not None and self.last_time_s is not None
                and (self.start_day, -self.start_time_s) <= (self.last_day, -self.last_time_s)):
            out.append(("prior_notice_start_day", "booking must open before it closes "
                                                  "(prior_notice_start_day/start_time not "
                                                  "before prior_notice_last_day/last_time)"))
        if self.notice_service_id and t != 2:
            out.append(("prior_notice_service_id", f"is forbidden for {kind} booking "
                                                   "(booking_type 2 only)"))
        for name, url in (("info_url", self.info_url), ("booking_url", self.booking_url)):
            if url and not url.startswith(("https://", "http://")):
                out.append((name, f"must be an http(s) URL, not {url!r}"))
        return out

    def refusal(self, now: dt.datetime, pickup: dt.datetime) -> str | None:
        """Why a ride picked up at ``pickup`` cannot be booked at ``now`` under this rule
        (both aware, ``pickup`` in the area's local time), or None if it can."""
        lead = (pickup - now).total_seconds()
        if self.booking_type == 1:
            if lead < self.notice_min_s:
                return f"must be booked at least {self.notice_min_s / 60:g} minutes ahead"
            if self.notice_max_s is not None and lead > self.notice_max_s:
                return f"can be booked at most {self.notice_max_s / 60:g} minutes ahead"
        if self.booking_type == 2 and self.last_day is not None:
            last = _day_time(pickup, self.last_day, self.last_time_s or 0.0)
            if now > last:
                return (f"must be booked by {clock_text(self.last_time_s or 0.0)} "
                        f"{self.last_day} day(s) before the ride")
        if self.booking_type in (1, 2) and self.start_day is not None:
            first = _day_time(pickup, self.start_day, self.start_time_s or 0.0)
            if now < first:
                return (f"can be booked from {clock_text(self.start_time_s or 0.0)} "
                        f"{self.start_day} day(s) before the ride")
        return None


def _day_time(moment: dt.datetime, days_before: int, seconds: float) -> dt.datetime:
    """``seconds`` after the local midnight ``days_before`` days before ``moment``'s day."""
    day = moment.date() - dt.timedelta(days=days_before)
    midnight = dt.datetime.combine(day, dt.time(0), moment.tzinfo)
    return midnight + dt.timedelta(seconds=seconds)


@dataclass(frozen=True)
class AreaStop:
    """A stop where a stop-based area's rides start and end (GTFS ``stops.txt``)."""

    id: str
    name: str
    point: Point  #: (lat, lon)


@dataclass(frozen=True, eq=False)
class ServiceArea:
    """A named GeoJSON (Multi)Polygon, the vehicles serving it, its service hours (seconds
    after midnight), its booking rule and free-form properties.

    ``stops``: when given, rides start and end at these stops only (a stop-based service,
    GTFS-Flex ``location_groups.txt``), the polygon being where riders come from.
    ``safe_duration``: (factor, offset in s) such that a ride whose direct drive takes ``d``
    seconds takes at most ``factor * d + offset`` (GTFS ``trips.safe_duration_*``).
    """

    name: str
    geometry: dict[str, Any]
    vehicles: tuple[Vehicle, ...] = ()
    properties: dict[str, Any] = field(default_factory=dict)
    hours: tuple[float, float] | None = None
    booking: BookingRule | None = None
    stops: tuple[AreaStop, ...] = ()
    safe_duration: tuple[float, float] | None = None
    #: what a ride costs (None: the area has no fare rules)
    fare: FareRule | None = None
    #: what the companies driving here are paid (None: no compensation rule)
    compensation: CompensationRule | None = None

    @cached_property
    def _shape(self) -> Any:
        geom = shape(self.geometry)
        shapely.prepare(geom)
        return geom

    def contains(self, point: Point) -> bool:
        """Whether ``(lat, lon)`` lies inside (or on the border of) the area."""
        lat, lon = point
        return bool(self._shape.covers(_Pt(lon, lat)))

    def feature(self) -> dict[str, Any]:
        """The area as a GeoJSON Feature (its name and fleet size among the properties)."""
        props: dict[str, Any] = {**self.properties, "name": self.name,
                                 "vehicles": len(self.vehicles)}
        if self.hours is not None:
            props["hours"] = [clock_text(t) for t in self.hours]
        if self.booking is not None:
            props["booking"] = {"type": self.booking.booking_type,
                                "noticeMin": self.booking.notice_min_s / 60,
                                "message": self.booking.message, "phone": self.booking.phone}
        return {"type": "Feature", "properties": props, "geometry": self.geometry}
