"""Journey planning for a loaded region: routers built once, plans on parsed endpoints and
times (``api.plan_query`` parses what users type; ``api.otp`` shapes the answer)."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np

from mobility.region import Region
from routing.errors import InputError, MobilityError, OutOfRegionError, ServiceDateError
from routing.legs import OnDemandProvider, WalkLegs
from routing.planner import Endpoint, JourneyPlanner, PlanResult
from routing.raptor import TransitRouter
from routing.street_router import LatLon, StreetRouter
from routing.timetable import Timetable

if TYPE_CHECKING:  # the namer's types live with the API: imported only when names are made
    from mobility.place_names import LazyPlaceNames

__all__ = ["InputError", "RegionPlanner", "stop_departures"]


class RegionPlanner:
    """The street routers, the transit router and the journey planner of one region."""

    def __init__(self, region: Region, max_walk_s: int = 900,
                 on_demand: OnDemandProvider | None = None, replay: bool = False) -> None:
        self.region = region
        self.max_walk_s = max_walk_s
        self.on_demand = on_demand  #: set before the first plan (the API's rides)
        #: an expired feed: dates outside its calendar use its timetable of the same weekday
        self.replay = replay

    @cached_property
    def names(self) -> LazyPlaceNames:
        """Names places in plain words (on-demand legs' ends, bookings), built on first
        use."""
        from mobility.place_names import LazyPlaceNames

        return LazyPlaceNames(self.region)

    def street(self, mode: str) -> StreetRouter:
        return self._streets[mode]

    @cached_property
    def _streets(self) -> dict[str, StreetRouter]:
        return {m: self.region.router(m) for m in self.region.streets}

    @cached_property
    def transit(self) -> TransitRouter:
        if self.region.transfers is None:
            raise MobilityError("the region was compiled without walking transfers")
        return TransitRouter(self.region.timetable, self.region.transfers,
                             self.region.transfers_stepfree)

    @cached_property
    def journeys(self) -> JourneyPlanner:
        tt = self.region.timetable
        speed = self.region.config.walk_speed
        walk = WalkLegs(self.street("walk"), tt, speed)
        stepfree = WalkLegs(StreetRouter(self.region.streets["walk"].without(("steps",))), tt,
                            speed)
        return JourneyPlanner(tt, self.transit, walk, stepfree, max_walk_s=self.max_walk_s,
                              on_demand=self.on_demand)

    # -- what parsing needs (api.plan_query.PlanSite) ----------------------------------
    @property
    def region_name(self) -> str:
        return self.region.name

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.region.timezone)

    @property
    def default_date(self) -> dt.date:
        return self.region.default_date

    @property
    def timetable(self) -> Timetable:
        return self.region.timetable

    @cached_property
    def _stop_ids(self) -> dict[str, int]:
        ids = self.region.timetable.stop_id.tolist()
        return {str(sid): k for k, sid in reversed(list(enumerate(ids)))}  # the first wins

    def stop_index(self, stop_id: str) -> int | None:
        """The index of the stop with GTFS ``stop_id``, or None."""
        return self._stop_ids.get(stop_id)

    def check_point(self, point: LatLon) -> None:
        """Raise OutOfRegionError for a point too far from the region's walkable streets."""
        try:
            self.street("walk").snap(*point)
        except OutOfRegionError as exc:
            raise OutOfRegionError(f"{exc} — outside region {self.region.name}") from None

    # -- answers ----------------------------------------------------------------------
    def plan(self, origin: Endpoint, destination: Endpoint, date: dt.date, time_s: int, *,
             arrive_by: bool = False, wheelchair: bool = False, max_transfers: int = 8,
             num_itineraries: int = 3, window_s: int | None = None) -> PlanResult:
        """Itineraries from ``origin`` to ``destination`` leaving at (``arrive_by``: arriving
        by) ``time_s`` seconds after ``date``'s service-day midnight.

        Raises
        ------
        InputError
            ``max_transfers`` or ``window_s`` out of range.
        ServiceDateError
            ``date`` outside the feed's calendar (unless it is replayed).
        """
        if not 0 <= max_transfers <= 10:
            raise InputError(f"maxTransfers must be between 0 and 10, not {max_transfers}",
                             field="maxTransfers")
        if window_s is not None and not 0 < window_s <= 6 * 3600:
            raise InputError(f"the search window must be 1 s to 6 h, not {window_s} s",
                             field="window")
        self.check_date(date)
        table = self.timetable_date(date)
        result = self.journeys.plan(origin, destination, table, time_s, arrive_by=arrive_by,
                                    wheelchair=wheelchair, max_transfers=max_transfers,
                                    num_itineraries=num_itineraries, window_s=window_s,
                                    ride_date=date)
        if table != date:
            result.messages.append(f"the feed ends before {date}: its timetable of {table} "
                                   f"(a {table:%A}) is replayed")
        return result

    def check_date(self, date: dt.date) -> None:
        """Raise ServiceDateError (field ``time``) for a date outside the feed's calendar
        (with ``replay`` every date is served, by the feed's timetable of its weekday)."""
        span = self.region.timetable.service_dates()
        if self.replay and span is not None:
            return
        if span is None or not span[0] <= date <= span[1]:
            first, last = span if span else ("-", "-")
            raise ServiceDateError(f"{date} is outside the feed's service dates "
                                   f"({first} … {last})", field="time")

    def timetable_date(self, date: dt.date) -> dt.date:
        """The feed's date whose timetable serves ``date``: itself inside the calendar;
        with ``replay``, else the same weekday in the week of the region's default date."""
        span = self.region.timetable.service_dates()
        if not self.replay or span is None or span[0] <= date <= span[1]:
            return date
        base = self.region.default_date
        return base + dt.timedelta(days=(date.weekday() - base.weekday()) % 7)

    def departures(self) -> np.ndarray:
        """Departures per stop on the region's default date (how busy each stop is)."""
        return stop_departures(self.region)


def stop_departures(region: Region) -> np.ndarray:
    """Departures per stop on the region's default date."""
    tt = region.timetable
    counts = np.zeros(tt.n_stops, np.float64)
    for t in np.flatnonzero(tt.active_trips(region.default_date)):
        p = tt.trip_pattern[t]
        np.add.at(counts, tt.pattern_stops[tt.pattern_stop_offset[p]:
                                           tt.pattern_stop_offset[p + 1]], 1.0)
    return counts
