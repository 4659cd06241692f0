"""A simulated day's demand on a region: a file of requests, or a rural day drawn for the
service area — homes (mapped buildings, residential streets) and hubs (transit stops by
their departures), reproducible by the scenario's seed."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from dispatch.demand import DemandError, Trip, read_demand_rows, synthetic_demand
from dispatch.scenario import Scenario
from dispatch.service_area import ServiceArea
from mobility.planning import stop_departures
from mobility.region import Region
from mobility.sim.notes import Note
from routing.streets import HIGHWAY_CLASSES

#: street classes people live along (origin weights where buildings are not mapped)
RESIDENTIAL = ("residential", "living_street", "unclassified")


def homes_of(region: Region, area: ServiceArea, buildings: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray, Note]:
    """Trip ends at home: mapped buildings and addresses inside the area (weight 1 each)
    plus points along residential streets (weight: one per 100 m of street), and a note
    saying what was found."""
    net = region.streets["car"]
    codes = [HIGHWAY_CLASSES.index(h) for h in RESIDENTIAL if h in HIGHWAY_CLASSES]
    edges = np.flatnonzero(np.isin(net.highway, codes))
    tail = np.repeat(np.arange(net.n_nodes), np.diff(net.indptr))
    mid = np.c_[(net.node_lat[tail[edges]] + net.node_lat[net.head[edges]]) / 2,
                (net.node_lon[tail[edges]] + net.node_lon[net.head[edges]]) / 2]
    inside = np.array([area.contains((a, b)) for a, b in mid], dtype=bool)
    pts, w = mid[inside], net.length[edges][inside].astype(np.float64) / 100.0
    nb = 0
    if buildings is not None and len(buildings):
        keep = np.array([area.contains((a, b)) for a, b in buildings], dtype=bool)
        nb = int(keep.sum())
        pts = np.vstack([pts, buildings[keep]])
        w = np.concatenate([w, np.ones(nb)])
    return pts, w, Note("homes", {"buildings": nb, "streets": int(inside.sum())})


def hubs_of(region: Region, area: ServiceArea) -> tuple[np.ndarray, np.ndarray]:
    """Transit stops inside the area, weighted by their departures on the default date
    (the busiest stop is, in a rural district, the town centre); an area the timetable does
    not serve at all: its fleet's depots, which the configuration puts in its town centres."""
    tt = region.timetable
    counts = stop_departures(region)
    pts = np.c_[tt.stop_lat, tt.stop_lon]
    keep = np.array([area.contains((a, b)) for a, b in pts], dtype=bool) & (counts > 0)
    if not keep.any() and area.vehicles:
        depots = np.array(list(dict.fromkeys(v.start for v in area.vehicles)), np.float64)
        return depots, np.ones(len(depots))
    return pts[keep], counts[keep]


def demand_for(region: Region, sc: Scenario, demand: Path | None = None,
               skip_bad: bool = False, buildings: np.ndarray | None = None
               ) -> tuple[list[Trip], list[Note]]:
    """The day's trips and notes on them: read from ``demand`` (bad rows skipped and
    noted only with ``skip_bad``) or drawn for the area by the scenario's seed.

    Raises
    ------
    DemandError
        Listing every bad row of the file (line and column).
    """
    if demand is not None:
        trips, problems = read_demand_rows(demand)
        if problems and not skip_bad:
            raise DemandError(demand, problems)
        # the row's problem stays in the file checker's (English) words
        return trips, [Note("row_skipped", {"file": demand.name, "line": n, "column": c,
                                            "problem": m}) for n, c, m in problems]
    if buildings is None:
        from shapely.geometry import shape

        lon0, lat0, lon1, lat1 = shape(sc.area.geometry).bounds
        buildings = _buildings(region.config.osm, (lat0, lon0, lat1, lon1))
    homes, hw, note = homes_of(region, sc.area, buildings)
    hubs, bw = hubs_of(region, sc.area)
    rng = np.random.default_rng(sc.seed)
    return synthetic_demand(homes, hw, hubs, bw, sc.hours, sc.rate_per_hour,
                            sc.prebooked_share, sc.notice_s, rng, profile=sc.profile,
                            standing_share=sc.standing_share), [note]


@functools.lru_cache(maxsize=8)
def _buildings(osm: Path, bbox: tuple[float, float, float, float]) -> np.ndarray:
    """Homes mapped in the extract (one pass over it, ~3 s: read once per process)."""
    from feeds.osm import home_points

    return home_points(osm, bbox)
