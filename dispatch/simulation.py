"""A simulated day of on-demand service: requests arrive at their booking time and are
answered by the dispatcher's instant insertion (as the API answers them); vehicles drive
their plans, riders board or fail to show up, and every visit is recorded.

Vehicles leave each place as late as their plan allows, so a vehicle waiting for its next
pickup can still be sent elsewhere first; once it has set off to its next stop it is
committed to it (the plan then starts there). On the hour the optimiser re-plans every
booked ride (nobody's promise changes; vehicles under way start where they are). Everything
is reproducible by seed, on any machine under any load: the re-planning's budget is a count
of solutions (``Scenario.reoptimize_solutions``), never the clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dispatch.demand import Trip
from dispatch.insertion import Dispatcher, NoOffer
from dispatch.model import BREAK_PREFIX, Point, Request
from dispatch.scenario import REPLANNING, Scenario
from dispatch.travel import CachedTravel, TravelTimes
from routing.errors import MobilityError

INF = float("inf")
#: the re-planning's clock only guards against a runaway search (its budget is the solution
#: count and the failed moves); the solver warns if it is ever reached
REPLAN_SAFETY_NET_S = 600.0
#: most re-plans end at a local optimum in well under a second, but the first of a district
#: area's day holds every booking of the day (268 in Schwetzingen), where 50 improving
#: moves took a minute: 1,000 failed moves stop it after a few seconds, the same plan on any
#: machine
REPLAN_FAILURES = 1000


@dataclass(frozen=True)
class Visit:
    """A vehicle at a place: ``kind`` pickup, dropoff or no_show, at service start."""

    time: float
    kind: str
    trip: str
    point: Point
    load: int  #: passengers on board after the visit


@dataclass
class Outcome:
    """What became of a trip: ``status`` served, no_show or rejected (with ``reason``)."""

    trip: Trip
    status: str
    reason: str = ""
    #: the vehicle that served the trip (or came for a no-show): from its visits, so a
    #: booking a re-plan moved names the vehicle it moved to; until then the booking's
    vehicle: str = ""
    booked_vehicle: str = ""  #: the vehicle chosen when the trip was booked
    window: tuple[float, float] = (0.0, 0.0)  #: promised pickup window
    pickup: float = 0.0
    dropoff: float = 0.0
    direct_s: float = 0.0  #: the direct drive, for the detour factor


@dataclass
class SimResult:
    """Every trip's outcome and every vehicle's visits, in time order."""

    scenario: Scenario
    outcomes: dict[str, Outcome]
    visits: dict[str, list[Visit]] = field(default_factory=dict)
    requests: dict[str, Request] = field(default_factory=dict)
    reoptimized_s: float = 0.0  #: vehicle time the optimiser's re-planning saved
    replans: list[Replan] = field(default_factory=list)
    #: seconds each request took to answer (wall clock: a figure, never a budget)
    request_s: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Replan:
    """One re-plan of the day: when, how many bookings it had, whether its plans were
    taken, the vehicle time that saved (s) and how long the optimiser took (wall clock:
    a figure, never a budget)."""

    at: float
    bookings: int
    adopted: bool
    saved_s: float
    seconds: float


ProgressFn = Callable[[int, int], None]


def simulate(scenario: Scenario, trips: list[Trip], travel: TravelTimes,
             progress: ProgressFn | None = None) -> SimResult:
    """Run the day. ``progress(done, total)`` is called after each request; every
    ``scenario.reoptimize_every_s`` the optimiser re-plans the booked rides."""
    rng = np.random.default_rng(scenario.seed)
    order = sorted(trips, key=lambda t: (t.booked_at, t.time, t.id))
    no_show = {t.id: bool(rng.random() < scenario.no_show) for t in order}
    sim = _Day(scenario, CachedTravel(travel), no_show)
    every = scenario.reoptimize_every_s
    next_replan = scenario.hours[0] if scenario.replans else INF
    for k, trip in enumerate(order, 1):
        while trip.booked_at >= next_replan:  # re-plan on the hour, as a dispatcher would
            sim.advance(next_replan)
            sim.replan(next_replan)
            next_replan += every
        sim.advance(trip.booked_at)
        t0 = time.perf_counter()
        sim.request(trip)
        sim.request_s.append(time.perf_counter() - t0)
        if progress is not None:
            progress(k, len(order))
    sim.advance(INF)
    return SimResult(scenario, sim.outcomes, sim.visits, sim.requests, sim.saved,
                     sim.replans, sim.request_s)


class _Day:
    def __init__(self, sc: Scenario, travel: TravelTimes, no_show: dict[str, bool]) -> None:
        self.sc = sc
        self.travel = travel
        self.no_show = no_show
        self.d = Dispatcher(list(sc.vehicles), travel, sc.rules)
        self.outcomes: dict[str, Outcome] = {}
        self.visits: dict[str, list[Visit]] = {v.id: [] for v in sc.vehicles}
        self.requests: dict[str, Request] = {}
        self.load = {v.id: 0 for v in sc.vehicles}
        self.saved = 0.0
        self.replans: list[Replan] = []
        self.request_s: list[float] = []

    def replan(self, at: float) -> None:
        """The optimiser re-plans every booked ride by the scenario's objective."""
        bookings = sum(1 for rid in self.d.requests if not rid.startswith(BREAK_PREFIX))
        versions = {vid: p.version for vid, p in self.d.plans.items()}
        t0 = time.perf_counter()
        saved = self.d.reoptimize(time_limit_s=REPLAN_SAFETY_NET_S, descent_only=True,
                                  solution_limit=self.sc.reoptimize_solutions,
                                  objective=REPLANNING[self.sc.replanning],
                                  failure_limit=REPLAN_FAILURES)
        seconds = time.perf_counter() - t0
        adopted = versions != {vid: p.version for vid, p in self.d.plans.items()}
        self.saved += saved
        self.replans.append(Replan(at, bookings, adopted, saved, seconds))

    # -- requests ---------------------------------------------------------------------
    def request(self, trip: Trip) -> None:
        sc = self.sc
        if not (sc.area.contains(trip.origin) and sc.area.contains(trip.destination)):
            self._reject(trip, "outside service area")
            return
        if not sc.hours[0] <= trip.time <= sc.hours[1]:
            self._reject(trip, "outside service hours")
            return
        earliest = max(trip.time, trip.booked_at + sc.notice_s)
        try:
            req = self.d.make_request(trip.id, trip.origin, trip.destination,
                                      earliest_pickup=earliest, passengers=trip.passengers,
                                      wheelchairs=int(trip.wheelchair))
        except MobilityError:
            self._reject(trip, "unreachable")
            return
        offer = self.d.quote(req)
        if isinstance(offer, NoOffer):
            self._reject(trip, offer.reason)
            return
        self.d.commit(offer)
        self.requests[trip.id] = req
        direct = float(self.travel.one_to_many(trip.origin, [trip.destination])[0])
        self.outcomes[trip.id] = Outcome(trip, "booked", vehicle=offer.vehicle,
                                         booked_vehicle=offer.vehicle,
                                         window=req.pickup_window, direct_s=direct)

    def _reject(self, trip: Trip, reason: str) -> None:
        self.outcomes[trip.id] = Outcome(trip, "rejected", reason)

    # -- driving ----------------------------------------------------------------------
    def advance(self, t: float) -> None:
        """Carry out every stop whose service starts by ``t``; then each vehicle either
        waits where it is (from ``t`` on) or is on its way to its next stop."""
        for vid, plan in self.d.plans.items():
            while plan.stops and plan.times[1] <= t:
                self._serve(vid, plan.stops[0], float(plan.times[1]))
            if t == INF:
                continue
            here = plan.origin or plan.vehicle.start
            if plan.stops:
                rid, kind = plan.stops[0]
                r = self.d.requests[rid]
                nxt = r.pickup if kind == "pickup" else r.dropoff
                start = float(plan.times[1])
                if t >= start - float(plan.t_next[0]):  # set off already: committed
                    if plan.origin != nxt:
                        self.d.locate(vid, nxt, start)
                    continue
            ready = plan.ready if plan.ready is not None else plan.vehicle.shift[0]
            if t > ready:
                self.d.locate(vid, here, t)

    def _serve(self, vid: str, stop: tuple[str, str], at: float) -> None:
        rid, kind = stop
        r = self.d.requests[rid]
        out = self.outcomes[rid]
        out.vehicle = vid
        if kind == "pickup" and self.no_show[rid]:
            self.d.remove(rid)
            self.d.locate(vid, r.pickup, at + r.pickup_service)
            out.status, out.pickup = "no_show", at
            self.visits[vid].append(Visit(at, "no_show", rid, r.pickup, self.load[vid]))
            return
        if kind == "pickup":
            self.d.picked_up(rid, at)
            self.load[vid] += r.passengers
            out.pickup = at
        else:
            self.d.dropped_off(rid, at)
            self.load[vid] -= r.passengers
            out.status, out.dropoff = "served", at
        self.visits[vid].append(Visit(at, kind, rid, r.pickup if kind == "pickup"
                                      else r.dropoff, self.load[vid]))
