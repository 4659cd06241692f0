"""The figures a planner decides by, from a simulated day: how many were served and how
well, how much was bundled, what the fleet drove and what it cost."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from dispatch.model import Point
from dispatch.simulation import SimResult
from dispatch.travel import TravelTimes


def _stats(xs: list[float], digits: int = 1) -> dict[str, float | None]:
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


def compute_kpis(res: SimResult, travel: TravelTimes) -> dict[str, Any]:
    """The KPI object (JSON-ready). Times in minutes, distances in km, money in the
    scenario's currency, CO₂ in kg."""
    sc = res.scenario
    outs = list(res.outcomes.values())
    served = [o for o in outs if o.status == "served"]
    rejected = [o for o in outs if o.status == "rejected"]
    no_show = [o for o in outs if o.status == "no_show"]
    waits = [(o.pickup - o.window[0]) / 60 for o in served]
    ride = [(o.dropoff - o.pickup - res.requests[o.trip.id].pickup_service) / 60
            for o in served]
    detour = [(o.dropoff - o.pickup - res.requests[o.trip.id].pickup_service) / o.direct_s
              for o in served if o.direct_s > 0]
    late = sum(1 for o in served + no_show if not o.window[0] - 1e-6 <= o.pickup
               <= o.window[1] + 1e-6)
    driven = empty = pkm = shared = driving_h = seat_km = 0.0
    seats = {v.id: v.seats for v in sc.vehicles}
    for vid, vlegs in legs(res).items():
        if not vlegs:
            continue
        dur, dist = travel.matrix([a for a, _, _, _, _ in vlegs], [b for _, b, _, _, _ in vlegs])
        aboard: dict[str, int] = {}
        visits = res.visits[vid]
        for k, (_, _, _, _, load) in enumerate(vlegs):
            km = float(dist[k, k]) / 1000.0
            driven += km
            seat_km += km * seats[vid]
            driving_h += float(dur[k, k]) / 3600.0
            empty += km if load == 0 else 0.0
            pkm += km * load
            if len(aboard) >= 2:
                shared += km * load
            if k < len(visits):  # the visit at the end of leg k
                x = visits[k]
                if x.kind == "pickup":
                    aboard[x.trip] = res.requests[x.trip].passengers
                elif x.kind == "dropoff":
                    aboard.pop(x.trip, None)
    vehicle_h = sum((v.shift[1] - v.shift[0]) / 3600.0 for v in sc.vehicles)
    passengers = sum(o.trip.passengers for o in served)
    cost = vehicle_h * sc.costs.per_vehicle_hour + driven * sc.costs.per_km
    return {
        "requests": len(outs),
        "served": len(served),
        "no_shows": len(no_show),
        "rejected": len(rejected),
        "rejected_by_reason": dict(sorted(Counter(o.reason for o in rejected).items())),
        "served_share": round(len(served) / len(outs), 4) if outs else 0.0,
        "passengers": passengers,
        "wait_min": _stats(waits),
        "pickups_outside_window": late,
        "in_vehicle_min": _stats(ride),
        "detour_factor": _stats(detour, 2),  # a ratio: 1.29, not 1.3
        "pooling_rate": round(shared / pkm, 4) if pkm else 0.0,
        "mean_occupancy": round(pkm / driven, 4) if driven else 0.0,
        "seat_occupancy": round(pkm / seat_km, 4) if seat_km else 0.0,
        "vehicle_km": round(driven, 2),
        "empty_km": round(empty, 2),
        "loaded_km": round(driven - empty, 2),
        "passenger_km": round(pkm, 2),
        "driving_hours": round(driving_h, 2),
        "vehicle_hours": round(vehicle_h, 2),
        "passengers_per_vehicle_hour": round(passengers / vehicle_h, 3) if vehicle_h else 0.0,
        "cost": round(cost, 2),
        "cost_per_served_trip": round(cost / len(served), 2) if served else None,
        "co2_kg": round(driven * sc.costs.co2_kg_per_km, 2),
        "vehicles": len(sc.vehicles),
        "replanning": sc.replanning_mode,
        "replans_adopted": sum(1 for r in res.replans if r.adopted),
        "replanning_saved_min": round(res.reoptimized_s / 60, 1),
    }
