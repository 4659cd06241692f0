"""Journey planning for a loaded region: routers built once, endpoints and times parsed from
what users type, answers in OTP's plan-response shape."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from mobility.region import Region
from routing.errors import InputError, MobilityError, OutOfRegionError, ServiceDateError
from routing.legs import OnDemandProvider, WalkLegs
from routing.otp import itinerary_to_otp
from routing.planner import Endpoint, JourneyPlanner, PlanResult
from routing.raptor import TransitRouter
from routing.street_router import StreetRouter
from routing.timebase import service_day_midnight

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

    def street(self, mode: str) -> StreetRouter:
        return self._streets[mode]

    @cached_property
    def _streets(self) -> dict[str, StreetRouter]:
        return {m: StreetRouter(n) for m, n in self.region.streets.items()}

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

    # -- parsing ----------------------------------------------------------------------
    def endpoint(self, text: str, name: str = "from") -> Endpoint:
        """``LAT,LON`` or ``stop:<stop_id>``."""
        text = text.strip()
        tt = self.region.timetable
        if text.startswith("stop:"):
            sid = text[5:]
            hits = (tt.stop_id == sid).nonzero()[0]
            if len(hits) == 0:
                raise InputError(f"{name}: no stop with stop_id '{sid}' in region "
                                 f"{self.region.name}", field=name)
            return int(hits[0])
        try:
            lat, lon = (float(x) for x in text.split(","))
        except ValueError:
            raise InputError(f"{name}: expected LAT,LON (e.g. 44.0153,-73.1673) or "
                             f"stop:<stop_id>, not {text!r}", field=name) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InputError(f"{name}: {lat},{lon} is not a valid latitude,longitude",
                             field=name)
        try:  # fail here, naming the parameter, rather than deep in the planner
            self.street("walk").snap(lat, lon)
        except OutOfRegionError as exc:
            raise OutOfRegionError(f"{name}: {exc} — outside region {self.region.name}",
                                   field=name) from None
        return (lat, lon)

    def when(self, text: str | None) -> tuple[dt.date, int]:
        """An ISO date-time (local time of the region when it has no offset) as (service
        date, seconds since that day's midnight). Default: the region's default date, 08:00."""
        tz = ZoneInfo(self.region.timezone)
        if not text:
            moment = dt.datetime.combine(self.region.default_date, dt.time(8), tz)
        else:
            try:
                moment = dt.datetime.fromisoformat(text)
            except ValueError:
                raise InputError(f"time: expected an ISO date-time like 2016-03-03T08:00, "
                                 f"not {text!r}", field="time") from None
            moment = moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(
                tz)
        date = moment.date()
        midnight = service_day_midnight(date, tz)
        span = self.region.timetable.service_dates()
        if self.replay and span is not None:
            return date, int((moment - midnight).total_seconds())
        if span is None or not span[0] <= date <= span[1]:
            first, last = span if span else ("-", "-")
            raise ServiceDateError(f"time: {date} is outside the feed's service dates "
                                   f"({first} … {last})", field="time")
        return date, int((moment - midnight).total_seconds())

    # -- answers ----------------------------------------------------------------------
    def plan(self, origin: Endpoint, destination: Endpoint, date: dt.date, time_s: int, *,
             arrive_by: bool = False, wheelchair: bool = False, max_transfers: int = 8,
             num_itineraries: int = 3, window_s: int | None = None) -> PlanResult:
        if not 0 <= max_transfers <= 10:
            raise InputError(f"maxTransfers must be between 0 and 10, not {max_transfers}",
                             field="maxTransfers")
        if window_s is not None and not 0 < window_s <= 6 * 3600:
            raise InputError(f"the search window must be 1 s to 6 h, not {window_s} s",
                             field="window")
        table = self.timetable_date(date)
        result = self.journeys.plan(origin, destination, table, time_s, arrive_by=arrive_by,
                                    wheelchair=wheelchair, max_transfers=max_transfers,
                                    num_itineraries=num_itineraries, window_s=window_s,
                                    ride_date=date)
        if table != date:
            result.messages.append(f"the feed ends before {date}: its timetable of {table} "
                                   f"(a {table:%A}) is replayed")
        return result

    def timetable_date(self, date: dt.date) -> dt.date:
        """The feed's date whose timetable serves ``date``: itself inside the calendar;
        with ``replay``, else the same weekday in the week of the region's default date."""
        span = self.region.timetable.service_dates()
        if not self.replay or span is None or span[0] <= date <= span[1]:
            return date
        base = self.region.default_date
        return base + dt.timedelta(days=(date.weekday() - base.weekday()) % 7)

    def plan_json(self, result: PlanResult, date: dt.date) -> dict[str, Any]:
        tt = self.region.timetable
        return {"itineraries": [itinerary_to_otp(it, tt, date, self.region.timezone)
                                for it in result.itineraries],
                "messages": result.messages}

    def plan_query(self, origin: str, destination: str, time: str | None, *,
                   arrive_by: bool = False, wheelchair: bool = False,
                   max_transfers: int = 8) -> dict[str, Any]:
        """A plan from what a user typed (the HTTP API's ``Planner`` protocol)."""
        a = self.endpoint(origin, "from")
        b = self.endpoint(destination, "to")
        date, secs = self.when(time)
        result = self.plan(a, b, date, secs, arrive_by=arrive_by, wheelchair=wheelchair,
                           max_transfers=max_transfers)
        return self.plan_json(result, date)

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
