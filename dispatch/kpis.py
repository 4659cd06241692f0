"""The figures a planner decides by — how many were served and how well, how much was
bundled, what the fleet drove and what it cost — computed once from plain records: one
:class:`RideRecord` per request and each vehicle's :class:`dispatch.tours.Leg` s. A simulated
day (:func:`compute_kpis`) and a month of the running service
(:mod:`api.service.monthly_report`) both build these records and read the same
:class:`Figures`, under the definitions of :mod:`dispatch.kpi_table`."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dispatch.model import Point
from dispatch.simulation import SimResult
from dispatch.tours import Leg
from dispatch.travel import TravelTimes

#: a ride's fate: carried out, rider absent, refused, cancelled after booking, still booked
STATUSES = ("served", "no_show", "rejected", "cancelled", "booked")
_EPS = 1e-6  # a pickup on the window's edge is inside it


@dataclass(frozen=True)
class RideRecord:
    """One request and what became of it (times in seconds after the service day's
    midnight; money in the currency's units)."""

    id: str
    status: str  #: one of :data:`STATUSES`
    passengers: int = 1
    #: rejected: why (the dispatcher's reason or the refusal's problem code); cancelled: by
    #: whom ("rider" or "operator")
    reason: str = ""
    window: tuple[float, float] | None = None  #: the pickup window promised at booking
    pickup: float | None = None  #: the vehicle's arrival for the pickup (or the no-show)
    dropoff: float | None = None
    direct_s: float | None = None  #: the direct drive
    boarding_s: float = 0.0  #: time spent boarding (not riding)
    fare: float = 0.0  #: collected for it (fare at the price quoted, or a cancellation fee)
    day: dt.date | None = None  #: its service day (for series over a period)


@dataclass(frozen=True)
class VehicleLegs:
    """One vehicle's legs (of a day or a period) and its seats (for seat-km)."""

    seats: int
    legs: Sequence[Leg]


@dataclass
class Figures:
    """The shared figures of a set of rides and legs, unrounded; each consumer rounds and
    names them. Distances in km, times in minutes (rides) or hours (vehicles)."""

    requests: int = 0
    served: int = 0
    no_shows: int = 0
    rejected: int = 0
    cancelled: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    cancelled_by: dict[str, int] = field(default_factory=dict)
    passengers: int = 0
    waits_min: list[float] = field(default_factory=list)
    in_vehicle_min: list[float] = field(default_factory=list)
    detours: list[float] = field(default_factory=list)
    pickups: int = 0  #: pickups (and no-shows) whose time and promised window are known
    pickups_outside_window: int = 0
    vehicle_km: float = 0.0
    empty_km: float = 0.0
    passenger_km: float = 0.0
    shared_passenger_km: float = 0.0
    seat_km: float = 0.0
    driving_hours: float = 0.0
    vehicle_hours: float = 0.0
    cost: float | None = None
    fares: float = 0.0

    @property
    def served_share(self) -> float:
        return self.served / self.requests if self.requests else 0.0

    @property
    def pooling_rate(self) -> float:
        return self.shared_passenger_km / self.passenger_km if self.passenger_km else 0.0

    @property
    def mean_occupancy(self) -> float:
        return self.passenger_km / self.vehicle_km if self.vehicle_km else 0.0

    @property
    def seat_occupancy(self) -> float:
        return self.passenger_km / self.seat_km if self.seat_km else 0.0

    @property
    def passengers_per_vehicle_hour(self) -> float:
        return self.passengers / self.vehicle_hours if self.vehicle_hours else 0.0

    @property
    def on_time_pickups(self) -> float | None:
        """Share of the timed pickups inside their promised window (None: none timed)."""
        if not self.pickups:
            return None
        return (self.pickups - self.pickups_outside_window) / self.pickups

    @property
    def cost_per_trip(self) -> float | None:
        return self.cost / self.served if self.cost is not None and self.served else None

    @property
    def cost_per_passenger_km(self) -> float | None:
        return (self.cost / self.passenger_km
                if self.cost is not None and self.passenger_km else None)


def figures(rides: Iterable[RideRecord], fleet: Iterable[VehicleLegs],
            vehicle_hours: float, cost: float | None = None) -> Figures:
    """The figures of ``rides`` and the ``fleet``'s legs, with the vehicles' (available,
    on-shift) hours and the cost of the service (None: unknown)."""
    f = Figures(vehicle_hours=vehicle_hours, cost=cost)
    rejected: Counter[str] = Counter()
    cancelled: Counter[str] = Counter()
    for r in rides:
        f.requests += 1
        f.fares += r.fare
        if r.status == "rejected":
            f.rejected += 1
            rejected[r.reason] += 1
        elif r.status == "cancelled":
            f.cancelled += 1
            cancelled[r.reason] += 1
        elif r.status == "no_show":
            f.no_shows += 1
        elif r.status == "served":
            f.served += 1
            f.passengers += r.passengers
            if r.pickup is not None and r.window is not None:
                f.waits_min.append((r.pickup - r.window[0]) / 60)
            if r.pickup is not None and r.dropoff is not None:
                ride = r.dropoff - r.pickup - r.boarding_s
                f.in_vehicle_min.append(ride / 60)
                if r.direct_s:
                    f.detours.append(ride / r.direct_s)
        if r.pickup is not None and r.window is not None:  # (a ride under way counts too)
            f.pickups += 1
            if not r.window[0] - _EPS <= r.pickup <= r.window[1] + _EPS:
                f.pickups_outside_window += 1
    f.rejected_by_reason = dict(sorted(rejected.items()))
    f.cancelled_by = dict(sorted(cancelled.items()))
    for v in fleet:
        for leg in v.legs:
            f.vehicle_km += leg.km
            f.seat_km += leg.km * v.seats
            f.driving_hours += leg.hours
            f.empty_km += leg.km if leg.aboard == 0 else 0.0
            f.passenger_km += leg.km * leg.aboard
            if leg.rides >= 2:
                f.shared_passenger_km += leg.km * leg.aboard
    return f


def stats(xs: list[float], digits: int = 1) -> dict[str, float | None]:
    """Mean, median and 95th percentile, rounded (None each for no values)."""
    if not xs:
        return {"mean": None, "p50": None, "p95": None}
    a = np.asarray(xs, dtype=np.float64)
    return {"mean": round(float(a.mean()), digits),
            "p50": round(float(np.median(a)), digits),
            "p95": round(float(np.percentile(a, 95)), digits)}



def legs(res: SimResult) -> dict[str, list[tuple[Point, Point, float, float, int]]]:
    """Each vehicle's legs depot → visits → depot as (from, to, departure, arrival, load
    on board); departure is the latest that keeps the arrival (vehicles wait where they are)."""
    out: dict[str, list[tuple[Point, Point, float, float, int]]] = {}
    for v in res.scenario.vehicles:
        vs = res.visits[v.id]
        if not vs:
            out[v.id] = []
            continue
        pts = [v.start] + [x.point for x in vs] + [v.end]
        times = [x.time for x in vs]
        loads = [0] + [x.load for x in vs]
        out[v.id] = [(pts[k], pts[k + 1], times[k - 1] if k else times[0],
                      times[k] if k < len(times) else times[-1], loads[k])
                     for k in range(len(pts) - 1)]
    return out


def sim_rides(res: SimResult) -> list[RideRecord]:
    """A simulated day's requests as ride records."""
    return [RideRecord(id=o.trip.id, status=o.status, passengers=o.trip.passengers,
                       reason=o.reason, window=o.window,
                       pickup=o.pickup if o.status in ("served", "no_show") else None,
                       dropoff=o.dropoff if o.status == "served" else None,
                       direct_s=o.direct_s,
                       boarding_s=res.requests[o.trip.id].pickup_service
                       if o.status == "served" else 0.0)
            for o in res.outcomes.values()]


def sim_legs(res: SimResult, travel: TravelTimes) -> dict[str, list[Leg]]:
    """A simulated day's legs per vehicle by road: km, driving hours, passengers and rides
    on board (rides: the bookings picked up and not yet dropped off)."""
    out: dict[str, list[Leg]] = {}
    for vid, vlegs in legs(res).items():
        if not vlegs:
            out[vid] = []
            continue
        dur, dist = travel.matrix([a for a, _, _, _, _ in vlegs], [b for _, b, _, _, _ in vlegs])
        aboard: dict[str, int] = {}
        visits = res.visits[vid]
        row: list[Leg] = []
        for k, (_, _, _, _, load) in enumerate(vlegs):
            row.append(Leg(km=float(dist[k, k]) / 1000.0, hours=float(dur[k, k]) / 3600.0,
                           aboard=load, rides=len(aboard)))
            if k < len(visits):  # the visit at the end of leg k
                x = visits[k]
                if x.kind == "pickup":
                    aboard[x.trip] = res.requests[x.trip].passengers
                elif x.kind == "dropoff":
                    aboard.pop(x.trip, None)
        out[vid] = row
    return out


def compute_kpis(res: SimResult, travel: TravelTimes) -> dict[str, Any]:
    """The KPI object (JSON-ready). Times in minutes, distances in km, money in the
    scenario's currency, CO₂ in kg."""
    sc = res.scenario
    seats = {v.id: v.seats for v in sc.vehicles}
    fleet = [VehicleLegs(seats[vid], vl) for vid, vl in sim_legs(res, travel).items()]
    vehicle_h = sum((v.shift[1] - v.shift[0]) / 3600.0 for v in sc.vehicles)
    driven = sum(leg.km for v in fleet for leg in v.legs)
    f = figures(sim_rides(res), fleet, vehicle_h,
                vehicle_h * sc.costs.per_vehicle_hour + driven * sc.costs.per_km)
    cost = f.cost or 0.0
    return {
        "requests": f.requests,
        "served": f.served,
        "no_shows": f.no_shows,
        "rejected": f.rejected,
        "rejected_by_reason": f.rejected_by_reason,
        "served_share": round(f.served_share, 4),
        "passengers": f.passengers,
        "wait_min": stats(f.waits_min),
        "pickups_outside_window": f.pickups_outside_window,
        "in_vehicle_min": stats(f.in_vehicle_min),
        "detour_factor": stats(f.detours, 2),  # a ratio: 1.29, not 1.3
        "pooling_rate": round(f.pooling_rate, 4),
        "mean_occupancy": round(f.mean_occupancy, 4),
        "seat_occupancy": round(f.seat_occupancy, 4),
        "vehicle_km": round(f.vehicle_km, 2),
        "empty_km": round(f.empty_km, 2),
        "loaded_km": round(f.vehicle_km - f.empty_km, 2),
        "passenger_km": round(f.passenger_km, 2),
        "driving_hours": round(f.driving_hours, 2),
        "vehicle_hours": round(f.vehicle_hours, 2),
        "passengers_per_vehicle_hour": round(f.passengers_per_vehicle_hour, 3),
        "cost": round(cost, 2),
        "cost_per_served_trip": round(cost / f.served, 2) if f.served else None,
        "co2_kg": round(f.vehicle_km * sc.costs.co2_kg_per_km, 2),
        "vehicles": len(sc.vehicles),
        "replanning": sc.replanning_mode,
        "replans_adopted": sum(1 for r in res.replans if r.adopted),
        "replanning_saved_min": round(res.reoptimized_s / 60, 1),
    }
