"""The rhein-neckar district at full size: its four on-demand areas (10 vehicles each, 40 in
all) and the ~3,000 requests a day of its ``[demand]`` profile, with the hourly re-plan.

Prints, per area, the simulated day (requests, served, re-plans and the optimiser's time per
re-plan) and the instant insertion's median and p95 (make the request, quote, commit: what a
booking costs the dispatcher), on the region's streets and their contraction hierarchy
(``--area-streets``: each area on its own streets, 3 km around it, searched by Dijkstra);
then the worst case of one dispatcher holding all 40 vehicles while every trip of the day is
booked into it (its plans fill up to a full day's bookings); the whole simulated day's wall
time (the areas in parallel processes, ``--workers``); and the street matrix under all of it
(200 x 200 on addison-vt against scipy, as ``benchmarks/street.py`` measures it).

Usage: python benchmarks/district.py [--workers 2] [--seed 1] [--area-streets]
       [--twin-json FILE]

``--twin-json FILE`` merges a recorded twin run's figures (the last line of
``benchmarks/twin.py``: each key as ``twin_<key>``, ``rss_growth_pct`` as it is) into the
last line. The last line is one JSON object with
at least ``insertion_p95_ms`` (the worst of the per-area and 40-in-one p95s), ``reopt_s_max``,
``day_s``, ``matrix_200_ms`` and ``matrix_speedup_vs_scipy``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, stats_ms  # noqa: E402
from scipy.sparse import csr_matrix  # noqa: E402
from scipy.sparse.csgraph import dijkstra as scipy_dijkstra  # noqa: E402

from dispatch.demand import Trip  # noqa: E402
from dispatch.insertion import Dispatcher, NoOffer  # noqa: E402
from dispatch.model import BREAK_PREFIX  # noqa: E402
from dispatch.travel import CachedTravel, StreetTravel  # noqa: E402
from mobility.region import Region, load_region  # noqa: E402
from mobility.settings import Settings  # noqa: E402
from mobility.sim import area_router, demand_for, district_scenarios, run  # noqa: E402
from routing.errors import MobilityError  # noqa: E402

REGION = "rhein-neckar"
_REGION: Region | None = None


def _region(cache: Path | None) -> Region:
    global _REGION
    if _REGION is None:
        s = Settings()
        _REGION = load_region(REGION, data=s.data, cache_dir=cache or s.cache)
    return _REGION


def _area_day(args: tuple[int, int, Path | None, bool]) -> dict:
    """One area's simulated day (in a worker process): its figures and its trips."""
    k, seed, cache, area_streets = args
    region = _region(cache)
    sc = district_scenarios(region, seed)[k]
    t0 = time.perf_counter()
    trips, notes = demand_for(region, sc)
    t_demand = time.perf_counter() - t0
    # the region's streets with their contraction hierarchy (quotes and re-plan matrices on
    # it); --area-streets: each area's own streets instead, searched by Dijkstra
    router = area_router(region, sc.area) if area_streets else region.router("car")
    r = run(region, sc, trips, notes, router=router)
    res = r.result
    status = [o.status for o in res.outcomes.values()]
    return {"area": sc.area.name, "vehicles": len(sc.vehicles), "requests": len(trips),
            "standing": sum(t.id.startswith("o") for t in trips),
            "served": status.count("served"), "rejected": status.count("rejected"),
            "request_s": res.request_s, "replan_s": [x.seconds for x in res.replans],
            "replans": len(res.replans), "adopted": sum(x.adopted for x in res.replans),
            "demand_s": t_demand, "day_s": time.perf_counter() - t0,
            "trips": [(t.id, t.time, t.origin, t.destination, t.booked_at, t.passengers,
                       t.wheelchair) for t in trips]}


def forty_in_one(region: Region, trips: list[Trip]) -> list[float]:
    """Seconds per booking (request, quote, commit) on one dispatcher holding every
    vehicle of the district, the day's trips booked in order of booking time and nothing
    driven: its plans grow to a full day's bookings."""
    vehicles = [v for a in region.service_areas for v in a.vehicles]
    travel = CachedTravel(StreetTravel(region.router("car")))
    d = Dispatcher(vehicles, travel)
    out = []
    for t in sorted(trips, key=lambda t: (t.booked_at, t.time, t.id)):
        t0 = time.perf_counter()
        try:
            req = d.make_request(t.id, t.origin, t.destination, earliest_pickup=t.time,
                                 passengers=t.passengers, wheelchairs=int(t.wheelchair))
        except MobilityError:
            continue
        offer = d.quote(req)
        if not isinstance(offer, NoOffer):
            d.commit(offer)
        out.append(time.perf_counter() - t0)
    booked = sum(1 for r in d.requests if not r.startswith(BREAK_PREFIX))
    print(f"40-in-one: {booked} bookings in the plans at the end of the day")
    return out


def matrix_figures(cache: Path | None, seed: int) -> dict[str, float]:
    """The street matrix under all of this: a 200 x 200 car matrix on addison-vt on the
    region's contraction hierarchy, against plain scipy Dijkstra from the 200 sources on the
    same graph (medians of 5 runs each), as ``benchmarks/street.py`` measures it."""
    s = Settings()
    region = load_region("addison-vt", data=s.data, cache_dir=cache or s.cache)
    net = region.streets["car"]
    router = region.router("car")
    idx = np.random.default_rng(seed).integers(0, net.n_nodes, 200)
    pts = [(float(net.node_lat[i]), float(net.node_lon[i])) for i in idx]
    router.matrix(pts[:2], pts[:2])  # the hierarchy loaded, the kernels compiled
    adj = csr_matrix((net.travel_time.astype(float), net.head, net.indptr),
                     shape=(net.n_nodes, net.n_nodes))

    def timed(fn) -> float:  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    ours = float(np.median([timed(lambda: router.matrix(pts, pts)) for _ in range(5)]))
    theirs = float(np.median([timed(lambda: scipy_dijkstra(adj, True, idx))
                              for _ in range(5)]))
    print(f"200x200 car matrix on addison-vt: {1000 * ours:.1f} ms (scipy from 200 sources "
          f"{1000 * theirs:.1f} ms: {theirs / ours:.1f}x)")
    return {"matrix_200_ms": round(1000 * ours, 2), "matrix_200_scipy_ms": round(1000 * theirs, 1),
            "matrix_speedup_vs_scipy": round(theirs / ours, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2, help="processes for the areas' days")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--area-streets", action="store_true",
                    help="each area on its own streets (Dijkstra) instead of the region's "
                         "contraction hierarchy")
    ap.add_argument("--twin-json", type=Path, default=None,
                    help="a recorded twin run's JSON object, merged into the last line")
    args = ap.parse_args()
    region = _region(args.cache)  # compiled (or loaded) once, before the workers start
    region.contraction("car")  # the hierarchy too (cached next to the region)
    n = len(district_scenarios(region, args.seed))
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        days = list(pool.map(_area_day, [(k, args.seed, args.cache, args.area_streets)
                                             for k in range(n)]))
    day_s = time.perf_counter() - t0
    print(f"district day: {n} areas, {sum(d['vehicles'] for d in days)} vehicles, "
          f"{sum(d['requests'] for d in days)} requests "
          f"({sum(d['standing'] for d in days)} standing orders), {args.workers} processes")
    print("| area | vehicles | requests | served | insertion median / p95 ms | re-plans taken "
          "| s per re-plan (median / max) | demand s | day s |")
    print("|---|---|---|---|---|---|---|---|---|")
    p95s = []
    for d in days:
        med, p95 = stats_ms(d["request_s"])
        p95s.append(p95)
        rs = d["replan_s"] or [0.0]
        print(f"| {d['area']} | {d['vehicles']} | {d['requests']} | {d['served']} "
              f"({100 * d['served'] / max(d['requests'], 1):.1f} %) | {med:.2f} / {p95:.2f} | "
              f"{d['adopted']} of {d['replans']} | {np.median(rs):.2f} / {max(rs):.2f} | "
              f"{d['demand_s']:.1f} | {d['day_s']:.1f} |")
    # ids are per area: prefixed with it for the one dispatcher of every area
    trips = [Trip(f"{d['area']}-{t[0]}", *t[1:]) for d in days for t in d["trips"]]
    all_med, all_p95 = stats_ms(forty_in_one(region, trips))
    print(f"40-in-one insertion: median {all_med:.2f} ms, p95 {all_p95:.2f} ms")
    reopt = max(max(d["replan_s"] or [0.0]) for d in days)
    print(f"re-optimisation: max {reopt:.2f} s per area re-plan")
    print(f"simulated district day: {day_s:.1f} s (wall, {args.workers} processes)")
    figures: dict[str, object] = {
        "insertion_p95_ms": round(max(*p95s, all_p95), 2),
        "insertion_p95_ms_area_max": round(max(p95s), 2),
        "insertion_p95_ms_40_in_one": round(all_p95, 2),
        "insertion_median_ms_40_in_one": round(all_med, 2),
        "reopt_s_max": round(reopt, 3), "day_s": round(day_s, 1),
        "requests": sum(d["requests"] for d in days),
        "served": sum(d["served"] for d in days)}
    figures.update(matrix_figures(args.cache, args.seed))
    if args.twin_json is not None:  # a recorded twin run's figures, named as the twin's
        lines = args.twin_json.read_text(encoding="utf-8").strip().splitlines()
        twin = json.loads(lines[-1])  # (the twin prints its table first, its JSON last)
        figures.update({k if k.startswith("twin_") or k == "rss_growth_pct" else f"twin_{k}": v
                        for k, v in twin.items()})
    emit(figures)


if __name__ == "__main__":
    main()
