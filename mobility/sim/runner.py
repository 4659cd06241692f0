"""One simulated day on a region's streets: the dispatcher serves the trips, the KPIs are
computed on the same travel times."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dispatch.demand import Trip
from dispatch.kpis import compute_kpis
from dispatch.scenario import Scenario
from dispatch.service_area import ServiceArea
from dispatch.simulation import ProgressFn, SimResult, simulate
from dispatch.travel import StreetTravel
from mobility.region import Region
from mobility.sim.notes import Note
from routing.street_router import StreetRouter


@dataclass
class Run:
    """One simulated scenario: its result, KPIs and the demand's notes."""

    scenario: Scenario
    result: SimResult
    kpis: dict[str, Any]
    notes: list[Note]


#: how far around a service area its own street network reaches (a detour over a road
#: just outside the area stays possible)
AREA_MARGIN_M = 3000.0


def area_router(region: Region, area: ServiceArea, margin_m: float = AREA_MARGIN_M
                ) -> StreetRouter:
    """A router on the car streets within ``margin_m`` of the area's bounding box: in a
    district of several small areas, each search then settles the area's streets rather
    than the whole region's (a quote runs four)."""
    from shapely.geometry import shape

    lon0, lat0, lon1, lat1 = shape(area.geometry).bounds
    dlat = margin_m / 111_320.0
    dlon = dlat / max(math.cos(math.radians((lat0 + lat1) / 2)), 0.1)
    return StreetRouter(region.streets["car"].within(lat0 - dlat, lon0 - dlon, lat1 + dlat,
                                                     lon1 + dlon))


def run(region: Region, sc: Scenario, trips: list[Trip], notes: list[Note],
        progress: ProgressFn | None = None, router: StreetRouter | None = None) -> Run:
    """Simulate ``trips`` on the region's car network (or ``router``'s, e.g.
    :func:`area_router`); ``progress(done, total)`` after each request."""
    travel = StreetTravel(router or region.router("car"))
    res = simulate(sc, trips, travel, progress)
    return Run(sc, res, compute_kpis(res, travel), notes)
