"""The analysis' work and its results: what each worker computes for a chunk of cells
(transit arrivals, car times) or of stops (transit on from a stop), how the on-demand option
mixes in by the measured served share, the per-cell percentiles and the population-weighted
summaries."""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field

import numpy as np

from dispatch.service_area import ServiceArea
from mobility.access.ondemand import QUANTILES, Measure, ride_arrivals
from mobility.access.transit import INF, cell_arrivals, stop_tables
from mobility.sim.variant import RegionRef
from routing.errors import OutOfRegionError
from routing.geo import local_metres
from routing.street_router import LatLon, StreetRouter

#: the per-cell percentiles of the times over the window's minutes
PERCENTILES = (25.0, 50.0, 75.0)


@dataclass(frozen=True)
class Setup:
    """Everything a worker needs besides the region (loaded from ``ref`` once per process);
    small enough to ship with each task."""

    ref: RegionRef
    date: dt.date
    departures: np.ndarray  #: departure times (s after midnight), one per minute
    max_s: int
    access_s: int
    opps: list[LatLon]
    egress: np.ndarray  #: (n_stops, n_opp) walking seconds, INF beyond access_s
    stop_lat: np.ndarray
    stop_lon: np.ndarray
    walk_max_mps: float  #: the walk network's fastest speed (prunes hopeless cells)
    area: ServiceArea | None
    area_stops: list[int] = field(default_factory=list)
    opp_in_area: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    grid: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    area_spec: str | None = None  #: ``--area`` as given (the simulations load it again)
    currency: str | None = None


@dataclass
class Chunk:
    """A worker's answer for a chunk of cells."""

    arrivals: np.ndarray  #: (n, M, O) int64: transit/walk arrival at each opportunity
    car_opp: np.ndarray   #: (n, O) float: door-to-door car seconds (inf: not offered)
    car_stop: np.ndarray  #: (n, A) float: car seconds to the area's stops (inf: no ride)
    searched: int         #: cells that needed a range query (searches = this × M)


@functools.lru_cache(maxsize=2)
def _routers(ref: RegionRef) -> tuple:  # type: ignore[type-arg]
    from mobility.planning import RegionPlanner

    p = RegionPlanner(ref.load())
    return p.street("walk"), p.street("car"), p.transit


def cells_task(setup: Setup, lat: np.ndarray, lon: np.ndarray) -> Chunk:
    """Arrivals by walk + transit at every opportunity for every departure minute, and the
    car times of the on-demand option, for the cells at ``lat``/``lon``."""
    walk, car, router = _routers(setup.ref)
    n, m, o = len(lat), len(setup.departures), len(setup.opps)
    arrivals = np.full((n, m, o), INF, np.int64)
    olat = np.array([p[0] for p in setup.opps])
    olon = np.array([p[1] for p in setup.opps])
    reach_m = setup.walk_max_mps * 1.05
    searched = 0
    for i in range(n):
        a, b = float(lat[i]), float(lon[i])
        near_opp = o and float(np.min(local_metres(a, b, olat, olon))) <= reach_m * setup.max_s
        near_stop = (float(np.min(local_metres(a, b, setup.stop_lat, setup.stop_lon)))
                     <= reach_m * setup.access_s)
        if not (near_opp or near_stop):
            continue  # nothing within walking reach: transit-only never gets there
        searched += int(near_stop)
        arrivals[i] = cell_arrivals(walk, router, setup.date, (a, b), setup.opps,
                                    _walks(setup), setup.departures, setup.max_s)
    n_a = len(setup.area_stops)
    car_opp = np.full((n, o), np.inf)
    car_stop = np.full((n, n_a), np.inf)
    if setup.area is not None:
        inside = [i for i in range(n) if setup.area.contains((float(lat[i]), float(lon[i])))
                  and drivable(car, (float(lat[i]), float(lon[i])))]
        if inside:
            pts = [(float(lat[i]), float(lon[i])) for i in inside]
            targets = ([p for p, ok in zip(setup.opps, setup.opp_in_area, strict=True) if ok]
                       + [(float(setup.stop_lat[s]), float(setup.stop_lon[s]))
                          for s in setup.area_stops])
            dur, _ = car.matrix(pts, targets, float(setup.max_s))
            k = int(setup.opp_in_area.sum())
            cols = np.flatnonzero(setup.opp_in_area)
            for row, i in enumerate(inside):
                car_opp[i, cols] = dur[row, :k]
                car_stop[i] = dur[row, k:]
    return Chunk(arrivals, car_opp, car_stop, searched)


def drivable(car: StreetRouter, point: LatLon) -> bool:
    """Whether a car can pick up at ``point`` (a street usable by car within reach)."""
    try:
        car.snap(*point)
    except OutOfRegionError:
        return False
    return True


def _walks(setup: Setup):  # type: ignore[no-untyped-def]
    from mobility.access.transit import Walks

    return Walks(setup.egress, setup.access_s)


def stops_task(setup: Setup, stops: list[int]) -> np.ndarray:
    """Arrival at each opportunity leaving each of ``stops`` at each time of the grid:
    ``(len(stops), G, O)`` (an on-demand ride's transit part)."""
    _, _, router = _routers(setup.ref)
    return stop_tables(router, setup.date, stops, setup.grid, setup.egress)


# -- mixing and percentiles -------------------------------------------------------------
def weighted_percentile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value whose cumulative weight reaches ``q`` % of the total (the
    inverted weighted CDF; with equal weights, numpy's ``inverted_cdf`` percentile).
    ``inf`` values count (unreachable samples)."""
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    keep = w > 0
    v, w = v[keep], w[keep]
    if not len(v):
        return math.nan
    cum = np.cumsum(w)
    k = int(np.searchsorted(cum, q / 100.0 * cum[-1] - 1e-9 * cum[-1], side="left"))
    return float(v[min(k, len(v) - 1)])


def samples(before: np.ndarray, after: np.ndarray, share: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """The weighted samples of one cell's times with the on-demand service: each minute's
    transit-only value with weight ``1 − share`` and each of its on-demand values (one per
    measured quartile, ``after`` shape ``(Q, M)``) with weight ``share / Q``."""
    q = after.shape[0]
    vals = np.concatenate([before, after.ravel()])
    w = np.concatenate([np.full(before.shape, 1.0 - share),
                        np.full(after.size, share / q)])
    return vals, w


def feeder_arrivals(departures: np.ndarray, car_stop: np.ndarray, m: Measure,
                    tables: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Arrival at each opportunity riding on demand to one of the area's stops and on by
    transit, per quartile and departure: ``(Q, M, O)``. The ride's arrival at the stop is
    rounded up to the next time of the stop tables' grid (a minute): never earlier than
    possible."""
    n_q, n_m = len(QUANTILES), len(departures)
    n_o = tables.shape[2] if tables.ndim == 3 else 0
    out = np.full((n_q, n_m, n_o), INF, np.int64)
    ok = np.flatnonzero(np.isfinite(car_stop))
    if not len(ok) or not len(grid):
        return out
    at = ride_arrivals(departures, car_stop[ok], m)  # (Q, M, a)
    step = int(grid[1] - grid[0]) if len(grid) > 1 else 60
    for k in range(n_q):
        fin = np.isfinite(at[k])
        g = np.where(fin, np.ceil((np.where(fin, at[k], 0) - grid[0]) / step), len(grid))
        g = np.clip(g, 0, len(grid)).astype(np.int64)
        valid = g < len(grid)
        gi = np.minimum(g, len(grid) - 1)
        vals = tables[ok[None, :], gi]  # (M, a, O)
        vals = np.where(valid[:, :, None], vals, INF)
        out[k] = vals.min(axis=1)
    return out


@dataclass
class CellResult:
    """Per-cell figures of one scenario (before = transit and walking only)."""

    before: np.ndarray        #: (n, 3) p25/p50/p75 minutes to the nearest (inf: none)
    count_before: np.ndarray  #: (n,) median opportunities within T
    after: dict[int, np.ndarray] = field(default_factory=dict)        #: vehicles → (n, 3)
    count_after: dict[int, np.ndarray] = field(default_factory=dict)  #: vehicles → (n,)


def nearest_and_count(arr: np.ndarray, departures: np.ndarray, max_s: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Minutes to the nearest opportunity and opportunities within ``max_s`` per departure
    (``arr`` shape ``(..., M, O)``)."""
    t = np.where(arr < INF, arr - departures[:, None], np.iinfo(np.int64).max)
    near = t.min(axis=-1).astype(np.float64) if arr.shape[-1] else np.full(
        arr.shape[:-1], np.inf)
    near[near >= np.iinfo(np.int64).max / 2] = np.inf
    return near / 60.0, (t <= max_s).sum(axis=-1)


def combine(arrivals: np.ndarray, car_opp: np.ndarray, car_stop: np.ndarray,
            departures: np.ndarray, max_s: int, measures: list[Measure],
            tables: np.ndarray, grid: np.ndarray) -> CellResult:
    """Per-cell percentiles without and with the on-demand service of each measured fleet."""
    n = arrivals.shape[0]
    res = CellResult(np.full((n, 3), np.inf), np.zeros(n))
    for m in measures:
        res.after[m.vehicles] = np.full((n, 3), np.inf)
        res.count_after[m.vehicles] = np.zeros(n)
    ones = np.ones(len(departures))
    for i in range(n):
        near0, cnt0 = nearest_and_count(arrivals[i], departures, max_s)
        res.before[i] = [weighted_percentile(near0, ones, q) for q in PERCENTILES]
        res.count_before[i] = weighted_percentile(cnt0.astype(float), ones, 50.0)
        offered = np.isfinite(car_opp[i]).any() or np.isfinite(car_stop[i]).any()
        for m in measures:
            if not offered or m.served == 0 or m.served_share <= 0:
                res.after[m.vehicles][i] = res.before[i]
                res.count_after[m.vehicles][i] = res.count_before[i]
                continue
            door = ride_arrivals(departures, car_opp[i], m)  # (Q, M, O)
            door_i = np.where(np.isfinite(door), door, INF).astype(np.int64)
            feed = feeder_arrivals(departures, car_stop[i], m, tables, grid)
            best = np.minimum(np.minimum(door_i, feed), arrivals[i][None])
            near1, cnt1 = nearest_and_count(best, departures, max_s)
            v, w = samples(near0, near1, m.served_share)
            res.after[m.vehicles][i] = [weighted_percentile(v, w, q) for q in PERCENTILES]
            cv, cw = samples(cnt0.astype(float), cnt1.astype(float), m.served_share)
            res.count_after[m.vehicles][i] = weighted_percentile(cv, cw, 50.0)
    return res


# -- summaries --------------------------------------------------------------------------
def gains(before_p50: np.ndarray, after_p50: np.ndarray, max_min: float) -> np.ndarray:
    """Cells gaining access within T: median time above T without, at most T with."""
    return (before_p50 > max_min) & (after_p50 <= max_min)


def _wmedian(x: np.ndarray, w: np.ndarray) -> float | None:
    v = weighted_percentile(x, w, 50.0) if len(x) else math.nan
    return None if not math.isfinite(v) else round(v, 2)


def _wmean(x: np.ndarray, w: np.ndarray) -> float | None:
    ok = np.isfinite(x) & (w > 0)
    return round(float(np.average(x[ok], weights=w[ok])), 2) if ok.any() else None


def summary(weight: np.ndarray, res: CellResult, measures: list[Measure], max_min: float
            ) -> dict[str, object]:
    """Population-weighted figures of each fleet size: residents gaining access within T,
    per vehicle-hour and per unit of operating cost; mean (over residents who reach one)
    and median (unreachable counts as never) of the median time, before and after."""
    b50 = res.before[:, 1]
    total = float(weight.sum())
    within0 = float(weight[b50 <= max_min].sum())
    out: dict[str, object] = {
        "residents": round(total, 1),
        "residents_within_before": round(within0, 1),
        "median_min_before": _wmedian(b50, weight),
        "mean_min_before": _wmean(b50, weight)}
    fleets = []
    for m in measures:
        a50 = res.after[m.vehicles][:, 1]
        g = gains(b50, a50, max_min)
        gaining = float(weight[g].sum())
        fleets.append({
            **m.to_dict(),
            "residents_gaining": round(gaining, 1),
            "cells_gaining": int(g.sum()),
            "residents_within_after": round(float(weight[a50 <= max_min].sum()), 1),
            "gaining_per_vehicle_hour": (round(gaining / m.vehicle_hours, 3)
                                         if m.vehicle_hours else None),
            "gaining_per_1000_cost": round(1000 * gaining / m.cost, 3) if m.cost else None,
            "cost_per_resident_gaining": round(m.cost / gaining, 2) if gaining else None,
            "median_min_after": _wmedian(a50, weight),
            "mean_min_after": _wmean(a50, weight)})
    out["fleets"] = fleets
    return out
