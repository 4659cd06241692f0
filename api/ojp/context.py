"""What a service module needs to answer a request: the planner and place search of the
region, the moment of the request and the region's language and time zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo

from api.deps import Atlas, Planner
from dispatch.service_area import BookingRule


class Area(Protocol):
    """An on-demand service area (``dispatch``'s ServiceArea is one)."""

    @property
    def name(self) -> str: ...

    def contains(self, point: tuple[float, float]) -> bool: ...


@dataclass(frozen=True)
class OjpContext:
    """The region's planner and atlas (place search, stops), the request's moment (from the
    service clock, timezone-aware), the region's time zone and language (``de``/``en``);
    its on-demand service areas; ``table_date`` maps a service date to the feed's date whose
    timetable serves it (an expired feed replayed; None: the date itself)."""

    planner: Planner
    atlas: Atlas
    now: dt.datetime
    tz: ZoneInfo
    language: str
    areas: Sequence[Area] = ()
    table_date: Callable[[dt.date], dt.date] | None = None
    #: each on-demand area's booking rule by the area's name (trips' on-demand legs)
    booking_rules: Mapping[str, BookingRule | None] = field(default_factory=dict)
