"""Accessibility figures on addison-vt (2016-03-03): all origin cells × all stops × every
minute 07:00–09:00 to the town centres (Middlebury, Vergennes, Bristol; 45 minutes),
transit-only and with the default on-demand service (the area's configured fleet); the whole
analysis' time and range-query searches per second on 1 and 2 workers of the local pool and
of Ray; the one-to-all range query (routing.range_raptor) against repeated single searches.

Usage: python benchmarks/access.py [--no-ray] [--range-cells 40]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, peak_rss_mb  # noqa: E402

from mobility.access import AccessOptions, run_access  # noqa: E402
from mobility.access.origins import origin_cells  # noqa: E402
from mobility.access.transit import stop_points, walk_from  # noqa: E402
from mobility.planning import RegionPlanner  # noqa: E402
from mobility.region import Region, load_region  # noqa: E402
from mobility.settings import Settings  # noqa: E402

CENTRES = "stops:771333,771400,771306"


def range_figures(region: Region, n_cells: int) -> dict[str, object]:
    """The range query over 120 departure minutes against 120 single searches, for the
    first ``n_cells`` cells that have stops within a 15-minute walk (same answers)."""
    from routing.range_raptor import range_arrivals

    p = RegionPlanner(region)
    walk, router = p.street("walk"), p.transit
    date: dt.date = region.default_date
    deps = list(range(7 * 3600, 9 * 3600, 60))
    stops = stop_points(router)
    cells = origin_cells(region)
    sources = []
    for a, b in cells.points():
        acc = walk_from(walk, (a, b), stops, 900)
        src = [(int(k), int(acc[k])) for k in np.flatnonzero(acc < 10**12)]
        if src:
            sources.append(src)
        if len(sources) == n_cells:
            break
    router.search(date, sources[0])  # compile / warm both paths
    range_arrivals(router, date, sources[0], deps[:2])
    t0 = time.perf_counter()
    ranged = [range_arrivals(router, date, src, deps) for src in sources]
    t_range = time.perf_counter() - t0
    t0 = time.perf_counter()
    single = [np.array([router.search(date, [(s, d + w) for s, w in src]).best()[-1]
                        for d in deps]) for src in sources]
    t_single = time.perf_counter() - t0
    same = all(np.array_equal(a, b) for a, b in zip(ranged, single, strict=True))
    return {"range_cells": len(sources), "range_s": round(t_range, 3),
            "single_searches_s": round(t_single, 3),
            "range_speedup": round(t_single / t_range, 2) if t_range else None,
            "range_same_as_single": same}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--no-ray", action="store_true", help="skip the Ray runs")
    ap.add_argument("--range-cells", type=int, default=40)
    args = ap.parse_args()
    s = Settings()
    region = load_region("addison-vt", data=s.data, cache_dir=s.cache)
    base = AccessOptions(to=CENTRES, data=s.data, cache=s.cache, window="07:00-09:00",
                         max_min=45, currency=s.currency)
    figures: dict[str, object] = {"region": region.name}
    runs = {}
    engines = [("pool", None)] + ([] if args.no_ray else [("ray", "auto")])
    for name, ray in engines:
        for workers in (1, 2):
            for ondemand in (False, True):
                if ray is not None:
                    try:
                        import ray as _  # noqa: F401
                    except ImportError:
                        print("ray is not installed: pip install 'mobility[ray]'")
                        break
                res = run_access(region, replace(base, workers=workers, ray=ray,
                                                 ondemand=ondemand))
                key = f"{name}{workers}_{'ondemand' if ondemand else 'transit'}"
                runs[key] = res
                tasks_s = res.timings["tasks_s"]
                print(f"{key:>20}: {res.timings['analysis_s']:6.1f} s, {res.searches:,} "
                      f"searches, {res.searches / tasks_s:,.0f}/s in the tasks "
                      f"({tasks_s:.1f} s)")
                figures[f"{key}_s"] = res.timings["analysis_s"]
                figures[f"{key}_searches_per_s"] = round(res.searches / tasks_s)
    main_run = runs["pool2_ondemand"]
    fleet = main_run.summary["fleets"][0]
    figures.update({
        "cells": len(main_run.cells), "stops": int(region.timetable.n_stops),
        "minutes": len(main_run.departures), "searches": main_run.searches,
        "analysis_s": main_run.timings["analysis_s"],
        "vehicles": fleet["vehicles"], "served_share": fleet["served_share"],
        "residents": main_run.summary["residents"],
        "residents_within_before": main_run.summary["residents_within_before"],
        "residents_gaining": fleet["residents_gaining"],
        "cost_per_resident_gaining": fleet["cost_per_resident_gaining"]})
    same = None
    if "ray2_ondemand" in runs:
        a, b = main_run, runs["ray2_ondemand"]
        same = (np.array_equal(a.result.before, b.result.before)
                and all(np.array_equal(a.result.after[n], b.result.after[n])
                        for n in a.result.after)
                and a.summary == b.summary)
    figures["ray_same_result"] = same
    rf = range_figures(region, args.range_cells)
    print(f"range query: {rf['range_s']} s vs {rf['single_searches_s']} s of single "
          f"searches for {rf['range_cells']} cells × 120 minutes: ×{rf['range_speedup']} "
          f"(same answers: {rf['range_same_as_single']})")
    figures.update(rf)
    figures["peak_rss_mb"] = round(peak_rss_mb(), 1)
    emit(figures)


if __name__ == "__main__":
    main()
