"""The analysis end to end: :func:`run_access` (the CLI's and a job API's entry point)."""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from mobility.access.analysis import (
    CellResult,
    Chunk,
    Setup,
    cells_task,
    combine,
    drivable,
    gains,
    stops_task,
    summary,
)
from mobility.access.errors import AccessError
from mobility.access.ondemand import Measure, measure
from mobility.access.opportunities import Opportunities, opportunities
from mobility.access.origins import Cells, origin_cells
from mobility.access.transit import egress_walks
from mobility.engine import Engine, engine
from mobility.region import Region
from mobility.sim.variant import RegionRef

#: progress(stage, done, total): stages "origins", "walks", "tasks", "combine"
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class AccessOptions:
    """The analysis' options (the CLI's flags)."""

    to: str
    data: Path
    cache: Path
    window: str = "07:00-09:00"
    max_min: int = 60
    area: str | None = None
    vehicles: list[int] | None = None  #: None: the area's configured fleet size
    population: Path | None = None
    cell_m: float = 250.0
    access_min: int = 15
    workers: int = 1
    ray: str | None = None
    date: dt.date | None = None  #: None: the region's default date
    currency: str | None = None
    #: analyse only these cells (indices into the region's cells; tests, benchmarks)
    cell_subset: tuple[int, ...] | None = None
    cells_per_task: int = 64
    #: False: transit and walking only (no simulation, no on-demand option)
    ondemand: bool = True


@dataclass
class AccessResult:
    """The answer: cells, their figures, the fleets' measures, the summary and timings."""

    options: AccessOptions
    region: str
    date: dt.date
    departures: np.ndarray
    cells: Cells
    opps: Opportunities
    result: CellResult
    measures: list[Measure]
    summary: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    searches: int = 0
    engine: str = "local"
    area_name: str = ""
    area_geometry: dict[str, Any] | None = None  #: the service area (GeoJSON geometry)

    def gain(self, vehicles: int) -> np.ndarray:
        return gains(self.result.before[:, 1], self.result.after[vehicles][:, 1],
                     float(self.options.max_min))

    def columns(self) -> dict[str, np.ndarray]:
        """The per-cell table (one column per figure; ``inf`` minutes: unreachable)."""
        r = self.result
        cols: dict[str, np.ndarray] = {"weight": self.cells.weight, "lat": self.cells.lat,
                                       "lon": self.cells.lon}
        for k, q in enumerate(("p25", "p50", "p75")):
            cols[f"before_{q}"] = r.before[:, k]
        cols["opps_within_before"] = r.count_before
        for v in sorted(r.after):
            for k, q in enumerate(("p25", "p50", "p75")):
                cols[f"after{v}_{q}"] = r.after[v][:, k]
            cols[f"opps_within_after{v}"] = r.count_after[v]
            cols[f"gain{v}"] = self.gain(v)
        return cols

    def cells_geojson(self) -> dict[str, Any]:
        """The cells as a GeoJSON FeatureCollection (squares; unreachable times: null)."""
        cols = self.columns()
        feats = []
        for i in range(len(self.cells)):
            props: dict[str, Any] = {}
            for k, v in cols.items():
                x = v[i]
                if isinstance(x, (bool, np.bool_)):
                    props[k] = bool(x)
                else:
                    f = float(x)
                    props[k] = round(f, 3) if math.isfinite(f) else None
            feats.append({"type": "Feature", "properties": props,
                          "geometry": {"type": "Polygon",
                                       "coordinates": [[list(p) for p in
                                                        self.cells.polygon(i)]]}})
        return {"type": "FeatureCollection", "features": feats}

    def to_json(self) -> dict[str, Any]:
        return {"region": self.region, "date": self.date.isoformat(),
                "to": self.options.to, "opportunities": len(self.opps),
                "opportunity_names": self.opps.names,
                "window": self.options.window, "minutes": len(self.departures),
                "max_min": self.options.max_min, "area": self.area_name,
                "cells": len(self.cells), "origins": self.cells.source,
                "cell_m": self.cells.size_m, "engine": self.engine,
                "workers": self.options.workers, "searches": self.searches,
                **self.summary, "timings_s": self.timings}


def parse_window(text: str) -> tuple[int, int]:
    """``HH:MM-HH:MM`` → seconds after midnight (end after start, at most 6 hours)."""
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text or "")
    if not m:
        raise AccessError(f"--window must be HH:MM-HH:MM, e.g. 07:00-09:00, not {text!r}")
    h0, m0, h1, m1 = (int(x) for x in m.groups())
    if m0 > 59 or m1 > 59 or h0 > 30 or h1 > 30:
        raise AccessError(f"--window: {text!r} is not a time range")
    a, b = 3600 * h0 + 60 * m0, 3600 * h1 + 60 * m1
    if not 0 < b - a <= 6 * 3600:
        raise AccessError(f"--window must end after it starts and span at most 6 hours, "
                          f"not {text!r}")
    return a, b


def _task(kind: str, setup: Setup, payload: Any) -> Any:
    """One unit of work of any engine: a chunk of cells, of stops, or one simulation."""
    if kind == "cells":
        return cells_task(setup, *payload)
    if kind == "stops":
        return stops_task(setup, payload)
    area, currency = setup.area_spec, setup.currency
    return measure(setup.ref.load(), int(payload), area, currency)


def run_access(region: Region, options: AccessOptions, progress: Progress | None = None,
               eng: Engine | None = None) -> AccessResult:
    """Run the analysis (see README "Accessibility: who gains access").

    Raises
    ------
    AccessError
        Bad options or input files (the message says what to fix).
    MobilityError
        Other user errors (an unknown service area, a date outside the feed).
    """
    from mobility import sim
    from mobility.planning import RegionPlanner

    t0 = time.perf_counter()
    timings: dict[str, float] = {}

    def tick(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    start, end = parse_window(options.window)
    if not 1 <= options.max_min <= 240:
        raise AccessError(f"--max must be 1 to 240 minutes, not {options.max_min}")
    departures = np.arange(start, end, 60, dtype=np.int64)
    date: dt.date = options.date or region.default_date
    planner = RegionPlanner(region)
    planner.check_date(date)
    opps = opportunities(region, options.to)
    base = sim.load_scenario(region, None, sim.Overrides(area=options.area,
                                                         currency=options.currency))
    fleets = options.vehicles or [len(base.vehicles)]
    if any(n < 1 or n > 200 for n in fleets):
        raise AccessError(f"--vehicles must be 1 to 200 each, not {fleets}")
    area = base.area
    tick("origins", 0, 1)
    cells = origin_cells(region, options.cell_m, options.population)
    if options.cell_subset is not None:
        cells = cells.subset(np.array(options.cell_subset, np.int64))
    if not len(cells):
        raise AccessError("no origin cell lies near the region's streets")
    tick("origins", 1, 1)
    timings["origins_s"] = round(time.perf_counter() - t0, 2)
    t1 = time.perf_counter()
    router = planner.transit
    walk = planner.street("walk")
    access_s = 60 * options.access_min
    max_s = 60 * options.max_min
    walks = egress_walks(walk, router, opps.points(), access_s)
    tt = region.timetable
    car = planner.street("car")
    area_stops = [k for k in range(tt.n_stops)
                  if area.contains((float(tt.stop_lat[k]), float(tt.stop_lon[k])))
                  and drivable(car, (float(tt.stop_lat[k]), float(tt.stop_lon[k])))]
    net = region.streets["walk"]
    w = walk._w  # seconds per edge, as the router weighs them
    fast = float(np.max(net.length / np.maximum(w, 1e-9))) if len(w) else 1.4
    setup = Setup(RegionRef.of(region, options.data, options.cache), date, departures, max_s,
                  access_s, opps.points(), walks.egress, tt.stop_lat.astype(float),
                  tt.stop_lon.astype(float), fast, area, area_stops,
                  np.array([area.contains(p) and drivable(car, p) for p in opps.points()], bool),
                  np.arange(start, int(departures[-1]) + max_s + 60, 60, dtype=np.int64),
                  area_spec=options.area, currency=options.currency)
    timings["walks_s"] = round(time.perf_counter() - t1, 2)
    tick("walks", 1, 1)
    t2 = time.perf_counter()
    if not options.ondemand:
        fleets, area_stops = [], []
        setup = replace(setup, area=None, area_stops=[], grid=setup.grid[:0])
    tasks: list[tuple[str, Setup, Any]] = [("sim", setup, n) for n in fleets]
    step = max(1, options.cells_per_task)
    for a in range(0, len(cells), step):
        tasks.append(("cells", setup, (cells.lat[a:a + step], cells.lon[a:a + step])))
    for a in range(0, len(area_stops), 8):
        tasks.append(("stops", setup, area_stops[a:a + 8]))
    done = [0]

    def one(_: int) -> None:
        done[0] += 1
        tick("tasks", done[0], len(tasks))

    tick("tasks", 0, len(tasks))
    own = eng is None
    runner = eng if eng is not None else engine(options.ray, options.workers)
    try:
        outs = runner.map(_task, tasks, one)
    finally:
        if own:
            runner.close()
    timings["tasks_s"] = round(time.perf_counter() - t2, 2)
    measures: list[Measure] = [o for o, t in zip(outs, tasks, strict=True) if t[0] == "sim"]
    chunks: list[Chunk] = [o for o, t in zip(outs, tasks, strict=True) if t[0] == "cells"]
    stabs = [o for o, t in zip(outs, tasks, strict=True) if t[0] == "stops"]
    tables = (np.concatenate(stabs) if stabs
              else np.zeros((0, len(setup.grid), len(opps)), np.int64))
    t3 = time.perf_counter()
    res = combine(np.concatenate([c.arrivals for c in chunks]),
                  np.concatenate([c.car_opp for c in chunks]),
                  np.concatenate([c.car_stop for c in chunks]), departures, max_s, measures,
                  tables, setup.grid)
    tick("combine", 1, 1)
    timings["combine_s"] = round(time.perf_counter() - t3, 2)
    timings["analysis_s"] = round(time.perf_counter() - t0, 2)
    searched = sum(c.searched for c in chunks)
    return AccessResult(options, region.name, date, departures, cells, opps, res, measures,
                        summary(cells.weight, res, measures, float(options.max_min)),
                        timings, searched * len(departures) + len(area_stops) * len(setup.grid),
                        runner.name, area.name, area.geometry)
