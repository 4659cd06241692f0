"""The on-demand option, timed by what the planner's simulation of the scenario measured:
its served share, the riders' waits and the detour factors of their rides (their
quartiles), for each fleet size."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dispatch.kpis import figures, sim_rides
from mobility.region import Region

#: the quantiles of the measured waits and detours that time the on-demand samples
QUANTILES = (25.0, 50.0, 75.0)


@dataclass(frozen=True)
class Measure:
    """What one simulated day of the scenario measured (fleet of ``vehicles``).

    ``waits_s`` and ``detours`` hold the quartiles (:data:`QUANTILES`) of the served
    riders' waits (pickup after the requested time) and ride/direct-drive ratios;
    ``vehicle_hours`` and ``cost`` are the day's (the simulation's cost model)."""

    vehicles: int
    served_share: float
    waits_s: tuple[float, ...]
    detours: tuple[float, ...]
    requests: int
    served: int
    vehicle_hours: float
    cost: float
    currency: str | None

    def to_dict(self) -> dict[str, object]:
        return {"vehicles": self.vehicles, "served_share": self.served_share,
                "requests": self.requests, "served": self.served,
                "wait_min": dict(zip(("p25", "p50", "p75"),
                                     [round(w / 60, 2) for w in self.waits_s], strict=True)),
                "detour_factor": dict(zip(("p25", "p50", "p75"),
                                          [round(d, 3) for d in self.detours], strict=True)),
                "vehicle_hours": self.vehicle_hours, "cost": self.cost,
                "currency": self.currency}


def measure(region: Region, vehicles: int, area: str | None, currency: str | None = None
            ) -> Measure:
    """Simulate the area's scenario with ``vehicles`` (the region's defaults otherwise: its
    demand rate, seed and costs) and read off the served share, wait and detour
    quartiles."""
    from mobility import sim

    sc = sim.load_scenario(region, None, sim.Overrides(vehicles=vehicles, area=area,
                                                       currency=currency))
    r = sim.simulate_and_report(region, sc, None)
    f = figures(sim_rides(r.result), [], 0.0)
    waits = [60.0 * w for w in f.waits_min]
    share = float(r.kpis["served_share"])
    return Measure(vehicles, share, _quartiles(waits), _quartiles(f.detours),
                   int(r.kpis["requests"]), int(r.kpis["served"]),
                   float(r.kpis["vehicle_hours"]), float(r.kpis["cost"]),
                   r.kpis.get("currency"))


def _quartiles(xs: list[float]) -> tuple[float, ...]:
    if not xs:
        return tuple(math.nan for _ in QUANTILES)
    return tuple(float(np.percentile(np.asarray(xs, np.float64), q)) for q in QUANTILES)


def ride_arrivals(departures: np.ndarray, car_s: np.ndarray, m: Measure) -> np.ndarray:
    """Arrival (s after midnight) by an on-demand ride of direct car time ``car_s`` (one
    per target, ``inf``: not possible) for each departure and measured quartile: shape
    ``(len(QUANTILES), len(departures), len(car_s))`` = departure + wait + car × detour,
    rounded up to whole seconds."""
    out = np.full((len(QUANTILES), len(departures), len(car_s)), np.inf)
    if m.served == 0:
        return out
    for k, (w, d) in enumerate(zip(m.waits_s, m.detours, strict=True)):
        out[k] = departures[:, None] + np.ceil(w + car_s[None, :] * d)
    return out


def area_file(spec: str | None) -> Path | None:
    """``--area`` as a file (None for a name or the default)."""
    if spec is None:
        return None
    p = Path(spec)
    return p if p.suffix.lower() in (".geojson", ".json") else None
