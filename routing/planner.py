"""The multimodal journey planner: access/egress legs + RAPTOR + direct options.

``JourneyPlanner.plan`` answers "from here to there, leaving at / arriving by this time" with
several distinct itineraries: each RAPTOR search yields the Pareto set over (arrival,
transfers); the next search departs just after the earliest itinerary found (or, for
arrive-by, arrives just before the latest one), so later/earlier options appear too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from routing._raptor import INF_T
from routing.legs import Note, OnDemandProvider, RideOffer, StopLeg, WalkLegs
from routing.raptor import RideLeg, SearchResult, TransitRouter, WalkLeg
from routing.street_router import LatLon
from routing.timetable import Timetable

Endpoint = LatLon | int  #: a coordinate, or a stop index


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float
    stop: int | None = None


@dataclass(frozen=True)
class PlanLeg:
    """One leg; times are seconds since the query's service-day midnight."""

    mode: str  #: WALK, or the transit mode (BUS, TRAM, RAIL, ...)
    start: int
    end: int
    origin: Place
    destination: Place
    distance_m: float
    coords: np.ndarray  #: (k, 2) lat, lon
    trip: int | None = None
    board_index: int | None = None
    alight_index: int | None = None
    day_shift: int = 0  #: -86400 when the trip belongs to the previous service day
    ride: RideOffer | None = None  #: an on-demand leg's offer (mode ON_DEMAND)


@dataclass(frozen=True)
class Itinerary:
    legs: list[PlanLeg]

    @property
    def start(self) -> int:
        return self.legs[0].start

    @property
    def end(self) -> int:
        return self.legs[-1].end

    @property
    def transfers(self) -> int:
        return max(0, sum(leg.trip is not None for leg in self.legs) - 1)

    @property
    def walk_s(self) -> int:
        return sum(leg.end - leg.start for leg in self.legs if leg.mode == "WALK")

    @property
    def kind(self) -> str:
        """``walk`` (walking only), ``transit`` (scheduled vehicles), ``on_demand`` (one
        door-to-door ride) or ``on_demand_transit`` (a ride and scheduled vehicles)."""
        ride = any(leg.mode == "ON_DEMAND" for leg in self.legs)
        sched = any(leg.trip is not None for leg in self.legs)
        return ("on_demand_transit" if ride and sched else "on_demand" if ride
                else "transit" if sched else "walk")

    def key(self) -> tuple:
        """The trips taken: itineraries on the same trips are one option for a rider."""
        rides = tuple(leg.trip for leg in self.legs if leg.trip is not None)
        return rides or ("walk",)


@dataclass
class _OnDemand:
    """One query's on-demand options: stops reached by a ride rather than on foot."""

    acc: set[int]
    egr: set[int]
    date: dt.date
    time_s: int
    arrive_by: bool
    wheelchair: bool
    tried: int = 0
    refused: int = 0
    retry_t: int | None = None  #: where to search next after a refused ride


def _refused(od: _OnDemand, legs: list) -> None:
    """Count a ride no vehicle can take; the next search tries the trips after this one."""
    od.refused += 1
    od.retry_t = legs[0].departure + 60 if not od.arrive_by else legs[-1].arrival - 60


def _merge(walk: list[StopLeg], rides: list[StopLeg], chosen: set[int]) -> list[StopLeg]:
    """Walking and on-demand legs to stops: the quicker per stop (rides noted in
    ``chosen``)."""
    best = {x.stop: x for x in walk}
    for x in rides:
        if x.stop not in best or x.duration_s < best[x.stop].duration_s:
            best[x.stop] = x
            chosen.add(x.stop)
    return list(best.values())


@dataclass
class PlanResult:
    """Itineraries, English ``messages`` and ``notes`` saying why there are few, late or
    none; ``next``: the next moment worth asking (seconds after the query's service-day
    midnight, and the code of the note it answers), or None."""

    itineraries: list[Itinerary]
    messages: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    next: tuple[float, str] | None = None


def route_mode(route_type: int) -> str:
    """OTP mode name of a GTFS (basic or extended) route_type."""
    basic = {0: "TRAM", 1: "SUBWAY", 2: "RAIL", 3: "BUS", 4: "FERRY", 5: "CABLE_CAR",
             6: "GONDOLA", 7: "FUNICULAR", 11: "TROLLEYBUS", 12: "MONORAIL"}
    if route_type in basic:
        return basic[route_type]
    for lo, hi, mode in ((100, 199, "RAIL"), (200, 299, "COACH"), (400, 499, "SUBWAY"),
                         (700, 799, "BUS"), (800, 899, "TROLLEYBUS"), (900, 999, "TRAM"),
                         (1000, 1099, "FERRY"), (1300, 1399, "GONDOLA"),
                         (1400, 1499, "FUNICULAR")):
        if lo <= route_type <= hi:
            return "ON_DEMAND" if route_type == 715 else mode
    return "BUS"


def _in_window(it: Itinerary, time_s: int, window_s: int, arrive_by: bool) -> bool:
    return it.end >= time_s - window_s if arrive_by else it.start <= time_s + window_s


def _rank(i: Itinerary, arrive_by: bool) -> tuple[int, int, int]:
    return ((i.end, -i.start, i.walk_s) if not arrive_by else (-i.start, i.end, i.walk_s))


#: a range query returns at most this many itineraries
MAX_RANGE_ITINERARIES = 20
#: a transfer must save at least this much time to be worth offering
TRANSFER_PENALTY_S = 120
#: results all this much later than asked (arrive-by: earlier) are worth a note
LATE_S = 3600
#: notes after which no on-demand ride is searched for (none can be booked at that time)
_NO_RIDES = {"past", "beyond_horizon"}
#: rules said even when rides were found (at other times): the asked time has passed, the
#: dispatcher closed the area then
_ALWAYS_SAID = {"past", "service_closed"}


def _undominated(its: list[Itinerary], arrive_by: bool) -> list[Itinerary]:
    """Drop an itinerary when another one with no more transfers, inside the same window
    (leaving no earlier, arriving no later, where each transfer saved may cost
    ``TRANSFER_PENALTY_S``), costs less. An option with fewer transfers is never dropped for a
    faster one with more: the Pareto set over (arrival, transfers) stays. Sorted by arrival
    (arrive-by: by latest departure), then transfers and walking."""
    def cost(i: Itinerary) -> tuple[int, int, int]:
        t = i.end if not arrive_by else -i.start
        return t + TRANSFER_PENALTY_S * i.transfers, i.transfers, i.walk_s

    def within(b: Itinerary, a: Itinerary) -> bool:
        slack = TRANSFER_PENALTY_S * max(0, a.transfers - b.transfers)
        return b.start >= a.start - (slack if arrive_by else 0) and \
            b.end <= a.end + (0 if arrive_by else slack)

    keep = [a for a in its if not any(b is not a and b.transfers <= a.transfers
                                      and within(b, a) and cost(b) < cost(a) for b in its)]
    return sorted(keep, key=lambda i: ((i.end, i.transfers, i.walk_s) if not arrive_by
                                       else (-i.start, i.transfers, i.walk_s)))


class JourneyPlanner:
    """Plans itineraries from coordinate (or stop) to coordinate (or stop).

    Parameters
    ----------
    tt, transit
        The timetable and its RAPTOR router.
    walk, walk_stepfree
        Walking leg providers (the step-free one serves wheelchair queries).
    max_walk_s
        Longest walk to the first or from the last stop.
    max_direct_walk_s
        A walk-only itinerary is offered up to this duration.
    """

    def __init__(self, tt: Timetable, transit: TransitRouter, walk: WalkLegs,
                 walk_stepfree: WalkLegs | None = None, max_walk_s: int = 900,
                 max_direct_walk_s: int = 3600,
                 on_demand: OnDemandProvider | None = None) -> None:
        self.tt = tt
        self.transit = transit
        self.walk = walk
        self.walk_stepfree = walk_stepfree or walk
        self.max_walk_s = max_walk_s
        self.max_direct_walk_s = max_direct_walk_s
        self.on_demand = on_demand
        self.has_accessibility = bool((tt.trip_wheelchair == 1).any())

    def plan(self, origin: Endpoint, destination: Endpoint, date: dt.date, time_s: int, *,
             arrive_by: bool = False, wheelchair: bool = False, max_transfers: int = 8,
             num_itineraries: int = 3, max_walk_s: int | None = None,
             window_s: int | None = None, ride_date: dt.date | None = None) -> PlanResult:
        """Itineraries leaving at (or, with ``arrive_by``, arriving by) ``time_s`` seconds
        after the service-day midnight of ``date``.

        ``ride_date``: the day on-demand rides are quoted for, when it differs from the
        timetable's ``date`` (an expired feed replayed on today's date).

        ``window_s``: a range query — every distinct itinerary leaving within
        ``[time_s, time_s + window_s]`` (arrive-by: arriving within
        ``[time_s - window_s, time_s]``), up to ``MAX_RANGE_ITINERARIES``, instead of the
        first ``num_itineraries``."""
        walk = self.walk_stepfree if wheelchair else self.walk
        max_walk = self.max_walk_s if max_walk_s is None else max_walk_s
        messages: list[str] = []
        notes: list[Note] = []
        nxt: tuple[float, str] | None = None
        if wheelchair and not self.has_accessibility:
            messages.append("the timetable publishes no wheelchair accessibility "
                            "(no trip has wheelchair_accessible=1): no transit itinerary can "
                            "be promised step-free")
            notes.append(Note("no_stepfree", "the timetable says nothing about step-free "
                              "access: no bus or train can be promised step-free"))
        if not self.tt.active_trips(date).any():
            notes.append(Note("no_service", "no scheduled bus or train runs on this day"))
        acc = self._ends(origin, walk, max_walk, access=True)
        egr = self._ends(destination, walk, max_walk, access=False)
        walkable = (bool(acc), bool(egr))
        if not acc and not isinstance(origin, int):
            messages.append(f"no stop within {max_walk // 60} minutes' walk of the origin")
        if not egr and not isinstance(destination, int):
            messages.append(f"no stop within {max_walk // 60} minutes' walk of the "
                            "destination")
        # a stop is also a place at its coordinates: on-demand rides start and end there as
        # beside it (stops and points plan alike)
        a_pt, b_pt = self._point(origin), self._point(destination)
        od = None
        rules: list[Note] = []
        if self.on_demand is not None:
            rules, nxt = self.on_demand.explain(a_pt, b_pt, ride_date or date, time_s,
                                                arrive_by=arrive_by)
        if self.on_demand is not None and not any(n.code in _NO_RIDES for n in rules):
            # rides to and from hub stops, checked when used, only where no stop is within
            # walking distance: the first and last miles of the countryside, not a taxi
            # beside the bus
            od = _OnDemand(set(), set(), ride_date or date, time_s, arrive_by, wheelchair)
            if not isinstance(origin, int) and not acc:
                acc = _merge(acc, self.on_demand.access(origin, date), od.acc)
            if not isinstance(destination, int) and not egr:
                egr = _merge(egr, self.on_demand.egress(destination, date), od.egr)
        found: dict[tuple, Itinerary] = {}
        if window_s is not None:
            num_itineraries = MAX_RANGE_ITINERARIES
        if acc and egr:
            t = time_s
            for _ in range(num_itineraries * 2):
                new = self._search(origin, destination, acc, egr, date, t, arrive_by,
                                   wheelchair, max_transfers, walk, od)
                for it in new:  # same trips: keep the earlier-arriving (arrive-by: the
                    old = found.get(it.key())  # later-leaving), then less walking, variant
                    if old is None or _rank(it, arrive_by) < _rank(old, arrive_by):
                        found[it.key()] = it
                if not new and od is not None and od.retry_t is not None:
                    t, od.retry_t = od.retry_t, None  # a ride was refused: try a later trip
                    continue
                if not new or len(found) >= num_itineraries:
                    break
                if window_s is not None and not any(
                        _in_window(it, time_s, window_s, arrive_by) for it in new):
                    break
                # the next search leaves just after the earliest departure found (or, for
                # arrive-by, arrives just before the latest arrival found)
                t = (min(it.start for it in new) + 60 if not arrive_by
                     else max(it.end for it in new) - 60)
        pool = list(found.values())
        if window_s is not None:
            pool = [it for it in pool if _in_window(it, time_s, window_s, arrive_by)]
        its = _undominated(pool, arrive_by)[:num_itineraries]
        if od is not None:
            ride = self._door_to_door(origin, destination, a_pt, b_pt, time_s, od)
            if ride is not None:  # ranked among the others by arrival (arrive-by: leaving)
                k = next((i for i, it in enumerate(its)
                          if _rank(ride, arrive_by)[:2] < _rank(it, arrive_by)[:2]), len(its))
                its.insert(k, ride)
        direct = self._direct_walk(origin, destination, walk, time_s, arrive_by)
        if direct is not None:
            its.append(direct)
        rides = any(leg.mode == "ON_DEMAND" for it in its for leg in it.legs)
        if od is not None and od.refused and not rides:
            messages.append(f"no on-demand ride could be booked for {od.refused} connection(s)"
                            " tried: the vehicles are taken or off shift at that time")
        if not its:
            messages.append("no itinerary found for this time; try another time or date")
        notes += self._why(its, rules, od, walkable, (origin, destination), max_walk, time_s,
                           arrive_by, rides)
        if rides and nxt is not None and nxt[1] != "past":
            nxt = None
        return PlanResult(its, messages, notes, nxt)

    def _door_to_door(self, origin: Endpoint, destination: Endpoint, a: LatLon, b: LatLon,
                      time_s: int, od: _OnDemand) -> Itinerary | None:
        """The direct ride from the asked time (arrive-by: up to it), when both ends lie in
        one service area; a stop end is picked up or dropped off at the stop."""
        assert self.on_demand is not None
        if not (self.on_demand.serves(a) and self.on_demand.serves(b)):
            return None
        od.tried += 1
        offer = self.on_demand.ride_direct(
            a, b, od.date, earliest_pickup_s=None if od.arrive_by else time_s,
            latest_arrival_s=time_s if od.arrive_by else None, wheelchair=od.wheelchair)
        if offer is None:
            od.refused += 1
            return None
        pa = self._stop_place(origin) if isinstance(origin, int) else self._place(a)
        pb = self._stop_place(destination) if isinstance(destination, int) else self._place(b)
        return Itinerary([self._ride_leg_od(pa, pb, offer)])

    def _why(self, its: list[Itinerary], rules: list[Note], od: _OnDemand | None,
             walkable: tuple[bool, bool], ends: tuple[Endpoint, Endpoint], max_walk: int,
             time_s: int, arrive_by: bool, rides: bool) -> list[Note]:
        """Notes on the answer: the on-demand service's rules that kept rides out, ends
        no stop or ride reaches, vehicles all taken, results far from the asked time."""
        out: list[Note] = []
        if not rides:
            out += rules
        else:
            out += [n for n in rules if n.code in _ALWAYS_SAID]
        if not rules and od is not None and od.refused and not rides:
            out.append(Note("vehicles_busy", f"no vehicle can take a ride at that time "
                            f"({od.refused} of {od.tried} rides tried)",
                            {"tried": od.tried}))
        moved = [it for it in its if it.kind != "walk"]
        if not moved:
            for name, end, ok in zip(("origin", "destination"), ends, walkable, strict=True):
                if isinstance(end, int) or ok:
                    continue
                served = self.on_demand is not None and self.on_demand.serves(end)
                if not served:
                    out.append(Note("outside_area", f"no on-demand service at the {name} and "
                                    f"no stop within {max_walk // 60} minutes' walk",
                                    {"end": name}))
                elif not rules:
                    out.append(Note("no_stop_nearby", f"no stop within {max_walk // 60} "
                                    f"minutes' walk of the {name}",
                                    {"end": name, "minutes": max_walk // 60}))
        if moved:
            late = (all(it.start > time_s + LATE_S for it in moved) if not arrive_by
                    else all(it.end < time_s - LATE_S for it in moved))
            if late:
                first = (min(it.start for it in moved) if not arrive_by
                         else max(it.end for it in moved))
                out.append(Note("later_than_asked", "the first connection found "
                                + ("leaves more than an hour after" if not arrive_by else
                                   "arrives more than an hour before") + " the time asked",
                                at={"first": first}))
        return out

    # -- pieces -----------------------------------------------------------------------
    def _ends(self, end: Endpoint, walk: WalkLegs, max_walk: int, access: bool
              ) -> list[StopLeg]:
        if isinstance(end, int):
            return [StopLeg(end, 0, 0.0)]
        return walk.access(end, max_walk) if access else walk.egress(end, max_walk)

    def _search(self, origin: Endpoint, destination: Endpoint, acc: list[StopLeg],
                egr: list[StopLeg], date: dt.date, t: int, arrive_by: bool, wheelchair: bool,
                max_transfers: int, walk: WalkLegs, od: _OnDemand | None = None
                ) -> list[Itinerary]:
        first, last = (egr, acc) if arrive_by else (acc, egr)
        sign = -1 if arrive_by else 1
        res = self.transit.search(
            date, [(x.stop, t + sign * x.duration_s) for x in first], reverse=arrive_by,
            max_transfers=max_transfers, wheelchair=wheelchair,
            targets=[(x.stop, x.duration_s) for x in last],
            initial_walk=isinstance(origin if not arrive_by else destination, int))
        extra = np.full(self.tt.n_stops, INF_T, np.int64)
        for x in last:
            extra[x.stop] = min(extra[x.stop], x.duration_s)
        stop_end = isinstance(destination if not arrive_by else origin, int)
        labels = res.best() if stop_end else res.best_by_trip()
        # (labels are negative in reversed searches: never let label + INF pass as finite)
        total = np.where((labels < INF_T) & (extra[None, :] < INF_T), labels + extra[None, :],
                         INF_T)
        out: list[Itinerary] = []
        best_so_far = int(INF_T)
        for k in range(1, res.rounds + 1):
            s = int(np.argmin(total[k]))
            if total[k, s] >= best_so_far or total[k, s] >= INF_T:
                continue
            best_so_far = int(total[k, s])
            legs = self.transit.journey(res, k, s, by_trip_only=not stop_end)
            if not any(isinstance(leg, RideLeg) for leg in legs):
                continue
            it = self._itinerary(origin, destination, legs, acc, egr, walk, res, od)
            if it is not None:
                out.append(it)
        return out

    def _itinerary(self, origin: Endpoint, destination: Endpoint, legs: list,
                   acc: list[StopLeg], egr: list[StopLeg], walk: WalkLegs,
                   res: SearchResult, od: _OnDemand | None = None) -> Itinerary | None:
        """The legs of a journey; None when its on-demand ride cannot be booked."""
        acc_d = {x.stop: x for x in acc}
        egr_d = {x.stop: x for x in egr}
        out: list[PlanLeg] = []
        first_stop = legs[0].board_stop if isinstance(legs[0], RideLeg) else legs[0].from_stop
        last_stop = legs[-1].alight_stop if isinstance(legs[-1], RideLeg) else legs[-1].to_stop
        if not isinstance(origin, int) and od is not None and first_stop in od.acc:
            assert self.on_demand is not None
            od.tried += 1
            offer = self.on_demand.ride_to(
                origin, first_stop, od.date,
                latest_arrival_s=legs[0].departure - self.on_demand.buffer_s,
                earliest_pickup_s=None if od.arrive_by else od.time_s,
                wheelchair=od.wheelchair)
            if offer is None:
                _refused(od, legs)
                return None
            out.append(self._ride_leg_od(self._place(origin), self._stop_place(first_stop),
                                         offer))
        elif not isinstance(origin, int):
            a = acc_d[first_stop]
            out.append(self._walk_leg(walk, self._place(origin), self._stop_place(first_stop),
                                      legs[0].departure - a.duration_s, legs[0].departure))
        for leg in legs:
            if isinstance(leg, RideLeg):
                out.append(self._ride_leg(leg))
            else:
                assert isinstance(leg, WalkLeg)
                out.append(self._walk_leg(walk, self._stop_place(leg.from_stop),
                                          self._stop_place(leg.to_stop), leg.departure,
                                          leg.arrival))
        if not isinstance(destination, int) and od is not None and last_stop in od.egr:
            assert self.on_demand is not None
            od.tried += 1
            offer = self.on_demand.ride_from(
                last_stop, destination, od.date,
                earliest_pickup_s=legs[-1].arrival + self.on_demand.buffer_s,
                latest_arrival_s=od.time_s if od.arrive_by else None,
                wheelchair=od.wheelchair)
            if offer is None:
                _refused(od, legs)
                return None
            out.append(self._ride_leg_od(self._stop_place(last_stop),
                                         self._place(destination), offer))
        elif not isinstance(destination, int):
            e = egr_d[last_stop]
            out.append(self._walk_leg(walk, self._stop_place(last_stop),
                                      self._place(destination), legs[-1].arrival,
                                      legs[-1].arrival + e.duration_s))
        return Itinerary(out)

    @staticmethod
    def _ride_leg_od(a: Place, b: Place, offer: RideOffer) -> PlanLeg:
        return PlanLeg("ON_DEMAND", int(np.floor(offer.pickup_s)), int(np.ceil(offer.dropoff_s)),
                       a, b, offer.distance_m, np.array([[a.lat, a.lon], [b.lat, b.lon]]),
                       ride=offer)

    def _point(self, end: Endpoint) -> LatLon:
        """An endpoint's coordinates (a stop's own)."""
        if isinstance(end, int):
            return (float(self.tt.stop_lat[end]), float(self.tt.stop_lon[end]))
        return end

    def _place(self, p: LatLon) -> Place:
        return Place("Origin/destination", float(p[0]), float(p[1]))

    def _stop_place(self, s: int) -> Place:
        return Place(str(self.tt.stop_name[s]), float(self.tt.stop_lat[s]),
                     float(self.tt.stop_lon[s]), s)

    def _walk_leg(self, walk: WalkLegs, a: Place, b: Place, start: int, end: int) -> PlanLeg:
        walked = walk.door_to_door((a.lat, a.lon), (b.lat, b.lon)) \
            if (a.lat, a.lon) != (b.lat, b.lon) else None
        if walked is None:
            coords, dist = np.array([[a.lat, a.lon], [b.lat, b.lon]]), 0.0
        else:
            coords, dist = walked
        return PlanLeg("WALK", start, end, a, b, dist, coords)

    def _ride_leg(self, leg: RideLeg) -> PlanLeg:
        tt = self.tt
        p = tt.trip_pattern[leg.trip]
        seq = tt.pattern_stops[tt.pattern_stop_offset[p]:tt.pattern_stop_offset[p + 1]]
        stops = seq[leg.board_index:leg.alight_index + 1]
        coords = np.column_stack([tt.stop_lat[stops], tt.stop_lon[stops]])
        lat, lon = np.radians(coords[:, 0]), np.radians(coords[:, 1])
        hav = (np.sin(np.diff(lat) / 2) ** 2
               + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2) ** 2)
        dist = float(np.sum(2 * 6_371_008.8 * np.arcsin(np.sqrt(hav))))
        a = tt.stop_time_offset[leg.trip]
        shift = leg.departure - int(tt.departure[a + leg.board_index])
        return PlanLeg(route_mode(int(tt.route_type[tt.pattern_route[p]])), leg.departure,
                       leg.arrival, self._stop_place(leg.board_stop),
                       self._stop_place(leg.alight_stop), dist, coords, leg.trip,
                       leg.board_index, leg.alight_index, shift)

    def _direct_walk(self, origin: Endpoint, destination: Endpoint, walk: WalkLegs,
                     time_s: int, arrive_by: bool) -> Itinerary | None:
        a = self._stop_place(origin) if isinstance(origin, int) else self._place(origin)
        b = (self._stop_place(destination) if isinstance(destination, int)
             else self._place(destination))
        walked = walk.door_to_door((a.lat, a.lon), (b.lat, b.lon))
        if walked is None:
            return None
        coords, dist = walked
        secs = int(np.ceil(dist / walk.speed))
        if secs > self.max_direct_walk_s:
            return None
        start = time_s - secs if arrive_by else time_s
        return Itinerary([PlanLeg("WALK", start, start + secs, a, b, dist, coords)])
