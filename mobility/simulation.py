"""``mobility simulate``: a scenario on a region — service area, fleet, rules, demand — run
as a simulated day, its KPIs, and sweeps over fleet sizes and demand rates in parallel."""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from dispatch.demand import Trip, read_demand, synthetic_demand
from dispatch.kpis import compute_kpis
from dispatch.scenario import Scenario, default_fleet
from dispatch.service_area import ServiceArea
from dispatch.simulation import SimResult, simulate
from dispatch.travel import StreetTravel
from mobility.config import read_service_areas
from mobility.errors import RegionError
from mobility.planning import stop_departures
from mobility.region import Region
from mobility.schema import ScenarioFile, read_toml, validate
from routing.street_router import StreetRouter
from routing.streets import HIGHWAY_CLASSES

#: street classes people live along (origin weights where buildings are not mapped)
RESIDENTIAL = ("residential", "living_street", "unclassified")


class ScenarioError(RegionError):
    """A scenario file or option is invalid; the message names the key to fix."""


@dataclass(frozen=True)
class Overrides:
    """Command-line values that replace the scenario file's."""

    vehicles: int | None = None
    rate_per_hour: float | None = None
    seed: int | None = None
    area: str | None = None


def load_scenario(region: Region, path: Path | None, o: Overrides = Overrides()) -> Scenario:
    """The scenario of ``path`` (TOML, see :class:`mobility.schema.ScenarioFile`) on
    ``region`` with the overrides applied; unset: the region's first service area, its
    fleet's depot there.

    Raises
    ------
    ScenarioError
        Naming the file (or the options) and the key to fix.
    """
    raw = read_toml(path, ScenarioError) if path is not None else {}
    where = str(path) if path is not None else "scenario"
    f = validate(ScenarioFile, raw, where, ScenarioError)
    changes = {k: v for k, v in (("rate_per_hour", o.rate_per_hour), ("seed", o.seed),
                                 ("area", o.area)) if v is not None}
    if changes or o.vehicles is not None:  # checked by the same rules, named as options
        raw = {**raw, **changes}
        if o.vehicles is not None:
            raw["fleet"] = {**raw.get("fleet", {}), "vehicles": o.vehicles}
        f = validate(ScenarioFile, raw, "options", ScenarioError)
    area = _area(region, f.area, where)
    depot = f.fleet.depot or _default_depot(region, area)
    if not area.contains(depot):
        raise ScenarioError(f"{where}: 'fleet.depot' must be [lat, lon] inside the service "
                            f"area, not {list(depot)!r}")
    fleet = default_fleet(f.fleet.vehicles, depot, f.fleet.shift or f.hours, f.fleet.seats,
                          f.fleet.wheelchair_places)
    return Scenario(replace(area, vehicles=fleet), fleet, f.hours, f.rules.params(),
                    notice_s=60 * f.notice_min, prebooked_share=f.prebooked_share,
                    no_show=f.no_show, rate_per_hour=f.rate_per_hour, costs=f.costs.costs(),
                    seed=f.seed)


def _area(region: Region, spec: Any, where: str) -> ServiceArea:
    """A named service area of the region, or a GeoJSON file; default: the region's first."""
    areas = {a.name: a for a in region.service_areas}
    if spec is None:
        if not areas:
            raise ScenarioError(f"region {region.name} has no service area: give one "
                                "(--area FILE.geojson or 'area' in the scenario)")
        return next(iter(areas.values()))
    if not isinstance(spec, str):
        raise ScenarioError(f"{where}: 'area' must be a service area name or a GeoJSON file")
    if spec in areas:
        return areas[spec]
    path = Path(spec)
    if path.suffix.lower() in (".geojson", ".json"):
        specs = read_service_areas(path)
        return ServiceArea(specs[0].name, specs[0].geometry, (), specs[0].properties)
    raise ScenarioError(f"{where}: 'area' {spec!r} is neither a service area of "
                        f"{region.name} ({', '.join(areas) or 'none'}) nor a .geojson file")


def _default_depot(region: Region, area: ServiceArea) -> tuple[float, float]:
    """The region's first vehicle's depot in the area, else its busiest stop."""
    for name, v in region.config.fleet:
        if name == area.name:
            return v.start
    hubs, w = hubs_of(region, area)
    return (float(hubs[int(np.argmax(w))][0]), float(hubs[int(np.argmax(w))][1])
            ) if len(hubs) else (0.0, 0.0)


# -- where trips start and end ---------------------------------------------------------
def homes_of(region: Region, area: ServiceArea, buildings: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray, str]:
    """Trip ends at home: mapped buildings and addresses inside the area (weight 1 each)
    plus points along residential streets (weight: one per 100 m of street), and a line
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
    return pts, w, (f"homes: {nb} mapped buildings/addresses and {int(inside.sum())} "
                    "residential street segments")


def hubs_of(region: Region, area: ServiceArea) -> tuple[np.ndarray, np.ndarray]:
    """Transit stops inside the area, weighted by their departures on the default date
    (the busiest stop is, in a rural district, the town centre)."""
    tt = region.timetable
    counts = stop_departures(region)
    pts = np.c_[tt.stop_lat, tt.stop_lon]
    keep = np.array([area.contains((a, b)) for a, b in pts], dtype=bool) & (counts > 0)
    return pts[keep], counts[keep]


def demand_for(region: Region, sc: Scenario, demand: Path | None, skip_bad: bool,
               buildings: np.ndarray | None = None) -> tuple[list[Trip], list[str]]:
    """The day's trips: read from ``demand`` or drawn for the area (by the scenario's seed)."""
    if demand is not None:
        return read_demand(demand, skip_bad=skip_bad)
    if buildings is None:
        from shapely.geometry import shape

        lon0, lat0, lon1, lat1 = shape(sc.area.geometry).bounds
        buildings = _buildings(region.config.osm, (lat0, lon0, lat1, lon1))
    homes, hw, note = homes_of(region, sc.area, buildings)
    hubs, bw = hubs_of(region, sc.area)
    rng = np.random.default_rng(sc.seed)
    return synthetic_demand(homes, hw, hubs, bw, sc.hours, sc.rate_per_hour,
                            sc.prebooked_share, sc.notice_s, rng), [note]


@functools.lru_cache(maxsize=8)
def _buildings(osm: Path, bbox: tuple[float, float, float, float]) -> np.ndarray:
    """Homes mapped in the extract (one pass over it, ~3 s: read once per process)."""
    from feeds.osm import home_points

    return home_points(osm, bbox)


# -- runs ----------------------------------------------------------------------------------
@dataclass
class Run:
    """One simulated scenario: its result, KPIs and the demand's notes."""

    scenario: Scenario
    result: SimResult
    kpis: dict[str, Any]
    notes: list[str]


def run(region: Region, sc: Scenario, trips: list[Trip], notes: list[str],
        progress: Callable[[int, int], None] | None = None) -> Run:
    travel = StreetTravel(StreetRouter(region.streets["car"]))
    res = simulate(sc, trips, travel, progress)
    return Run(sc, res, compute_kpis(res, travel), notes)


def variants(base: Scenario, vehicles: list[int], rates: list[float]) -> list[Scenario]:
    """Every combination of fleet size and demand rate (in that order)."""
    out = []
    for n, r in itertools.product(vehicles or [len(base.vehicles)],
                                  rates or [base.rate_per_hour]):
        out.append(replace(base.with_fleet(n), rate_per_hour=r))
    return out


def label(sc: Scenario) -> str:
    return f"{len(sc.vehicles)}veh-{sc.rate_per_hour:g}perh"


def _sweep_one(args: tuple[str, Path, Path, Scenario, Path | None, bool, Path | None]
               ) -> tuple[str, dict[str, Any]]:
    """A sweep variant in a worker process: load the region, simulate, write its report."""
    from mobility.region import load_region
    from mobility.report import write_report

    name, data, cache, sc, demand, skip_bad, out = args
    region = load_region(name, data=data, cache_dir=cache)
    trips, notes = demand_for(region, sc, demand, skip_bad)
    r = run(region, sc, trips, notes)
    if out is not None:
        write_report(region, r, out / label(sc))
    return label(sc), r.kpis


def sweep(name: str, data: Path, cache: Path, scenarios: list[Scenario], demand: Path | None,
          skip_bad: bool, out: Path | None, workers: int,
          done: Callable[[str], None] | None = None) -> dict[str, dict[str, Any]]:
    """Each scenario in its own process (at most ``workers`` at once); KPIs by label."""
    results: dict[str, dict[str, Any]] = {}
    ctx = get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futs = [pool.submit(_sweep_one, (name, data, cache, sc, demand, skip_bad, out))
                for sc in scenarios]
        for f in as_completed(futs):
            key, k = f.result()
            results[key] = k
            if done is not None:
                done(key)
    return {label(sc): results[label(sc)] for sc in scenarios}


def comparison(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The planner's main view: one row per variant."""
    return [{"variant": key, "vehicles": k["vehicles"],
             "rate_per_hour": float(key.split("-")[1].removesuffix("perh")),
             "requests": k["requests"],
             "served_share": k["served_share"], "wait_p95_min": k["wait_min"]["p95"],
             "pooling_rate": k["pooling_rate"], "vehicle_km": k["vehicle_km"],
             "cost_per_served_trip": k["cost_per_served_trip"]}
            for key, k in results.items()]


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))
