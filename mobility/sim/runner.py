"""One simulated day on a region's streets: the dispatcher serves the trips, the KPIs are
computed on the same travel times."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dispatch.demand import Trip
from dispatch.kpis import compute_kpis
from dispatch.scenario import Scenario
from dispatch.simulation import ProgressFn, SimResult, simulate
from dispatch.travel import StreetTravel
from mobility.region import Region
from mobility.sim.notes import Note


@dataclass
class Run:
    """One simulated scenario: its result, KPIs and the demand's notes."""

    scenario: Scenario
    result: SimResult
    kpis: dict[str, Any]
    notes: list[Note]


def run(region: Region, sc: Scenario, trips: list[Trip], notes: list[Note],
        progress: ProgressFn | None = None) -> Run:
    """Simulate ``trips`` on the region's car network; ``progress(done, total)`` after each
    request."""
    travel = StreetTravel(region.router("car"))
    res = simulate(sc, trips, travel, progress)
    return Run(sc, res, compute_kpis(res, travel), notes)
