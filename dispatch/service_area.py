"""On-demand service areas: a polygon where rides may start and end, and its fleet."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import shapely
from shapely.geometry import Point as _Pt
from shapely.geometry import shape

from dispatch.fares import FareRule
from dispatch.model import Point, Vehicle
from routing.timebase import clock_text


@dataclass(frozen=True)
class BookingRule:
    """How rides must be booked (GTFS-Flex ``booking_rules.txt``): ``booking_type`` 0 real
    time, 1 up to the same day with ``notice_min_s`` (and ``notice_max_s``), 2 up to a prior
    day (``last_day`` days before, by ``last_time_s``)."""

    booking_type: int = 0
    notice_min_s: float = 0.0
    notice_max_s: float | None = None
    last_day: int | None = None
    last_time_s: float | None = None
    message: str = ""
    phone: str = ""
    url: str = ""


@dataclass(frozen=True, eq=False)
class ServiceArea:
    """A named GeoJSON (Multi)Polygon, the vehicles serving it, its service hours (seconds
    after midnight), its booking rule and free-form properties."""

    name: str
    geometry: dict[str, Any]
    vehicles: tuple[Vehicle, ...] = ()
    properties: dict[str, Any] = field(default_factory=dict)
    hours: tuple[float, float] | None = None
    booking: BookingRule | None = None
    #: what a ride costs (None: the area has no fare rules)
    fare: FareRule | None = None

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
