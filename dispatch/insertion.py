"""Instant booking: the cheapest feasible insertion of a new request into live plans.

For a new request, four searches give the travel times between its pickup/drop-off and every
planned stop; a compiled kernel (``_insert_kernel``) then tries every pickup and drop-off
position of every vehicle, cheapest added vehicle time first, and checks each candidate by an
exact schedule of the whole route (time windows, every rider's maximum ride time, capacity,
shift end). Committing an offer re-checks it against the plan it was made for.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from dispatch._insert_kernel import BIG, best_insertion, stp_earliest
from dispatch.model import (
    BREAK_PREFIX,
    Point,
    Request,
    Route,
    Solution,
    Stop,
    Vehicle,
    break_requests,
)
from dispatch.travel import TravelTimes
from routing.errors import MobilityError
from routing.timebase import NO_BOUND_S

if TYPE_CHECKING:
    from dispatch.solver import Problem as SolverProblem
    from dispatch.solver import SolverParams

log = logging.getLogger("mobility.dispatch")
_VERSIONS = itertools.count(1)
#: plans visiting at most this many distinct places are quoted from those places' searches
FEW_PLACES = 4


@dataclass(frozen=True)
class DispatchParams:
    """Service rules: pickup window width, ride-time limit ``alpha * direct + beta``,
    boarding and alighting times (seconds)."""

    window_s: float = 900.0
    alpha: float = 1.5
    beta: float = 600.0
    boarding_s: float = 60.0
    alighting_s: float = 30.0

    def max_ride(self, direct_s: float) -> float:
        """The longest ride promised for a trip whose direct drive takes ``direct_s``."""
        return self.alpha * direct_s + self.beta

    def safe_duration(self) -> tuple[float, float]:
        """GTFS ``trips.safe_duration_factor`` and ``safe_duration_offset`` (s): the longest
        a ride whose direct drive takes ``d`` seconds can take, from boarding to having
        alighted, is ``factor * d + offset`` — the ride-time limit (``alpha * d + beta``,
        which every plan keeps) plus the boarding and alighting times. A promise kept in
        every case is also the bound for 95 % of them that the field asks for."""
        return self.alpha, self.beta + self.boarding_s + self.alighting_s

    def pickup_window_range(self, direct_s: float) -> tuple[float, float]:
        """The narrowest and the widest pickup window a ride whose direct drive takes
        ``direct_s`` may be promised (seconds): a third of ``window_s`` (what a booking
        notice may leave of a window; a narrower one is hardly a promise to keep) up to
        an arrival's window (``window_s`` before the arrival, less the longest ride and
        the boarding)."""
        return self.window_s / 3, self.window_s + self.max_ride(direct_s) + self.boarding_s

    def request(self, rid: str, pickup: Point, dropoff: Point, direct_s: float,
                pickup_window: tuple[float, float],
                dropoff_window: tuple[float, float] = (0.0, NO_BOUND_S), passengers: int = 1,
                wheelchairs: int = 0) -> Request:
        """A request under these rules (ride-time limit, boarding and alighting times)."""
        return Request(rid, pickup, dropoff, pickup_window, dropoff_window,
                       self.max_ride(direct_s), passengers, wheelchairs, self.boarding_s,
                       self.alighting_s)


@dataclass(frozen=True)
class Offer:
    """A feasible insertion: the vehicle, its estimated pickup and drop-off times, the
    promised pickup window and the vehicle time it adds."""

    request: Request
    vehicle: str
    pickup_position: int
    dropoff_position: int
    pickup_time: float
    dropoff_time: float
    added_time: float
    plan_version: int
    #: travel times of the new legs: to the pickup, from it, to the drop-off, from it (the
    #: pickup's "from" is the ride itself when the drop-off follows right after)
    legs: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class NoOffer:
    """Why no vehicle can take the request: ``reason`` is one of ``no vehicle in time``,
    ``capacity``, ``ride-time limit``, ``outside shift``."""

    request: Request
    reason: str
    detail: str = ""


class StaleOfferError(MobilityError, RuntimeError):
    """The plan changed since the offer was made; quote again."""


@dataclass(frozen=True)
class Replanning:
    """The optimiser's task for a fleet's live plans: the problem (every booking required,
    riders on board pinned), the current plans as warm start, the search budget, and what it
    was made from (plan versions and total vehicle time)."""

    problem: SolverProblem
    warm: list[list[str]]
    params: SolverParams
    versions: dict[str, int]
    before: float
    #: the plans' cost under the search's objective (``before`` when it is the distance)
    score: float | None = None


@dataclass
class _Plan:
    vehicle: Vehicle
    stops: list[tuple[str, str]] = field(default_factory=list)  #: (request id, kind)
    #: changes with every change of the plan; unique in this process (a plan rebuilt or
    #: cloned elsewhere never takes a number an offer was made for)
    version: int = field(default_factory=lambda: next(_VERSIONS))
    t_next: np.ndarray = field(default_factory=lambda: np.zeros(0))
    times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: where the vehicle is and from when it can go on (None: its depot at shift start)
    origin: Point | None = None
    ready: float | None = None
    #: riders on board: request id -> time their boarding started
    onboard: dict[str, float] = field(default_factory=dict)
    #: the plan cannot keep every window from where the vehicle is (it runs late): its
    #: times are then a forward estimate and it takes no new riders
    late: bool = False
    #: derived from the above by ``_refresh`` (read by every quote, so kept): the places
    #: visited (start, stops, end) and the schedule's arrays
    points: list[Point] = field(default_factory=list)
    arrays: tuple[np.ndarray, ...] = ()


def _done(plan: _Plan) -> bool:
    """Whether a vehicle's shift is over and it has nothing left to do (staggered shifts:
    its plan from where it is now cannot end in its shift, which is no concern)."""
    v = plan.vehicle
    return (math.ceil(max(v.shift[0], plan.ready if plan.ready is not None else v.shift[0]))
            >= v.shift[1] and not plan.onboard
            and all(rid.startswith(BREAK_PREFIX) for rid, _ in plan.stops))


#: a re-plan pins to its vehicle a pickup the vehicle is due to leave for within this many
#: seconds of the search's start (the search takes time; see :func:`committed`)
COMMIT_AHEAD_S = 600.0


def committed(plan: _Plan, now_s: float, ahead_s: float = 0.0) -> str | None:
    """The ride whose pickup the vehicle is waiting at, driving to, or due to leave for by
    ``now_s + ahead_s``: its plan's first stop, when that is a pickup (None otherwise).

    Its driver is already on the way (or there): moving the ride to another vehicle now
    would leave the rider to a vehicle that may not make it, and the driver to a stop that
    is gone. "At the stop" is a reported place a leg of no time from it; "due to leave"
    is the plan's latest departure for it (its earliest service there less the leg).
    """
    if not plan.stops or plan.stops[0][1] != "pickup" or len(plan.times) < 2:
        return None
    rid = plan.stops[0][0]
    if rid.startswith(BREAK_PREFIX):
        return None
    leg = float(plan.t_next[0])
    if plan.origin is not None and leg <= 1.0:
        return rid
    return rid if float(plan.times[1]) - leg <= now_s + ahead_s else None


def _late(plans: Iterable[_Plan]) -> bool:
    """Whether a plan runs late (a vehicle off shift and done does not count)."""
    return any(p.late and not _done(p) for p in plans)


def _window_span(plan: _Plan, r: Request) -> tuple[int, int]:
    """The places of ``plan`` (start, stops, end) whose legs to and from the new ride the
    insertion kernel may read: ``points[k0:k1]``.

    A full day's plan is mostly far from the ride's windows, and its travel times are the
    cost of a quote. Stops served before the pickup window opens (``hi < pickup_window[0]``)
    cannot follow the pickup; and once a stop is left after both windows close
    (``times + service``, which grows along the plan), the kernel stops looking one place
    further on. It reads nothing outside the span, so the offer, and the reason when there is
    none, are the ones the whole plan gives.
    """
    service, _, hi = plan.arrays[:3]
    m = len(plan.points)
    left = plan.times + service
    close = max(r.pickup_window[1], r.dropoff_window[1]) + 1e-9
    k1 = min(int(np.searchsorted(left, close, side="right")) + 2, m)
    open_ = np.flatnonzero(hi[1:] >= r.pickup_window[0])
    k0 = int(open_[0]) if len(open_) else m
    return (k0, k1) if k0 < k1 else (0, 0)


def _in_gap(v: Vehicle, window: tuple[float, float]) -> bool:
    """Whether a pickup window lies wholly inside one of the vehicle's pinned breaks (a
    gap between two available windows: see :mod:`dispatch.availability`)."""
    return any(b.earliest == b.latest and b.earliest <= window[0]
               and window[1] <= b.latest + b.duration for b in v.breaks)


class Dispatcher:
    """Live plans of a fleet and the instant insertion of new requests.

    Quoting changes nothing, so one dispatcher may answer quotes from several threads at
    once; every change happens on a :meth:`clone` that then replaces the original.
    """

    def __init__(self, vehicles: list[Vehicle], travel: TravelTimes,
                 params: DispatchParams = DispatchParams()) -> None:
        self.travel = travel
        self.params = params
        self.requests: dict[str, Request] = {}
        self.plans: dict[str, _Plan] = {v.id: _Plan(v) for v in vehicles}
        for plan in self.plans.values():
            for b in break_requests(plan.vehicle):  # breaks: pinned pseudo-requests
                self.requests[b.id] = b
                plan.stops += [(b.id, "pickup"), (b.id, "dropoff")]
            self._refresh(plan)

    def clone(self) -> Dispatcher:
        """An independent copy of the plans (requests and schedules are shared: neither is
        changed in place)."""
        d = Dispatcher.__new__(Dispatcher)
        d.travel, d.params = self.travel, self.params
        d.requests = dict(self.requests)
        d.plans = {vid: replace(p, stops=list(p.stops), onboard=dict(p.onboard))
                   for vid, p in self.plans.items()}
        return d

    # -- requests -------------------------------------------------------------------
    def make_request(self, rid: str, pickup: Point, dropoff: Point, *,
                     earliest_pickup: float | None = None, latest_arrival: float | None = None,
                     passengers: int = 1, wheelchairs: int = 0) -> Request:
        """A request under the service rules: a pickup window from the earliest pickup (or
        an arrival window ending at the latest arrival) and a ride-time limit
        ``alpha * direct + beta``."""
        p = self.params
        direct = float(self.travel.one_to_many(pickup, [dropoff])[0])
        if not np.isfinite(direct):
            raise MobilityError(f"request {rid}: the drop-off cannot be reached by road from "
                                "the pickup")
        max_ride = p.max_ride(direct)
        if (earliest_pickup is None) == (latest_arrival is None):
            raise ValueError("give exactly one of earliest_pickup or latest_arrival")
        if earliest_pickup is not None:
            pw = (earliest_pickup, earliest_pickup + p.window_s)
            dw = (0.0, NO_BOUND_S)
        else:
            assert latest_arrival is not None
            dw = (latest_arrival - p.window_s, latest_arrival)
            pw = (latest_arrival - p.window_s - max_ride - p.boarding_s, latest_arrival)
        return p.request(rid, pickup, dropoff, direct, pw, dw, passengers, wheelchairs)

    # -- plans ----------------------------------------------------------------------
    def _points(self, plan: _Plan) -> list[Point]:
        v = plan.vehicle
        pts = [plan.origin or v.start]
        for rid, kind in plan.stops:
            r = self.requests[rid]
            pts.append(r.pickup if kind == "pickup" else r.dropoff)
        pts.append(v.end)
        return pts

    def _arrays(self, plan: _Plan) -> tuple[np.ndarray, ...]:
        """service, lo, hi, seats and wheelchair places taken after each stop, ride pairs
        (pickup, drop-off, limit)."""
        v = plan.vehicle
        m = len(plan.stops) + 2
        service, lo, hi = np.zeros(m), np.empty(m), np.empty(m)
        lo[0], hi[0] = v.shift
        lo[-1], hi[-1] = v.shift
        if plan.ready is not None:
            lo[0] = max(lo[0], plan.ready)
            hi[0] = max(hi[0], lo[0])
        load = np.zeros(m, np.int64)
        wload = np.zeros(m, np.int64)
        rp, rd, rl = [], [], []
        where: dict[str, int] = {}
        cur = sum(self.requests[rid].passengers for rid in plan.onboard)
        wcur = sum(self.requests[rid].wheelchairs for rid in plan.onboard)
        load[0], wload[0] = cur, wcur
        for k, (rid, kind) in enumerate(plan.stops, 1):
            r = self.requests[rid]
            if kind == "pickup":
                service[k] = r.pickup_service
                lo[k], hi[k] = r.pickup_window
                cur += r.passengers
                wcur += r.wheelchairs
                where[rid] = k
            else:
                service[k] = r.dropoff_service
                lo[k], hi[k] = r.dropoff_window
                cur -= r.passengers
                wcur -= r.wheelchairs
                if rid in where:
                    rp.append(where[rid])
                    rd.append(k)
                    rl.append(r.max_ride)
                elif rid in plan.onboard:  # boarded already: the ride limit is a deadline
                    hi[k] = min(hi[k], plan.onboard[rid] + r.pickup_service + r.max_ride)
            load[k], wload[k] = cur, wcur
        return (service, lo, hi, load, wload, np.array(rp, np.int64), np.array(rd, np.int64),
                np.array(rl, np.float64))

    def _refresh(self, plan: _Plan, t_next: np.ndarray | None = None) -> None:
        """Derive a plan's places, legs (searched unless given) and earliest schedule."""
        pts = self._points(plan)
        if t_next is None:  # legs the plan drove before are known: search only new ones
            pairs = zip(plan.points[:-1], plan.points[1:], strict=True)
            known = dict(zip(pairs, plan.t_next.tolist(), strict=True))
            t_next = np.array([known[(a, b)] if (a, b) in known
                               else float(self.travel.one_to_many(a, [b])[0])
                               for a, b in zip(pts[:-1], pts[1:], strict=True)])
        plan.points = pts
        plan.t_next = t_next
        plan.arrays = self._arrays(plan)
        service, lo, hi, _, _, rp, rd, rl = plan.arrays
        times = np.empty(len(pts))
        v = plan.vehicle
        ok = stp_earliest(plan.t_next, service, lo, hi, rp, rd, rl,
                          min(v.max_duration, BIG), times)
        plan.late = False
        if not ok:
            if plan.origin is None and not plan.onboard:
                raise MobilityError(f"vehicle {v.id}: its plan cannot be scheduled")
            # the vehicle runs late: estimate each stop as soon as it can be reached
            plan.late = True
            times[0] = lo[0]
            for k in range(1, len(pts)):
                times[k] = max(lo[k], times[k - 1] + service[k - 1] + plan.t_next[k - 1])
        plan.times = times

    # -- quote & commit -------------------------------------------------------------
    def quote(self, request: Request, ride_s: float | None = None) -> Offer | NoOffer:
        """The cheapest feasible insertion over all vehicles, or the reason there is none
        (changes nothing). ``ride_s``: the direct drive from pickup to drop-off, when the
        caller knows it already (from this dispatcher's travel times)."""
        if request.id in self.requests:
            raise ValueError(f"request {request.id} is already booked")
        return self._quote(request, ride_s)

    def _quote(self, r: Request, ride_s: float | None = None) -> Offer | NoOffer:
        plans = list(self.plans.values())
        if not plans:  # e.g. no vehicle is available that day
            return NoOffer(r, "outside shift", "no vehicle is on shift at the requested time")
        # the plans that could take the ride, and of each only the stops around its windows
        codes: list[int | None] = []
        spans: list[tuple[int, int]] = []
        flat: list[Point] = []
        for plan in plans:
            v = plan.vehicle
            if r.passengers > v.seats or r.wheelchairs > v.wheelchair_places:
                codes.append(1)
            elif (v.closed or r.pickup_window[0] > v.shift[1]
                  or r.pickup_window[1] < v.shift[0] or _in_gap(v, r.pickup_window)):
                codes.append(3)
            elif plan.late:
                codes.append(2)
            else:
                codes.append(None)
                k0, k1 = _window_span(plan, r)
                spans.append((k0, k1))
                flat.extend(plan.points[k0:k1])
        legs_all = self._legs_to(flat, r.pickup, r.dropoff)
        t_pd = (ride_s if ride_s is not None
                else float(self.travel.one_to_many(r.pickup, [r.dropoff])[0]))
        # each plan's legs (those of the stops outside its span are never read: see
        # _window_span), and a bound below what the ride adds to it: the pickup's detour
        # (the drop-off's is never negative, travel times being shortest paths). The plans
        # are tried lowest bound first, and one whose bound is above the best offer so far
        # is not tried at all: it cannot win
        tries = []
        off = 0
        todo = iter(spans)
        for n, plan in enumerate(plans):
            if codes[n] is not None:
                continue
            k0, k1 = next(todo)
            legs4 = tuple(np.full(len(plan.points), np.inf) for _ in range(4))
            for full, part in zip(legs4, legs_all, strict=True):
                full[k0:k1] = part[off:off + k1 - k0]
            off += k1 - k0
            detour = legs4[0][k0:k1 - 1] + legs4[1][k0 + 1:k1] - plan.t_next[k0:k1 - 1]
            tries.append((float(detour.min()) if len(detour) else np.inf, n, legs4))
        tries.sort(key=lambda x: (x[0], x[1]))
        best: Offer | None = None
        best_n = len(plans)
        for low, n, (to_p, from_p, to_d, from_d) in tries:
            plan = plans[n]
            v = plan.vehicle
            if best is not None and low > best.added_time + 1e-6:
                codes[n] = 2
                continue
            service, lo, hi, load, wload, rp, rd, rl = plan.arrays
            # an offer as cheap as the best wins if its vehicle comes first (as when the
            # plans are tried in their order): the kernel takes only cheaper ones
            bound = (BIG if best is None else best.added_time if n > best_n
                     else float(np.nextafter(best.added_time, np.inf)))
            added, i, j, tp, td, code = best_insertion(
                plan.t_next, plan.times, service, lo, hi, load, v.seats, wload,
                v.wheelchair_places,
                rp, rd, rl, min(v.max_duration, BIG), to_p, from_p, to_d,
                from_d, t_pd, r.pickup_window[0], r.pickup_window[1],
                r.dropoff_window[0], r.dropoff_window[1], r.pickup_service,
                r.dropoff_service, r.max_ride, r.passengers, r.wheelchairs, bound)
            if i >= 0:
                a, b = int(i), int(j)
                legs = (float(to_p[a - 1]), t_pd if b == a else float(from_p[a]),
                        float(to_d[b - 1]) if b > a else 0.0, float(from_d[b]))
                best = Offer(r, v.id, a, b, float(tp), float(td), float(added), plan.version,
                             legs)
                best_n = n
            codes[n] = code
        if best is not None:
            return best
        return NoOffer(r, *self._reason(r, [c for c in codes if c is not None], t_pd))

    def _legs_to(self, flat: list[Point], pickup: Point, dropoff: Point
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Travel times from every planned place to the pickup and from the pickup to it,
        and the same for the drop-off. Four searches from the new places in all; but when
        the plans visit only a few places (an empty day: the depots), the times are read
        from those places' own searches instead, which the travel provider keeps for places
        asked about again and again."""
        if not flat:
            return np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0)
        index: dict[Point, int] = {}
        at = np.fromiter((index.setdefault(pt, len(index)) for pt in flat), np.int64,
                         len(flat))
        few = list(index)
        if len(few) > FEW_PLACES:
            # each place once: a district's plans share their hubs and depots (half of the
            # places a full day's 40 plans hold around a ride's windows are repeats)
            return (self.travel.many_to_one(few, pickup)[at],
                    self.travel.one_to_many(pickup, few)[at],
                    self.travel.many_to_one(few, dropoff)[at],
                    self.travel.one_to_many(dropoff, few)[at])
        legs = np.array([[float(self.travel.one_to_many(u, [pickup])[0]),
                          float(self.travel.many_to_one([pickup], u)[0]),
                          float(self.travel.one_to_many(u, [dropoff])[0]),
                          float(self.travel.many_to_one([dropoff], u)[0])] for u in few])
        return legs[at, 0], legs[at, 1], legs[at, 2], legs[at, 3]

    def _reason(self, r: Request, codes: list[int], t_pd: float) -> tuple[str, str]:
        if t_pd > r.max_ride:
            return "ride-time limit", "the direct ride is longer than the ride-time limit"
        if all(c == 3 for c in codes):  # none on duty that day counts too
            return "outside shift", "no vehicle is on shift at the requested time"
        if codes and all(c == 1 for c in codes):
            return "capacity", "no vehicle has room for the passengers at that time"
        return "no vehicle in time", ("no vehicle can reach the pickup within the window "
                                      "without breaking a promise made to another rider")

    def commit(self, offer: Offer) -> None:
        """Book an offer into its vehicle's plan.

        Raises
        ------
        StaleOfferError
            If the plan changed since the quote (quote again).
        """
        plan = self.plans[offer.vehicle]
        if plan.version != offer.plan_version:
            raise StaleOfferError(f"the plan of vehicle {offer.vehicle} changed; quote again")
        r = offer.request
        i, j = offer.pickup_position, offer.dropoff_position
        stops = list(plan.stops)
        # old stop k sits at plan position k (position 0 is the vehicle start)
        stops.insert(j - 1, (r.id, "dropoff"))
        stops.insert(i - 1, (r.id, "pickup"))
        # the new legs are the quote's own search results: splice them in, search nothing
        t = plan.t_next.tolist()
        to_p, from_p, to_d, from_d = offer.legs
        legs = (t[:i - 1] + [to_p, from_p, from_d] + t[i:] if j == i else
                t[:i - 1] + [to_p, from_p] + t[i:j - 1] + [to_d, from_d] + t[j:])
        old, old_t = plan.stops, plan.t_next
        self.requests[r.id] = r
        plan.stops = stops
        try:
            self._refresh(plan, np.array(legs))
        except MobilityError:
            plan.stops = old
            del self.requests[r.id]
            self._refresh(plan, old_t)
            raise
        plan.version = next(_VERSIONS)

    # -- restoring and following the day ----------------------------------------------
    def restore(self, vehicle: str, stops: list[tuple[str, str]], requests: list[Request], *,
                origin: Point | None = None, ready: float | None = None,
                onboard: dict[str, float] | None = None) -> None:
        """Set a vehicle's plan as stored — e.g. when a process restarts: ``stops`` (request
        id, kind) of ``requests``, where it is (``origin`` from ``ready``) and who is on
        board (request id -> boarding time) — and schedule it."""
        plan = self.plans[vehicle]
        for r in requests:
            self.requests[r.id] = r
        plan.stops = list(stops)  # as stored, breaks included
        plan.origin, plan.ready = origin, ready
        plan.onboard = dict(onboard or {})
        self._past_breaks(plan)
        self._refresh(plan)
        plan.version = next(_VERSIONS)

    def _past_breaks(self, plan: _Plan, time: float | None = None, before: int = 0) -> None:
        """Take out the breaks the vehicle is past (drivers report no break: a break is done
        once the vehicle goes on after it): those planned before its stop at position
        ``before`` (it serves that stop now) and those whose latest end is over by ``time``
        (default: when the vehicle can go on). A break whose latest start is over but whose
        end is not goes on from ``time`` for what is left of it: a driver reporting during a
        break or an availability gap neither makes the plan late nor opens the gap to
        riders."""
        t = plan.ready if time is None else time
        if t is None:
            return
        at = float(math.ceil(t))  # whole seconds, as the optimiser's times are
        gone = set()
        for k, (rid, kind) in enumerate(plan.stops):
            if not rid.startswith(BREAK_PREFIX) or kind != "pickup":
                continue
            b = self.requests[rid]
            end = b.pickup_window[1] + b.pickup_service
            if k < before or end <= t:
                gone.add(rid)
            elif b.pickup_window[1] < t:
                self.requests[rid] = replace(b, pickup_window=(at, at),
                                             pickup_service=max(end - at, 0.0))
        if gone:
            plan.stops = [s for s in plan.stops if s[0] not in gone]
            for rid in gone:
                del self.requests[rid]

    def locate(self, vehicle: str, position: Point, time: float) -> None:
        """The vehicle is at ``position`` at ``time``: plan onwards from there."""
        plan = self.plans[vehicle]
        plan.origin, plan.ready = position, time
        self._past_breaks(plan)
        self._refresh(plan)
        plan.version = next(_VERSIONS)

    def picked_up(self, rid: str, time: float) -> None:
        """The rider boarded at ``time``: the pickup is done, the vehicle is there."""
        plan = self._plan_of(rid)
        self._past_breaks(plan, time, plan.stops.index((rid, "pickup")))
        plan.stops.remove((rid, "pickup"))
        plan.onboard[rid] = time
        plan.origin = self.requests[rid].pickup
        plan.ready = max(plan.ready or 0.0, time + self.requests[rid].pickup_service)
        self._past_breaks(plan)
        self._refresh(plan)
        plan.version = next(_VERSIONS)

    def dropped_off(self, rid: str, time: float) -> None:
        """The rider alighted at ``time``: the ride is finished."""
        plan = self._plan_of(rid)
        self._past_breaks(plan, time, plan.stops.index((rid, "dropoff")))
        plan.stops.remove((rid, "dropoff"))
        plan.onboard.pop(rid, None)
        r = self.requests.pop(rid)
        plan.origin = r.dropoff
        plan.ready = max(plan.ready or 0.0, time + r.dropoff_service)
        self._past_breaks(plan)
        self._refresh(plan)
        plan.version = next(_VERSIONS)

    def remove(self, rid: str) -> None:
        """Take a request out of its plan (cancelled, or the rider did not show up).
        Removing stops never makes a plan infeasible (travel times obey the triangle
        inequality), so this cannot fail."""
        plan = self._plan_of(rid)
        plan.stops = [s for s in plan.stops if s[0] != rid]
        plan.onboard.pop(rid, None)
        del self.requests[rid]
        self._refresh(plan)
        plan.version = next(_VERSIONS)

    def planned(self, rid: str) -> dict[str, float]:
        """A request's planned pickup and drop-off times (those still to come)."""
        vid = self.vehicle_of(rid)
        if vid is None:
            return {}
        plan = self.plans[vid]
        return {kind: float(plan.times[k]) for k, (r, kind) in enumerate(plan.stops, 1)
                if r == rid}

    def vehicle_of(self, rid: str) -> str | None:
        """The vehicle whose plan holds the request (None if none does)."""
        for vid, plan in self.plans.items():
            if rid in plan.onboard or any(s[0] == rid for s in plan.stops):
                return vid
        return None

    def is_late(self, vehicle: str) -> bool:
        return self.plans[vehicle].late

    def _plan_of(self, rid: str) -> _Plan:
        vid = self.vehicle_of(rid)
        if vid is None:
            raise KeyError(f"request {rid} is in no plan")
        return self.plans[vid]

    def reoptimize(self, time_limit_s: float = 5.0, solution_limit: int = 0,
                   move: bool = True, descent_only: bool = False,
                   objective: str = "distance", failure_limit: int = 0) -> float:
        """Improve the live plans with the optimiser without breaking a promise: every booked
        request stays inside its windows and ride-time limit (and, unless ``move``, on its
        vehicle); the current plans are the warm start. Vehicles under way start from where
        they are, riders on board stay with their vehicle and keep their ride limit from
        their real pickup.
        Plans are replaced only if every booking is still served, every plan stays on time
        and the plans cost less: with ``objective`` "distance" the vehicles drive less; with
        "lateness" the stops come earlier in all (seconds after each request's earliest
        pickup, weighted; the driving time breaks ties), which keeps vehicles free for
        requests still to come. ``solution_limit`` > 0 stops the search by a count
        (reproducible) instead of the clock, ``failure_limit`` > 0 by a count of failed
        moves as well; ``descent_only`` stops at the first local optimum (fast and
        reproducible). Returns the vehicle time saved (s; negative when a
        "lateness" re-plan drives more to serve earlier).

        The work splits into :meth:`replanning` (what to solve), the optimiser, and
        :meth:`adopt` (take the result or not), so that a server can run the optimiser in
        another process while it goes on answering.
        """
        from dispatch.solver import solve

        job = self.replanning(time_limit_s, solution_limit, move, descent_only, objective,
                              failure_limit)
        if job is None:
            return 0.0
        try:
            sol = solve(job.problem, self.travel, job.params, warm_start=job.warm)
        except Exception as exc:  # OR-Tools refused the model: keep the plans as they are
            log.warning("re-planning skipped: the optimiser failed (%s)", exc)
            return 0.0
        return self.adopt(job, sol)

    def replanning(self, time_limit_s: float = 5.0, solution_limit: int = 0,
                   move: bool = True, descent_only: bool = False,
                   objective: str = "distance", failure_limit: int = 0,
                   now_s: float | None = None) -> Replanning | None:
        """The optimiser's task for the live plans (see :meth:`reoptimize`), or None when
        there is nothing to improve (no bookings, a plan running late, a vehicle still
        serving after its shift); vehicles whose shift is over and done are left out.
        ``now_s`` (seconds on the plans' day): a pickup a vehicle is at, on its way to, or
        due to leave for within :data:`COMMIT_AHEAD_S` stays with it (:func:`committed`)."""
        from dispatch.solver import Problem, SolverParams

        if not self.requests or _late(self.plans.values()):
            return None
        if any(p.vehicle.closed and p.stops for p in self.plans.values()):
            return None  # the optimiser would move rides onto a vehicle that takes none
        vehicles, onboard, keep, warm = [], {}, {}, []
        left_out: set[str] = set()
        required: set[str] = set()
        for vid, plan in self.plans.items():
            v = plan.vehicle
            if plan.origin is not None or plan.ready is not None:
                # whole seconds: the optimiser's times are integers (ceil keeps it feasible)
                t0 = math.ceil(max(v.shift[0], plan.ready if plan.ready is not None
                                   else v.shift[0]))
                if t0 >= v.shift[1]:
                    if not _done(plan):
                        return None  # still serving after its shift: leave the plans
                    left_out.update(rid for rid, _ in plan.stops)  # its breaks
                    continue  # off shift and done (staggered shifts): not in the search
                v = replace(v, start=plan.origin or v.start, shift=(t0, v.shift[1]))
            # its breaks are in its plan already (pinned pseudo-requests, taken out or
            # shortened once the vehicle is past them): not added again from the vehicle
            vehicles.append(replace(v, breaks=()))
            on_way = (committed(plan, now_s, COMMIT_AHEAD_S) if now_s is not None
                      else None)
            for rid, t in plan.onboard.items():
                onboard[rid] = (vid, t)
                keep[rid] = vid
            for rid, _ in plan.stops:
                # breaks, riders on board and the pickup the vehicle is on its way to stay
                # with their vehicle; another booked ride not yet picked up may move to
                # another vehicle: its promise is the window
                if (rid.startswith(BREAK_PREFIX) or (rid in plan.onboard) or not move
                        or rid == on_way):
                    keep[rid] = vid
                else:
                    required.add(rid)
            # riders on board: a pickup at the start, then their drop-off in the plan
            warm.append(list(plan.onboard) + [rid for rid, _ in plan.stops])
        if not vehicles:
            return None
        problem = Problem(vehicles, [r for rid, r in self.requests.items()
                                     if rid not in left_out], keep, onboard,
                          frozenset(required))
        params = SolverParams(
            time_limit_s=time_limit_s, scale=1, solution_limit=solution_limit,
            metaheuristic="GREEDY_DESCENT" if descent_only else "GUIDED_LOCAL_SEARCH",
            objective=objective, failure_limit=failure_limit)
        return Replanning(problem, warm, params,
                          {vid: p.version for vid, p in self.plans.items()},
                          sum(float(p.t_next.sum()) for p in self.plans.values()),
                          self._score(params))

    def _score(self, params: SolverParams) -> float:
        """What the live plans cost under the optimiser's objective: their driving time
        ("distance": the vehicles' time on the road), or the weighted seconds of every
        stop after its request's earliest pickup plus the driving time ("lateness")."""
        drive = sum(float(p.t_next.sum()) for p in self.plans.values())
        if params.objective != "lateness":
            return drive
        late = 0.0
        for plan in self.plans.values():
            for k, (rid, _) in enumerate(plan.stops, 1):
                if not rid.startswith(BREAK_PREFIX):
                    late += float(plan.times[k]) - self.requests[rid].pickup_window[0]
        return params.lateness_weight * late + drive

    def adopt(self, job: Replanning, sol: Solution, now_s: float | None = None) -> float:
        """Take the optimiser's plans if they were made from the current plans, serve every
        booking, keep every plan on time and drive less; returns the vehicle time saved (s),
        0 when the plans stay as they were. ``now_s``: a pickup a vehicle is on its way to
        by now stays with it (the search took time: see :func:`committed`)."""
        if sol.rejected or job.versions != {vid: p.version for vid, p in self.plans.items()}:
            return 0.0  # never drop a booking; never overwrite plans changed meanwhile
        onboard = job.problem.onboard
        new = {r.vehicle: [(s.request, s.kind) for s in r.stops
                           if not (s.kind == "pickup" and s.request in onboard)]
               for r in sol.routes}
        if not self._keeps_commitments(new, now_s):
            return 0.0
        old = {vid: (list(p.stops), p.t_next) for vid, p in self.plans.items()}

        def back() -> float:
            for vid, plan in self.plans.items():
                plan.stops = old[vid][0]
                self._refresh(plan, old[vid][1])
            return 0.0

        try:
            for vid, plan in self.plans.items():
                if vid in new:  # (a vehicle off shift was left out of the search)
                    plan.stops = new[vid]
                    self._refresh(plan)
        except MobilityError:
            return back()
        after = sum(float(p.t_next.sum()) for p in self.plans.values())
        score = self._score(job.params) if job.score is not None else after
        if (score >= (job.score if job.score is not None else job.before) - 1e-6
                or _late(self.plans.values())):
            return back()
        for vid, plan in self.plans.items():
            if plan.stops != old[vid][0]:
                plan.version = next(_VERSIONS)
        return job.before - after

    def _keeps_commitments(self, new: dict[str, list[tuple[str, str]]],
                           now_s: float | None) -> bool:
        """Whether new plans (vehicle id -> stops; a vehicle left out keeps its own) leave
        each pickup a vehicle is on its way to by ``now_s`` with that vehicle."""
        if now_s is None:
            return True
        for vid, plan in self.plans.items():
            rid = committed(plan, now_s)
            if rid is not None and vid in new and (rid, "pickup") not in new[vid]:
                return False
        return True

    def merge(self, job: Replanning, sol: Solution, now_s: float | None = None
              ) -> float | None:
        """Take the optimiser's plans although the live plans changed since ``job`` was made
        from them: bookings cancelled (or served, or no-shows) meanwhile are left out of the
        optimised plans, bookings made meanwhile are inserted into them again, vehicles keep
        where they are now and who is on board. Returns the vehicle time saved (s; 0 when the
        merged plans cost no less than the live ones, which then stay), or None when the
        merge fails — a booking made meanwhile fits nowhere in the optimised plans, a rider
        boarded a vehicle the optimiser took the ride from, or a vehicle set off meanwhile
        (by ``now_s``) for a pickup the optimiser gave to another — and the caller should
        re-plan from the current plans.
        """
        if sol.rejected:
            return None
        live = {vid: set(p.stops) for vid, p in self.plans.items()}
        stops_now = {st: vid for vid, sts in live.items() for st in sts}
        snapshot = {r.id for r in job.problem.requests}
        added = sorted({rid for rid, _ in stops_now if rid not in snapshot},
                       key=lambda rid: (self.requests[rid].pickup_window[0], rid))
        searched = {r.vehicle for r in sol.routes}
        # a vehicle left out of the search (off shift) keeps what it has
        new: dict[str, list[tuple[str, str]]] = {
            vid: [] if vid in searched else [st for st in p.stops if st[0] not in added]
            for vid, p in self.plans.items()}
        for route in sol.routes:
            if route.vehicle not in new:
                return None
            for st in ((x.request, x.kind) for x in route.stops):
                vid = stops_now.get(st)
                if vid is None or st[0] in added:  # done or cancelled meanwhile; new ones later
                    continue
                plan = self.plans[vid]
                if vid != route.vehicle and (st[0] in plan.onboard
                                             or st[0].startswith(BREAK_PREFIX)):
                    return None  # boarded meanwhile, or a break: stays with its vehicle
                new[route.vehicle].append(st)
        kept = {st for sts in new.values() for st in sts}
        if kept != {st for st in stops_now if st[0] not in added}:
            return None  # a stop lost or doubled
        if not self._keeps_commitments(new, now_s):
            return None  # a driver set off meanwhile for a ride the optimiser moved
        for vid, sts in new.items():  # a pickup the optimiser moved without its drop-off
            rids = {r for r, k in sts if k == "pickup"}
            if any(k == "dropoff" and r not in rids and r not in self.plans[vid].onboard
                   and (r, "pickup") in stops_now for r, k in sts):
                return None
        score = self._score(job.params)
        drive = sum(float(p.t_next.sum()) for p in self.plans.values())
        d = self.clone()
        fresh = [d.requests.pop(rid) for rid in added]
        try:
            for vid, plan in d.plans.items():
                plan.stops = new[vid]
                d._refresh(plan)
                plan.version = next(_VERSIONS)
            for r in fresh:
                offer = d._quote(r)
                if isinstance(offer, NoOffer):
                    return None
                d.commit(offer)
        except MobilityError:
            return None
        if _late(d.plans.values()) or d._score(job.params) >= score - 1e-6:
            return 0.0
        self.requests, self.plans = d.requests, d.plans
        return drive - sum(float(p.t_next.sum()) for p in self.plans.values())

    def routes(self) -> list[Route]:
        """Every vehicle's plan as a :class:`Route` (for figures and the optimiser)."""
        out = []
        for vid, plan in self.plans.items():
            out.append(Route(vid, self.schedule(vid), float(plan.times[0]),
                             float(plan.times[-1])))
        return out

    def schedule(self, vehicle: str) -> list[Stop]:
        """The vehicle's planned stops with their scheduled times and loads."""
        plan = self.plans[vehicle]
        out, load = [], 0
        for k, (rid, kind) in enumerate(plan.stops, 1):
            if rid.startswith(BREAK_PREFIX):  # one "break" stop at its start, load unchanged
                if kind == "pickup":
                    out.append(Stop(rid, "break", float(plan.times[k]), load))
                continue
            r = self.requests[rid]
            load += r.passengers if kind == "pickup" else -r.passengers
            out.append(Stop(rid, kind, float(plan.times[k]), load))
        return out
