"""On-demand first and last miles for the journey planner: rides between a point in a
service area and its hub stops, each quoted against the dispatcher's live plans, so that an
itinerary offered can really be booked.

The planner (``routing``) sees this through its ``OnDemandProvider`` protocol; the service
edge hands it in with the day's dispatchers (``dispatcher(area, date)``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from contextlib import AbstractContextManager

import numpy as np

from dispatch.fares import fare, zones_crossed
from dispatch.insertion import Dispatcher, DispatchParams, NoOffer
from dispatch.model import Point
from dispatch.service_area import ServiceArea
from dispatch.travel import TravelTimes
from routing.legs import BookingTerms, Note, RideOffer, StopLeg
from routing.timebase import NO_BOUND_S, clock_text

DispatcherView = Callable[[str, dt.date], AbstractContextManager[Dispatcher]]
#: (area, date) -> the earliest pickup still bookable that day (s after its midnight: past
#: the day's end for a past day, negative for a later day), or None (no clock)
EarliestPickup = Callable[[str, dt.date], float | None]
#: () -> the last date rides can be booked for (the booking horizon)
LastDate = Callable[[], dt.date]
#: (area, date, from, to: seconds after the date's midnight) → the headline of a closure the
#: dispatcher entered for part of that time (None: open)
Closure = Callable[[str, dt.date, float, float], str | None]
#: (area, date, pickup: seconds after the date's midnight) → why the area's booking rule
#: does not let a ride picked up then be booked now (a prior-day rule's deadline passed, too
#: far ahead …; None: it does)
Refusal = Callable[[str, dt.date, float], str | None]
#: a request may lag the clock this much and still count as now (a ride planned a moment ago)
NOW_GRACE_S = 300
_ids = itertools.count()


class OnDemandLegs:
    """Rides to and from the busiest stops of each service area (``max_hubs`` of them).

    ``weights``: departures per stop (the hubs' ranking); ``buffer_s``: the transfer time
    kept between a ride and the scheduled vehicle; ``margin_s``: added to the drive time
    when the planner estimates how soon a ride can reach a hub.
    """

    mode = "ON_DEMAND"

    def __init__(self, areas: list[ServiceArea], travel: TravelTimes, stop_lat: np.ndarray,
                 stop_lon: np.ndarray, weights: np.ndarray, dispatcher: DispatcherView,
                 params: DispatchParams | None = None, buffer_s: int = 300,
                 max_hubs: int = 6, margin_s: int = 300,
                 earliest: EarliestPickup | None = None,
                 last_date: LastDate | None = None, closure: Closure | None = None,
                 refusal: Refusal | None = None) -> None:
        self.areas = areas
        self.travel = travel
        self.params = params or DispatchParams()
        self.buffer_s = buffer_s
        self.margin_s = margin_s
        self.dispatcher = dispatcher
        self.earliest = earliest
        self.last_date = last_date
        self.closure = closure
        self.refusal = refusal
        self.stops = np.c_[stop_lat, stop_lon]
        self.hubs: dict[str, np.ndarray] = {}
        for a in areas:
            inside = np.array([a.contains((float(x), float(y))) for x, y in self.stops],
                              dtype=bool) & (weights > 0)
            idx = np.flatnonzero(inside)
            self.hubs[a.name] = idx[np.argsort(-weights[idx], kind="stable")][:max_hubs]

    def _area(self, p: Point) -> ServiceArea | None:
        return next((a for a in self.areas if a.contains(p)), None)

    def _point(self, stop: int) -> Point:
        return (float(self.stops[stop, 0]), float(self.stops[stop, 1]))

    def serves(self, point: Point) -> bool:
        """Whether rides start and end at ``point`` (an area with vehicles holds it)."""
        a = self._area(point)
        return a is not None and bool(a.vehicles)

    def explain(self, origin: Point, destination: Point, date: object, time_s: int, *,
                arrive_by: bool) -> tuple[list[Note], tuple[float, str] | None]:
        """The service's rules that keep rides out at ``time_s`` of ``date``: a time past
        or beyond the booking horizon, sooner than the booking notice, outside the service
        hours; and the next moment worth asking (seconds after the date's midnight, code)."""
        area = next((a for a in self.areas if a.vehicles and (a.contains(origin)
                                                               or a.contains(destination))),
                    None)
        if area is None or not isinstance(date, dt.date):
            return [], None
        notes: list[Note] = []
        nxt: tuple[float, str] | None = None
        if self.last_date is not None and date > (last := self.last_date()):
            return [Note("beyond_horizon", f"rides can be booked up to {last.isoformat()}",
                         {"last": last.isoformat()})], None
        first = self.earliest(area.name, date) if self.earliest is not None else None
        notice = area.booking.notice_min_s if area.booking is not None else 0.0
        # leaving at a time: the pickup is then; arriving by it: some time before
        pickup = time_s if not arrive_by else time_s - self.params.window_s
        if first is not None and time_s < first - notice - NOW_GRACE_S:
            return [Note("past", "the time asked for has passed: no on-demand ride is "
                         "offered for it", at={"now": first - notice})], (first, "past")
        if first is not None and notice > 0 and pickup < first - NOW_GRACE_S:
            notes.append(Note("before_notice", f"rides in {area.name} must be booked "
                              f"{notice / 60:g} minutes ahead", {"area": area.name},
                              {"earliest": first}))
            nxt = (first, "before_notice")
        span = (time_s - 2 * self.params.window_s, time_s) if arrive_by else \
            (time_s, time_s + 2 * self.params.window_s)
        headline = self.closure(area.name, date, *span) if self.closure is not None else None
        if headline is not None:
            notes.append(Note("service_closed", f"on-demand rides in {area.name} do not run "
                              f"then: {headline}", {"area": area.name, "headline": headline}))
        if self.refusal is not None and (first is None or pickup >= first - NOW_GRACE_S):
            # (sooner than the minimum notice is said above)
            why = self.refusal(area.name, date, pickup)
            if why is not None:
                notes.append(Note("booking_rule", f"rides in {area.name} {why}",
                                  {"area": area.name, "reason": why}))
        if area.hours is not None:
            lo, hi = area.hours
            out = time_s <= lo if arrive_by else not lo <= time_s < hi
            if out:
                notes.append(Note("outside_hours", f"on-demand rides in {area.name} run "
                                  f"{clock_text(lo)}–{clock_text(hi)}",
                                  {"area": area.name, "start": clock_text(lo),
                                   "end": clock_text(hi)}))
                start = lo if time_s < lo else lo + 86400
                nxt = (max(start, nxt[0]) if nxt is not None else start, "outside_hours")
        return notes, nxt

    # -- what the planner searches with -----------------------------------------------
    def access(self, origin: Point, date: object) -> list[StopLeg]:
        a = self._area(origin)
        if a is None or not a.vehicles or not len(self.hubs[a.name]):
            return []
        hubs = self.hubs[a.name]
        drive = self.travel.one_to_many(origin, [self._point(s) for s in hubs])
        return self._legs(hubs, drive)

    def egress(self, destination: Point, date: object) -> list[StopLeg]:
        a = self._area(destination)
        if a is None or not a.vehicles or not len(self.hubs[a.name]):
            return []
        hubs = self.hubs[a.name]
        drive = self.travel.many_to_one([self._point(s) for s in hubs], destination)
        return self._legs(hubs, drive)

    def _legs(self, hubs: np.ndarray, drive: np.ndarray) -> list[StopLeg]:
        p = self.params
        return [StopLeg(int(s), int(np.ceil(t + p.boarding_s + p.alighting_s + self.margin_s)),
                        0.0) for s, t in zip(hubs.tolist(), drive.tolist(), strict=True)
                if np.isfinite(t) and t > 0]

    # -- quotes against the live plans --------------------------------------------------
    def ride_to(self, origin: Point, stop: int, date: object, *, latest_arrival_s: float,
                earliest_pickup_s: float | None, wheelchair: bool) -> RideOffer | None:
        """A ride dropping off at the hub by ``latest_arrival_s``: the pickup window is the
        last ``window_s`` in which that still works (never before ``earliest_pickup_s``)."""
        p = self.params
        hub = self._point(stop)
        direct, dist = self._direct(origin, hub)
        latest_pick = latest_arrival_s - direct - p.boarding_s - p.alighting_s
        lo = max(latest_pick - p.window_s, earliest_pickup_s if earliest_pickup_s is not None
                 else -np.inf)
        if not np.isfinite(direct) or lo > latest_pick:
            return None
        return self._quote(origin, hub, (lo, latest_pick), (0.0, latest_arrival_s), direct,
                           dist, date, wheelchair)

    def ride_from(self, stop: int, destination: Point, date: object, *,
                  earliest_pickup_s: float, latest_arrival_s: float | None,
                  wheelchair: bool) -> RideOffer | None:
        """A ride from the hub, picked up within ``window_s`` after ``earliest_pickup_s``."""
        p = self.params
        hub = self._point(stop)
        direct, dist = self._direct(hub, destination)
        if not np.isfinite(direct):
            return None
        hi = latest_arrival_s if latest_arrival_s is not None else NO_BOUND_S
        return self._quote(hub, destination, (earliest_pickup_s, earliest_pickup_s + p.window_s),
                           (0.0, hi), direct, dist, date, wheelchair)

    def ride_direct(self, origin: Point, destination: Point, date: object, *,
                    earliest_pickup_s: float | None, latest_arrival_s: float | None,
                    wheelchair: bool) -> RideOffer | None:
        """Door to door inside one area: picked up within ``window_s`` from the earliest
        pickup, or (arriving by a time) dropped off within ``window_s`` before it."""
        a = self._area(origin)
        if a is None or not a.contains(destination) or not a.vehicles:
            return None
        p = self.params
        direct, dist = self._direct(origin, destination)
        if not np.isfinite(direct):
            return None
        if earliest_pickup_s is not None:
            return self._quote(origin, destination,
                               (earliest_pickup_s, earliest_pickup_s + p.window_s),
                               (0.0, latest_arrival_s if latest_arrival_s is not None
                                else NO_BOUND_S), direct, dist, date, wheelchair)
        assert latest_arrival_s is not None
        latest_pick = latest_arrival_s - direct - p.boarding_s - p.alighting_s
        return self._quote(origin, destination,
                           (latest_pick - p.window_s - p.alpha * direct, latest_pick),
                           (latest_arrival_s - p.window_s, latest_arrival_s), direct, dist,
                           date, wheelchair)

    def _direct(self, a: Point, b: Point) -> tuple[float, float]:
        dur, dist = self.travel.matrix([a], [b])
        return float(dur[0, 0]), float(dist[0, 0])

    def _quote(self, a: Point, b: Point, pickup: tuple[float, float],
               dropoff: tuple[float, float], direct: float, dist: float, date: object,
               wheelchair: bool) -> RideOffer | None:
        area = self._area(a) or self._area(b)
        if area is None or not isinstance(date, dt.date):
            return None
        if self.last_date is not None and date > self.last_date():
            return None  # beyond the booking horizon: not bookable
        p = self.params
        first = self.earliest(area.name, date) if self.earliest is not None else None
        if first is not None:  # booking notice: no pickup before now + notice
            pickup = (max(pickup[0], first), pickup[1])
        if pickup[1] - pickup[0] < p.pickup_window_range(direct)[0]:
            return None  # what is left is too narrow to book
        if self.refusal is not None and self.refusal(area.name, date, pickup[0]) is not None:
            return None  # the booking rule would refuse it: not offered
        req = p.request(f"plan:{next(_ids)}", a, b, direct, pickup, dropoff, 1,
                        int(wheelchair))
        with self.dispatcher(area.name, date) as d:
            offer = d.quote(req, ride_s=direct)
        if isinstance(offer, NoOffer):
            return None
        if self.closure is not None and self.closure(area.name, date, req.pickup_window[0],
                                                     offer.dropoff_time) is not None:
            return None  # closed by the dispatcher for part of the ride: not bookable
        rule = area.booking
        terms = None if rule is None else BookingTerms(rule.message, rule.phone, rule.url,
                                                       rule.notice_min_s)
        # the drop-off window as promised: not before the ride could possibly arrive (picked
        # up at the window's start, driven directly), nor after the estimated drop-off
        earliest = pickup[0] + p.boarding_s + direct
        lo = min(max(dropoff[0], offer.dropoff_time - p.window_s, earliest), offer.dropoff_time)
        price = None  # one adult's fare (the planner's rides are for one passenger)
        if area.fare is not None:
            zones = zones_crossed(area.fare.zones, a, b) if area.fare.kind == "zone" else 0
            price = fare(area.fare, dist, zones, 1).cents
        return RideOffer(offer.pickup_time, offer.dropoff_time, req.pickup_window,
                         (lo, dropoff[1]), dist, area.name, offer.vehicle, terms, price,
                         area.fare.currency if area.fare is not None else "")
